// Statistics and propagation charts, drawn by the vendored Chart.js from JSON in the page.
"use strict";
(function () {
  const PALETTE = ["#1f5fa8", "#2e7d32", "#b34700", "#6a1b9a", "#00838f", "#c62828", "#5d4037", "#455a64"];
  const fmt = new Intl.NumberFormat("en");

  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function axis(title, extra) {
    return Object.assign({ title: { display: true, text: title }, ticks: {} }, extra || {});
  }

  function bar(id, rows, key, label, horizontal) {
    const canvas = document.getElementById(id);
    if (!canvas || !rows) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map((r) => r[key]),
        datasets: [{ label: label, data: rows.map((r) => r.requests), backgroundColor: PALETTE[0] }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false },
          tooltip: { callbacks: { label: (c) => fmt.format(c.parsed[horizontal ? "x" : "y"]) + " requests" } } },
        scales: horizontal
          ? { x: axis("requests", { beginAtZero: true }), y: axis(label) }
          : { x: axis(label), y: axis("requests", { beginAtZero: true }) },
      },
    });
  }

  function usage(d) {
    new Chart(document.getElementById("chart-per-day"), {
      type: "line",
      data: {
        labels: d.per_day.map((r) => r.date),
        datasets: [{ label: "requests per day", data: d.per_day.map((r) => r.requests),
          borderColor: PALETTE[0], backgroundColor: "rgba(31,95,168,0.15)", fill: true, tension: 0.2 }],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { tooltip: { callbacks: { label: (c) => fmt.format(c.parsed.y) + " requests" } } },
        scales: { x: axis("day (UTC)"), y: axis("requests per day", { beginAtZero: true }) },
      },
    });
    bar("chart-countries", d.countries, "country", "country", true);
    bar("chart-repositories", d.repositories, "repo", "repository", true);
    bar("chart-arches", d.arches, "arch", "architecture", false);
    bar("chart-releases", d.releases, "release", "release", true);
  }

  function propagation(d) {
    const canvas = document.getElementById("chart-propagation");
    if (!canvas) return;
    const names = { current: "current", one_behind: "one behind", older: "older", failed: "failed", no_info: "no information" };
    const colours = { current: "#2e7d32", one_behind: "#f9a825", older: "#b34700", failed: "#c62828", no_info: "#90a4ae" };
    new Chart(canvas, {
      type: "line",
      data: {
        labels: d.history.map((p) => p.at.slice(5, 16).replace("T", " ")),
        datasets: d.buckets.map((b) => ({
          label: names[b], data: d.history.map((p) => p[b]), borderColor: colours[b],
          backgroundColor: colours[b], fill: true, pointRadius: 2, stepped: false,
        })),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: axis("crawl time (UTC, month-day hour:minute)"), y: axis("mirrors", { stacked: true, beginAtZero: true }) },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (typeof Chart === "undefined") return;
    Chart.defaults.font.size = 13;
    const u = data("mm-usage-data");
    if (u) usage(u);
    const p = data("mm-propagation-data");
    if (p) propagation(p);
  });
})();
