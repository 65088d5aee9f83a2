#!/usr/bin/env bash
# Math, figures, callouts and definition lists (tests/fixtures/technical):
# the XHTML the EPUB holds, with the TeX converter (tools/math, node and
# KaTeX) and without it (QUIRE_MATH pointing nowhere).
# Usage: technical.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)

"$Q" build "$DIR" -o "$TMP/with" -f epub >"$TMP/paths" 2>"$TMP/err1" ||
	{ cat "$TMP/err1"; fail "build with the converter"; finish; }
QUIRE_MATH=$TMP/nowhere.js "$Q" build "$DIR" -o "$TMP/without" -f epub \
	>/dev/null 2>"$TMP/err2" ||
	{ cat "$TMP/err2"; fail "build without a converter"; finish; }

# With the converter: no warning at all (the fixture's TeX is valid).
if [ -s "$TMP/err1" ]; then
	cat "$TMP/err1"
	fail "diagnostics with the converter (is tools/math installed? npm ci there)"
else
	ok "no diagnostics with the converter"
fi
# Without: one warning for the whole build, at the first formula.
n=$(grep -c 'warning: math shown as TeX: no TeX to MathML converter' "$TMP/err2")
[ "$n" -eq 1 ] && grep -q 'essay\.md:3:18: warning' "$TMP/err2" &&
	ok "one warning without a converter, at the first formula" ||
	{ cat "$TMP/err2"; fail "expected one warning at essay.md:3:18, got $n"; }

