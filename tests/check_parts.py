#!/usr/bin/env python3
"""The contents of a book in parts, read back from the outputs: the nav's
nested lists, the NCX's nested navPoints and the archive's contents (and
its way back from every essay) against the tree a fixture was made to give,
the spine in the same order, part pages marked as parts.
Usage: check_parts.py NAME BOOK.epub BOOK.html   (NAME picks the tree)"""
import sys
import zipfile
import posixpath
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"

# Each entry: (title, kind, children); kind "page" (a link to a page of its
# own) or "part" (a part without a page: a heading).  Section entries are
# pages too.  Written from the fixtures' files, not from quire's output.
PARTS = [
    ("Preface", "page", [("How to read it", "page", [])]),
    ("The Basics", "page", [
        ("First Steps", "page", [
            ("Setting up", "page", [("Tools you need", "page", [])]),
            ("Going on", "page", [])]),
        ("Second Steps", "page", [("Practice", "page", [])]),
        ("Going Deeper", "part", [("Deep One", "page", []),
                                  ("Deep Two", "page", [])])]),
    ("Part two", "part", [("Ay", "page", []), ("Bee", "page", [])]),
    ("A Page Bundle", "page", []),
]


ESSAYS_WITH_HEADINGS = {"Preface", "First Steps", "Second Steps",
                        "Installation", "Configuration"}


def at_depth(tree, n):
    out = []
    for title, kind, kids in tree:
        if title in ESSAYS_WITH_HEADINGS:
            out.append((title, kind, heads(kids, 2, n)))
        else:
            out.append((title, kind, at_depth(kids, n)))
    return out


def heads(kids, level, n):
    if level > n:
        return []
    return [(t, k, heads(c, level + 1, n)) for t, k, c in kids]


MDBOOK = [
    ("Introduction", "page", []),
    ("User Guide", "part", [
        ("Installation", "page", [("From a package", "page", [])]),
        ("Reading Books", "page", [
            ("Nested Chapter", "page", [("Deeper Still", "page", [])])])]),
    ("Reference", "part", [
        ("Configuration", "page", [("Keys", "page", [])])]),
    ("Contributors", "page", []),
]

HUGO = [
    ("Documentation", "part", [
        ("Docs Introduction", "page", []),
        ("The Guide", "page", [("Guide Step One", "page", []),
                               ("Guide Step Two", "page", [])])]),
    ("Posts", "part", [("Beta Post", "page", []), ("Alpha Post", "page", []),
                       ("Gamma Post", "page", [])]),
    ("About", "page", []),
]

TREES = {"parts": PARTS, "parts-depth1": at_depth(PARTS, 1),
         "parts-depth4": None, "mdbook": MDBOOK, "hugo": HUGO,
         "hugo-wrapped": HUGO}
# toc_depth 4 adds the h4 of "First Steps".
P4 = at_depth(PARTS, 4)
P4[1][2][0][2][0][2][0] = ("Tools you need", "page",
                           [("A detail", "page", [])])
TREES["parts-depth4"] = P4
PART_PAGES = {"parts": {"The Basics"}, "parts-depth1": {"The Basics"},
              "parts-depth4": {"The Basics"}, "mdbook": set(),
              "hugo": {"The Guide"}, "hugo-wrapped": {"The Guide"}}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def show(tree, ind=0):
    return "".join("%s%s [%s]\n%s" % ("  " * ind, t, k, show(c, ind + 1))
                   for t, k, c in tree)


def compare(what, got, want):
    if got != want:
        fail("%s contents differ:\n--- got\n%s--- want\n%s"
             % (what, show(got), show(want)))
    else:
        print("ok: %s nests and orders %d top-level entries as expected"
              % (what, len(want)))


def nav_tree(ol, hrefs):
    out = []
    for li in ol.findall(XHTML + "li"):
        a, span = li.find(XHTML + "a"), li.find(XHTML + "span")
        sub = li.find(XHTML + "ol")
        if a is not None:
            hrefs.append(a.get("href"))
            entry = ("".join(a.itertext()), "page")
        elif span is not None:
            if sub is None:
                fail("nav: a <span> entry without an <ol> (invalid nav)")
            entry = ("".join(span.itertext()), "part")
        else:
            fail("nav: <li> without <a> or <span>")
            continue
        out.append(entry + (nav_tree(sub, hrefs) if sub is not None
                            else [],))
    return out


def ncx_tree(parent, points):
    out = []
    for np in parent.findall(NCX + "navPoint"):
        label = "".join(np.find(NCX + "navLabel").itertext()).strip()
        src = np.find(NCX + "content").get("src")
        points.append((label, src, int(np.get("playOrder"))))
        out.append((label, src, ncx_tree(np, points)))
    return out


class Tree(HTMLParser):
    VOID = {"meta", "link", "img", "br", "hr", "input", "col", "wbr",
            "source", "area", "base", "embed", "track"}

    def __init__(self):
        super().__init__()
        self.root = {"tag": "#root", "attrs": {}, "kids": [], "text": ""}
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        n = {"tag": tag, "attrs": dict(attrs), "kids": [], "text": ""}
        self.stack[-1]["kids"].append(n)
        if tag not in self.VOID:
            self.stack.append(n)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        for n in self.stack:
            n["text"] += data


