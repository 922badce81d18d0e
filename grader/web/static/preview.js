// Live preview: "we read your answer as" (server MathML) or the error with a caret.
// The form works without this script; it only adds the preview while typing.
// Screen readers hear only settled states: once typing has paused or the box is left, never
// the transient "the answer ends after '*'" of each keystroke.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-preview-url");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var timers = new WeakMap();
  var serial = new WeakMap();
  var said = new WeakMap(); // {value, text}: the reading of the box's current value
  var quiet = new WeakMap();
  var status = document.getElementById("preview-status");
  var SETTLE_MS = 1500;
  var lastSpoken = "";

  function label(input) {
    var l = form.querySelector('label[for="' + input.id + '"] .sr-only');
    return l ? l.textContent.trim() : "";
  }

  function announce(input) {
    var state = said.get(input);
    if (!status || !state || state.value !== input.value) return;
    var text = label(input) + ": " + state.text;
    if (text === lastSpoken) return;
    lastSpoken = text;
    status.textContent = text;
  }

  function settleLater(input) {
    clearTimeout(quiet.get(input));
    quiet.set(input, setTimeout(function () { announce(input); }, SETTLE_MS));
  }

  function show(box, nodes) {
    box.replaceChildren.apply(box, nodes);
  }

  function para(cls, text) {
    var p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    return p;
  }

  function render(input, box, data, value) {
    if (data.empty) { show(box, []); input.removeAttribute("aria-invalid"); return; }
    said.set(input, { value: value, text: data.ok ? window.gradeWords("read as ") + data.text : data.message });
    settleLater(input);
    if (data.ok) {
      var p = para("read", window.gradeWords("We read your answer as "));
      // MathML built and sanitised on the server from the parsed answer (no user markup).
      var holder = document.createElement("span");
      holder.innerHTML = data.mathml;
      p.appendChild(holder);
      input.removeAttribute("aria-invalid");
      show(box, [p]);
      return;
    }
    var nodes = [para("error", data.message || window.gradeWords("We could not read this."))];
    if (data.caret) {
      var pre = document.createElement("pre");
      pre.className = "caret";
      pre.textContent = data.caret;
      nodes.push(pre);
    }
    input.setAttribute("aria-invalid", "true");
    show(box, nodes);
  }

  function ask(input) {
    var box = document.getElementById(input.id + "-preview");
    var n = (serial.get(input) || 0) + 1;
    var value = input.value;
    serial.set(input, n);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRF-Token": token },
      body: JSON.stringify({ expression: value, part: input.getAttribute("data-part") })
    }).then(function (r) {
      if (r.status === 401) return { ok: false, message: window.gradeWords("Your session has expired; reload the page and sign in.") };
      if (r.status === 429) return { ok: false, message: window.gradeWords("Slow down a little; the preview will catch up.") };
      return r.json();
    }).then(function (data) {
      if (serial.get(input) === n) render(input, box, data, value);
    }).catch(function () { /* offline: the form still submits */ });
  }

  form.querySelectorAll("input[data-part]").forEach(function (input) {
    input.addEventListener("blur", function () { announce(input); });
    input.addEventListener("input", function () {
      clearTimeout(quiet.get(input));
      clearTimeout(timers.get(input));
      timers.set(input, setTimeout(function () { ask(input); }, 250));
    });
  });
})();

