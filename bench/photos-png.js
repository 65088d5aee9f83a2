// bench/photos-png.js BASE OUTDIR JPEG... — writes each JPEG photo again as
// a PNG (lossless, so the PNG holds the photograph as decoded) in OUTDIR,
// with jpeg-js and pngjs installed under BASE/node_modules.
'use strict';
const fs = require('fs'), path = require('path');
const [base, out, ...files] = process.argv.slice(2);
const jpeg = require(path.join(base, 'node_modules/jpeg-js'));
const { PNG } = require(path.join(base, 'node_modules/pngjs'));
for (const f of files) {
  const img = jpeg.decode(fs.readFileSync(f), { useTArray: true, maxMemoryUsageInMB: 1024 });
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  fs.writeFileSync(path.join(out, path.basename(f).replace(/\.jpe?g$/i, '.png')), PNG.sync.write(png));
}
