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
    said.set(input, { value: value, text: data.ok ? "read as " + data.text : data.message });
    settleLater(input);
    if (data.ok) {
      var p = para("read", "We read your answer as ");
      // MathML built and sanitised on the server from the parsed answer (no user markup).
      var holder = document.createElement("span");
      holder.innerHTML = data.mathml;
      p.appendChild(holder);
      input.removeAttribute("aria-invalid");
      show(box, [p]);
      return;
    }
    var nodes = [para("error", data.message || "We could not read this.")];
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
      if (r.status === 401) return { ok: false, message: "Your session has expired; reload the page and sign in." };
      if (r.status === 429) return { ok: false, message: "Slow down a little; the preview will catch up." };
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
