/* Kommunalhub: start a sideways-scrolling neighbourhood picture (narrow screens) at its
   centre, where the municipality is. Without JavaScript it starts at the left edge. */
(function () {
  "use strict";
  document.querySelectorAll(".neighbourhood .nb-frame").forEach(function (frame) {
    frame.scrollLeft = Math.max(0, (frame.scrollWidth - frame.clientWidth) / 2);
  });
})();
