// Copy buttons for the bank-transfer details. Progressive: without JS the values are plain,
// selectable text; with JS each [data-copy] value gets a "Sao chép" button beside it.
(function () {
  "use strict";
  var box = document.querySelector("[data-copy-label]");
  if (!box) return;
  var label = box.getAttribute("data-copy-label"), done = box.getAttribute("data-copied-label");

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  Array.prototype.forEach.call(box.querySelectorAll("[data-copy]"), function (value) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = label;
    button.setAttribute("aria-label", label + " " + (value.getAttribute("data-copy-name") || ""));
    button.setAttribute("data-copy-for", value.id);
    button.addEventListener("click", function () {
      copy(value.getAttribute("data-copy")).then(function () {
        button.textContent = done;
        button.classList.add("copied");
        setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 2500);
      }, function () {
        // Could not copy: select the text so the shopper can copy it by hand.
        var range = document.createRange();
        range.selectNodeContents(value);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      });
    });
    value.parentNode.appendChild(button);  // inside the <dd>, after the value
  });
})();
