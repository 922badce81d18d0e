// LTI pages: send the deep-linking answer back to the LMS, and on the landing page go on to
// the exercise when the session cookie survived the LMS frame (else offer a new window).
(function () {
  "use strict";
  var form = document.getElementById("lti-autopost");
  if (form) {
    form.submit();
    return;
  }
  var landing = document.getElementById("lti-landing");
  if (!landing) {
    return;
  }
  var blocked = document.getElementById("lti-blocked");
  blocked.hidden = true;
  fetch(landing.dataset.check, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (state) {
      if (state.signed_in) {
        window.location.replace(landing.dataset.target);
      } else {
        blocked.hidden = false;
      }
    })
    .catch(function () { blocked.hidden = false; });
})();
