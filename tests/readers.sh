#!/usr/bin/env bash
# What reading systems that are not browsers are given, on
# tests/fixtures/readers (an Arabic book with code, formulas, a 12-column
# table, callouts and an embedded font):
#   - in Chromium at a 600 px page, as written and under forced night and
#     sepia colours (tests/js/readers-check.mjs): code, tables and callouts
#     at least 4.5:1, nothing wider than the page, display formulas
#     centred, code and math left-to-right isolates; in the EPUB's essays
#     and in the archive;
#   - in the files: pre, code, kbd, samp and math carry dir="ltr" inside
#     right-to-left documents, in both outputs;
#   - the raster cover: a PNG at least 1600 px on its long side, the
#     package's cover-image, shown by the cover page; the generated SVG
#     cover holds every word of the title;
#   - the embedded font: META-INF/com.apple.ibooks.display-options.xml
#     says specified-fonts is true; a book without fonts has no such file.
# Usage: readers.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 FIX=$2
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
JS=$(cd "$(dirname "$0")/js" && pwd)
export SOURCE_DATE_EPOCH=1700000000
[ -f "$FONT" ] || { fail "$FONT missing (Debian: fonts-dejavu-core)"; finish; }
cp -a "$FIX" "$TMP/book"
mkdir -p "$TMP/book/fonts" && cp "$FONT" "$TMP/book/fonts/"
"$Q" build "$TMP/book" -o "$TMP/out" -q 2>"$TMP/err" || { cat "$TMP/err"; fail "build"; finish; }
[ -s "$TMP/err" ] && { cat "$TMP/err"; fail "diagnostics on a clean book"; }
epub=$(ls "$TMP"/out/*.epub) html=$(ls "$TMP"/out/*.html)
mkdir "$TMP/x" && (cd "$TMP/x" && unzip -q "$epub") || { fail "unzip"; finish; }

if [ -d "$JS/node_modules/playwright-core" ] && [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
	node "$JS/readers-check.mjs" "$TMP"/x/EPUB/0*.xhtml "$html" &&
		ok "Chromium: contrast, width, centring, direction" ||
		fail "Chromium checks (readers-check.mjs)"
else
	fail "playwright-core (tests/js) or Chromium missing"
fi

# The cover and Apple's display options, in the package.
python3 - "$TMP/x" "$FIX/collection.yaml" <<'PY' || fail "cover or display options"
import os, re, struct, sys, xml.etree.ElementTree as ET
root, yaml = sys.argv[1:]
bad = 0
def check(ok, what):
    global bad
    print(("ok: " if ok else "FAIL: ") + what)
    bad += not ok
opf = ET.parse(os.path.join(root, "EPUB", "package.opf"))
ns = {"o": "http://www.idpf.org/2007/opf"}
covers = [i for i in opf.findall(".//o:manifest/o:item", ns)
          if "cover-image" in (i.get("properties") or "").split()]
check(len(covers) == 1 and covers[0].get("media-type") == "image/png",
      "one cover-image, a PNG: %s" % [(c.get("href"), c.get("media-type")) for c in covers])
if covers:
    d = open(os.path.join(root, "EPUB", covers[0].get("href")), "rb").read()
    w, h = struct.unpack(">II", d[16:24]) if d[:8] == b"\x89PNG\r\n\x1a\n" else (0, 0)
    check(max(w, h) >= 1600, "the cover is %dx%d, at least 1600 on its long side" % (w, h))
    page = open(os.path.join(root, "EPUB", "cover.xhtml"), encoding="utf-8").read()
    check('src="%s"' % covers[0].get("href") in page, "the cover page shows it")
opts = os.path.join(root, "META-INF", "com.apple.ibooks.display-options.xml")
check(os.path.exists(opts) and 'name="specified-fonts">true<' in open(opts).read(),
      "META-INF/com.apple.ibooks.display-options.xml: specified-fonts true")
sys.exit(1 if bad else 0)
PY

# The release's cover, for the catalog and the downloads page.
"$Q" build "$TMP/book" -o "$TMP/rel" -q --release 1.0.0 2>"$TMP/err" || { cat "$TMP/err"; fail "release build"; }
ls "$TMP"/rel/*-cover.png >/dev/null 2>&1 && ok "the release's cover is a PNG" || fail "no PNG cover in the release: $(ls "$TMP/rel")"

# Without its font, the book has no display options file.
rm -rf "$TMP/book/fonts" "$TMP/out2"
"$Q" build "$TMP/book" -o "$TMP/out2" -f epub -q 2>/dev/null
unzip -l "$TMP"/out2/*.epub | grep -q com.apple.ibooks &&
	fail "display options written for a book without fonts" ||
	ok "no display options without an embedded font"

python3 - "$TMP/x" "$html" <<'PY' || fail "code and math without dir=ltr in rtl text"
import glob, os, sys
from html.parser import HTMLParser
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}
class Dirs(HTMLParser):
    """Counts pre, code, kbd, samp and math met in right-to-left text, and
    those of them that do not say dir="ltr"."""
    def __init__(self):
        super().__init__()
        self.stack, self.seen, self.wrong = [("", "ltr")], 0, []
    def handle_starttag(self, tag, attrs, empty=False):
        a = dict(attrs)
        rtl = self.stack[-1][1]
        if tag in ("pre", "code", "kbd", "samp", "math") and rtl == "rtl":
            self.seen += 1
            if a.get("dir") != "ltr":
                self.wrong.append(tag)
        d = a.get("dir", rtl)
        if not empty and tag not in VOID:
            self.stack.append((tag, d))
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs, True)
    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
root, html = sys.argv[1:]
bad = 0
files = sorted(glob.glob(os.path.join(root, "EPUB", "0*.xhtml"))) + [html]
for f in files:
    p = Dirs()
    p.feed(open(f, encoding="utf-8").read())
    name = os.path.basename(f)
    if f.endswith("03-wide.xhtml"):
        ok = p.seen == 0
    else:
        ok = p.seen > 0 and not p.wrong
    bad += not ok
    print("%s: %s: %d code and math elements in rtl text, %d without dir=ltr %s"
          % ("ok" if ok else "FAIL", name, p.seen, len(p.wrong), sorted(set(p.wrong))))
sys.exit(1 if bad else 0)
PY
finish
