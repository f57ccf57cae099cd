#!/usr/bin/env bash
# Vendor the public pages' browser libraries and map data from the npm registry into
# src/mirrormanager/web/public/static/vendor/ (committed: no network at runtime or in CI).
#
#   chart.js          4.x  MIT           charts (UMD build)
#   leaflet           1.9  BSD-2-Clause  interactive map (no tile layer is ever used)
#   world-atlas       2.x  ISC           country outlines (Natural Earth, public domain)
#   topojson-client   3.x  ISC           TopoJSON → GeoJSON, run here, not in the browser
#   i18n-iso-countries 7.x MIT           ISO numeric → alpha-2 codes, run here
#
# Usage: scripts/vendor-js.sh   (needs node and npm; works in a scratch directory)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/src/mirrormanager/web/public/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent \
  chart.js@4.5.1 leaflet@1.9.4 world-atlas@2.0.2 topojson-client@3.1.0 i18n-iso-countries@7.14.0
nm="$work/node_modules"

rm -rf "$out"
mkdir -p "$out/chartjs" "$out/leaflet/images" "$out/world"

cp "$nm/chart.js/dist/chart.umd.min.js" "$out/chartjs/"
cp "$nm/chart.js/LICENSE.md" "$out/chartjs/LICENSE.md"
cp "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" "$out/leaflet/"
cp "$nm/leaflet/dist/images/"* "$out/leaflet/images/"
cp "$nm/leaflet/LICENSE" "$out/leaflet/LICENSE"
cp "$nm/world-atlas/LICENSE" "$out/world/LICENSE.world-atlas"
cp "$nm/topojson-client/LICENSE" "$out/world/LICENSE.topojson-client"
cp "$nm/i18n-iso-countries/LICENSE" "$out/world/LICENSE.i18n-iso-countries"

# countries-110m as GeoJSON with ISO alpha-2 codes, and a centroid per country (taken from
# the more detailed 50m outlines, which also hold the small countries 110m leaves out).
NODE_PATH="$nm" node - "$nm" "$out/world" <<'JS'
const fs = require("fs");
const path = require("path");
const topojson = require("topojson-client");
const [nm, out] = process.argv.slice(2);
const codes = require(path.join(nm, "i18n-iso-countries/codes.json"));
const alpha2 = Object.fromEntries(codes.map((c) => [c[2], c[0]])); // numeric → alpha-2
const round = (x) => Math.round(x * 100) / 100;

function features(file) {
  const topo = JSON.parse(fs.readFileSync(path.join(nm, "world-atlas", file)));
  return topojson.feature(topo, topo.objects.countries).features;
}

// A ring that crosses the antimeridian (Russia's Chukotka, Fiji) jumps from +180 to -180;
// drawn as is, it paints a line across the whole map. Move its western points east of 180.
function ring(r) {
  const jumps = r.some((p, i) => i > 0 && Math.abs(p[0] - r[i - 1][0]) > 180);
  return r.map(([x, y]) => [round(jumps && x < 0 ? x + 360 : x), round(y)]);
}

// Antarctica has no mirrors and no finite Mercator outline (it reaches the pole).
const outline = features("countries-110m.json").filter((f) => alpha2[f.id] !== "AQ").map((f) => ({
  type: "Feature",
  id: alpha2[f.id] || "",
  properties: { name: f.properties.name, iso_a2: alpha2[f.id] || "" },
  geometry: {
    type: f.geometry.type,
    coordinates:
      f.geometry.type === "Polygon"
        ? f.geometry.coordinates.map(ring)
        : f.geometry.coordinates.map((p) => p.map(ring)),
  },
}));
fs.writeFileSync(
  path.join(out, "countries-110m.geojson"),
  JSON.stringify({ type: "FeatureCollection", features: outline }),
);

// Centroid of the largest polygon (shoelace formula): a point on the mainland, not in
// the sea between a country's islands or overseas territories.
function centroid(coords) {
  let best = null;
  for (const poly of coords) {
    // A ring cut at the antimeridian (Russia, Fiji): move its west part east of 180.
    const xs = poly[0].map((p) => p[0]);
    const wraps = Math.max(...xs) - Math.min(...xs) > 180;
    const r = poly[0].map(([x, y]) => [wraps && x < 0 ? x + 360 : x, y]);
    let a = 0, cx = 0, cy = 0;
    for (let i = 0; i < r.length - 1; i++) {
      const [x0, y0] = r[i], [x1, y1] = r[i + 1];
      const k = x0 * y1 - x1 * y0;
      a += k; cx += (x0 + x1) * k; cy += (y0 + y1) * k;
    }
    if (a === 0) continue;
    if (!best || Math.abs(a) > Math.abs(best.a)) best = { a, x: cx / (3 * a), y: cy / (3 * a) };
  }
  return best && [round(best.y), round(best.x > 180 ? best.x - 360 : best.x)];
}
const centroids = {};
for (const f of features("countries-50m.json")) {
  const code = alpha2[f.id];
  if (!code || !f.geometry) continue;
  const coords = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  const c = centroid(coords);
  if (c) centroids[code] = { lat: c[0], lon: c[1], name: f.properties.name };
}
fs.writeFileSync(path.join(out, "country-centroids.json"), JSON.stringify(centroids, null, 0));
JS

cat > "$out/README.md" <<MD
# Vendored browser libraries and map data

Written by \`scripts/vendor-js.sh\` from the npm registry; do not edit by hand.

| file | package | licence |
|---|---|---|
| chartjs/chart.umd.min.js | chart.js $(node -p "require('$nm/chart.js/package.json').version") | MIT (chartjs/LICENSE.md) |
| leaflet/ | leaflet $(node -p "require('$nm/leaflet/package.json').version") | BSD-2-Clause (leaflet/LICENSE) |
| world/countries-110m.geojson | world-atlas $(node -p "require('$nm/world-atlas/package.json').version") (Natural Earth, public domain), converted with topojson-client $(node -p "require('$nm/topojson-client/package.json').version"), ISO codes from i18n-iso-countries $(node -p "require('$nm/i18n-iso-countries/package.json').version") | ISC / MIT (world/LICENSE.*) |
| world/country-centroids.json | computed from world-atlas countries-50m by this script | as above |
MD
echo "vendored into $out"
