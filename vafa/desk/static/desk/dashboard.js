// The manager home's charts. The page renders every figure in a table; this file only draws the same
// numbers (read from the json_script block "dashboard-data") with Chart.js. Right-to-left pages get
// right-to-left legends and tooltips, and time and category axes that run from the right.
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;

  var root = document.documentElement;
  var rtl = (document.dir || root.getAttribute("dir")) === "rtl";
  var language = root.getAttribute("lang") || "en";
  var digits = "latn";
  if (data.locale && data.locale.native_digits) {
    digits = language === "fa" ? "arabext" : language === "ar" ? "arab" : "latn";
  }
  var locale = language + "-u-nu-" + digits;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Distinct hues that keep 3:1 contrast on white; lines also differ in dash and point shape.
  var palette = ["#0b6e4f", "#1a5fb4", "#b35900", "#7b2cbf", "#c01c28", "#0e7490", "#6b4f00"];

  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#343a40";
  Chart.defaults.locale = locale;
  if (reduceMotion) Chart.defaults.animation = false;

  function directionPlugins(extra) {
    var plugins = {
      legend: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr", position: "bottom" },
      tooltip: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr" },
    };
    return Object.assign(plugins, extra || {});
  }

  function countAxis(stacked) {
    return { beginAtZero: true, stacked: !!stacked, position: rtl ? "right" : "left", ticks: { precision: 0 } };
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, locale: locale }, config.options);
    new Chart(canvas, config);
  }

  var backlog = data.backlog;
  draw("chart-backlog", {
    type: "bar",
    data: {
      labels: backlog.labels,
      datasets: backlog.datasets.map(function (set, i) {
        return { label: set.label, data: set.data, backgroundColor: palette[i % palette.length] };
      }),
    },
    options: {
      plugins: directionPlugins(),
      scales: { x: { stacked: true, reverse: rtl }, y: countAxis(true) },
    },
  });

  var daily = data.daily;
  var dashes = [[], [6, 4]];
  var points = ["circle", "triangle"];
  draw("chart-daily", {
    type: "line",
    data: {
      labels: daily.labels,
      datasets: daily.datasets.map(function (set, i) {
        return {
          label: set.label,
          data: set.data,
          borderColor: palette[(i + 1) % palette.length],
          backgroundColor: palette[(i + 1) % palette.length],
          borderDash: dashes[i % dashes.length],
          pointStyle: points[i % points.length],
          pointRadius: 3,
          tension: 0.2,
        };
      }),
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: directionPlugins({
        legend: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr", position: "bottom", labels: { usePointStyle: true } },
      }),
      scales: { x: { reverse: rtl, ticks: { autoSkip: true, maxRotation: 0, align: "inner" } }, y: countAxis(false) },
    },
  });

  var aging = data.aging;
  draw("chart-aging", {
    type: "bar",
    data: {
      labels: aging.labels,
      datasets: aging.datasets.map(function (set) {
        return { label: set.label, data: set.data, backgroundColor: palette[2] };
      }),
    },
    options: {
      plugins: directionPlugins({ legend: { display: false } }),
      scales: { x: { reverse: rtl }, y: countAxis(false) },
    },
  });

  var channels = data.channels;
  draw("chart-channels", {
    type: "doughnut",
    data: {
      labels: channels.labels,
      datasets: channels.datasets.map(function (set) {
        return {
          label: set.label,
          data: set.data,
          backgroundColor: set.data.map(function (_value, i) { return palette[i % palette.length]; }),
          borderColor: "#fff",
          borderWidth: 2,
        };
      }),
    },
    options: { plugins: directionPlugins() },
  });
})();
