// Product videos: a tap on a poster plays the clip in place, by framing our own player page
// (/products/<slug>/videos/<id>?framed=1), whose policy alone lets the platform's frame in.
// Without JavaScript the poster is a plain link to that page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var poster = event.target.closest ? event.target.closest("a[data-video-player]") : null;
    if (!poster) return;
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = poster.href + (poster.href.indexOf("?") < 0 ? "?" : "&") + "framed=1";
    frame.title = poster.querySelector(".video-title").textContent;
    frame.className = "video-frame";
    frame.setAttribute("allow", "autoplay; encrypted-media; picture-in-picture; fullscreen");
    frame.setAttribute("allowfullscreen", "");
    poster.parentNode.replaceChild(frame, poster);
    frame.focus();
  });
})();
