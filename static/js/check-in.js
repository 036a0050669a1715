// Check-in: scan the voucher's QR code with the phone camera, with BarcodeDetector where the browser
// has it (Chrome on Android) and with the vendored jsQR decoder where it has not (Safari on iPhone,
// Firefox), loaded only then; the typed-code form always works without either. Also the guest
// list's print button.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var box = document.querySelector("[data-scanner]");
  var form = document.querySelector("[data-code-form]");
  if (!box || !form || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  box.hidden = false;
  var video = box.querySelector("[data-scan-video]");
  var status = box.querySelector("[data-scan-status]");
  var input = form.querySelector("input[name=code]");
  function codeFrom(text) {
    try { var url = new URL(text); return url.searchParams.get("code") || text; } catch (e) { return text; }
  }
  function loadJsQR() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(window.jsQR); return; }
      var script = document.createElement("script");
      script.src = box.dataset.decoder;
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  // A reader: a function from the video to a promise of the code's text, or null when none is seen.
  function makeReader() {
    if ("BarcodeDetector" in window) {
      var detector = new BarcodeDetector({ formats: ["qr_code"] });
      return Promise.resolve(function () {
        return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      });
    }
    return loadJsQR().then(function (jsQR) {
      var canvas = document.createElement("canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      return function () {
        var scale = Math.min(1, 640 / (video.videoWidth || 640));
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        if (!canvas.width || !canvas.height) return Promise.resolve(null);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(found ? found.data : null);
      };
    });
  }
  box.querySelector("[data-scan-start]").addEventListener("click", function () {
    status.textContent = box.dataset.starting || "";
    Promise.all([makeReader(), navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })])
      .then(function (ready) {
        var read = ready[0];
        var stream = ready[1];
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        status.textContent = box.dataset.aim || "";
        function stop() { stream.getTracks().forEach(function (track) { track.stop(); }); video.hidden = true; }
        function look() {
          read().then(function (text) {
            if (text) { stop(); status.textContent = box.dataset.found || ""; input.value = codeFrom(text); form.submit(); }
            else { setTimeout(look, 150); }
          }).catch(function () { setTimeout(look, 300); });
        }
        look();
      })
      .catch(function () { status.textContent = box.dataset.denied || ""; });
  });
})();
