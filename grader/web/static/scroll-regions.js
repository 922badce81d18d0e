// A formula too wide for a phone (a matrix in a part's prompt) scrolls inside its own box,
// never the page; a box that does scroll can take the keyboard's focus, so arrow keys scroll
// it too (WCAG: scrollable regions are keyboard accessible). Without this script it still
// scrolls by touch and mouse.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".prompt").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
