x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
grep -q '<mi mathvariant="double-struck">R</mi>' <<<"$x" || { echo "RR"; exit 1; }
grep -q '<mfrac><mn>1</mn><mn>2</mn></mfrac>' <<<"$x" || { echo "half"; exit 1; }
grep -q '<mo fence="true">(</mo><mi>a</mi><mo separator="true">,</mo><mi>b</mi><mo fence="true">)</mo>' <<<"$x" || { echo "pair"; exit 1; }
exit 0
