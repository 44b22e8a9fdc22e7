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
  // Buttons that ask before a destructive action: <button data-confirm="Really?">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // Selects that submit their form on change: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    var el = event.target.closest("[data-autosubmit]");
    if (el && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });
})();
