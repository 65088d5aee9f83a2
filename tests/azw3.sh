#!/usr/bin/env bash
# The highlighting survives calibre's conversion to AZW3 (Kindle): the
# book is converted with ebook-convert, the AZW3 converted back to EPUB,
# and in what calibre wrote a keyword is still bold, a comment italic, a
# string shaded, each through its class in calibre's stylesheet.
# Skips (exit 77) when calibre is not installed.  Usage: azw3.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2
command -v ebook-convert >/dev/null || { echo "SKIP: ebook-convert (calibre) not installed"; exit 77; }
"$Q" build "$DIR" -o "$TMP/out" -f epub -q 2>"$TMP/err" || { cat "$TMP/err"; fail "build"; finish; }
export QT_QPA_PLATFORM=offscreen HOME="$TMP"
ebook-convert "$TMP"/out/*.epub "$TMP/book.azw3" >"$TMP/c1" 2>&1 ||
	{ tail -5 "$TMP/c1"; fail "ebook-convert to AZW3"; finish; }
ok "converted to AZW3 ($(stat -c %s "$TMP/book.azw3") bytes)"
ebook-convert "$TMP/book.azw3" "$TMP/back.epub" >"$TMP/c2" 2>&1 ||
	{ tail -5 "$TMP/c2"; fail "ebook-convert AZW3 back to EPUB"; finish; }
mkdir "$TMP/back" && (cd "$TMP/back" && unzip -q "$TMP/back.epub") || { fail "unzip"; finish; }
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
