#!/usr/bin/env bash
# Cross-references and section numbers (tests/fixtures/xref): every
# reference is the right word and number and links to an element with
# that id in the right document, in the EPUB and in the archive; the
# captions, equations and headings carry their numbers, the nav and NCX
# the sections'; an unknown reference is a warning at its line; an
# address and a citation are left alone; the bytes are the same at -j1
# and -j4.
# Usage: xref.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2

cp -a "$DIR" "$TMP/xref"
(cd "$TMP" && "$Q" build xref -o "$TMP/out" -j1 >/dev/null 2>"$TMP/err") ||
	{ cat "$TMP/err"; fail "build"; finish; }
(cd "$TMP" && "$Q" build xref -o "$TMP/out4" -j4 >/dev/null 2>"$TMP/err4") ||
	fail "build -j4"

if grep -q '^xref/01-basics\.md:25:48: warning: unknown reference @fig:nope$' "$TMP/err" &&
	[ "$(grep -c ': warning: ' "$TMP/err")" -eq 1 ]; then
	ok "the unknown reference reported at 01-basics.md:25:48, alone"
else
	cat "$TMP/err"
	fail "expected one warning: unknown reference @fig:nope at 01-basics.md:25:48"
fi
if cmp -s "$TMP"/out/*.epub "$TMP"/out4/*.epub &&
	cmp -s "$TMP"/out/*.html "$TMP"/out4/*.html; then
	ok "the same bytes at -j1 and -j4"
else
	fail "outputs differ between -j1 and -j4"
fi

# Per chapter, in French, with a label used twice: the numbers, the
# words and the warning follow.
cp -a "$DIR" "$TMP/xref2"
printf 'crossref_chapters: true\nlanguage: fr\n' >>"$TMP/xref2/collection.yaml"
sed -i '/^language: en$/d' "$TMP/xref2/collection.yaml"
printf '\n![Again](img/flow.png){#fig:flow}\n' >>"$TMP/xref2/02-more.md"
(cd "$TMP" && "$Q" build xref2 -o "$TMP/out2" -f epub >/dev/null 2>"$TMP/err2") ||
	{ cat "$TMP/err2"; fail "build with crossref_chapters"; }
if grep -q "^xref2/02-more\.md:31:1: warning: duplicate label 'fig:flow'" "$TMP/err2"; then
	ok "a duplicate label reported at its line"
else
	cat "$TMP/err2"
	fail "expected a duplicate label warning at 02-more.md:31"
fi
python3 - "$TMP"/out2/*.epub <<'PY' || fail "per chapter"
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
more = z.read('EPUB/02-more.xhtml').decode()
basics = z.read('EPUB/01-basics.xhtml').decode()
bad = 0
for cond, what in (
    ('<a href="#fig-second" class="xref">Figure 2.1</a>' in more, 'Figure 2.1 in chapter 2'),
    ('<a href="01-basics.xhtml#fig:flow" class="xref">Figure 1.1</a>' in more, 'Figure 1.1 across'),
    ('<a href="#eq:energy" class="xref">Équation (2.1)</a>' in more, 'Équation (2.1), in French'),
    ('<a href="#tbl:sizes" class="xref">Tableau 1.1</a>' in basics, 'Tableau 1.1, in French')):
    print(('ok: ' if cond else 'FAIL: ') + what)
    bad += not cond
sys.exit(1 if bad else 0)
PY

python3 - "$TMP"/out/*.epub "$TMP"/out/*.html <<'PY' || fail "references"
import re, sys, zipfile, xml.etree.ElementTree as ET

X = '{http://www.w3.org/1999/xhtml}'
bad = 0

def check(cond, what):
    global bad
    print(('ok: ' if cond else 'FAIL: ') + what)
    bad += not cond

def text(e):
    return ''.join(e.itertext())

# What each essay's references must read and where they must lead, in
# document order: (text, document, id).
WANT = {
    '00-preface': [('Section 1.1', '01-basics', 'sec:setup'),
                   ('Figure 1', '01-basics', 'fig:flow')],
    '01-basics': [('Figure 1', '01-basics', 'fig:flow'),
                  ('Figure 1', '01-basics', 'fig:flow'),
                  ('Table 1', '01-basics', 'tbl:sizes'),
                  ('Equation (1)', '01-basics', 'eq:area'),
                  ('Section 2.1.1', '02-more', 'sec:details-more'),
                  ('Section 1.1', '01-basics', 'sec:setup'),
                  ('Conventions', '00-preface', 'sec:conventions')],
    '02-more': [('Figure 2', '02-more', 'fig-second'),
                ('Figure 1', '01-basics', 'fig:flow'),
                ('Listing 1', '02-more', 'lst:hello'),
                ('Listing 2', '02-more', 'lst-bare'),
                ('Equation (2)', '02-more', 'eq:energy'),
                ('Equation (1)', '01-basics', 'eq:area'),
                ('Section 2.1', '02-more', 'sec-pictures'),
                ('Figure 2', '02-more', 'fig-second')],
    '02b-interlude': [('Section 2.2', '02-more', 'sec:closing'),
                      ('A pause', '02b-interlude', 'sec:pause')],
    '03-appendix': [('Table 2', '03-appendix', 'tbl:extra'),
                    ('Section A.1', '03-appendix', 'sec:extra'),
                    ('Table 1', '01-basics', 'tbl:sizes')],
}
# The numbers the numbered things show: (document, id, text it starts with).
NUMBERED = [('01-basics', 'fig:flow', 'Figure 1: The flow of a build'),
            ('01-basics', 'tbl:sizes', 'Table 1: Sizes of the stages'),
            ('01-basics', 'eq:area', '(1)'),
            ('01-basics', 'sec:setup', '1.1 Setting up'),
            ('02-more', 'fig-second', 'Figure 2: A second picture'),
            ('02-more', 'lst:hello', 'Listing 1: Saying hello'),
            ('02-more', 'lst-bare', 'Listing 2'),
            ('02-more', 'eq:energy', '(2)'),
            ('02-more', 'sec:details-more', '2.1.1 More details'),
            ('02-more', 'sec:closing', '2.2 Closing words'),
            ('02b-interlude', 'sec:pause', 'A pause'),
            ('03-appendix', 'tbl:extra', 'Table 2: A table in the appendix'),
            ('03-appendix', 'sec:extra', 'A.1 Extra')]

def number_text(el):
    if el.tag in (X + 'figure', X + 'table'):
        cap = el.find(X + 'figcaption')
        if cap is None:
            cap = el.find(X + 'caption')
        return text(cap).strip() if cap is not None else ''
    if el.get('class') == 'equation':
        return text(el.find(X + 'span')).strip()
    return re.sub(r'\s+', ' ', text(el)).strip()

# ---- EPUB
z = zipfile.ZipFile(sys.argv[1])
docs = {n: ET.fromstring(z.read('EPUB/%s.xhtml' % n)) for n in WANT}
ids = {n: {e.get('id'): e for e in d.iter() if e.get('id')} for n, d in docs.items()}
for name, want in WANT.items():
    got = []
    for a in docs[name].iter(X + 'a'):
        if a.get('class') == 'xref':
            href = a.get('href')
            doc, _, frag = href.partition('#')
            got.append((text(a), doc[:-6] if doc else name, frag))
    check(got == want, 'EPUB %s: references %s' % (name, got))
    for t, doc, frag in got:
        check(frag in ids.get(doc, {}), 'EPUB %s: %s#%s exists' % (name, doc, frag))
for doc, i, start in NUMBERED:
    el = ids[doc].get(i)
    check(el is not None and number_text(el).startswith(start),
          'EPUB %s#%s shows "%s"' % (doc, i, start))
basics = text(docs['01-basics'])
check('[@doe2020]' in basics, 'a citation key is left as written')
check('someone@example.org' in basics and
      docs['01-basics'].find('.//' + X + 'a[@href="mailto:someone@example.org"]') is not None,
      'an address stays an address')
check('@someone' in text(docs['00-preface']) and docs['00-preface'].find('.//' + X + 'a[@href="mailto:editor@fig-press.org"]') is not None, 'a mention and an address with a prefix after its @ stay as written')
check(any(text(c) == '@fig:flow' for c in docs['02-more'].iter(X + 'code')),
      'a reference in code stays code')
check('1 Basics' == re.sub(r'\s+', ' ', text(docs['01-basics'].find('.//' + X + 'h1'))).strip(),
      'the chapter title numbered')
check(re.sub(r'\s+', ' ', text(docs['00-preface'].find('.//' + X + 'h2'))).strip() == 'Conventions',
      'front matter unnumbered')
check(re.sub(r'\s+', ' ', text(docs['02b-interlude'].find('.//' + X + 'h1'))).strip() == 'Interlude',
      'an essay with number_sections: false unnumbered')

nav = z.read('EPUB/nav.xhtml').decode()
for entry in ('>1 Basics<', '>1.1 Setting up<', '>1.1.1 Details<', '>1.2 Second section<',
              '>2 More<', '>2.1 Pictures<', '>A Tables of reference<', '>A.1 Extra<',
              '>Preface<', '>Conventions<', '>2.2 Closing words<', '>Interlude<',
              '>A pause<'):
    check(entry in nav, 'nav has %s' % entry)
ncx = z.read('EPUB/toc.ncx').decode()
for entry in ('<text>1 Basics</text>', '<text>1.1 Setting up</text>',
              '<text>2.1.1 More details</text>', '<text>A.1 Extra</text>',
              '<text>Preface</text>'):
    check(entry in ncx, 'NCX has %s' % entry)

# ---- The archive: one document, ids scoped by essay.
html = open(sys.argv[2], encoding='utf-8').read()
hids = set(re.findall(r'\bid="([^"]+)"', html))
for name, want in WANT.items():
    body = re.search(r'<article[^>]*id="%s".*?</article>' % re.escape(name), html, re.S)
    check(body is not None, 'archive has %s' % name)
    if body is None:
        continue
    got = [(t, h) for h, t in re.findall(r'<a href="#([^"]+)" class="xref">([^<]+)</a>', body.group(0))]
    exp = [(t, '%s--%s' % (doc, frag)) for t, doc, frag in want]
    check(got == exp, 'archive %s: references %s' % (name, got))
    for t, h in got:
        check(h in hids, 'archive: #%s exists' % h)
for entry in ('>1.1 Setting up<', '>A.1 Extra<', '>1 Basics<'):
    check(entry in html, 'archive contents have %s' % entry)
check('Figure 1</span>: The flow of a build' in html, 'archive caption numbered')
sys.exit(1 if bad else 0)
PY
finish
