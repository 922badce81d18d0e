// The answer form: Enter moves to the next empty box instead of submitting a half-filled
// exercise, and submitting with blank parts asks first. Without this script the server asks.
(function () {
  "use strict";
  var form = document.querySelector("form.answers");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[data-part]"));
  var dialog = document.getElementById("blank-dialog");

  function blank(input) { return !input.value.trim(); }

  // The numbers of the parts with a blank box ("Part 2" is the second fieldset); a step's
  // box is never a blank part.
  function blankParts() {
    var found = [];
    form.querySelectorAll("fieldset.part").forEach(function (set) {
      var boxes = Array.prototype.filter.call(set.querySelectorAll("input[data-part]"),
        function (box) { return !box.closest(".steps"); });
      if (Array.prototype.some.call(boxes, blank)) found.push(set.getAttribute("data-number"));
    });
    return found;
  }

  inputs.forEach(function (input, i) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      var rest = inputs.slice(i + 1).concat(inputs.slice(0, i)).filter(blank);
      if (!rest.length) return; // every other box is filled: Enter submits
      event.preventDefault();
      rest[0].focus();
    });
  });

  function submitAnyway() {
    var flag = document.createElement("input");
    flag.type = "hidden";
    flag.name = "confirm_blank";
    flag.value = "1";
    form.appendChild(flag);
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name === "confirm_blank") return;
    // "Show hint" and "Break it into steps" post the form elsewhere: nothing is submitted
    if (event.submitter && event.submitter.hasAttribute("formaction")) return;
    var parts = blankParts();
    var total = form.querySelectorAll("fieldset.part").length;
    // nothing typed at all: the server says so, and no attempt is used
    if (!parts.length || inputs.every(blank) || !dialog || !dialog.showModal) return;
    event.preventDefault();
    var T = window.gradeWords;
    var what = parts.length === 1 ? T("1 part is blank") : T("%(n)s parts are blank", {n: parts.length});
    if (parts.length === total) what = T("Every part has a blank box");
    var named = parts.map(function (n) { return T("Part %(n)s", {n: n}); }).join(", ");
    document.getElementById("blank-dialog-text").textContent =
      what + " (" + named + ") — " +
      T("submit anyway? Blank parts score 0, and submitting uses an attempt.");
    dialog.showModal();
    document.getElementById("blank-back").focus();
  });

  if (dialog) {
    document.getElementById("blank-submit").addEventListener("click", function () {
      dialog.close();
      submitAnyway();
    });
    document.getElementById("blank-back").addEventListener("click", function () {
      dialog.close();
      var first = inputs.filter(blank)[0];
      if (first) first.focus();
    });
  }
})();
