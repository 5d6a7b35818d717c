// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy can
// forbid inline scripts.
(function () {
  "use strict";
  // Every HTMX request carries the CSRF token of the page (meta csrf-token in base.html).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
    }
  });
  // <form data-confirm="Eliminare…?">: ask before submitting an irreversible action.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
}());
