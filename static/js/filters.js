// Catalogue filter form: leave empty fields out of the URL so shared links stay short.
(function () {
  "use strict";
  var form = document.querySelector("form.filter-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value === "") field.disabled = true;
    });
  });
  // Re-enable if the page is restored from the back/forward cache.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(form.elements, function (field) { field.disabled = false; });
  });
})();
