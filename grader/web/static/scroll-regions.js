// What is too wide for a phone (a matrix in a part's prompt, a table, a graph, code) scrolls
// inside its own box, never the page; a box that does scroll, and holds nothing that takes
// the keyboard's focus, takes it itself, so arrow keys scroll it too (WCAG: scrollable
// regions are keyboard accessible). Without this script it still scrolls by touch and mouse.
(function () {
  "use strict";
  var BOXES = ".prompt, .table-wrap, .graph-scroll, .code-checks, pre.code-answer, pre.caret, " +
    "ol.listing";
  function mark() {
    document.querySelectorAll(BOXES).forEach(function (box) {
      var inner = box.querySelector("a[href], button, input, select, textarea, [tabindex]");
      if (box.scrollWidth > box.clientWidth + 1 && !inner) box.setAttribute("tabindex", "0");
      else if (box.getAttribute("tabindex") === "0") box.removeAttribute("tabindex");
    });
  }
  var pending = 0;
  function later() { clearTimeout(pending); pending = setTimeout(mark, 100); }
  mark();
  window.addEventListener("resize", later);
  // boxes that come later (a preview's caret under a typed answer) are marked too
  if (window.MutationObserver) {
    new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  }
})();
