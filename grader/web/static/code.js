// Code boxes: line numbers, Tab / Shift+Tab indentation (Esc then Tab leaves the box),
// Enter keeps the indentation, and "Run the checks" without leaving the page.
(function () {
  "use strict";
  var INDENT = "    ";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";

  function gutter(area) {
    var pre = area.parentNode.querySelector(".gutter");
    if (!pre) return;
    var lines = area.value.split("\n").length;
    var out = [];
    for (var i = 1; i <= lines; i++) out.push(i);
    pre.textContent = out.join("\n") + "\n";
    pre.scrollTop = area.scrollTop;
  }

  function replace(area, start, end, text, caretStart, caretEnd) {
    area.setRangeText(text, start, end, "end");
    area.selectionStart = caretStart;
    area.selectionEnd = caretEnd;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function indent(area, back) {
    var v = area.value, s = area.selectionStart, e = area.selectionEnd;
    var lineStart = v.lastIndexOf("\n", s - 1) + 1;
    if (!back && s === e) {  // a plain Tab: spaces to the next stop
      var pad = INDENT.slice((s - lineStart) % INDENT.length);
      replace(area, s, e, pad, s + pad.length, s + pad.length);
      return;
    }
    var block = v.slice(lineStart, e);
    var lines = block.split("\n");
    var first = 0, total = 0;
    lines = lines.map(function (line, i) {
      if (!back) { if (i === 0) first = INDENT.length; total += INDENT.length; return INDENT + line; }
      var n = Math.min(INDENT.length, line.length - line.replace(/^ +/, "").length);
      if (i === 0) first = -n;
      total -= n;
      return line.slice(n);
    });
    replace(area, lineStart, e, lines.join("\n"), Math.max(lineStart, s + first), e + total);
  }

  function newline(area) {
    var v = area.value, s = area.selectionStart;
    var lineStart = v.lastIndexOf("\n", s - 1) + 1;
    var lead = /^ */.exec(v.slice(lineStart, s))[0];
    if (/:\s*$/.test(v.slice(lineStart, s))) lead += INDENT;
    var text = "\n" + lead;
    replace(area, s, area.selectionEnd, text, s + text.length, s + text.length);
  }

  function wire(area) {
    var escaped = false;
    area.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { escaped = true; return; }
      if (ev.key === "Tab" && !escaped && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
        ev.preventDefault();
        indent(area, ev.shiftKey);
      } else if (ev.key === "Enter" && !ev.shiftKey && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
        ev.preventDefault();
        ev.stopPropagation();  // not "move to the next box": a newline in code
        newline(area);
      }
      if (ev.key !== "Tab") escaped = false;
    });
    area.addEventListener("input", function () { gutter(area); });
    area.addEventListener("scroll", function () {
      var pre = area.parentNode.querySelector(".gutter");
      if (pre) pre.scrollTop = area.scrollTop;
    });
    gutter(area);
  }

  function run(button) {
    var part = button.value;
    var area = document.querySelector('textarea[data-code-part="' + part + '"]');
    var box = document.getElementById(area.id + "-checks");
    button.disabled = true;
    box.textContent = window.gradeWords("Running your code on the checks…");
    fetch(button.getAttribute("data-checks-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify({ part: part, code: area.value })
    }).then(function (r) {
      if (r.status === 401) return { message: window.gradeWords("Your session has expired; reload the page and sign in.") };
      if (r.status === 429) return { message: window.gradeWords("Too many runs at once; try again in a few seconds.") };
      return r.json();
    }).then(function (data) {
      if (data.html) {
        box.innerHTML = data.html;  // rendered by the server, escaped there
      } else {
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = data.message || window.gradeWords("The checks could not run.");
        box.replaceChildren(p);
      }
    }).catch(function () {
      box.textContent = window.gradeWords("The checks could not be reached; your code is still in the box.");
    }).then(function () { button.disabled = false; });
  }

  document.querySelectorAll("textarea[data-code-part]").forEach(wire);
  document.querySelectorAll("button.run-checks").forEach(function (button) {
    if (!window.fetch) return;
    button.addEventListener("click", function (ev) { ev.preventDefault(); run(button); });
  });
})();
