// The live preview says whether the typed value is off target (#deviation-state): the deviation
// note is then required (also for assistive technologies), and no longer once back on target.
(function () {
  function sync() {
    var state = document.getElementById("deviation-state");
    var note = document.querySelector("#measurement-form [name$='deviation_note']");
    if (!state || !note) { return; }
    if (state.getAttribute("data-off-target") === "true") {
      note.setAttribute("required", "");
      note.setAttribute("aria-required", "true");
    } else {
      note.removeAttribute("required");
      note.removeAttribute("aria-required");
    }
  }
  document.body.addEventListener("htmx:afterSettle", sync);
}());
