// The knowledge base in the desk. On the self-service report: the daily chart, drawn with Chart.js
// from the json_script block "kb-data" (the table under it holds the same numbers). On the case page:
// "Insert link" puts a suggested article's title and address where the cursor is in the reply box.
(function () {
  "use strict";

  // --- the report's chart ----------------------------------------------------------------------
  function drawChart() {
    var source = document.getElementById("kb-data");
    var canvas = document.getElementById("chart-kb-daily");
    if (!source || !canvas || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var root = document.documentElement;
    var rtl = (document.dir || root.getAttribute("dir")) === "rtl";
    var language = root.getAttribute("lang") || "en";
    var digits = "latn";
    if (data.locale && data.locale.native_digits) {
      digits = language === "fa" ? "arabext" : language === "ar" ? "arab" : "latn";
    }
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    // Distinct hues that keep 3:1 contrast on white; lines also differ in dash and point shape.
    var palette = ["#1a5fb4", "#0e7490", "#0b6e4f", "#b35900"];
    var dashes = [[], [4, 4], [], [8, 4]];
    var points = ["circle", "rect", "triangle", "rectRot"];
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return {
            label: set.label,
            data: set.data,
            borderColor: palette[i % palette.length],
            backgroundColor: palette[i % palette.length],
            borderDash: dashes[i % dashes.length],
            pointStyle: points[i % points.length],
            pointRadius: 3,
            tension: 0.2,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        locale: language + "-u-nu-" + digits,
        animation: reduceMotion ? false : undefined,
        plugins: {
          legend: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr", position: "bottom" },
          tooltip: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr", mode: "index", intersect: false },
        },
        scales: {
          x: { reverse: rtl },
          y: { beginAtZero: true, position: rtl ? "right" : "left", ticks: { precision: 0 } },
        },
      },
    });
  }

  drawChart();

  // --- "Insert link" beside the reply box ------------------------------------------------------
  // The suggestions arrive later (htmx), so the click is caught on the document.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-kb-insert]") : null;
    if (!button || button.disabled) return;
    var box = document.getElementById("case-body");
    if (!box) return;
    event.preventDefault();
    var text = button.getAttribute("data-kb-title") + ": " + button.getAttribute("data-kb-url");
    var start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : start;
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    // The address stands on its own line, so the words around it never stick to it.
    if (before && !/\n$/.test(before)) text = "\n" + text;
    if (!/^\n/.test(after)) text = text + "\n";
    box.value = before + text + after;
    box.focus();
    box.setSelectionRange(before.length + text.length, before.length + text.length);
  });
})();
