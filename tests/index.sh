#!/usr/bin/env bash
# The back-of-book index (tests/fixtures/index): asciidoctor's marks,
# ((term)) shown and (((term, sub, subsub))) hidden, and front matter's
# index:, become anchors in the essays and an index after the back
# matter, in the EPUB (EPUB Indexes 1.0, in the nav, landmarks and NCX)
# and in the archive.  Entries are in the book language's collation,
# written out by hand below for English, German and Swedish; marks in
# code and in a bare URL stay as written; a book without marks has no
# index; the EPUB passes epubcheck.
# Usage: index.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2

cp -a "$DIR" "$TMP/en"
(cd "$TMP" && "$Q" build en -o "$TMP/out" -j 3 >/dev/null 2>"$TMP/err") ||
	{ cat "$TMP/err"; fail "build"; finish; }
[ -s "$TMP/err" ] && { cat "$TMP/err"; fail "the fixture builds without a word"; }

# The same book in German (the catalogue's word, the same order as
# English: Ä sorts with A) and in Swedish (Ä and Ö after Z).
for l in de sv; do
	cp -a "$DIR" "$TMP/$l"
	sed -i "s/^language: en$/language: $l/" "$TMP/$l/collection.yaml"
	(cd "$TMP" && "$Q" build "$l" -o "$TMP/out-$l" >/dev/null 2>"$TMP/err") ||
		{ cat "$TMP/err"; fail "build ($l)"; }
done

