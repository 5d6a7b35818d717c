// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy can
// forbid inline scripts.
(function () {
  "use strict";
  // <form data-confirm="Eliminare…?">: ask before submitting an irreversible action.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
}());
