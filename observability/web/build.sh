#!/usr/bin/env bash
# Rebuilds the dashboard's ECharts bundle: src/main/resources/dev/gale/observability/dashboard/web/echarts.min.js
# (ECharts 5.3.1 with only the charts, components and renderer that app.js uses: about 0.6 MB instead
# of the full build's 1 MB, so a browser's first load compiles 40 % less), and copies the licences
# of what it contains (ECharts: Apache-2.0 with its NOTICE; zrender: BSD-3-Clause; tslib: 0BSD) beside it.
# Needs node and npm (npm's registry); run it after changing charts.js or the versions in package.json,
# and commit what it writes. The build itself (Maven) never runs npm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../src/main/resources/dev/gale/observability/dashboard/web"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/charts.js" "$work/"
cd "$work"
npm install --no-audit --no-fund --ignore-scripts --save-exact >/dev/null
# esbuild's binary comes from its platform package (@esbuild/linux-x64 ...), no install script needed
npx --no-install esbuild charts.js --bundle --minify --format=iife --global-name=echarts \
  --define:process.env.NODE_ENV='"production"' --target=es2018 --legal-comments=none --log-level=warning \
  --banner:js="/*! Apache ECharts 5.3.1 (Apache-2.0, https://echarts.apache.org), a build of the charts Gale's dashboard uses; zrender 5.3.1 (BSD-3-Clause); tslib 2.3.0 (0BSD). Licences: licenses/ beside this file. */" \
  --outfile="$out/echarts.min.js"
mkdir -p "$out/licenses"
cp node_modules/echarts/LICENSE "$out/licenses/echarts-LICENSE"
cp node_modules/echarts/NOTICE "$out/licenses/echarts-NOTICE"
cp node_modules/echarts/licenses/LICENSE-d3 "$out/licenses/echarts-LICENSE-d3"  # util/number.ts embeds d3 code (BSD-3-Clause)
cp node_modules/zrender/LICENSE "$out/licenses/zrender-LICENSE"
cp node_modules/tslib/LICENSE.txt "$out/licenses/tslib-LICENSE"
echo "wrote $out/echarts.min.js ($(wc -c < "$out/echarts.min.js") bytes) and $out/licenses/"