# The book built on one thread: the same bytes.
(cd "$TMP" && "$Q" build en -o "$TMP/out-j1" -j 1 >/dev/null 2>&1) &&
	cmp -s "$TMP"/out/*.epub "$TMP"/out-j1/*.epub &&
	cmp -s "$TMP"/out/*.html "$TMP"/out-j1/*.html &&
	ok "the same bytes at -j 1 and -j 3" || fail "outputs differ between -j 1 and -j 3"

# A book without marks has no index.
mkdir -p "$TMP/plain"
printf 'title: Plain\nlanguage: en\n' >"$TMP/plain/collection.yaml"
printf -- '---\ntitle: One\n---\nNo marks (here) at all: `((code))`.\n' >"$TMP/plain/one.md"
(cd "$TMP" && "$Q" build plain -o "$TMP/out-plain" >/dev/null 2>&1) ||
	fail "build (plain)"

# Marks among the author's own ids (a heading's {#ix-1}, raw HTML's
# ix-2): theirs stay, the marks' are the next free ones.
mkdir -p "$TMP/clash"
printf 'title: Clash\nlanguage: en\n' >"$TMP/clash/collection.yaml"
printf -- '---\ntitle: One\n---\n# Head {#ix-1}\n\nA ((term)) and <span id="ix-2">raw</span> ((other)).\n' >"$TMP/clash/one.md"
(cd "$TMP" && "$Q" build clash -o "$TMP/out-clash" >/dev/null 2>&1) ||
	fail "build (clash)"

python3 - "$TMP" <<'EOF' || fail "index"
import re, sys, zipfile, posixpath, xml.etree.ElementTree as ET
from html.parser import HTMLParser

T = sys.argv[1]
X = '{http://www.w3.org/1999/xhtml}'
E = '{http://www.idpf.org/2007/ops}type'
OPF = '{http://www.idpf.org/2007/opf}'
NCX = '{http://www.daisy.org/z3986/2005/ncx/}'
bad = 0

def check(cond, what):
    global bad
    print(('ok: ' if cond else 'FAIL: ') + what)
    bad += not cond

def text(e):
    return ''.join(e.itertext())

def one(folder, ext):
    import glob
    return glob.glob('%s/%s/*.%s' % (T, folder, ext))[0]

def types(e):
    return (e.get(E) or '').split()

class Epub:
    def __init__(self, path):
        self.z = zipfile.ZipFile(path)
        self.docs = {}
    def xml(self, name):
        if name not in self.docs:
            self.docs[name] = ET.fromstring(self.z.read(name))
        return self.docs[name]
    def names(self):
        return self.z.namelist()

# The entries of an index section: [(term, [(href, text)], [kids])],
# and its groups' headings.
def entries(ul, epub):
    out = []
    for li in ul.findall(X + 'li'):
        if epub:
            check_once('index-entry' in types(li), 'entries are index-entry')
        term = [s for s in li.findall(X + 'span')
                if not epub or 'index-term' in types(s)]
        locs = [(a.get('href'), text(a)) for a in li.findall(X + 'a')
                if not epub or 'index-locator' in types(a)]
        sub = li.find(X + 'ul')
        if epub and sub is not None:
            check_once('index-entry-list' in types(sub),
                       'sublists are index-entry-list')
        out.append((text(term[0]) if term else None, locs,
                    entries(sub, epub) if sub is not None else []))
    return out

seen = set()
def check_once(cond, what):
    if what in seen and cond:
        return
    seen.add(what)
    check(cond, what)

def index_of(sec, epub):
    groups, top = [], []
    for g in sec.findall(X + 'section'):
        if epub:
            check_once('index-group' in types(g), 'groups are index-group')
        h = g.find(X + 'h2')
        groups.append(text(h) if h is not None else '')
        ul = g.find(X + 'ul')
        if epub:
            check_once('index-entry-list' in types(ul),
                       'group lists are index-entry-list')
        top += entries(ul, epub)
    return groups, top

# ---- the EPUB ----
ep = Epub(one('out', 'epub'))
check('EPUB/index.xhtml' in ep.names(), 'EPUB has index.xhtml')
doc = ep.xml('EPUB/index.xhtml')
secs = [s for s in doc.iter(X + 'section') if 'index' in types(s)]
check(len(secs) == 1 and secs[0].get('role') == 'doc-index',
      'one section epub:type="index" role="doc-index"')
check(text(secs[0].find(X + 'h1')) == 'Index', 'its heading: Index')
groups, top = index_of(secs[0], True)

opf = ep.xml('EPUB/package.opf')
items = {i.get('id'): i.get('href') for i in opf.iter(OPF + 'item')}
spine = [r.get('idref') for r in opf.iter(OPF + 'itemref')]
check(items.get(spine[-1]) == 'index.xhtml',
      'the index is last in the spine (after the colophon): %s' % spine)
check(items.get(spine[-2]) == '03-colophon.xhtml', 'the colophon before it')
check(any(r.get('type') == 'index' and r.get('href') == 'index.xhtml'
          for r in opf.iter(OPF + 'reference')), 'guide: index')
nav = ep.xml('EPUB/nav.xhtml')
tocs = [n for n in nav.iter(X + 'nav') if 'toc' in types(n)]
last = tocs[0].find(X + 'ol').findall(X + 'li')[-1].find(X + 'a')
check(last.get('href') == 'index.xhtml' and text(last) == 'Index',
      'the nav lists the index last')
lms = [n for n in nav.iter(X + 'nav') if 'landmarks' in types(n)][0]
check([a.get('href') for a in lms.iter(X + 'a') if 'index' in types(a)] ==
      ['index.xhtml'], 'landmarks: epub:type="index" -> index.xhtml')
ncx = ep.xml('EPUB/toc.ncx')
pts = list(ncx.iter(NCX + 'navPoint'))
check(pts[-1].find(NCX + 'content').get('src') == 'index.xhtml' and
      int(pts[-1].get('playOrder')) == len(pts),
      'the NCX ends with the index, in play order')

# The order written out by hand: English collation (byte order would put
# every capital first and Äpple, Éclair, Ölkorv last).
EN = ['apple', 'Äpple', 'Eagle', 'Éclair', 'Fig', 'Forest', 'Oak',
      'Ölkorv', 'Pear', 'Tree', 'Zebra']
check([t for t, _, _ in top] == EN, 'English order: %s' %
      [t for t, _, _ in top])
check(EN != sorted(EN), 'that order is not byte order')
check(groups == ['A', 'E', 'F', 'O', 'P', 'T', 'Z'],
      'groups by letter: %s' % groups)
check(len(set(t for t, _, _ in top)) == len(top), 'each term listed once')
by = {t: (locs, kids) for t, locs, kids in top}
tree = by['Tree'][1]
check([t for t, _, _ in tree] == ['acyclic, connected', 'binary', 'roots'],
      'Tree\'s subentries, a quoted comma kept: %s' %
      [t for t, _, _ in tree])
check([t for t, _, _ in tree[1][2]] == ['balanced'],
      'a subsubentry under Tree, binary')

# One locator per place: Eagle twice in Trees, once in Graphs (the
# essay's title, then its further places by number); Éclair shown and
# hidden at one place: two; front matter's Forest: the essay itself.
check([x for _, x in by['Eagle'][0]] == ['Trees', '2', 'Graphs'],
      'Eagle: Trees, 2, Graphs')
check(len(by['Éclair'][0]) == 2, 'Éclair: two places')
check([h for h, _ in by['Forest'][0]] == ['01-trees.xhtml'],
      'front matter index: the essay as a whole')
check([h for h, _ in tree[2][1]] == ['01-trees.xhtml'],
      'front matter "Tree, roots": a subentry for the essay')

def all_locs(es):
    for t, locs, kids in es:
        for h, _ in locs:
            yield t, h
        yield from all_locs(kids)

n = 0
for term, href in all_locs(top):
    f, _, frag = href.partition('#')
    name = posixpath.join('EPUB', f)
    if name not in ep.names():
        check(False, 'locator %s: no such document' % href)
        continue
    if not frag:
        continue
    hit = [e for e in ep.xml(name).iter() if e.get('id') == frag]
    check_once(len(hit) == 1, 'every locator\'s id is one element in its '
               'document')
    if hit and term in EN and text(hit[0]) not in ('', term):
        check(False, '%s: anchor holds %r' % (href, text(hit[0])))
    n += 1
check(n == 16, 'the 16 marks, each a locator to its anchor (%d)' % n)

trees = ep.xml('EPUB/01-trees.xhtml')
body = text(trees.find(X + 'body'))
check('A Tree grows slowly. An Eagle nests' in body,
      'a shown mark keeps its term, a hidden one leaves nothing')
codes = [text(c) for c in trees.iter(X + 'code')]
check('((not a term))' in codes, 'a code span\'s mark stays literal')
check(any('(((Tree, not, indexed)))' in c for c in codes),
      'a code block\'s mark stays literal')
check(any('((path))' in (a.get('href') or '') and '((path))' in text(a)
          for a in trees.iter(X + 'a')), 'a bare URL\'s parentheses stay')
check(not re.search(r'\(\([A-Za-zÀ-ÿ]', re.sub(r'\(\(\(Tree, not|'
      r'\(\(not a|\(\(path', '', body)), 'no other mark left as text')
h2 = [h for h in trees.iter(X + 'h2')][0]
check(h2.get('id') == 'the-pear-tree' and text(h2) == 'The Pear tree',
      'a mark in a heading: its text and id as without the mark')

# ---- the archive: the same index, linking to the same places ----
class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.stack, self.sec, self.depth = set(), [], None, 0
        self.order, self.locs, self.groups = [], [], []
        self.cur = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'id' in a:
            self.ids.add(a['id'])
        if tag == 'section' and a.get('id') == 'index':
            self.sec = a
            self.depth = 0
        if self.sec is not None:
            self.depth += tag == 'ul'
            if tag == 'span' and a.get('class') == 'index-term':
                self.cur = ['term', self.depth, '']
            elif tag == 'a':
                self.locs.append(a['href'])
            elif tag == 'h2':
                self.cur = ['group', 0, '']
    def handle_endtag(self, tag):
        if self.sec is not None:
            if tag == 'ul':
                self.depth -= 1
            if self.cur and tag in ('span', 'h2'):
                if self.cur[0] == 'group':
                    self.groups.append(self.cur[2])
                elif self.cur[1] == 1:
                    self.order.append(self.cur[2])
                self.cur = None
    def handle_data(self, d):
        if self.cur:
            self.cur[2] += d

html = open(one('out', 'html'), encoding='utf-8').read()
p = Ids()
p.feed(html)
check(p.sec is not None and p.sec.get('role') == 'doc-index',
      'archive: a section id="index" role="doc-index"')
check(html.rfind('</article>') < html.find('<section id="index"'),
      'archive: the index after the last article')
m = re.search(r'<nav id="contents".*?</nav>', html, re.S).group(0)
check(re.findall(r'href="([^"]*)"', m)[-1] == '#index',
      'archive: the contents end with the index')
check(p.order == EN, 'archive: the same order')
check(p.groups == ['A', 'E', 'F', 'O', 'P', 'T', 'Z'],
      'archive: the same groups')
check(len(p.locs) == 18, 'archive: the same 18 locators (%d)' %
      len(p.locs))
missing = [h for h in p.locs if h[1:] not in p.ids]
check(not missing, 'archive: every locator resolves %s' % missing)
check(all(re.fullmatch(r'#0[12]-(trees|graphs)(--ix-\d+)?', h)
          for h in p.locs), 'archive: locators scoped to their essays')

# ---- other languages ----
de = Epub(one('out-de', 'epub'))
d = de.xml('EPUB/index.xhtml')
s = [s for s in d.iter(X + 'section') if 'index' in types(s)][0]
check(text(s.find(X + 'h1')) == 'Register', 'German: Register')
g, t = index_of(s, True)
check([x for x, _, _ in t] == EN, 'German: Ä with A, Ö with O')
sv = Epub(one('out-sv', 'epub'))
s = [s for s in sv.xml('EPUB/index.xhtml').iter(X + 'section')
     if 'index' in types(s)][0]
g, t = index_of(s, True)
SV = ['apple', 'Eagle', 'Éclair', 'Fig', 'Forest', 'Oak', 'Pear', 'Tree',
      'Zebra', 'Äpple', 'Ölkorv']
check([x for x, _, _ in t] == SV, 'Swedish: Ä and Ö after Z: %s' %
      [x for x, _, _ in t])
check(g == ['A', 'E', 'F', 'O', 'P', 'T', 'Z', 'Ä', 'Ö'],
      'Swedish groups: %s' % g)

# ---- marks among the author's ids ----
cl = Epub(one('out-clash', 'epub'))
doc = cl.xml('EPUB/one.xhtml')
ids = [e.get('id') for e in doc.iter() if e.get('id')]
check(len(ids) == len(set(ids)) and 'ix-1' in ids and 'ix-2' in ids,
      "the author's ix-1 and ix-2 kept, every id once: %s" % ids)
marks = [e.get('id') for e in doc.iter(X + 'span')
         if e.get('id', '').startswith('ix-') and e.get('id') != 'ix-2']
check(marks == ['ix-3', 'ix-4'], 'the marks take ix-3 and ix-4: %s' % marks)

# ---- no marks, no index ----
pl = Epub(one('out-plain', 'epub'))
check(not any('index' in n for n in pl.names()), 'no marks: no index document')
check(b'index' not in pl.z.read('EPUB/nav.xhtml') and
      b'index' not in pl.z.read('EPUB/package.opf'),
      'no marks: no index in the nav or the package')
check('id="index"' not in open(one('out-plain', 'html')).read(),
      'no marks: no index in the archive')
sys.exit(bad != 0)
EOF

epub=$(ls "$TMP"/out/*.epub)
epubcheck --failonwarnings "$epub" >"$TMP/ec" 2>&1 &&
	grep -q 'Messages: 0 fatals / 0 errors / 0 warnings' "$TMP/ec" &&
	ok "epubcheck: 0 errors, 0 warnings" ||
	{ grep -E '^(ERROR|WARNING|FATAL)' "$TMP/ec"; fail "epubcheck"; }
finish