python3 - "$TMP/with"/*.epub "$TMP/without"/*.epub <<'EOF' || fail "structure"
import sys, zipfile, xml.etree.ElementTree as ET

X = '{http://www.w3.org/1999/xhtml}'
M = '{http://www.w3.org/1998/Math/MathML}'
EP = '{http://www.idpf.org/2007/ops}'
bad = 0

def check(cond, what):
    global bad
    print(('ok: ' if cond else 'FAIL: ') + what)
    bad += not cond

def text(e):
    return ''.join(e.itertext())

def essay(path):
    z = zipfile.ZipFile(path)
    return z, ET.fromstring(z.read('EPUB/essay.xhtml'))

TEX = [r'E = mc^2', r'\{x\}\,y', r'a_{i}*b_{j}*c',
       r'\sum_{i=1}^{n} i = \frac{n(n+1)}{2}',
       r'\int_0^1 x^2 \, dx = \frac{1}{3}',
       r'\begin{pmatrix} a & b \\ c & d \end{pmatrix} \quad a < b \quad c > d']

# ---- with the converter: MathML
z, doc = essay(sys.argv[1])
maths = list(doc.iter(M + 'math'))
check([m.get('alttext') for m in maths] == TEX,
      'every formula is MathML with its TeX, as written, as alttext')
check([m.get('display') for m in maths] == [None] * 3 + ['block'] * 3,
      'three inline, three display ($$ in a sentence, $$ block, fence)')
ann = [a for m in maths for a in m.iter(M + 'annotation')]
check(ann == [],
      'no annotation: the TeX in alttext only (readers without MathML print an annotation)')
check(all(m.find(M + 'mrow') is not None for m in maths),
      'each holds presentation MathML')
body = text(doc)
check('costs $5 and $10,' in body and 'escaped $ too' in body,
      'dollar amounts and an escaped dollar stay text')
codes = [text(c) for c in doc.iter(X + 'code')]
check('$x$' in codes, 'dollars in code stay code')
fence = maths[5]
check(fence.find('.//' + M + 'mtable') is not None,
      'the math fence renders its matrix')
opf = z.read('EPUB/package.opf').decode()
check('href="essay.xhtml" media-type="application/xhtml+xml" '
      'properties="mathml"' in opf, 'the essay is declared mathml')

# Figures
figs = list(doc.iter(X + 'figure'))
check(len(figs) == 2, 'two figures')
if len(figs) == 2:
    img, cap = figs[0].find(X + 'img'), figs[0].find(X + 'figcaption')
    check(img is not None and img.get('alt') == 'Timeline of one unit of work'
          and img.get('title') is None and cap is not None and
          text(cap) == 'A unit of work from begin to rollback',
          'caption from the title, alt kept on the image')
    img, cap = figs[1].find(X + 'img'), figs[1].find(X + 'figcaption')
    check(img is not None and cap is not None and
          img.get('alt') == text(cap) == 'Ten decisions and how they relate',
          'caption from the alt text when there is no title')

# Alerts
asides = [a for a in doc.iter(X + 'aside')]
kinds = ['note', 'tip', 'important', 'warning', 'caution']
check([a.get('class') for a in asides] ==
      ['callout callout-' + k for k in kinds], 'five alerts, in order')
check(all(a.get('role') == 'note' and a.get(EP + 'type') is None
          for a in asides), 'role note, never epub:type')
labels = []
for a in asides:
    first = list(a)[0]
    labels.append(text(first) if first.get('class') == 'callout-label' else None)
check(labels == ['Note', 'Tip', 'Important', 'Warning', 'Caution'],
      'each opens with its visible label')
check(all('[!' not in text(a) for a in asides), 'the markers are gone')
check(len(asides) == 5 and len(asides[2].findall(X + 'p')) == 3,
      'an alert keeps all its paragraphs')
quotes = list(doc.iter(X + 'blockquote'))
check(len(quotes) == 1 and text(quotes[0]).strip().startswith('[!NOTE] with'),
      'a marker with words after it stays a quote')

# Definition lists
dls = list(doc.iter(X + 'dl'))
check(len(dls) == 1, 'one definition list')
if dls:
    items = [(c.tag[len(X):], ' '.join(text(c).split())) for c in dls[0]]
    check(items == [
        ('dt', 'Tenant'), ('dd', 'One customer of the service, with its own rows.'),
        ('dd', 'A second sense of the word.'),
        ('dt', 'Policy'),
        ('dd', 'A row-level security rule that Postgres applies to every query.'),
        ('dt', 'Outbox'),
        ('dd', 'A table written in the same transaction as the change.')],
        'terms and definitions, lazy lines and the blank-line form')
check(any(text(p).startswith('A plain paragraph: with a colon')
          for p in doc.iter(X + 'p')), 'other text is left alone')

# ---- without a converter: the TeX as written, in span.math
z, doc = essay(sys.argv[2])
check(not list(doc.iter(M + 'math')), 'no MathML without a converter')
spans = [s for s in doc.iter(X + 'span') if 'math' in (s.get('class') or '').split()]
check([text(s) for s in spans] == TEX, 'the TeX verbatim in span.math')
check([s.get('class') for s in spans] == ['math'] * 3 + ['math display'] * 3,
      'display formulas marked as such')
sys.exit(1 if bad else 0)
EOF
# The labels come from the book's language (po/de.po): a German book says
# "Hinweis" and "Vorsicht", not "Note" and "Caution".
mkdir -p "$TMP/de"
printf 'title: Ein Buch\nlanguage: de\n' >"$TMP/de/collection.yaml"
printf -- '---\ntitle: Eins\n---\n> [!NOTE]\n> Text.\n\n> [!CAUTION]\n> Mehr.\n' >"$TMP/de/eins.md"
"$Q" build "$TMP/de" -o "$TMP/de-out" -f html -q 2>"$TMP/err3" ||
	{ cat "$TMP/err3"; fail "German book"; }
labels=$(grep -o '<p class="callout-label">[^<]*' "$TMP"/de-out/*.html | sed 's/.*>//' | tr '\n' ,)
[ "$labels" = "Hinweis,Vorsicht," ] && ok "callout labels in the book's language" ||
	fail "callout labels in a German book: $labels"
finish
