// Check-in: scan the voucher's QR code with the phone camera where the browser has BarcodeDetector;
// the typed-code form always works without it. Also the guest list's print button.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var box = document.querySelector("[data-scanner]");
  var form = document.querySelector("[data-code-form]");
  if (!box || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  box.hidden = false;
  var video = box.querySelector("[data-scan-video]");
  var status = box.querySelector("[data-scan-status]");
  var input = form.querySelector("input[name=code]");
  function codeFrom(text) {
    try { var url = new URL(text); return url.searchParams.get("code") || text; } catch (e) { return text; }
  }
  box.querySelector("[data-scan-start]").addEventListener("click", function () {
    var detector = new BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      function stop() { stream.getTracks().forEach(function (track) { track.stop(); }); video.hidden = true; }
      function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length) { stop(); input.value = codeFrom(codes[0].rawValue); form.submit(); }
          else { requestAnimationFrame(look); }
        }).catch(function () { requestAnimationFrame(look); });
      }
      look();
    }).catch(function () { status.textContent = box.dataset.denied || ""; });
  });
})();
