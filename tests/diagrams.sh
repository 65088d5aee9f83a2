#!/usr/bin/env bash
# Diagrams (tests/fixtures/diagrams): ```dot, ```{.dot} and ```graphviz
# fences drawn by Graphviz into inline SVG in the EPUB and the archive,
# named for screen readers, their ids unique in the one-file archive;
# other diagram languages kept as code with one warning each per book;
# tags in prose that are not HTML kept as text; files of other markup
# languages counted in one warning; a dot source Graphviz refuses kept
# as code with a warning at its fence.
# Usage: diagrams.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2

cp -a "$DIR" "$TMP/diagrams"
(cd "$TMP" && "$Q" build diagrams -o "$TMP/out" -j 2 >/dev/null 2>"$TMP/err") ||
	{ cat "$TMP/err"; fail "build"; finish; }

cat >"$TMP/want" <<'EOF'
diagrams: warning: 1 .adoc file is not read: quire reads Markdown
diagrams: warning: 2 .rst files are not read: quire reads Markdown
diagrams/01-pipeline.md:25:1: warning: mermaid diagrams are not drawn; kept as code
diagrams/01-pipeline.md:35:50: warning: <String> is not an HTML element; kept as text
diagrams/01-pipeline.md:36:18: warning: <T> is not an HTML element; kept as text
diagrams/02-more.md:10:1: warning: plantuml diagrams are not drawn; kept as code
0 errors, 6 warnings
EOF
if diff -u "$TMP/want" "$TMP/err"; then
	ok "the warnings: one a kind of undrawn diagram, one a tag name, one a markup kind"
else
	fail "the warnings"
fi

