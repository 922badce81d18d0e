// The exam's time left, counted down from what the server said when the page was made (the
// server's clock decides; a reload asks it again). Screen readers hear it at 10 and 1 minutes
// left and when the time is up, never every second.
(function () {
  "use strict";
  var box = document.getElementById("exam-timer");
  if (!box) return;
  var shown = document.getElementById("exam-time-left");
  var announce = document.getElementById("exam-announce");
  var deadline = Date.now() + parseFloat(box.getAttribute("data-time-left")) * 1000;
  var said = {};

  function say(key, text) {
    if (said[key]) return;
    said[key] = true;
    announce.textContent = text;
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var T = window.gradeWords;
    shown.textContent = T("%(minutes)s min %(seconds)s s", {minutes: minutes, seconds: left % 60});
    if (left <= 600 && left > 540) say("ten", T("10 minutes left in the exam."));
    if (left <= 60 && left > 0) say("one", T("1 minute left in the exam."));
    if (left === 0) {
      say("up", T("Time is up. Your answers are no longer taken."));
      box.classList.add("time-up");
      document.querySelectorAll("form.answers button[type=submit]").forEach(function (b) {
        b.disabled = true;
      });
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
