#!/usr/bin/env bash
# The author's own book: tests/fixtures/rtl, a Hebrew book in a series,
# with an ISBN, contributors with roles, its own stylesheet and a font
# (DejaVu Sans, which has Hebrew glyphs, copied in from fonts-dejavu-core
# at test time).  Also `quire build .` from inside a content folder.
# Usage: book.sh QUIRE FIXTURE cli|validate
#   cli       the folder forms of DIR, the metadata, the direction, the
#             words, the stylesheet and font in both outputs, theme: none
#   validate  epubcheck, Ace by DAISY, the archive in Chromium, and
#             calibre's ebook-meta (skipped when calibre is missing)
. "$(dirname "$0")/lib.sh"
Q=$1 FIX=$2 MODE=${3:-cli}
case $Q in /*) ;; *) Q=$PWD/$Q ;; esac
T=$(cd "$(dirname "$0")" && pwd)
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
export SOURCE_DATE_EPOCH=1700000000

[ -f "$FONT" ] || { fail "$FONT missing (Debian: fonts-dejavu-core)"; finish; }
cp -a "$FIX" "$TMP/book"
mkdir -p "$TMP/book/fonts"
cp "$FONT" "$TMP/book/fonts/"

build() {  # build DIR OUT [args], from the current folder
	local dir=$1 out=$2
	shift 2
	"$Q" build "$dir" -o "$out" -q "$@" 2>"$TMP/err" ||
		{ cat "$TMP/err"; fail "quire build $dir (in $PWD)"; return 1; }
	if [ -s "$TMP/err" ]; then
		cat "$TMP/err"
		fail "quire build $dir: diagnostics on a clean book"
	fi
}

if [ "$MODE" = validate ]; then
	build "$TMP/book" "$TMP/out" || finish
	epub=$(ls "$TMP"/out/*.epub)
	html=$(ls "$TMP"/out/*.html)
	epubcheck --failonwarnings "$epub" >"$TMP/ec" 2>&1
	status=$?
	grep -E '^(ERROR|WARNING|FATAL|Messages)' "$TMP/ec"
	[ $status -eq 0 ] && grep -q 'Messages: 0 fatals / 0 errors / 0 warnings' "$TMP/ec" &&
		ok "epubcheck: 0 errors, 0 warnings" || fail "epubcheck"
	python3 "$T/check_epub.py" "$epub" --essays 3 || fail "check_epub.py"
	bash "$T/js/ace-check.sh" "$epub" "$TMP/ace" && ok "Ace: no violation" ||
		fail "Ace"
	node "$T/js/archive-check.mjs" "$html" --min-images 0 &&
		ok "archive in Chromium" || fail "archive-check"
	if command -v ebook-meta >/dev/null 2>&1; then
		# calibre renders an SVG cover with its own Chromium.
		QTWEBENGINE_CHROMIUM_FLAGS=--no-sandbox QT_QPA_PLATFORM=offscreen \
			ebook-meta "$epub" >"$TMP/meta" 2>"$TMP/meta.err" ||
			{ cat "$TMP/meta.err"; fail "ebook-meta"; }
		cat "$TMP/meta"
		grep -Eq '^Series +: ספריית המסה #2$' "$TMP/meta" &&
			ok "calibre: series and index" || fail "calibre: no series"
		grep -Eq '^Identifiers +:.*isbn:9780306406157' "$TMP/meta" &&
			ok "calibre: ISBN" || fail "calibre: no ISBN"
		grep -Eq '^Author\(s\) +: נועה כהן$' "$TMP/meta" &&
			ok "calibre: author" || fail "calibre: author"
		grep -Eq '^Languages +: heb$' "$TMP/meta" &&
			ok "calibre: language" || fail "calibre: language"
		grep -Eq '^Tags +: כתיבה, מסות' "$TMP/meta" &&
			ok "calibre: subjects" || fail "calibre: subjects"
	else
		echo "skip: calibre's ebook-meta is not installed"
	fi
	finish
fi

# `quire build .` and the other spellings of the same folder give the
# same bytes.
# (cd, not a subshell: fail() must reach this shell.)
cd "$TMP/book" || finish
build . "$TMP/dot" || finish
build ./ "$TMP/dotslash"
cd "$TMP" || finish
build book/ "$TMP/slash"
build "$TMP/book" "$TMP/abs"
build "$TMP/book/" "$TMP/absslash"
for d in dotslash slash abs absslash; do
	cmp -s "$TMP/dot/book-1.0.0.epub" "$TMP/$d/book-1.0.0.epub" &&
		cmp -s "$TMP/dot/book-1.0.0.html" "$TMP/$d/book-1.0.0.html" &&
		ok "same book from '.' and from the $d form" ||
		fail "the $d form gives other bytes than '.'"
done
# With no title in collection.yaml, `.` is named after the real folder.
mkdir -p "$TMP/My Essays"
printf '# First\n\nText.\n' >"$TMP/My Essays/first.md"
cd "$TMP/My Essays" && build . "$TMP/named"
cd "$TMP" || finish
[ -f "$TMP/named/my-essays.epub" ] && ok "'.' is named after its folder" ||
	fail "'.': $(ls "$TMP/named")"
unzip -p "$TMP/named/my-essays.epub" EPUB/package.opf |
	grep -q '<dc:title>My Essays</dc:title>' &&
	ok "the title from the folder's name" || fail "title of '.'"

# The locale of the machine changes nothing.
(cd "$TMP/book" && env LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 LANGUAGE=fr \
	"$Q" build . -o "$TMP/locale" -q) || fail "build under another locale"
cmp -s "$TMP/dot/book-1.0.0.epub" "$TMP/locale/book-1.0.0.epub" &&
	ok "same bytes under another locale" || fail "the locale changed the EPUB"

python3 - "$TMP/dot/book-1.0.0.epub" "$TMP/dot/book-1.0.0.html" <<'EOF' || fail "book checks"
import re, sys, zipfile
import xml.etree.ElementTree as ET
epub, html = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(epub)
bad = []
def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        bad.append(what)
O = "{http://www.idpf.org/2007/opf}"
D = "{http://purl.org/dc/elements/1.1/}"
X = "{http://www.w3.org/1999/xhtml}"
opf = ET.fromstring(z.read("EPUB/package.opf"))
md = opf.find(O + "metadata")
uid = opf.get("unique-identifier")
ident = [e for e in md.findall(D + "identifier") if e.get("id") == uid][0]
check(ident.text == "urn:isbn:9780306406157", "the ISBN is the unique identifier: %s" % ident.text)
metas = {}
for m in md.findall(O + "meta"):
    metas.setdefault((m.get("property"), m.get("refines"), m.get("name")), []).append(m.text or m.get("content"))
def meta(prop, refines=None, name=None):
    return metas.get((prop, refines, name), [None])[0]
check(meta("belongs-to-collection") == "ספריית המסה", "belongs-to-collection")
sid = [m.get("id") for m in md.findall(O + "meta") if m.get("property") == "belongs-to-collection"][0]
check(meta("collection-type", "#" + sid) == "series", "collection-type series")
check(meta("group-position", "#" + sid) == "2", "group-position 2")
check(meta(None, None, "calibre:series") == "ספריית המסה", "calibre:series")
check(meta(None, None, "calibre:series_index") == "2", "calibre:series_index")
check(meta("dcterms:license") == "https://creativecommons.org/licenses/by/4.0/", "dcterms:license")
roles = {}
for c in md.findall(D + "contributor") + md.findall(D + "creator"):
    roles[c.text] = meta("role", "#" + c.get("id"))
check(roles == {"נועה כהן": "aut", "דוד לוי": "edt", "Ruth Green": "trl",
                "מיכל אברהם": "ill", "יוסף בן-דוד": "aui"}, "MARC roles: %s" % roles)
subjects = [s.text for s in md.findall(D + "subject")]
check(subjects[:2] == ["כתיבה", "מסות"], "the book's subjects first: %s" % subjects)
check(any(m.text and "WCAG 2.1 Level AA" in m.text for m in md.findall(O + "meta")
          if m.get("property") == "dcterms:conformsTo"), "conformance claimed (every image has alt text)")
spine = opf.find(O + "spine")
check(spine.get("page-progression-direction") == "rtl", "page-progression-direction rtl")
man = {i.get("href"): i for i in opf.find(O + "manifest")}
fonts = [h for h in man if h.startswith("fonts/")]
check(len(fonts) == 1 and man[fonts[0]].get("media-type") == "font/ttf", "the font packed as font/ttf: %s" % fonts)
check(fonts and z.read("EPUB/" + fonts[0]) == open("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "rb").read(), "the font's bytes")
check(man.get("style-1.css") is not None and man["style-1.css"].get("media-type") == "text/css", "the author's stylesheet in the manifest")
css = z.read("EPUB/style-1.css").decode()
check('url("%s")' % fonts[0] in css if fonts else False, "the stylesheet names the packed font")
imgs = [h for h in man if h.startswith("images/") and h.endswith(".svg")]
check(any('url("%s")' % h in css for h in imgs), "the stylesheet names the packed image")
check("../" not in css, "no path of the content folder left in the stylesheet")
docs = [n for n in z.namelist() if n.endswith(".xhtml")]
check(len(docs) == 6, "six documents: %s" % docs)
for n in docs:
    root = ET.fromstring(z.read(n))
    links = [l.get("href") for l in root.iter(X + "link")]
    check(links == ["book.css", "style-1.css"], "%s links quire's then the author's stylesheet: %s" % (n, links))
    want = None if n.endswith("03-english.xhtml") else "rtl"
    check(root.get("dir") == want, "%s: dir=%s" % (n, root.get("dir")))
nav = z.read("EPUB/nav.xhtml").decode()
check("<h1 id=\"toc-title\">תוכן העניינים</h1>" in nav, "the nav's heading in Hebrew")
check(">עמוד השער<" in nav, "'Title page' in Hebrew")
ncx = z.read("EPUB/toc.ncx").decode()
check("<text>תוכן העניינים</text>" in ncx, "the NCX's words in Hebrew")
title = z.read("EPUB/title.xhtml").decode()
for frag in ("עריכה: דוד לוי", "תרגום: Ruth Green", "סדרה: ספריית המסה · 2", "ISBN 9780306406157",
             "4 במרץ 2025", "גרסה 1.0.0", 'href="https://creativecommons.org/licenses/by/4.0/"'):
    check(frag in title, "title page: %s" % frag)
e1 = z.read("EPUB/01-petach.xhtml").decode()
check('aria-label="הערות"' in e1, "the notes' label in Hebrew")
check("15 בינואר 2025" in e1, "the essay's date in Hebrew")
e2 = z.read("EPUB/02-shnia.xhtml").decode()
check("נועה כהן ודוד לוי" in e2, "two authors joined in Hebrew")
e3 = z.read("EPUB/03-english.xhtml").decode()
check("March 1, 2025" in e3, "an English essay's date in English")
h = open(html, encoding="utf-8").read()
check(re.search(r'<html lang="he" dir="rtl">', h) is not None, "archive: dir=rtl")
check('<article id="03-english" class="essay" aria-labelledby="03-english--essay-title" lang="en" dir="ltr">' in h,
      "archive: the English essay is ltr")
# (re-serialised from its tokens: its comment goes, its rules stay)
check(re.search(r'<style>[^<]*font-family: "Fixture Sans"', h) is not None, "archive: the author's stylesheet inlined")
check("url(\"data:font/ttf;base64," in h, "archive: the font as a data: URI")
check("url(\"data:image/svg+xml;base64," in h, "archive: the image as a data: URI")
check(">נכרך בעזרת quire" in h, "archive: the footer in Hebrew")
sys.exit(1 if bad else 0)
EOF

# theme: none leaves quire's stylesheets out of both outputs.
cp -a "$TMP/book" "$TMP/plain"
printf 'theme: none\n' >>"$TMP/plain/collection.yaml"
build "$TMP/plain" "$TMP/plain-out"
if unzip -Z1 "$TMP"/plain-out/*.epub | grep -q 'EPUB/book.css'; then
	fail "theme: none still packs book.css"
else
	ok "theme: none: no book.css"
fi
if unzip -p "$TMP"/plain-out/*.epub '*.xhtml' EPUB/package.opf | grep -q 'book\.css'; then
	fail "theme: none: book.css still named"
else
	ok "theme: none: book.css named nowhere"
fi
grep -q 'archive stylesheet' "$TMP"/plain-out/*.html &&
	fail "theme: none: the archive keeps quire's stylesheet" ||
	ok "theme: none: the archive has only the author's stylesheet"
finish
