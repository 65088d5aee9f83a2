#!/usr/bin/env bash
# Listings and includes (tests/fixtures/techbook): info strings in
# pandoc's, mdBook's and Hugo's forms, line numbers kept out of the text,
# captions, diff lines, rustdoc's hidden lines; mdBook's and Quarto's
# includes, whole, by lines and by anchor, with diagnostics that point
# into the included file.  The EPUB's XHTML and the archive both.
# Usage: techbook.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2

cp -a "$DIR" "$TMP/techbook"
(cd "$TMP" && "$Q" build techbook -o "$TMP/out" >/dev/null 2>"$TMP/err") ||
	{ cat "$TMP/err"; fail "build"; finish; }

# The one warning of the fixture comes from an included file, at its
# own line and column there.
if grep -q '^techbook/code/part\.md:4:15: warning: .*no-such-essay\.md' "$TMP/err" &&
	[ "$(grep -c ': warning: ' "$TMP/err")" -eq 1 ]; then
	ok "the included file's broken link reported at code/part.md:4:15"
else
	cat "$TMP/err"
	fail "expected one warning at techbook/code/part.md:4:15"
fi

python3 - "$TMP"/out/*.epub "$TMP"/out/*.html <<'EOF' || fail "structure"
import re, sys, zipfile, xml.etree.ElementTree as ET

X = '{http://www.w3.org/1999/xhtml}'
bad = 0

def check(cond, what):
    global bad
    print(('ok: ' if cond else 'FAIL: ') + what)
    bad += not cond

def text(e):
    return ''.join(e.itertext())

def classes(e):
    return (e.get('class') or '').split()

z = zipfile.ZipFile(sys.argv[1])
docs = {}
for name in z.namelist():
    if name.endswith('.xhtml'):
        doc = ET.fromstring(z.read(name))
        t = doc.find('.//' + X + 'title')
        docs[t.text if t is not None else name] = doc

def blocks(doc):
    """Each <pre> of the essay with its <code>, in order, with the
    <figure> holding it (or None)."""
    out = []
    parent = {c: p for p in doc.iter() for c in p}
    for pre in doc.iter(X + 'pre'):
        code = pre.find(X + 'code')
        fig = parent.get(pre)
        out.append((pre, code, fig if fig is not None and
                    fig.tag == X + 'figure' else None))
    return out

def caption(fig):
    if fig is None:
        return None
    cap = fig.find(X + 'figcaption')
    return ' '.join(text(cap).split()) if cap is not None else None

def lines(code):
    return [s for s in code if s.tag == X + 'span' and 'line' in classes(s)]

def start(code):
    m = re.search(r'counter-reset:\s*line\s+(-?\d+)', code.get('style') or '')
    return int(m.group(1)) + 1 if m else 1

def highlighted(code):
    return any(c.startswith('hl-') for s in code.iter(X + 'span')
               for c in classes(s))

# ---- Listings
doc = docs.get('Listings')
check(doc is not None, 'the listings essay')
b = blocks(doc)
check(len(b) == 6, 'six listings')
pre, code, fig = b[0]
check(classes(code) == ['language-python'], "{.python ...}: language-python")
check(highlighted(code), 'pandoc attributes: highlighted as Python')
check(caption(fig) == 'app.py', 'title="app.py" shown above the listing')
check(list(fig).index(pre) > 0 if fig is not None else False,
      'the caption comes before the code')
check('numbered' in classes(pre) and len(lines(code)) == 2,
      '.numberLines: two numbered lines')
check(start(code) == 10, 'startFrom="10": the first line is 10')
check(text(code) == 'def greet(name):\n    return f"Hello, {name}"\n',
      'the numbers are not in the text (copying gives the code)')

pre, code, fig = b[1]
check(classes(code) == ['language-rust'], 'rust,ignore: language-rust')
check(highlighted(code), 'rust,ignore: highlighted as Rust')
check(text(code) == '#[derive(Debug)]\nstruct Point { x: i32 }\n'
      '#![allow(unused)]\n# not hidden: one hash left\nfn main() {\n'
      '    let p = Point { x: 1 };\n    println!("{p:?}");\n}\n',
      'hidden "# " lines left out, ## kept as one #, #[ and #! kept')
check('numbered' not in classes(pre) and fig is None,
      'no numbers, no caption unless asked')

pre, code, fig = b[2]
check(caption(fig) == 'Reading a file', 'caption="..." shown')
check('numbered' in classes(pre) and len(lines(code)) == 3 and
      start(code) == 1, 'linenums="1": three lines from 1')
check(highlighted(code), 'highlighted inside its figure')

pre, code, fig = b[3]
check(fig is None and classes(code) == ['language-c'] and
      pre.get('class') is None and not lines(code),
      'a plain fence is left as it was')

pre, code, fig = b[4]
check(classes(code) == ['language-diff'], 'a diff listing')
kinds = [[c for c in classes(s) if c.startswith('diff-')] for s in lines(code)]
check(kinds == [['diff-file'], ['diff-file'], ['diff-hunk'], [],
                ['diff-del'], ['diff-add']],
      'diff lines classified: file, hunk, context, removed, added')
check(text(code) == '--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n'
      ' def greet(name):\n-    return "Hi"\n+    return f"Hello, {name}"\n',
      'the diff text whole')
check('numbered' not in classes(pre), 'a diff is not numbered unless asked')

pre, code, fig = b[5]
check(classes(code) == ['language-go'] and highlighted(code),
      "Hugo's {linenos=true}: Go, highlighted")
check('numbered' in classes(pre) and start(code) == 5 and
      len(lines(code)) == 3, 'linenostart=5')
check(caption(fig) == 'main.go', 'filename="main.go" shown')

# ---- Includes
doc = docs.get('Includes')
check(doc is not None, 'the includes essay')
b = blocks(doc)
got = [text(code) for pre, code, fig in b]
want = [
    '[package]\nname = "guessing_game"\nversion = "0.1.0"\n'
    'edition = "2024"\n\n[dependencies]\nrand = "0.8.5"\n',
    'name = "guessing_game"\nversion = "0.1.0"\n',
    '[dependencies]\nrand = "0.8.5"\n',
    '    let mut guess = String::new();\n'
    '    io::stdin().read_line(&mut guess).expect("read");\n',
    'fn main() {\n',
    'fn main() {\n    println!("Hello, playground!");\n}\n',
]
check(len(got) == len(want), '%d included listings (got %d)' % (len(want), len(got)))
for i, (g, w) in enumerate(zip(got, want)):
    check(g == w, 'listing %d: exactly the lines asked for (%r)' % (i + 1, g[:40]))
check(classes(b[5][1]) == ['language-rust'] if len(b) > 5 else False,
      '{{#playground}}: a Rust listing')
body = text(doc)
check('ANCHOR' not in body, 'no anchor line in any include')
check('Guess the number' not in body, 'nothing outside the anchors')
h2 = [text(h) for h in doc.iter(X + 'h2')]
check('An included section' in h2, "Quarto's include: its Markdown parsed")
check('A nested include, relative to the file that includes it.' in body,
      'an include inside an included file, relative to that file')
paras = [' '.join(text(p).split()) for p in doc.iter(X + 'p')]
check('Written as is: {{#include code/hello.rs}}' in paras,
      'an escaped include stays text, without its backslash')
check(body.count('{{') == 1, 'no other braces left')

# ---- Front and back matter
opf = z.read('EPUB/package.opf').decode()
items = dict(re.findall(r'<item id="([^"]+)" href="([^"]+)"', opf))
spine = [items[i] for i in re.findall(r'<itemref idref="([^"]+)"', opf)]
essays = [f for f in spine if f not in ('cover.xhtml', 'title.xhtml', 'nav.xhtml')]
check(essays == ['00-dedication.xhtml', 'zz-preface.xhtml', '01-listings.xhtml',
                 '02-includes.xhtml', 'aa-appendix.xhtml', 'colophon.xhtml'],
      'front matter first, chapters, back matter last, each in file order '
      '(%s)' % essays)
EP = '{http://www.idpf.org/2007/ops}'
want = {'00-dedication.xhtml': 'dedication', 'zz-preface.xhtml': 'preface',
        '01-listings.xhtml': 'chapter', '02-includes.xhtml': 'chapter',
        'aa-appendix.xhtml': 'appendix', 'colophon.xhtml': 'colophon'}
for f, t in want.items():
    sec = ET.fromstring(z.read('EPUB/' + f)).find('.//' + X + 'section')
    check(sec is not None and sec.get(EP + 'type') == t and
          sec.get('role') == 'doc-' + t, '%s: epub:type %s, role doc-%s' % (f, t, t))
app = ET.fromstring(z.read('EPUB/aa-appendix.xhtml'))
check([text(h) for h in app.iter(X + 'h1')] == ['The grammar of info strings'],
      "pandoc's {epub:type=appendix} taken off the title")
nav = z.read('EPUB/nav.xhtml').decode()
check(re.search(r'<a href="01-listings\.xhtml" epub:type="bodymatter"', nav)
      is not None, 'landmarks: the body starts at the first chapter')
check('<reference type="text" title="Start" href="01-listings.xhtml"/>' in opf,
      "and so does the EPUB 2 guide's start")
toc = re.findall(r'<li><a href="([^"#]+)"', nav.split('epub:type="landmarks"')[0])
check([f for f in toc if f != 'title.xhtml'] == essays, 'the contents in the same order')

# ---- The archive: the same listings, and the rules that number them
html = open(sys.argv[2], encoding='utf-8').read()
check(html.count('class="line"') >= 2 + 3 + 3 and 'class="numbered"' in html,
      'the archive numbers the same lines')
check(re.search(r'\.numbered[^{]*\.line::before\s*\{[^}]*counter\(line\)', html)
      is not None, 'line numbers drawn by a CSS counter in the archive')
titles = ['For Ada', 'Preface', 'Listings', 'Includes',
          'The grammar of info strings', 'Colophon']
at = [html.find('>' + t + '</h1>') for t in titles]
check(all(a >= 0 for a in at) and at == sorted(at),
      'the archive in the same order (%s)' % at)
check(re.search(r'user-select:\s*none', html) is not None,
      'and not selectable')
css = z.read('EPUB/css/book.css').decode() if 'EPUB/css/book.css' in \
    z.namelist() else ''.join(z.read(n).decode() for n in z.namelist()
                              if n.endswith('.css'))
check(re.search(r'\.line::before\s*\{[^}]*counter\(line\)', css) is not None,
      'and in the EPUB stylesheet')
sys.exit(1 if bad else 0)
EOF
# An included Markdown file that SUMMARY.md lists is a chapter all the
# same (without SUMMARY.md it would be part of its includer only).
mkdir -p "$TMP/sm/src"
printf '# Summary\n\n- [One](one.md)\n- [Shared](shared.md)\n' >"$TMP/sm/src/SUMMARY.md"
printf '# One\n\n{{#include shared.md}}\n' >"$TMP/sm/src/one.md"
printf '# Shared\n\nShared text.\n' >"$TMP/sm/src/shared.md"
"$Q" build "$TMP/sm" -o "$TMP/sm-out" -f epub -q 2>"$TMP/err4" || cat "$TMP/err4"
n=$(unzip -l "$TMP"/sm-out/*.epub | grep -c 'shared\.xhtml')
[ "$n" -eq 1 ] && unzip -p "$TMP"/sm-out/*.epub EPUB/src-one.xhtml | grep -q 'Shared text' &&
	ok "a listed file is a chapter and included too" ||
	fail "SUMMARY.md's included chapter ($n)"
finish
