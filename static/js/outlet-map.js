// Points of sale on a Leaflet map, over the list that works without it (templates/outlets/index.html).
// Without JavaScript the section stays hidden; without a tile URL the points show on a blank background.
// Every text comes from data-* attributes (translated on the server); names go in as text, never HTML.
(function () {
  "use strict";
  var box = document.querySelector("[data-outlet-map]");
  if (!box || !window.L || !window.fetch || !document.querySelector) return;
  var d = box.dataset;
  box.hidden = false;
  var edges = d.bounds.split(",").map(Number); // south, west, north, east
  var province = L.latLngBounds([edges[0], edges[1]], [edges[2], edges[3]]);
  var map = L.map(box.querySelector(".outlet-map"), {
    maxBounds: province.pad(0.25),
    minZoom: 8,
    attributionControl: Boolean(d.tiles),
  });
  map.fitBounds(province);
  if (d.tiles) L.tileLayer(d.tiles, { attribution: d.attribution || "", maxZoom: 18 }).addTo(map);

  var markers = {};
  var points = [];

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function popup(feature) {
    var p = feature.properties;
    var node = element("div", "", "map-popup");
    node.appendChild(element("strong", p.name));
    node.appendChild(element("p", p.kind_name, "outlet-kind"));
    node.appendChild(element("p", p.address));
    var link = element("a", d.textOpen);
    link.href = p.url;
    node.appendChild(link);
    return node;
  }

  function showOnMap(slug) {
    var marker = markers[slug];
    if (!marker) return;
    box.scrollIntoView({ block: "start" });
    map.setView(marker.getLatLng(), 15);
    marker.openPopup();
  }

  function showButton(slug) {
    var button = element("button", d.textShow, "link show-on-map");
    button.type = "button";
    button.setAttribute("data-show-on-map", slug);
    button.addEventListener("click", function () { showOnMap(slug); });
    return button;
  }

  function kilometres(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var a = Math.pow(Math.sin(((lat2 - lat1) * rad) / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(((lon2 - lon1) * rad) / 2), 2);
    return 12742 * Math.asin(Math.sqrt(a));
  }

  function showNearest(lat, lon) {
    var list = box.querySelector("[data-nearest]");
    var number = new Intl.NumberFormat(document.documentElement.lang || "vi", { maximumFractionDigits: 1 });
    var sorted = points.map(function (f) {
      var c = f.geometry.coordinates; // GeoJSON: [longitude, latitude]
      return { feature: f, km: kilometres(lat, lon, c[1], c[0]) };
    }).sort(function (a, b) { return a.km - b.km; }).slice(0, 3);
    list.textContent = "";
    sorted.forEach(function (item) {
      var li = element("li", "", "card");
      li.setAttribute("data-testid", "nearest-outlet");
      var link = element("a", item.feature.properties.name);
      link.href = item.feature.properties.url;
      li.appendChild(link);
      li.appendChild(element("p", d.textDistance.replace("{km}", number.format(item.km)), "hint"));
      li.appendChild(showButton(item.feature.id));
      list.appendChild(li);
    });
    list.hidden = sorted.length === 0;
    L.circleMarker([lat, lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 })
      .addTo(map).bindTooltip(d.textHere);
    status(sorted.length ? "" : d.textNone);
  }

  function status(text) { box.querySelector("[data-near-status]").textContent = text; }

  var nearMe = box.querySelector("[data-near-me]");
  if (navigator.geolocation) {
    nearMe.hidden = false;
    nearMe.addEventListener("click", function () {
      status(d.textLocating);
      navigator.geolocation.getCurrentPosition(
        function (position) { showNearest(position.coords.latitude, position.coords.longitude); },
        function () { status(d.textDenied); },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });
  }

  fetch(d.geojson, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      points = data.features;
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var centre = feature.properties.kind === "provincial_centre";
          return L.circleMarker(latlng, {
            radius: centre ? 11 : 9, color: "#fff", weight: 2, fillColor: centre ? "#b8860b" : "#1f6f3f", fillOpacity: 1,
          });
        },
        onEachFeature: function (feature, marker) {
          marker.bindPopup(popup(feature), { maxWidth: 230, autoPanPaddingTopLeft: L.point(48, 12) }); // fits a phone, clear of the zoom buttons
          markers[feature.id] = marker;
        },
      }).addTo(map);
      if (points.length) map.fitBounds(layer.getBounds(), { maxZoom: 13, padding: [24, 24] });
      Array.prototype.forEach.call(document.querySelectorAll("[data-outlet-slug]"), function (card) {
        if (markers[card.getAttribute("data-outlet-slug")]) {
          card.appendChild(showButton(card.getAttribute("data-outlet-slug")));
        }
      });
      box.setAttribute("data-ready", "true");
    });
})();
