#!/usr/bin/env bash
# Citations (pandoc's syntax) rendered by citeproc-js in Chicago
# author-date: each citation's text, written here by hand from the style;
# its link to an entry of the same document (EPUB) or of the archive; the
# bibliography of each essay lists exactly the works it cites, in the
# style's order; a key not found is a warning at its line and stays text;
# cross-references, addresses, links, code and math are left alone;
# bibliography_at: book gives one References document, in the contents;
# a book without a bibliography is not touched; the same bytes at -j1 and
# -j4.
# Usage: cite.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 FIX=$2
export SOURCE_DATE_EPOCH=1700000000

"$Q" build "$FIX" -o "$TMP/j1" -j1 >"$TMP/o1" 2>"$TMP/e1" ||
	{ cat "$TMP/e1"; fail "build -j1"; finish; }
"$Q" build "$FIX" -o "$TMP/j4" -j4 >/dev/null 2>"$TMP/e4" ||
	{ cat "$TMP/e4"; fail "build -j4"; finish; }
cmp -s "$TMP"/j1/*.epub "$TMP"/j4/*.epub && cmp -s "$TMP"/j1/*.html "$TMP"/j4/*.html &&
	ok "the same bytes at -j1 and -j4" || fail "-j1 and -j4 differ"
cmp -s "$TMP/e1" "$TMP/e4" && ok "the same diagnostics at -j1 and -j4" ||
	fail "diagnostics differ at -j1 and -j4"

grep -qx "$FIX/02-walls.md:7:18: warning: citation key not found: nobody2021" "$TMP/e1" &&
	ok "an unknown in-text key: a warning at its line and column" ||
	fail "no warning for @nobody2021 at 7:18: $(cat "$TMP/e1")"
grep -qx "$FIX/02-walls.md:8:2: warning: citation key not found: ghost" "$TMP/e1" &&
	ok "an unknown bracketed key: a warning at its line and column" ||
	fail "no warning for [@ghost] at 8:2"
[ "$(grep -c ': warning: ' "$TMP/e1")" = 2 ] && ok "no other warning (none for @sec:method)" ||
	fail "other warnings: $(cat "$TMP/e1")"

mkdir -p "$TMP/x"
(cd "$TMP/x" && unzip -q "$TMP"/j1/*.epub)
python3 - "$TMP/x/EPUB" "$TMP"/j1/*.html <<'PY' || FAILED=1
import re, sys, html
from xml.dom import minidom
d, archive = sys.argv[1], sys.argv[2]
bad = 0
def check(cond, msg):
    global bad
    print(("ok: " if cond else "FAIL: ") + msg)
    if not cond:
        bad = 1
def text(n):
    return ''.join(c.data if c.nodeType == c.TEXT_NODE else text(c) for c in n.childNodes)
def doc(name):
    return minidom.parse(f'{d}/{name}')
def elements(n, tag):
    return n.getElementsByTagName(tag)
def by_id(dm):
    return {e.getAttribute('id'): e for e in elements(dm, '*') if e.getAttribute('id')}
def citations(dm):
    return [s for s in elements(dm, 'span') if s.getAttribute('class') == 'citation']
want = {
    '01-gardens.xhtml': ['(Doe 2020a, 3)', 'Doe (2020b)', 'Doe (2020b, 40)',
        '(see Smith and Brown 2018, 33\u201335; also Abel 1999, chap. 1)',
        '(2015)', '(Smith and Brown 2018)'],
    '02-walls.xhtml': ['(Doe 2020b; Ito 2015, 12)'],
}
# The first work of each citation: its entry's author.
first = {'01-gardens.xhtml': ['Doe, Jane', '\u2014\u2014\u2014', '\u2014\u2014\u2014', 'Smith', 'Ito', 'Smith'],
         '02-walls.xhtml': ['Doe, Jane']}
entries = {'01-gardens.xhtml': ['ref-abel1999', 'ref-doe-gardens', 'ref-doe-walls', 'ref-ito2015', 'ref-smith_2018'],
           '02-walls.xhtml': ['ref-doe-walls', 'ref-ito2015']}
for name, texts in want.items():
    dm = doc(name)
    cs = citations(dm)
    check([text(c) for c in cs] == texts, f'{name}: citations read {[text(c) for c in cs]}')
    ids = by_id(dm)
    for c, who in zip(cs, first[name]):
        a = elements(c, 'a')
        href = a[0].getAttribute('href') if a else ''
        t = ids.get(href[1:]) if href.startswith('#') else None
        check(t is not None and t.getAttribute('class') == 'csl-entry' and text(t).startswith(who),
              f'{name}: {text(c)} links to {href}, an entry of the same document by {who}')
    secs = [s for s in elements(dm, 'section') if s.getAttribute('epub:type') == 'bibliography']
    check(len(secs) == 1 and secs[0].getAttribute('role') == 'doc-bibliography' and
          text(elements(secs[0], 'h2')[0]) == 'References',
          f'{name}: one bibliography section, role doc-bibliography, headed References')
    got = [e.getAttribute('id') for e in elements(secs[0], 'div') if e.getAttribute('class') == 'csl-entry'] if secs else []
    check(got == entries[name], f'{name}: the bibliography lists exactly the works cited, in the style\'s order: {got}')
w = doc('02-walls.xhtml')
check(text(w.documentElement).count('Doe, Jane. 2020b') == 1,
      '02-walls.xhtml: its own bibliography names Doe (no dash for an author listed in another essay)')
body = text(w.documentElement)
for lit in ['@nobody2021', '[@ghost, p. 9]', 'mason@example.com']:
    check(lit in body, f'02-walls.xhtml: "{lit}" left as written')
codes = [text(c) for c in elements(w, 'code')]
check('[@doe:gardens]' in codes and '@doe:walls' in codes and
      any(c.startswith('@doe:gardens in a code block') for c in codes),
      'code spans and blocks keep their @keys literal')
xref = [a for a in elements(w, 'a') if a.getAttribute('href').endswith('#sec:method')]
check(len(xref) == 1 and xref[0].parentNode.getAttribute('class') != 'citation',
      '@sec:method is left to the cross-references, not taken for a citation')
mail = [a for a in elements(w, 'a') if a.getAttribute('href') == 'mailto:mason@example.com']
check(len(mail) == 1, 'the address stays a mailto: link')
links = {a.getAttribute('href'): text(a) for a in elements(w, 'a')}
check(links.get('https://example.org/walls') == 'as @doe:walls says' and
      links.get('https://example.org/@doe:walls') == 'https://example.org/@doe:walls',
      "a link's text and an address keep their @keys")
check(not any('never-cited' in e for e in by_id(doc('01-gardens.xhtml'))), 'a work never cited is not listed')
# The archive: each citation's link to an id of the archive.
a = open(archive, encoding='utf-8').read()
ids = set(re.findall(r'\sid="([^"]+)"', a))
hrefs = re.findall(r'<span class="citation"><a href="#([^"]+)"', a)
check(len(hrefs) == 7 and all(h in ids for h in hrefs),
      f'archive: the {len(hrefs)} citations link to ids of the archive')
sys.exit(bad)
PY

# bibliography_at: book, an essay in a folder.
cp -r "$FIX" "$TMP/book"
mkdir -p "$TMP/book/more"
mv "$TMP/book/02-walls.md" "$TMP/book/more/02-walls.md"
echo "bibliography_at: book" >>"$TMP/book/collection.yaml"
"$Q" build "$TMP/book" -o "$TMP/bk" -j2 >/dev/null 2>"$TMP/eb" ||
	{ cat "$TMP/eb"; fail "build with bibliography_at: book"; }
mkdir -p "$TMP/bx"
(cd "$TMP/bx" && unzip -q "$TMP"/bk/*.epub)
python3 - "$TMP/bx/EPUB" "$TMP"/bk/*.html <<'PY' || FAILED=1
import re, sys, os
from xml.dom import minidom
d, archive = sys.argv[1], sys.argv[2]
bad = 0
def check(cond, msg):
    global bad
    print(("ok: " if cond else "FAIL: ") + msg)
    if not cond:
        bad = 1
def text(n):
    return ''.join(c.data if c.nodeType == c.TEXT_NODE else text(c) for c in n.childNodes)
nav = minidom.parse(f'{d}/nav.xhtml')
toc = [a for a in nav.getElementsByTagName('a') if text(a) == 'References']
check(len(toc) == 1, 'bibliography_at: book: one References entry in the contents')
ref = toc[0].getAttribute('href') if toc else ''
rd = minidom.parse(f'{d}/{ref}') if ref and os.path.exists(f'{d}/{ref}') else None
sec = rd.getElementsByTagName('section')[0] if rd else None
check(sec is not None and sec.getAttribute('epub:type') == 'bibliography' and
      sec.getAttribute('role') == 'doc-bibliography', 'the References document is the bibliography (epub:type, role)')
got = [e.getAttribute('id') for e in rd.getElementsByTagName('div') if e.getAttribute('class') == 'csl-entry'] if rd else []
check(got == ['ref-abel1999', 'ref-doe-gardens', 'ref-doe-walls', 'ref-ito2015', 'ref-smith_2018'],
      f'it lists every work the book cites, in the style\'s order: {got}')
n = 0
for f in sorted(os.listdir(d)):
    if not f.endswith('.xhtml') or f == ref:
        continue
    dm = minidom.parse(f'{d}/{f}')
    check(not any(s.getAttribute('epub:type') == 'bibliography' for s in dm.getElementsByTagName('section')),
          f'{f}: no bibliography of its own')
    for s in dm.getElementsByTagName('span'):
        if s.getAttribute('class') != 'citation':
            continue
        href = s.getElementsByTagName('a')[0].getAttribute('href')
        n += 1
        check(href.startswith(ref + '#') and href.split('#')[1] in got,
              f'{f}: {text(s)} links to {href}, an entry of the References document')
check(n == 7, f'{n} citations linked')
a = open(archive, encoding='utf-8').read()
ids = set(re.findall(r'\sid="([^"]+)"', a))
hrefs = re.findall(r'<span class="citation"><a href="#([^"]+)"', a)
check(len(hrefs) == 7 and all(h in ids for h in hrefs), 'archive: the citations link to the References part')
sys.exit(bad)
PY

# The book's language: the heading from the catalogue, citeproc's locale.
cp -r "$FIX" "$TMP/fr"
sed -i 's/^language: en/language: fr/' "$TMP/fr/collection.yaml"
"$Q" build "$TMP/fr" -o "$TMP/fro" -f epub >/dev/null 2>&1 || fail "build in French"
unzip -p "$TMP"/fro/*.epub EPUB/02-walls.xhtml >"$TMP/fr.xhtml"
# « and » with no-break spaces inside, as the French locale has them.
quoted=$(printf '\xc2\xab\xc2\xa0Walls and Windows\xc2\xa0\xc2\xbb')
grep -q '<h2 id="[^"]*">Références</h2>' "$TMP/fr.xhtml" && grep -qF "$quoted" "$TMP/fr.xhtml" &&
	ok "French: the heading Références, French quotation marks" ||
	fail "French heading or locale: $(grep -o '<h2[^>]*>[^<]*' "$TMP/fr.xhtml")"

# A book without a bibliography: citations stay text, no warning.
cp -r "$FIX" "$TMP/none"
sed -i '/^bibliography:/,$d' "$TMP/none/collection.yaml"
"$Q" build "$TMP/none" -o "$TMP/no" -f epub >/dev/null 2>"$TMP/en" || fail "build without a bibliography"
unzip -p "$TMP"/no/*.epub EPUB/01-gardens.xhtml >"$TMP/none.xhtml"
! grep -q 'citation\|csl-entry' "$TMP/none.xhtml" && grep -qF '[@doe:gardens, p. 3]' "$TMP/none.xhtml" &&
	[ ! -s "$TMP/en" ] && ok "without a bibliography: nothing changes, no warning" ||
	fail "a book without a bibliography was changed: $(cat "$TMP/en")"

# node missing: an error that names the install step.
QUIRE_NODE=/nonexistent/node "$Q" check "$FIX" >/dev/null 2>"$TMP/enode"
[ $? -eq 1 ] && grep -q 'error: citations cannot be rendered: node was not found.*npm ci in tools/cite' "$TMP/enode" &&
	ok "without node: an error naming the install step" || fail "without node: $(cat "$TMP/enode")"
finish
