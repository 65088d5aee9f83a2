#!/usr/bin/env bash
# A second engine: MuPDF lays EPUB out with its own HTML and CSS engine and
# no MathML, as e-ink readers do.  Every book named is built, drawn by
# `mutool draw` as text (every page) and as PNG (the first essay's page),
# and must give:
#   - no error and no warning on stderr beyond the engine's own notices
#     (no ICC support, "unknown epub version: 3.0"), and the hostile
#     fixture's dangling SVG <use>, which the sanitiser leaves on purpose;
#   - every essay's title (its h1) in the text, whitespace aside;
#   - for tests/fixtures/rtl: the Hebrew text; for tests/fixtures/readers:
#     the Arabic and Hebrew text and the code as written.
# Books whose stylesheet asks for fonts/DejaVuSans.ttf get it copied in from
# fonts-dejavu-core first (tests/book.sh does the same).
# Skips (exit 77) when mutool is not installed.
# Usage: mupdf.sh QUIRE FOLDER...
. "$(dirname "$0")/lib.sh"
Q=$1
shift
command -v mutool >/dev/null || { echo "SKIP: mutool (mupdf-tools) not installed"; exit 77; }
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
export SOURCE_DATE_EPOCH=1700000000
n=0
for dir in "$@"; do
	name=$(basename "$dir")
	n=$((n + 1))
	# A fixture folder that holds no Markdown is no book (a fake converter).
	find "$dir" -name '*.md' | grep -q . || { echo "skip: $name: not a book"; continue; }
	src="$TMP/src$n/$name"
	mkdir -p "$TMP/src$n" && cp -a "$dir" "$src"
	if grep -rqs 'fonts/DejaVuSans.ttf' "$src"/*/*.css "$src"/*.css; then
		mkdir -p "$src/fonts" && cp "$FONT" "$src/fonts/"
	fi
	out="$TMP/out$n"
	"$Q" build "$src" -o "$out" -f epub -q 2>"$TMP/err" ||
		{ cat "$TMP/err"; fail "$name: quire build"; continue; }
	epub=$(ls "$out"/*.epub)
	mutool draw -F txt -o "$TMP/$name.txt" "$epub" 2>"$TMP/$name.err" ||
		{ fail "$name: mutool draw -F txt failed"; cat "$TMP/$name.err"; continue; }
	# mutool reports each page it draws on stderr ("page FILE N").
	grep -v -e '^page ' \
		-e '^warning: ICC support is not available$' \
		-e '^warning: unknown epub version: 3.0$' \
		-e '^warning: \.\.\. repeated [0-9]* times\.\.\.$' \
		"$TMP/$name.err" >"$TMP/$name.rest"
	[ "$name" = foreign ] &&
		sed -i '/^warning: svg: cannot find linked symbol$/d' "$TMP/$name.rest"
	if [ -s "$TMP/$name.rest" ]; then
		fail "$name: MuPDF says"
		sort "$TMP/$name.rest" | uniq -c | head -10
	else
		ok "$name: MuPDF draws $(grep -c '^page ' "$TMP/$name.err") pages, no errors"
	fi
	mutool draw -F png -r 30 -o "$TMP/$name.png" "$epub" 3 2>/dev/null &&
		[ -s "$TMP/$name.png" ] || fail "$name: mutool draw -F png"
	python3 - "$epub" "$TMP/$name.txt" "$name" <<'PY' || fail "$name: text missing in MuPDF's rendering"
import re, sys, zipfile
epub, txt, name = sys.argv[1:]
norm = lambda s: " ".join(s.split())
text = norm(open(txt, encoding="utf-8").read())
z = zipfile.ZipFile(epub)
want = []
for n in z.namelist():
    if not n.endswith(".xhtml") or n.endswith(("nav.xhtml", "cover.xhtml", "title.xhtml")):
        continue
    m = re.search(r'<h1[^>]*>(.*?)</h1>', z.read(n).decode("utf-8"), re.S)
    if m:
        h = re.sub(r'<[^>]+>', '', m.group(1))
        h = h.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        want.append(norm(h))
extra = {
    "rtl": ["זוהי מסה קצרה על כתיבה", "כי המחשבה מתבהרת על הנייר"],
    "readers": ["تبقى الشيفرة من اليسار إلى اليمين", "if (n > 0) { return n; }",
                "int n = 0; // lines so far", "גם בעברית הקוד נשאר משמאל לימין",
                "a[i] = {1, 2};", "Supercalifragilisticexpialidocious"],
}
want += extra.get(name, [])
missing = [w for w in want if w not in text]
for w in missing:
    print("  not in MuPDF's text:", w)
print("  %d essay titles and phrases looked for, %d missing" % (len(want), len(missing)))
sys.exit(1 if missing or len(want) < 1 else 0)
PY
done
finish
