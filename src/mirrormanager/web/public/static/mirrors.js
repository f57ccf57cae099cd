// Mirror list: sort a table by clicking its headers, filter all tables by free text.
// A filter that is a country code or a country name ("de", "Germany") shows that country's
// mirrors only, compared exactly, so "de" does not also match hosts named debian.example.org.
"use strict";
(function () {
  let countries = null; // lower-case code or name -> upper-case code

  function countryOf(text) {
    if (countries === null) {
      countries = {};
      const data = document.getElementById("mm-countries");
      const names = data ? JSON.parse(data.textContent) : {};
      Object.keys(names).forEach((code) => {
        countries[code.toLowerCase()] = code;
        countries[String(names[code]).toLowerCase()] = code;
      });
    }
    const wanted = text.trim().toLowerCase().replace(/\s+/g, " ");
    return Object.prototype.hasOwnProperty.call(countries, wanted) ? countries[wanted] : null;
  }

  function cellValue(row, index, type) {
    const cell = row.cells[index];
    if (!cell) return "";
    if (type === "number") return Number(cell.dataset.value || cell.textContent.replace(/[^\d.-]/g, "")) || 0;
    return cell.textContent.trim().toLowerCase();
  }

  function sortTable(table, index, th) {
    const type = th.dataset.type || "text";
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = cellValue(a, index, type), y = cellValue(b, index, type);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach((row) => body.appendChild(row));
  }

  function applyFilter(text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    const country = countryOf(text);
    let shown = 0, total = 0;
    document.querySelectorAll(".mm-group").forEach((section) => {
      let visible = 0;
      section.querySelectorAll("tbody tr").forEach((row) => {
        total += 1;
        let match;
        if (country !== null) {
          match = (row.dataset.country || "").toUpperCase() === country;
        } else {
          const hay = row.textContent.toLowerCase() + " " +
            Array.from(row.querySelectorAll("a")).map((a) => a.href.toLowerCase()).join(" ");
          match = words.every((w) => hay.includes(w));
        }
        row.classList.toggle("mm-hidden", !match);
        if (match) visible += 1;
      });
      section.classList.toggle("mm-hidden", visible === 0);
      shown += visible;
    });
    const count = document.getElementById("mm-count");
    if (count) count.textContent = words.length ? shown + " of " + total + " mirrors" : "";
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("table.mm-sortable").forEach((table) => {
      table.querySelectorAll("thead th").forEach((th, index) => {
        th.tabIndex = 0;
        th.addEventListener("click", () => sortTable(table, index, th));
        th.addEventListener("keydown", (e) => { if (e.key === "Enter") sortTable(table, index, th); });
      });
    });
    const input = document.getElementById("mm-filter");
    if (input) {
      const params = new URLSearchParams(window.location.search);
      if (params.get("q")) input.value = params.get("q");
      input.addEventListener("input", () => applyFilter(input.value));
      applyFilter(input.value);
    }
  });
})();