def find(n, pred):
    if pred(n):
        yield n
    for k in n["kids"]:
        yield from find(k, pred)


def html_tree(ol):
    out = []
    for li in [k for k in ol["kids"] if k["tag"] == "li"]:
        first = next((k for k in li["kids"] if k["tag"] in ("a", "span")),
                     None)
        sub = next((k for k in li["kids"] if k["tag"] == "ol"), None)
        if first is None:
            fail("archive: contents entry without a link or heading")
            continue
        out.append((first["text"], "page" if first["tag"] == "a" else "part",
                    html_tree(sub) if sub else []))
    return out


def main():
    name, epub, html = sys.argv[1:4]
    want = TREES[name]
    z = zipfile.ZipFile(epub)
    nav = ET.fromstring(z.read("EPUB/nav.xhtml"))
    toc = next(n for n in nav.iter(XHTML + "nav")
               if n.get(EPUB_TYPE) == "toc")
    hrefs = []
    got = nav_tree(toc.find(XHTML + "ol"), hrefs)
    if got[:1] != [("Title page", "page", [])]:
        fail("nav does not open with the title page")
    compare("nav", got[1:], want)

    # The spine: the nav's documents in the nav's order, each once.
    opf = ET.fromstring(z.read("EPUB/package.opf"))
    files = {i.get("id"): i.get("href") for i in opf.iter(OPF + "item")}
    spine = [files[r.get("idref")] for r in opf.iter(OPF + "itemref")]
    order = []
    for h in hrefs[1:]:
        f = h.split("#")[0]
        if f not in order:
            order.append(f)
    if spine[3:] != order:
        fail("spine %s is not the contents' order %s" % (spine[3:], order))
    else:
        print("ok: spine follows the contents (%d documents)" % len(order))

    # Part pages: epub:type part, role doc-part, an h1 with the title.
    parts = set()
    for f in order:
        doc = ET.fromstring(z.read(posixpath.join("EPUB", f)))
        sec = doc.find(XHTML + "body/" + XHTML + "section")
        h1 = "".join(sec.find(".//" + XHTML + "h1").itertext())
        if sec.get(EPUB_TYPE) == "part":
            parts.add(h1)
            if sec.get("role") != "doc-part":
                fail("%s: epub:type=part without role=doc-part" % f)
        elif sec.get(EPUB_TYPE) != "chapter":
            fail("%s: neither a part nor a chapter" % f)
    if parts != PART_PAGES[name]:
        fail("part pages %s, expected %s" % (sorted(parts),
                                            sorted(PART_PAGES[name])))
    else:
        print("ok: part pages %s" % sorted(parts))

    # The NCX: same tree; a part without a page points at its first essay
    # and shares its playOrder; playOrder never goes down.
    ncx = ET.fromstring(z.read("EPUB/toc.ncx"))
    points = []
    tree = ncx_tree(ncx.find(NCX + "navMap"), points)

    def kinds(t, w):
        return [(l, wk, kinds(c, wc)) for (l, s, c), (wl, wk, wc)
                in zip(t, w)] if len(t) == len(w) else \
            [(l, "?", kinds(c, [])) for l, s, c in t]
    compare("NCX", kinds(tree[2:], want), want)

    def check_parts(t, w):
        for (label, src, kids), (wl, wk, wc) in zip(t, w):
            if wk == "part":
                first, fw = kids[0], wc[0]
                while fw[1] == "part":
                    first, fw = first[2][0], fw[2][0]
                if first[1] != src:
                    fail("NCX: part %r points at %s, not at its first "
                         "essay %s" % (label, src, first[1]))
            check_parts(kids, wc)
    check_parts(tree[2:], want)
    orders = [p[2] for p in points]
    if orders != sorted(orders):
        fail("NCX playOrder goes down: %s" % orders)
    for (l1, s1, o1), (l2, s2, o2) in zip(points, points[1:]):
        if (s1 == s2) != (o1 == o2):
            fail("NCX: %r and %r: same target %s but playOrder %d, %d"
                 % (l1, l2, s1 == s2, o1, o2))
    depth_meta = next(m.get("content") for m in ncx.iter(NCX + "meta")
                      if m.get("name") == "dtb:depth")

    def tdepth(t):
        return 1 + max((tdepth(c) for l, s, c in t), default=0) if t else 0
    if int(depth_meta) != tdepth(tree):
        fail("NCX dtb:depth %s, the navMap nests %d deep"
             % (depth_meta, tdepth(tree)))

    # The archive: the same contents, and a way back from every essay.
    p = Tree()
    with open(html, encoding="utf-8") as f:
        p.feed(f.read())
    nav = next(find(p.root, lambda n: n["attrs"].get("id") == "contents"))
    ol = next(k for k in nav["kids"] if k["tag"] == "ol")
    compare("archive", html_tree(ol), want)
    arts = list(find(p.root, lambda n: n["tag"] == "article"))
    back = 0
    for a in arts:
        hd = next((k for k in a["kids"] if k["tag"] == "header"), None)
        if hd and any(k["attrs"].get("href") == "#contents"
                      for k in find(hd, lambda n: n["tag"] == "a")):
            back += 1
    if back != len(arts) or not arts:
        fail("archive: %d of %d articles link back to the contents"
             % (back, len(arts)))
    else:
        print("ok: all %d articles link back to #contents" % back)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
