// The compliance page's chart: the share of targets met on time per group, drawn with Chart.js from
// the json_script block "sla-data" (the table under it holds the same numbers). Right-to-left pages
// get right-to-left tooltips and a category axis that runs from the right.
(function () {
  "use strict";

  var source = document.getElementById("sla-data");
  var canvas = document.getElementById("chart-sla");
  if (!source || !canvas || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var root = document.documentElement;
  var rtl = (document.dir || root.getAttribute("dir")) === "rtl";
  var language = root.getAttribute("lang") || "en";
  var digits = "latn";
  if (data.locale && data.locale.native_digits) {
    digits = language === "fa" ? "arabext" : language === "ar" ? "arab" : "latn";
  }
  var locale = language + "-u-nu-" + digits;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: data.label, data: data.data, backgroundColor: "#0b6e4f" }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      locale: locale,
      animation: reduceMotion ? false : undefined,
      plugins: {
        legend: { display: false },
        tooltip: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr" },
      },
      scales: {
        x: { reverse: rtl },
        y: { beginAtZero: true, max: 100, position: rtl ? "right" : "left" },
      },
    },
  });
})();
