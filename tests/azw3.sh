#!/usr/bin/env bash
# What survives calibre's conversion to AZW3 (Kindle): the book is
# converted with ebook-convert, the AZW3 converted back to EPUB, and
#   - calibre finds a raster cover in the EPUB and in the AZW3
#     (ebook-meta --get-cover), at least 1600 px on its long side;
#   - a book with code (the TypeScript block of tests/fixtures/code): in
#     what calibre wrote a keyword is still bold, a comment italic, a string
#     shaded, each through its class in calibre's stylesheet;
#   - a right-to-left book (Arabic, Hebrew): the spine still progresses
#     right to left, the documents keep their language, and every document
#     in a right-to-left language still says dir="rtl" on its body (calibre
#     keeps a body's dir and drops the root's; EPUB forbids the direction
#     property in CSS, epubcheck CSS-001).
# Books whose stylesheet asks for fonts/DejaVuSans.ttf get it copied in.
# Skips (exit 77) when calibre is not installed.  Usage: azw3.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2
command -v ebook-convert >/dev/null || { echo "SKIP: ebook-convert (calibre) not installed"; exit 77; }
cp -a "$DIR" "$TMP/src"
if grep -rqs 'fonts/DejaVuSans.ttf' "$TMP"/src/*/*.css "$TMP"/src/*.css; then
	mkdir -p "$TMP/src/fonts" &&
		cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf "$TMP/src/fonts/"
fi
"$Q" build "$TMP/src" -o "$TMP/out" -f epub -q 2>"$TMP/err" || { cat "$TMP/err"; fail "build"; finish; }
export QT_QPA_PLATFORM=offscreen HOME="$TMP"
# The cover: calibre's own look-up, in the EPUB and after the conversion.
cover() {  # cover BOOK NAME
	rm -f "$TMP/cover.img"
	ebook-meta "$1" --get-cover="$TMP/cover.img" >"$TMP/meta" 2>&1
	python3 - "$TMP/cover.img" "$2" <<'PY' || { cat "$TMP/meta"; fail "$2: no raster cover of 1600 px"; return 1; }
import struct, sys
try:
    d = open(sys.argv[1], "rb").read()
except OSError:
    print("no cover found"); sys.exit(1)
if d[:8] == b"\x89PNG\r\n\x1a\n":
    w, h = struct.unpack(">II", d[16:24])
elif d[:2] == b"\xff\xd8":
    i, w, h = 2, 0, 0
    while i < len(d):
        if d[i] != 0xff: i += 1; continue
        m, n = d[i + 1], struct.unpack(">H", d[i + 2:i + 4])[0]
        if m in (0xc0, 0xc1, 0xc2):
            h, w = struct.unpack(">HH", d[i + 5:i + 9]); break
        i += 2 + n
else:
    print("cover is neither PNG nor JPEG"); sys.exit(1)
print("  %s: cover %dx%d" % (sys.argv[2], w, h))
sys.exit(0 if max(w, h) >= 1600 else 1)
PY
}
cover "$TMP"/out/*.epub "EPUB"
ebook-convert "$TMP"/out/*.epub "$TMP/book.azw3" >"$TMP/c1" 2>&1 ||
	{ tail -5 "$TMP/c1"; fail "ebook-convert to AZW3"; finish; }
ok "converted to AZW3 ($(stat -c %s "$TMP/book.azw3") bytes)"
ebook-convert "$TMP/book.azw3" "$TMP/back.epub" >"$TMP/c2" 2>&1 ||
	{ tail -5 "$TMP/c2"; fail "ebook-convert AZW3 back to EPUB"; finish; }
cover "$TMP/book.azw3" "AZW3" && ok "calibre finds the raster cover in the EPUB and the AZW3"
mkdir "$TMP/back" && (cd "$TMP/back" && unzip -q "$TMP/back.epub") || { fail "unzip"; finish; }
if unzip -p "$TMP"/out/*.epub EPUB/package.opf | grep -q 'page-progression-direction="rtl"'; then
python3 - "$TMP/back" <<'PY' && ok "AZW3 keeps right-to-left: the spine's page progression, the essays' languages and direction" || fail "direction lost in the AZW3"
import glob, os, re, sys
root = sys.argv[1]
opf = open(glob.glob(os.path.join(root, "**", "*.opf"), recursive=True)[0], encoding="utf-8").read()
ppd = re.search(r'<spine\b[^>]*page-progression-direction="(\w+)"', opf)
langs = []
undirected = []
for f in sorted(glob.glob(os.path.join(root, "**", "*.*htm*"), recursive=True)):
    text = open(f, encoding="utf-8").read()
    m = re.search(r'<html\b[^>]*\blang="([^"]+)"', text)
    if not m: continue
    langs.append(m.group(1).split("-")[0])
    if langs[-1] in ("ar", "he", "fa", "ur") and not re.search(r'<body\b[^>]*\bdir="rtl"', text):
        undirected.append(os.path.basename(f))
rtl = [l for l in langs if l in ("ar", "he", "fa", "ur")]
print("  spine page-progression-direction: %s; %d of %d documents in a right-to-left language, %d without dir=rtl on the body %s"
      % (ppd.group(1) if ppd else None, len(rtl), len(langs), len(undirected), undirected[:3]))
sys.exit(0 if ppd and ppd.group(1) == "rtl" and rtl and not undirected else 1)
PY
fi
grep -q 'ts: a line comment' "$TMP"/src/*.md || finish
python3 - "$TMP/back" <<'PY' && ok "AZW3 keeps keywords bold, comments italic, strings shaded" || fail "highlighting lost in the AZW3"
import glob, os, re, sys
root = sys.argv[1]
css = ""
for f in glob.glob(os.path.join(root, "**", "*.css"), recursive=True):
    css += open(f, encoding="utf-8").read()
rules = {}
for sel, body in re.findall(r'([^{}]+)\{([^}]*)\}', css):
    for s in sel.split(","):
        s = s.strip()
        if re.fullmatch(r'\.[\w-]+', s):
            rules.setdefault(s[1:], []).append(body)
text = ""
for f in sorted(glob.glob(os.path.join(root, "**", "*.*htm*"), recursive=True)):
    text += open(f, encoding="utf-8").read()
blocks = [b for b in re.findall(r'<code class="language-ts">(.*?)</code>', text, re.S)
          if "ts: a line comment" in b]
if not blocks:
    print("no TypeScript block in calibre's output"); sys.exit(1)
block = blocks[0]
def style(token):
    s = re.search(r'<span class="([^"]+)">%s</span>' % re.escape(token), block)
    if not s:
        print("no span around %r in %s" % (token, block[:300])); return ""
    return " ".join(" ".join(rules.get(c, [])) for c in s.group(1).split())
kw, com, st = style("const"), style("// ts: a line comment"), style('"hello"')
print("keyword:", kw.split(), "\ncomment:", com.split(), "\nstring:", st.split())
sys.exit(0 if re.search(r'font-weight:\s*(bold|[6-9]00)', kw)
         and re.search(r'font-style:\s*italic', com)
         and "background" in st and "color" in kw else 1)
PY
finish
