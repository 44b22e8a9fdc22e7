// Records pages. Loaded with `defer` from the records templates; no inline script (CSP).
(function () {
  "use strict";

  // The activity form asks for a due date and an assignee only when the kind is "task".
  function toggleTaskFields(form) {
    var kind = form.querySelector("[name=kind]");
    if (!kind) { return; }
    var isTask = kind.value === "task";
    ["due_at", "assignee"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (!input) { return; }
      var label = form.querySelector("label[for=" + input.id + "]");
      [input, label, input.nextElementSibling].forEach(function (el) {
        if (el && (el === input || el === label || el.matches("small, .errorlist"))) {
          el.classList.toggle("hidden", !isTask && !input.getAttribute("aria-invalid"));
        }
      });
    });
  }
  function setUpActivityForms(root) {
    (root || document).querySelectorAll("#activity-form").forEach(toggleTaskFields);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("#activity-form [name=kind]")) {
      toggleTaskFields(event.target.form);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { setUpActivityForms(); });
  document.addEventListener("htmx:afterSettle", function (event) { setUpActivityForms(event.target); });
})();
