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

  // The list's bulk bar: "tick every record on this page", and how many are ticked. Without
  // JS each row is ticked by hand; the form still works.
  function bulkBoxes() {
    return document.querySelectorAll("input[name=ids][form=bulk-form]");
  }
  function showTicked() {
    var ticked = Array.prototype.filter.call(bulkBoxes(), function (box) { return box.checked; });
    var label = document.querySelector("#bulk-selected .bulk-ticked");
    if (label) { label.textContent = ticked.length ? "(" + ticked.length + ")" : ""; }
    var all = document.getElementById("bulk-select-page");
    if (all) {
      all.checked = ticked.length > 0 && ticked.length === bulkBoxes().length;
      all.indeterminate = ticked.length > 0 && ticked.length < bulkBoxes().length;
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "bulk-select-page") {
      bulkBoxes().forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.id === "bulk-select-page" || event.target.matches("input[name=ids][form=bulk-form]")) {
      showTicked();
    }
  });
  // A panel htmx just put on the page (the action's form, its summary) takes the focus, so a
  // keyboard user lands in it.
  // Only after a post: the summary's polling must not pull the focus every second.
  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = document.getElementById("bulk-panel");
    var posted = event.detail.requestConfig && event.detail.requestConfig.verb === "post";
    if (panel && posted && panel.matches("section")) { panel.focus(); }
  });
})();
