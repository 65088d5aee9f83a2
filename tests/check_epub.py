#!/usr/bin/env python3
"""Structural checks of an EPUB that epubcheck does not make, or that the
readers people own rely on: every link and image resolves to a packaged
file and an existing id, the zip is shaped for readers, no XML comment or
CSS custom property, lang on every document, roles paired with epub:type,
accessibility metadata present.  Usage: check_epub.py BOOK.epub [--essays N]
[--images N] [--notes N]"""
import re
import sys
import zipfile
import posixpath
import argparse
import xml.etree.ElementTree as ET
from urllib.parse import unquote, urlsplit

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ROLE_FOR = {"noteref": "doc-noteref", "footnote": "doc-footnote",
            "endnotes": "doc-endnotes", "chapter": "doc-chapter",
            "toc": "doc-toc", "cover-image": "doc-cover",
            "part": "doc-part"}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("epub")
    ap.add_argument("--essays", type=int)
    ap.add_argument("--images", type=int)
    ap.add_argument("--notes", type=int)
    ap.add_argument("--toc-min", type=int, default=0)
    ap.add_argument("--media", action="append", default=[],
                    help="FILE=TYPE: the image packed from the source FILE "
                    "(found by its bytes) is declared TYPE, once, under a "
                    "name with that type's extension")
    a = ap.parse_args()

    def same_image(src, packed, want):
        """The same bytes; for SVG (sanitised and serialised again), the
        same canonical XML: a clean drawing loses nothing."""
        if src == packed:
            return True
        if want != "image/svg+xml" or not packed.lstrip().startswith(b"<"):
            return False
        from xml.etree.ElementTree import canonicalize
        try:
            return canonicalize(src) == canonicalize(packed)
        except Exception:
            return False

    z = zipfile.ZipFile(a.epub)
    infos = z.infolist()
    first = infos[0]
    if first.filename != "mimetype" or first.compress_type != 0 \
            or first.extra or z.read("mimetype") != b"application/epub+zip":
        fail("mimetype is not the first, stored entry without extra field")
    if len({i.date_time for i in infos}) != 1:
        fail("zip entries carry different times")
    for i in infos:
        if i.file_size > 10_000_000:
            fail("%s is over 10 MB" % i.filename)
    container = ET.fromstring(z.read("META-INF/container.xml"))
    opf_path = container.find(
        ".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile"
    ).get("full-path")
    opf_dir = posixpath.dirname(opf_path)
    opf = ET.fromstring(z.read(opf_path))
    if opf.get(XML_LANG) is None:
        fail("package has no xml:lang")
    manifest = {}
    for item in opf.iter(OPF + "item"):
        path = posixpath.normpath(posixpath.join(opf_dir, item.get("href")))
        manifest[path] = item
        if path not in z.namelist():
            fail("manifest item missing from the zip: " + path)
    for name in z.namelist():
        if name in ("mimetype",) or name.startswith("META-INF/") \
                or name == opf_path:
            continue
        if name not in manifest:
            fail("file in the zip but not in the manifest: " + name)
    props = [m.get("property") for m in opf.iter(OPF + "meta")]
    for p in ("schema:accessMode", "schema:accessModeSufficient",
              "schema:accessibilityFeature", "schema:accessibilityHazard",
              "schema:accessibilitySummary", "dcterms:modified"):
        if p not in props:
            fail("package metadata lacks " + p)
    if not any(m.get("name") == "cover" for m in opf.iter(OPF + "meta")):
        fail("no <meta name=cover> (Kobo, Kindle)")
    if opf.find(OPF + "guide") is None:
        fail("no EPUB 2 guide (Kindle)")
    uid = opf.find(".//" + DC + "identifier").text

    ids = {}
    docs = {}
    for path, item in manifest.items():
        data = z.read(path)
        if item.get("media-type") == "text/css":
            css = re.sub(rb"/\*.*?\*/", b"", data, flags=re.S)
            if re.search(rb"(^|[;{\s(,])--[A-Za-z_]", css) or b"var(" in css:
                fail("CSS custom property in " + path)
        if item.get("media-type") not in ("application/xhtml+xml",
                                          "application/x-dtbncx+xml"):
            continue
        if b"<!--" in data:
            fail("XML comment in " + path)
        root = ET.fromstring(data)
        docs[path] = root
        ids[path] = {e.get("id") for e in root.iter() if e.get("id")}
        if item.get("media-type") == "application/xhtml+xml":
            if root.get("lang") is None or root.get(XML_LANG) is None:
                fail("no lang and xml:lang on " + path)
            if root.get("lang") != root.get(XML_LANG):
                fail("lang and xml:lang differ on " + path)
            title = root.find(XHTML + "head/" + XHTML + "title")
            if title is None or not (title.text or "").strip():
                fail("empty <title> in " + path)
            for e in root.iter():
                if e.tag == XHTML + "a" and e.get(EPUB_TYPE) != "noteref":
                    continue  # landmarks: links, not regions
                t = e.get(EPUB_TYPE)
                for word in (t or "").split():
                    want = ROLE_FOR.get(word)
                    if want and e.get("role") != want:
                        fail("%s: epub:type=%s without role=%s"
                             % (path, word, want))
            for img in root.iter(XHTML + "img"):
                if img.get("alt") is None:
                    fail("%s: <img> without alt" % path)

    links = 0

    def resolve(src_doc, ref, what):
        nonlocal links
        u = urlsplit(ref)
        if u.scheme or ref.startswith("//"):
            return
        links += 1
        base = posixpath.dirname(src_doc)
        target = posixpath.normpath(posixpath.join(base, unquote(u.path))) \
            if u.path else src_doc
        if target not in manifest:
            fail("%s: %s %r goes to %s, not in the book"
                 % (src_doc, what, ref, target))
            return
        if u.fragment and unquote(u.fragment) not in ids.get(target, ()):
            fail("%s: %s %r: no id %r in %s"
                 % (src_doc, what, ref, unquote(u.fragment), target))

    # A chapter, or front or back matter (the role: key).
    ESSAY_TYPES = ("chapter", "dedication", "epigraph", "foreword", "preface",
                   "introduction", "prologue", "epilogue", "afterword",
                   "appendix", "glossary", "bibliography", "colophon")
    essays = notes = 0
    for path, root in docs.items():
        for e in root.iter():
            if e.tag in (XHTML + "a", XHTML + "link") and e.get("href"):
                resolve(path, e.get("href"), "link")
            if e.tag == XHTML + "img":
                resolve(path, e.get("src"), "image")
            if e.tag == NCX + "content":
                resolve(path, e.get("src"), "NCX entry")
            if e.tag == XHTML + "section" and e.get(EPUB_TYPE) in ESSAY_TYPES:
                essays += 1
            if e.get(EPUB_TYPE) == "footnote":
                notes += 1
        if root.tag == NCX + "ncx":
            for m in root.iter(NCX + "meta"):
                if m.get("name") == "dtb:uid" and m.get("content") != uid:
                    fail("NCX uid differs from dc:identifier")
    images = sum(1 for i in manifest.values()
                 if i.get("media-type", "").startswith("image/")
                 and "cover-image" not in (i.get("properties") or ""))
    toc = 0
    for path, root in docs.items():
        for nav in root.iter(XHTML + "nav"):
            if nav.get(EPUB_TYPE) == "toc":
                toc = sum(1 for _ in nav.iter(XHTML + "a"))
    if a.essays is not None and essays != a.essays:
        fail("%d essays, expected %d" % (essays, a.essays))
    if a.images is not None and images != a.images:
        fail("%d images packed, expected %d" % (images, a.images))
    if a.notes is not None and notes != a.notes:
        fail("%d footnotes, expected %d" % (notes, a.notes))
    exts = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
            "image/svg+xml": ".svg"}
    for m in a.media:
        src, want = m.split("=", 1)
        with open(src, "rb") as f:
            data = f.read()
        hits = [(p, it) for p, it in manifest.items()
                if p in z.namelist() and same_image(data, z.read(p), want)]
        if len(hits) != 1:
            fail("%s: packed %d times, expected once" % (src, len(hits)))
            continue
        path, item = hits[0]
        if item.get("media-type") != want or not path.endswith(exts[want]):
            fail("%s: packed as %s, %s; expected %s" % (
                src, path, item.get("media-type"), want))
    if toc < a.toc_min:
        fail("table of contents has %d entries, expected at least %d"
             % (toc, a.toc_min))
    print("%s: %d essays, %d images, %d footnotes, %d toc entries, "
          "%d internal links and images resolved, %d failures"
          % (a.epub, essays, images, notes, toc, links, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
