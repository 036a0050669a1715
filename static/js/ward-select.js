// Checkout recipient step: reload the ward list when the province changes (without JS, the
// "Xem phường / xã" button posts the form and the server answers with the list).
(function () {
  "use strict";
  var form = document.getElementById("contact-form");
  var province = document.getElementById("province_code"), ward = document.getElementById("ward_code");
  if (!form || !province || !ward || !window.fetch) return;
  var url = form.getAttribute("data-wards-url");
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });
  province.addEventListener("change", function () {
    fetch(url + "?province=" + encodeURIComponent(province.value))
      .then(function (r) { return r.json(); })
      .then(function (items) {
        var first = ward.options[0];
        ward.innerHTML = "";
        ward.appendChild(first);
        items.forEach(function (w) { ward.appendChild(new Option(w.name, w.code)); });
        ward.value = "0";
      });
  });
})();
