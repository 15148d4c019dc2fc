#!/bin/sh
# Regenerates the rolldown fixture: app.js + util.js bundled and minified by rolldown (Vite 8's
# bundler) with an external source map, and the zips the rum input tests upload. Run from this
# folder; ROLLDOWN defaults to the main tree's ui/node_modules binary.
set -eu
ROLLDOWN=${ROLLDOWN:-/work/main/ui/node_modules/.bin/rolldown}
"$ROLLDOWN" app.js --minify --sourcemap --format iife --file out/js/app.min.js
mv out/js/app.min.js app.min.js
mv out/js/app.min.js.map app.min.js.map
rm -rf out
# Zips as DataKit users build them: the map at the URL's path (js/app.min.js.map), deflated;
# and the same under a top-level folder named <app_id>-<env>-<version>, stored (zip -0).
rm -rf stage && mkdir -p stage/js stage/shop-prod-1.0.0/js
cp app.min.js.map stage/js/ && cp app.min.js.map stage/shop-prod-1.0.0/js/
(cd stage && rm -f ../flat.zip ../nested.zip && zip -X -q -r ../flat.zip js &&
  zip -X -q -0 -r ../nested.zip shop-prod-1.0.0)
rm -rf stage
# Written to a pipe, zip cannot seek back: sizes and CRC follow the data (flag bit 3, a data
# descriptor), the entry is named "-".
zip -X -q - - < app.min.js.map | cat > streamed.zip