// Matrix answers: a grid of boxes, one number each, for a value part whose answer is a
// vector or matrix. The grid writes the nested list into the (hidden) text box the form
// submits, so the preview shows the matrix read; pasting a nested list (or rows copied from a
// spreadsheet) into any box fills the grid. Without this script the text box takes the list.
(function () {
  "use strict";

  function cellsOf(text) {
    // "[[1, 2], [3, 4]]", "[1, 2, 3]" or tab/space-separated rows: a list of rows of texts
    var t = text.trim();
    if (t.charAt(0) === "[") {
      t = t.replace(/^\[\s*/, "").replace(/\s*\]$/, "");
      var rows = t.indexOf("[") >= 0 ? t.split(/\]\s*,?\s*\[/) : [t];
      return rows.map(function (row) {
        return row.replace(/[\[\]]/g, "").split(",").map(function (c) { return c.trim(); });
      });
    }
    return t.split(/\r?\n/).map(function (row) {
      return row.trim().split(/\t|,|\s+/).filter(function (c) { return c !== ""; });
    });
  }

  function build(input) {
    var shape = JSON.parse(input.getAttribute("data-shape"));
    var rows = shape.length === 2 ? shape[0] : 1;
    var cols = shape.length === 2 ? shape[1] : shape[0];
    var grid = document.createElement("div");
    grid.className = "answer-grid";
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-label", (shape.length === 2 ? rows + " by " + cols + " matrix" :
      "vector of " + cols) + ", one number per box");
    grid.style.gridTemplateColumns = "repeat(" + cols + ", minmax(3.5em, 7em))";
    var boxes = [];
    for (var i = 0; i < rows; i++) {
      for (var j = 0; j < cols; j++) {
        var box = document.createElement("input");
        box.className = "cell";
        box.id = input.id + "-" + i + "-" + j;
        box.setAttribute("autocomplete", "off");
        // a full keyboard where the keypad below is not used: phones' own decimal keypads
        // may have no minus sign (the keypad sets "none" while it is shown)
        box.setAttribute("inputmode", "text");
        box.setAttribute("autocapitalize", "off");
        box.setAttribute("enterkeyhint", "next");
        box.setAttribute("spellcheck", "false");
        box.setAttribute("aria-label", shape.length === 2 ?
          "row " + (i + 1) + ", column " + (j + 1) : "entry " + (j + 1));
        grid.appendChild(box);
        boxes.push(box);
      }
    }

    function write() {
      var texts = boxes.map(function (b) { return b.value.trim(); });
      if (texts.every(function (t) { return t === ""; })) { input.value = ""; }
      else {
        var out = [];
        for (var r = 0; r < rows; r++) {
          out.push("[" + texts.slice(r * cols, (r + 1) * cols).join(", ") + "]");
        }
        input.value = shape.length === 2 ? "[" + out.join(", ") + "]" : out[0];
      }
      input.dispatchEvent(new Event("input"));
    }

    function fill(text) {
      var cells = cellsOf(text);
      if (shape.length === 1 && cells.length > 1) {  // a column pasted into a vector
        cells = [cells.map(function (row) { return row[0]; })];
      }
      for (var r = 0; r < rows; r++) {
        for (var c = 0; c < cols; c++) {
          boxes[r * cols + c].value = (cells[r] && cells[r][c] !== undefined) ? cells[r][c] : "";
        }
      }
    }

    if (input.value.trim()) fill(input.value);
    boxes.forEach(function (box, k) {
      box.addEventListener("input", write);
      box.addEventListener("keydown", function (event) {
        // Enter goes to the grid's next empty box; in the last one it submits, as elsewhere
        if (event.key !== "Enter" || event.isComposing) return;
        var next = boxes.slice(k + 1).filter(function (b) { return !b.value.trim(); })[0];
        if (!next) return;
        event.preventDefault();
        next.focus();
      });
      box.addEventListener("paste", function (event) {
        var text = (event.clipboardData || window.clipboardData).getData("text");
        if (!/[\[,\t\n]/.test(text)) return;  // one number: an ordinary paste
        // 12,5 is one number with a decimal comma, not two entries: the box keeps it, and the
        // preview says which row and column to write with a point
        if (/^\s*[-+]?\d+,\d+\s*$/.test(text)) return;
        event.preventDefault();
        fill(text);
        write();
      });
    });
    // The text box stays in the form (it is what is submitted) but out of sight and out of
    // the Tab order; focus sent to it (Enter from another part) goes to the grid.
    input.classList.add("sr-only");
    input.tabIndex = -1;
    input.setAttribute("aria-hidden", "true");
    input.addEventListener("focus", function () {
      (boxes.filter(function (b) { return !b.value.trim(); })[0] || boxes[0]).focus();
    });
    if (input.disabled) boxes.forEach(function (b) { b.disabled = true; });
    input.parentNode.insertBefore(grid, input);
    if (!input.disabled) keypad(grid, boxes);
  }

  // On a phone (a narrow screen or a touch screen) the grid brings its own keypad: digits, a
  // minus sign, a decimal point, a slash, delete, and the previous and next box, so no phone
  // keyboard is needed (a phone's decimal keypad may lack the minus). "Phone keyboard" gives
  // the phone's own keyboard back for that grid (and "Number keys" the keypad again).
  var PHONE = "(max-width: 40em), (pointer: coarse)";
  var KEYS = [["7"], ["8"], ["9"], ["\u232b", "Delete", "delete"],
              ["4"], ["5"], ["6"], ["\u2212", "Minus", "-"],
              ["1"], ["2"], ["3"], ["/", "Divide", "/"],
              ["\u2039", "Previous box", "previous"], ["0"], [".", "Decimal point", "."],
              ["\u203a", "Next box", "next"]];

  function keypad(grid, boxes) {
    var current = boxes[0];
    var typing = false;  // the phone's own keyboard was asked for
    var pad = document.createElement("div");
    pad.className = "keypad";
    pad.hidden = true;
    pad.setAttribute("role", "group");
    pad.setAttribute("aria-label", "Number keys for the grid");
    var keys = document.createElement("div");
    keys.className = "keys";
    KEYS.forEach(function (key) {
      var b = document.createElement("button");
      b.type = "button";
      b.tabIndex = -1;  // Tab stays on the grid's boxes
      b.textContent = key[0];
      b.setAttribute("data-key", key[2] || key[0]);
      if (key[1]) b.setAttribute("aria-label", key[1]);
      keys.appendChild(b);
    });
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.tabIndex = -1;
    toggle.className = "secondary keyboard";
    toggle.textContent = "Phone keyboard";
    pad.appendChild(keys);
    pad.appendChild(toggle);
    grid.parentNode.insertBefore(pad, grid.nextSibling);

    function wanted() { return window.matchMedia && window.matchMedia(PHONE).matches; }

    function show() {
      var on = wanted();
      pad.hidden = !on;
      keys.hidden = typing;
      toggle.textContent = typing ? "Number keys" : "Phone keyboard";
      boxes.forEach(function (b) { b.setAttribute("inputmode", on && !typing ? "none" : "text"); });
    }

    function inside(node) { return node && (grid.contains(node) || pad.contains(node)); }

    function edit(box, text, back) {
      var end = box.selectionEnd === null ? box.value.length : box.selectionEnd;
      var start = box.selectionStart === null ? end : box.selectionStart;
      if (back && start === end && start > 0) start -= 1;
      box.setRangeText(text, start, end, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }

    boxes.forEach(function (box) {
      box.addEventListener("focus", function () { current = box; show(); });
    });
    grid.addEventListener("focusout", function () {
      setTimeout(function () { if (!inside(document.activeElement)) pad.hidden = true; }, 0);
    });
    // a press on the keypad keeps the focus (and the caret) in the box
    pad.addEventListener("mousedown", function (event) { event.preventDefault(); });
    keys.addEventListener("click", function (event) {
      var b = event.target.closest("button");
      if (!b) return;
      var key = b.getAttribute("data-key");
      var k = boxes.indexOf(current);
      if (key === "next" || key === "previous") {
        var to = boxes[k + (key === "next" ? 1 : -1)];
        if (to) to.focus(); else current.focus();
        return;
      }
      edit(current, key === "delete" ? "" : key, key === "delete");
      current.focus();
    });
    toggle.addEventListener("click", function () {
      typing = !typing;
      show();
      current.blur();  // the phone opens its keyboard for the new inputmode on the next focus
      current.focus();
    });
  }

  document.querySelectorAll("input[data-grid='cells']").forEach(build);
})();
