// The pipeline board: drag a card to another column to move the record (SortableJS).
// The drop is posted to the move endpoint; a refusal (422 unmet rules, 409 moved by someone
// else, 403 not yours, 400) snaps the card back and shows why. Without JS the record page's
// forms move records.
(function () {
  "use strict";

  function snapBack(evt) {
    evt.from.insertBefore(evt.item, evt.from.children[evt.oldIndex] || null);
  }

  function show(feedback, html) {
    window.htmx.swap(feedback, html, { swapStyle: "innerHTML" });
    var alert = feedback.querySelector("[role=alert]");
    if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus({ preventScroll: true });
    }
  }

  function openDialog(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var dialog = holder.firstElementChild;
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () { dialog.remove(); });
    dialog.addEventListener("click", function (e) {
      if (e.target.closest("[data-close-dialog]")) { dialog.close(); }
    });
    window.htmx.process(dialog);
    dialog.showModal();
  }

  function move(board, feedback, evt) {
    var card = evt.item;
    var url = board.dataset.moveUrl.replace(/\/0\/move\/$/, "/" + card.dataset.record + "/move/");
    var query = board.dataset.filterQuery;
    var body = new URLSearchParams({ to_stage: evt.to.dataset.stage, version: card.dataset.version });
    card.classList.add("is-moving");
    card.setAttribute("aria-busy", "true");
    window.playbook.post(url + (query ? "?" + query : ""), body)
      .then(function (result) {
        card.classList.remove("is-moving");
        card.removeAttribute("aria-busy");
        if (result.ok && /^\s*<dialog class="move-dialog"/.test(result.html)) {
          // The move needs more (Won: the first subscription). Nothing moved yet: the card goes
          // back and the dialog's form makes the move, then reloads the board.
          snapBack(evt);
          openDialog(result.html);
        } else if (result.ok) {
          feedback.textContent = "";
          // htmx carries the old element's attributes over to the new one with the same id
          // while settling; the style Sortable left on it would be an inline style (CSP).
          card.removeAttribute("style");
          window.htmx.swap(card, result.html, { swapStyle: "outerHTML" });
        } else {
          snapBack(evt);
          show(feedback, result.html);
        }
      })
      .catch(function () {
        card.classList.remove("is-moving");
        snapBack(evt);
        feedback.textContent = "The move could not be sent. Check the connection and try again.";
      });
  }

  function init() {
    var board = document.querySelector(".board[data-move-url]");
    if (!board || !window.Sortable) { return; }
    var feedback = document.getElementById("board-feedback");
    board.querySelectorAll(".board-cards").forEach(function (list) {
      window.Sortable.create(list, {
        group: "board",
        sort: false,
        animation: 150,
        draggable: ".board-card",
        filter: ".no-drag",
        preventOnFilter: false,  // the card's "Move to…" menu must still open and take clicks
        onEnd: function (evt) {
          if (evt.from !== evt.to) { move(board, feedback, evt); }
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