python3 - "$TMP"/out/*.epub "$TMP"/out/*.html <<'EOF' || fail "structure"
import html.parser, re, sys, zipfile, xml.etree.ElementTree as ET

X = '{http://www.w3.org/1999/xhtml}'
S = '{http://www.w3.org/2000/svg}'
bad = 0

def check(cond, what):
    global bad
    print(('ok: ' if cond else 'FAIL: ') + what)
    bad += not cond

def texts(svg):
    return [''.join(t.itertext()) for t in svg.iter(S + 'text')]

z = zipfile.ZipFile(sys.argv[1])
docs = {}
for name in z.namelist():
    if name.endswith('.xhtml'):
        doc = ET.fromstring(z.read(name))
        docs[doc.find('.//' + X + 'title').text] = doc
one, two = docs['The pipeline'], docs['More diagrams']

figs = [f for f in one.iter(X + 'figure') if f.get('class') == 'diagram']
check(len(figs) == 2, 'two diagram figures in the first essay')
svgs = [f.find(S + 'svg') for f in figs]
check(all(s is not None for s in svgs), 'each figure holds an inline SVG')
if len(svgs) == 2 and all(s is not None for s in svgs):
    a, b = svgs
    check(texts(a) == ['read', 'render', 'write', 'publish'],
          'the first diagram names its four nodes as text: %r' % texts(a))
    check({'read', 'render', 'core', 'essays'} <= set(texts(b)),
          'the second: its nodes, cluster and edge labels')
    check(a.get('role') == 'img' and a.get('aria-label') == 'Diagram',
          'role="img" and "Diagram" without a caption')
    check(b.get('aria-label') == 'Stages and their layers',
          'named by its caption')
    check(figs[1].get('id') == 'stages' and figs[0].get('id') is None,
          'the fence\'s #id on its figure')
    link = [a for a in one.iter(X + 'a') if a.get('href') == '#stages']
    check(len(link) == 1, 'a link to the figure resolves')
    cap = figs[1].find(X + 'figcaption')
    check(cap is not None and cap.text == 'Stages and their layers',
          'the caption shown under it')
    ids = [e.get('id') for s in svgs for e in s.iter() if e.get('id')]
    check(ids and all(re.match(r'diagram-[12]-', i) for i in ids),
          'every id of a diagram prefixed with its number')
    check(len(ids) == len(set(ids)), 'no id twice in the essay')
raw = b''.join(z.read(n) for n in z.namelist() if n.endswith('.xhtml'))
check(b'<!--' not in raw and b'graphviz version' not in raw.lower() and
      b'%' not in b''.join(re.findall(rb'<title>[^<]*</title>', raw)),
      'no comment, version or counter of Graphviz in the bytes')
g = [s for s in two.iter(S + 'svg')]
check(len(g) == 1 and sorted(texts(g[0])) == ['a', 'b', 'c'],
      '```graphviz drawn too')

codes = {}
for d in (one, two):
    for c in d.iter(X + 'code'):
        if c.get('class'):
            codes.setdefault(c.get('class'), []).append(''.join(c.itertext()))
check(len(codes.get('language-mermaid', [])) == 2 and
      'A --> B' in codes['language-mermaid'][0], 'both mermaid fences kept as code')
check('language-plantuml' in codes, 'plantuml kept as code')
check('language-dot' not in codes and 'language-graphviz' not in codes,
      'no dot fence left as code')

prose = ''.join(one.itertext())
check('a List<String> keeps its' in prose and 'as does Vec<T>,' in prose,
      'List<String> and Vec<T> keep their words')
check(one.find('.//' + X + 'em') is not None and
      one.find('.//' + X + 'kbd') is not None, 'em and kbd still elements')

# The archive: the same three drawings inline, every id once.
h = open(sys.argv[2], encoding='utf-8').read()
class Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.svgs, self.text, self.in_text = [], 0, [], False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'id' in a:
            self.ids.append(a['id'])
        self.svgs += tag == 'svg'
        self.in_text = tag == 'text'
    def handle_endtag(self, tag):
        self.in_text = False
    def handle_data(self, data):
        if self.in_text:
            self.text.append(data)
p = Ids()
p.feed(h)
dups = sorted({i for i in p.ids if p.ids.count(i) > 1})
check(p.svgs == 3, 'three inline SVGs in the archive (%d)' % p.svgs)
check({'read', 'render', 'write', 'publish', 'a', 'b', 'c'} <= set(p.text),
      'their node labels as text in the archive')
check(not dups, 'every id of the archive once (%s)' % ', '.join(dups[:5]))
check('a List&lt;String&gt; keeps' in h, 'List<String> in the archive')
sys.exit(1 if bad else 0)
EOF

# The same bytes one essay at a time.
(cd "$TMP" && "$Q" build diagrams -o "$TMP/one" -j 1 >/dev/null 2>&1)
if cmp -s "$TMP"/out/diagrams.epub "$TMP"/one/diagrams.epub &&
	cmp -s "$TMP"/out/diagrams.html "$TMP"/one/diagrams.html; then
	ok "the same bytes at -j 1 and -j 2"
else
	fail "outputs differ between -j 1 and -j 2"
fi

# A dot source Graphviz cannot read: a warning at its fence, the code kept.
mkdir -p "$TMP/bad"
printf 'title: Bad\nlanguage: en\n' >"$TMP/bad/collection.yaml"
cat >"$TMP/bad/a.md" <<'EOF'
---
title: Bad
---
Text.

```dot
digraph {
  a -> ;
}
```

```dot
digraph { fine -> here; }
```
EOF
(cd "$TMP" && "$Q" build bad -o "$TMP/badout" >/dev/null 2>"$TMP/baderr") ||
	fail "a bad diagram stops the build"
if grep -qx "bad/a.md:6:1: warning: dot diagram not drawn, kept as code: syntax error near ';'" \
	"$TMP/baderr" && [ "$(grep -c ': warning: ' "$TMP/baderr")" -eq 1 ]; then
	ok "the syntax error said at the fence's line"
else
	cat "$TMP/baderr"
	fail "the syntax error's warning"
fi
if grep -q '<code class="language-dot">digraph {' "$TMP"/badout/bad.html &&
	grep -q 'a -&gt; ;' "$TMP"/badout/bad.html &&
	[ "$(grep -c '<svg' "$TMP"/badout/bad.html)" -eq 1 ] &&
	grep -q '>here</text>' "$TMP"/badout/bad.html; then
	ok "the bad one stays code, the next one is drawn"
else
	fail "the bad diagram's code block"
fi
finish
