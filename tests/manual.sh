#!/usr/bin/env bash
# A technical book using every feature at once (tests/fixtures/manual):
# numbered sections and an appendix, a listing included by anchor and
# labelled, a dot diagram labelled as a figure, a labelled equation and
# table, citations with per-essay bibliographies, index marks.  Checks
# the features meet: each reference's word and number, written here by
# hand, and its target in the right document; the diagram numbered as a
# figure; the citations in Chicago author-date; the index's terms; the
# numbered contents; and no warning at all.  Usage: manual.sh QUIRE DIR
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2
export SOURCE_DATE_EPOCH=1767225600
"$Q" build "$DIR" -o "$TMP/out" 2>"$TMP/err" >/dev/null || { cat "$TMP/err"; fail "build"; finish; }
grep -q ': warning: \|: error: ' "$TMP/err" && { cat "$TMP/err"; fail "the book warns"; } ||
	ok "no warning"
python3 - "$TMP"/out/*.epub "$TMP"/out/*.html <<'PY' &&
import re, sys, zipfile
epub, archive = sys.argv[1:]
z = zipfile.ZipFile(epub)
doc = {n[5:]: z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml")}
bad = 0
def check(cond, what):
    global bad
    if not cond:
        bad += 1
        print("  not so:", what)
def ids(s):
    return set(re.findall(r'\bid="([^"]+)"', s))
want = {
    "01-accepting.xhtml": [("Section 1.1", "#sec:loop"), ("Figure 1", "#fig:states"),
                           ("Equation (1)", "#eq:cost"), ("Listing 1", "#lst:loop"),
                           ("Table 1", "#tbl:models")],
    "02-closing.xhtml": [("Section 1.1", "01-accepting.xhtml#sec:loop"),
                         ("Figure 1", "01-accepting.xhtml#fig:states"),
                         ("Section 1.2", "01-accepting.xhtml#sec:many")],
    "03-appendix.xhtml": [("Section 1.1", "01-accepting.xhtml#sec:loop"),
                          ("Section 2.1", "02-closing.xhtml#sec:half")],
}
for f, refs in want.items():
    got = [(t, h) for h, t in re.findall(r'<a href="([^"]+)" class="xref">([^<]+)</a>', doc[f])]
    check(got == refs, "%s: references %s" % (f, got))
    for _, h in got:
        target, _, frag = h.partition("#")
        check(frag in ids(doc[target or f]), "%s: %s has no target" % (f, h))
a = doc["01-accepting.xhtml"]
fig = re.search(r'<figure[^>]*id="fig:states"[^>]*>(.*?)</figure>', a, re.S)
check(fig and "<svg" in fig.group(1) and ">listen<" in fig.group(1),
      "the dot diagram drawn in figure fig:states")
check(fig and re.search(r'<figcaption><span class="xref-num">Figure 1</span>: States of a connection</figcaption>', fig.group(1)),
      "the diagram's caption numbered Figure 1")
lst = re.search(r'<figure[^>]*id="lst:loop"[^>]*>(.*?)</figure>', a, re.S)
code = re.sub(r'<[^>]+>', '', lst.group(1)) if lst else ""
check(lst and "Listing 1</span>: The server" in lst.group(1), "the included listing's caption numbered")
check("for (;;)" in code and "ANCHOR" not in code and "#include" not in code,
      "the listing holds the anchored lines only")
check('<span class="eq-num">(1)</span>' in a, "the equation numbered (1)")
check(re.search(r'<caption><span class="xref-num">Table 1</span>: Ways to serve many clients</caption>', a),
      "the table's caption numbered")
cites = {
    "00-preface.xhtml": ["(Stevens 1998)"],
    "01-accepting.xhtml": ["(see Kegel 2003, 4)"],
    "02-closing.xhtml": ["Kegel (2003)", "Stevens (1998, 130)"],
}
for f, texts in cites.items():
    got = re.findall(r'<span class="citation"><a href="#(ref-[^"]+)">([^<]+)</a></span>', doc[f])
    check([t for _, t in got] == texts, "%s: citations %s" % (f, got))
    entries = re.findall(r'class="csl-entry" id="(ref-[^"]+)"', doc[f])
    check(sorted(set(h for h, _ in got)) == sorted(entries), "%s: bibliography %s" % (f, entries))
check("csl-entry" not in doc["03-appendix.xhtml"], "no bibliography where nothing is cited")
ix = doc.get("index.xhtml", "")
terms = re.findall(r'index-term">([^<]+)<', ix)
check(terms == ["server", "servers", "closing", "cost of", "socket", "sockets", "accepting",
                "system calls", "Unix"], "index terms %s" % terms)
for h in re.findall(r'epub:type="index-locator"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*epub:type="index-locator"', ix):
    h = h[0] or h[1]
    target, _, frag = h.partition("#")
    check(target in doc and (not frag or frag in ids(doc[target])), "index locator %s" % h)
nav = re.sub(r'<[^>]+>', '|', doc["nav.xhtml"])
for t in ["|Preface|", "|1 Accepting connections|", "|1.1 The loop|", "|2.1 Half-closed sockets|",
          "|A System calls|", "|A.1 Errors|", "|Index|"]:
    check(t in nav, "nav entry %s" % t)
html = open(archive, encoding="utf-8").read()
check("<svg" in html and ">listen</text>" in html, "the diagram in the archive")
check("(see Kegel 2003, 4)" in html and "Stevens (1998, 130)" in html, "the citations in the archive")
aids = ids(html)
for h in re.findall(r'<a href="#([^"]+)" class="xref"', html):
    check(h in aids, "archive reference #%s has no target" % h)
print("  %d checks failed" % bad)
sys.exit(1 if bad else 0)
PY
	ok "references, diagram, listing, equation, table, citations, index and contents agree" ||
	fail "the features together"
finish
