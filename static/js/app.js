// Playbook CRM's own behaviour. Served from 'self' so the CSP allows it; no inline scripts.
(function () {
  "use strict";
  window.playbook = window.playbook || {};
  // The CSRF token the layout puts on <body hx-headers>, for scripts that post with fetch().
  window.playbook.csrfToken = function () {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  };
  // Shows a message in the layout's message area (role=status/alert lets screen readers say it).
  window.playbook.flash = function (text, isError) {
    var box = document.getElementById("messages");
    if (!box) { return; }
    var p = document.createElement("p");
    p.className = "flash " + (isError ? "flash-error" : "flash-success");
    p.setAttribute("role", isError ? "alert" : "status");
    p.textContent = text;
    box.appendChild(p);
  };
  // POSTs like htmx does (CSRF token, HX-Request) for scripts that cannot use hx-post (drops).
  // Resolves to {ok, shown, html}: `shown` when the answer is ours to show (success, or a form
  // or refusal answered 400/403/409/422, the statuses htmx swaps too); otherwise `html` is a
  // short message instead of the server's error page.
  var SHOWN = [400, 403, 409, 422];
  window.playbook.post = function (url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": window.playbook.csrfToken(), "HX-Request": "true" },
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok && SHOWN.indexOf(response.status) < 0) {
        var p = document.createElement("p");
        p.className = "flash flash-error";
        p.setAttribute("role", "alert");
        p.textContent = "That did not work (error " + response.status + "). Reload the page and try again.";
        return { ok: false, shown: false, html: p.outerHTML };
      }
      return response.text().then(function (html) {
        return { ok: response.ok, shown: true, html: html };
      });
    });
  };
  // htmx answers it does not swap (ADR 0107: not 400/403/409/422, e.g. 404 or 500) get a short
  // message instead of silence; the page stays as it was, with DEBUG on or off.
  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.closest && elt.closest(".panel")) { return; }  // dashboards.js says it in the panel
    var xhr = event.detail && event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    window.playbook.flash("That did not work (error " + status + "). Reload the page and try again.", true);
  });
  // The main navigation's "Menu" button (shown on narrow screens by app.css): opens and closes
  // the links. Without JS the button stays hidden and the links simply stack.
  function initNavToggle() {
    var toggle = document.querySelector(".nav-toggle");
    if (!toggle) { return; }
    var nav = toggle.closest("nav");
    document.documentElement.classList.add("js-nav");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initNavToggle);
  } else {
    initNavToggle();
  }
  // Buttons that ask before a destructive action: <button data-confirm="Really?">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // The navigation's quick search (a combobox): "/" or Ctrl+K focuses it; htmx fills the
  // results as you type; ArrowDown/ArrowUp move through them (aria-activedescendant), Enter
  // opens the chosen one (or, with none chosen, the records list's search: the form's plain
  // submit), Escape closes them. Results are links, so a mouse or a screen reader works too.
  function quickSearch() {
    var input = document.getElementById("quick-search");
    var box = document.getElementById("quick-search-results");
    if (!input || !box) { return; }
    function options() { return Array.prototype.slice.call(box.querySelectorAll("[role=option]")); }
    function close() {
      box.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function choose(index) {
      var all = options();
      all.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function current() {
      var all = options();
      for (var i = 0; i < all.length; i++) {
        if (all[i].getAttribute("aria-selected") === "true") { return i; }
      }
      return -1;
    }
    box.addEventListener("htmx:afterSwap", function () {
      input.setAttribute("aria-expanded", options().length ? "true" : "false");
    });
    input.addEventListener("keydown", function (event) {
      var all = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!all.length) { return; }
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        choose((current() + step + all.length) % all.length);
      } else if (event.key === "Enter") {
        var chosen = all[current()];
        if (chosen) {
          event.preventDefault();
          window.location.assign(chosen.querySelector("a").href);
        }
      } else if (event.key === "Escape") {
        if (all.length) { event.preventDefault(); close(); } else { input.blur(); }
      }
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if ((event.key === "k" || event.key === "K") && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        input.focus();
        input.select();
      } else if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        input.focus();
        input.select();
      }
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".quick-search")) { close(); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", quickSearch);
  } else {
    quickSearch();
  }
  // Selects that submit their form on change: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    var el = event.target.closest("[data-autosubmit]");
    if (el && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });
})();
