// Type-ahead for the search boxes: progressive enhancement over a plain GET form.
(function () {
  "use strict";
  var inputs = document.querySelectorAll('input[type="search"][name="q"]');
  Array.prototype.forEach.call(inputs, function (input, n) {
    var endpoint = input.getAttribute("data-suggest") || "/search/suggest";
    var list = document.createElement("ul");
    list.id = "suggest-" + n;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    // Looks come from .suggestions in site.css (dark text on white, also inside the green header).
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    input.form.appendChild(list);
    var timer = null, last = "";

    function show(items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.name;
        li.setAttribute("role", "option");
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { show([]); return; }
      timer = setTimeout(function () {
        if (q === last) return;
        last = q;
        fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) { if (input.value.trim() === q) show(data.suggestions || []); })
          .catch(function () { show([]); });
      }, 150);
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") show([]); });
    document.addEventListener("click", function (e) { if (!input.form.contains(e.target)) show([]); });
  });
})();
