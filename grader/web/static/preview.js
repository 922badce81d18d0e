// Live preview: "we read your answer as" (server MathML) or the error with a caret.
// The form works without this script; it only adds the preview while typing.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-preview-url");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var timers = new WeakMap();
  var serial = new WeakMap();

  function show(box, nodes) {
    box.replaceChildren.apply(box, nodes);
  }

  function para(cls, text) {
    var p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    return p;
  }

  function render(input, box, data) {
    if (data.empty) { show(box, []); input.removeAttribute("aria-invalid"); return; }
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
    serial.set(input, n);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRF-Token": token },
      body: JSON.stringify({ expression: input.value, part: input.getAttribute("data-part") })
    }).then(function (r) {
      if (r.status === 401) return { ok: false, message: "Your session has expired; reload the page and sign in." };
      if (r.status === 429) return { ok: false, message: "Slow down a little; the preview will catch up." };
      return r.json();
    }).then(function (data) {
      if (serial.get(input) === n) render(input, box, data);
    }).catch(function () { /* offline: the form still submits */ });
  }

  form.querySelectorAll("input[data-part]").forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timers.get(input));
      timers.set(input, setTimeout(function () { ask(input); }, 250));
    });
  });
})();
