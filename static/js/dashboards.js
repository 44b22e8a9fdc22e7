// The dashboards' charts: every <canvas data-chart="ID"> is drawn with Chart.js from the JSON in
// <script type="application/json" id="ID"> (written by Django's json_script), so no inline
// script is needed and the CSP stays strict. Panels arrive later by htmx: htmx.onLoad draws the
// charts of each panel as it is swapped in.
(function () {
  "use strict";
  var money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  var count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

  function format(kind, value) {
    if (value === null || value === undefined) { return "n/a"; }
    if (kind === "percent") { return count.format(value * 100) + " %"; }
    if (kind === "money") { return money.format(value); }
    return count.format(value);
  }

  function draw(canvas) {
    if (!window.Chart || window.Chart.getChart(canvas)) { return; }
    // The json_script sits in a <template> (htmx removes <script>s from what it swaps in).
    var holder = document.querySelector(
      'template[data-chart-source="' + canvas.getAttribute("data-chart") + '"]'
    );
    var source = holder && holder.content.querySelector("script");
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var kind = spec.valueKind;
    var axes = spec.type === "doughnut" || spec.type === "pie" ? {} : {
      x: { stacked: spec.stacked },
      y: {
        stacked: spec.stacked,
        beginAtZero: true,
        ticks: { callback: function (value) { return format(kind, value); } },
      },
    };
    new window.Chart(canvas, {
      type: spec.type,
      data: spec.data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: axes,
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + format(kind, item.raw);
              },
            },
          },
        },
      },
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  function start() {
    if (window.htmx) {
      window.htmx.onLoad(drawAll);
    } else {
      drawAll(document);
    }
  }

  // A refresh shows it is working; a panel that fails to load says so instead of "Loading…".
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (el && el.classList && el.classList.contains("refresh")) { el.setAttribute("aria-busy", "true"); }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var panel = event.detail.elt && event.detail.elt.closest(".panel");
    if (!panel) { return; }
    var busy = panel.querySelector("[aria-busy]");
    if (busy) { busy.removeAttribute("aria-busy"); }
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = "This panel could not be loaded (error " + event.detail.xhr.status + "). Reload the page to try again.";
    panel.appendChild(p);
    var loading = panel.querySelector(".panel-loading");
    if (loading) { loading.remove(); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
