// Pipeline pages: refusals shown in place, sortable settings lists, print button.
// Loaded with defer on the pipeline's pages and by the record page's stage panel.
(function () {
  "use strict";
  if (window.playbookPipeline) { return; }  // the panel may load this a second time
  window.playbookPipeline = true;
  document.documentElement.classList.add("js");


  // <button data-print>: print the page (the layout's .no-print parts are left out).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  // <tbody|ol data-sortable data-reorder-url=... data-sortable-name=stage data-sortable-target=#id>:
  // drag rows by their handle; the new order is posted (stage=1&stage=3...) and the answer
  // replaces the target. The ↑ ↓ buttons do the same without JS.
  function initSortables(root) {
    if (!window.Sortable) { return; }
    root.querySelectorAll("[data-sortable]").forEach(function (list) {
      if (list.dataset.sortableReady) { return; }
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        handle: ".drag-handle",
        animation: 150,
        onEnd: function (evt) {
          if (evt.oldIndex === evt.newIndex) { return; }
          var body = new URLSearchParams();
          list.querySelectorAll(":scope > [data-id]").forEach(function (row) {
            body.append(list.dataset.sortableName, row.dataset.id);
          });
          window.playbook.post(list.dataset.reorderUrl, body).then(function (result) {
            if (result.shown) {
              window.htmx.swap(list.dataset.sortableTarget, result.html, { swapStyle: "outerHTML" });
            } else {
              window.playbook.flash("The new order was not saved. Reload the page and try again.", true);
            }
          }, function () {
            window.playbook.flash("The new order could not be sent. Check the connection and try again.", true);
          });
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initSortables(document); });
  document.addEventListener("htmx:afterSettle", function () { initSortables(document); });
})();
