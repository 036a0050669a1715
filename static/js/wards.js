// Checkout: after a province is picked, load its wards into the ward list (the form works without this).
(function () {
  var form = document.getElementById("contact-form");
  var province = document.getElementById("province_code"), ward = document.getElementById("ward_code");
  if (!form || !province || !ward || !window.fetch) return;
  var endpoint = form.getAttribute("data-wards-url");
  var shown = form.getAttribute("data-wards-province");
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });
  function load() {
    var wanted = province.value;
    fetch(endpoint + "?province=" + encodeURIComponent(wanted))
      .then(function (r) { return r.json(); })
      .then(function (items) {
        if (province.value !== wanted) return; // a later pick is on its way
        var first = ward.options[0], kept = ward.value;
        ward.innerHTML = "";
        ward.appendChild(first);
        items.forEach(function (w) { ward.appendChild(new Option(w.name, w.code)); });
        ward.value = items.some(function (w) { return String(w.code) === kept; }) ? kept : "0";
        shown = wanted;
      });
  }
  province.addEventListener("change", load);
  // A province picked before this script ran (a slow phone, a fast hand, the back button) has no
  // change event left to hear: the ward list still shows the province the server rendered.
  if (province.value !== shown) load();
})();
