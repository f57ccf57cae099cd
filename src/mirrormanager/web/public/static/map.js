// Mirror map: vendored Leaflet, country outlines from a same-origin GeoJSON, no tiles.
"use strict";
(function () {
  const COLOURS = { current: "#2e7d32", stale: "#b34700", unknown: "#1f5fa8" };

  function popup(m) {
    // Built from DOM nodes, not HTML strings: host names and URLs are data, not markup.
    const root = document.createElement("dl");
    root.className = "mm-popup";
    function add(term, value) {
      const dt = document.createElement("dt"); dt.textContent = term; root.appendChild(dt);
      const dd = document.createElement("dd");
      if (value instanceof Node) dd.appendChild(value); else dd.textContent = value;
      root.appendChild(dd);
    }
    add("Host", m.host);
    add("Site", m.site);
    add("Country", m.country + (m.exact ? "" : " (placed at the country's centre)"));
    add("Bandwidth", new Intl.NumberFormat("en").format(m.bandwidth) + " Mbit/s");
    add("Status", m.status);
    if (m.urls.length) {
      const list = document.createElement("div");
      m.urls.slice(0, 6).forEach((u) => {
        const a = document.createElement("a"); a.href = u; a.textContent = u; a.rel = "nofollow noopener";
        const line = document.createElement("div"); line.appendChild(a); list.appendChild(line);
      });
      add("URLs", list);
    }
    return root;
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const node = document.getElementById("mm-map");
    if (!node || typeof L === "undefined") return;
    const map = L.map(node, { worldCopyJump: true, minZoom: 1, maxZoom: 8 }).setView([30, 10], 2);
    map.attributionControl.setPrefix("Leaflet | Natural Earth");
    const [countries, mirrors] = await Promise.all([
      fetch(node.dataset.countries).then((r) => r.json()),
      fetch(node.dataset.mirrors).then((r) => r.json()),
    ]);
    L.geoJSON(countries, {
      style: { color: "#9e9e9e", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
    }).addTo(map);
    const markers = L.featureGroup();
    mirrors.mirrors.forEach((m) => {
      L.circleMarker([m.latitude, m.longitude], {
        radius: 5 + Math.min(6, m.bandwidth / 4000),
        color: "#fff", weight: 1, fillColor: COLOURS[m.status] || COLOURS.unknown, fillOpacity: 0.9,
      }).bindPopup(popup(m)).bindTooltip(m.host).addTo(markers);
    });
    markers.addTo(map);
    node.dataset.loaded = String(mirrors.mirrors.length);
  });
})();
