#!/usr/bin/env bash
# Refreshes vendor/ from the npm registry: the console's charting library (uPlot), pinned by
# package-lock.json. Run by hand after changing the version; the build never needs npm, since
# vendor/ is checked in and compiled into the binary (coordinator/ui/embed_assets.cmake).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
mkdir -p vendor
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css vendor/
cp node_modules/uplot/LICENSE vendor/uPlot.LICENSE
echo "vendor/: uPlot $(node -p 'require("./node_modules/uplot/package.json").version')"
