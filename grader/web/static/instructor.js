// Progressive enhancement for the instructor's forms: until a time zone has been chosen, the
// zone field starts from the browser's own (the server keeps UTC and reads dates in the zone sent).
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  document.querySelectorAll("input[data-guess-zone]").forEach(function (input) {
    if (!input.value || input.value === "UTC") { input.value = zone; }
  });
}());
