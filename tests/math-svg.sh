#!/usr/bin/env bash
# Math for readers with and without MathML (tests/fixtures/technical):
# - --math svg and collection.yaml's `math: svg` give the same book: each
#   formula an <svg role="img"> named by its TeX, the essay declared `svg`
#   in the manifest, no MathML;
# - --math mathml wins over `math: svg`; MathML keeps the TeX in alttext
#   only (no annotation);
# - MuPDF (no MathML, as e-ink readers) shows no TeX in either mode: in
#   MathML mode the formula's own characters, in SVG mode the drawings;
# - epubcheck 0 errors / 0 warnings and Ace 0 violations in both modes.
# Usage: math-svg.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export SOURCE_DATE_EPOCH=1700000000

"$Q" build "$DIR" -o "$TMP/svg" --math svg >/dev/null 2>"$TMP/e1" || fail "build --math svg: $(cat "$TMP/e1")"
"$Q" build "$DIR" -o "$TMP/mml" >/dev/null 2>"$TMP/e2" || fail "build: $(cat "$TMP/e2")"
[ ! -s "$TMP/e1" ] && [ ! -s "$TMP/e2" ] && ok "no diagnostics in either mode" ||
	fail "diagnostics: $(cat "$TMP/e1" "$TMP/e2")"
cp -R "$DIR" "$TMP/book"
printf '\nmath: svg\n' >> "$TMP/book/collection.yaml"
"$Q" build "$TMP/book" -o "$TMP/svg2" >/dev/null 2>&1 || fail "build with math: svg"
"$Q" build "$TMP/book" -o "$TMP/mml2" --math mathml >/dev/null 2>&1 || fail "build with math: svg and --math mathml"
cmp -s <(unzip -p "$TMP"/svg/*.epub EPUB/essay.xhtml) <(unzip -p "$TMP"/svg2/*.epub EPUB/essay.xhtml) &&
	ok "math: svg in collection.yaml is --math svg" || fail "math: svg differs from --math svg"
cmp -s <(unzip -p "$TMP"/mml/*.epub EPUB/essay.xhtml) <(unzip -p "$TMP"/mml2/*.epub EPUB/essay.xhtml) &&
	ok "--math mathml wins over math: svg" || fail "--math mathml did not win"

s=$(unzip -p "$TMP"/svg/*.epub EPUB/essay.xhtml)
m=$(unzip -p "$TMP"/mml/*.epub EPUB/essay.xhtml)
nm=$(grep -o '<math ' <<<"$m" | wc -l)
ns=$(grep -o '<svg [^>]*role="img" aria-label="[^"]' <<<"$s" | wc -l)
[ "$nm" -ge 5 ] && [ "$ns" -eq "$nm" ] && ! grep -q '<math' <<<"$s" &&
	ok "$ns formulas as named SVG, none as MathML" || fail "$ns SVG for $nm MathML formulas"
grep -q '<svg [^>]*aria-label="E = mc^2"[^>]*><title>E = mc^2</title>' <<<"$s" &&
	ok "a formula's accessible name is its TeX" || fail "no aria-label and title E = mc^2"
grep -q 'style="display: block; margin: 0.6em auto;"' <<<"$s" &&
	ok "display math is a centred block" || fail "display math not a block"
unzip -p "$TMP"/svg/*.epub EPUB/package.opf | grep -q 'href="essay.xhtml" [^>]*properties="[^"]*svg' &&
	ok "the essay is declared svg" || fail "no svg property"
! grep -q 'annotation' <<<"$m" && grep -q '<math [^>]*alttext="E = mc^2"' <<<"$m" &&
	ok "MathML: the TeX in alttext, no annotation" || fail "MathML alttext/annotation"

# MuPDF: no TeX in the text of either book.
if command -v mutool >/dev/null 2>&1; then
	for mode in svg mml; do
		mutool draw -q -F txt -o "$TMP/$mode.txt" "$TMP"/$mode/*.epub 2>"$TMP/$mode.err"
		grep -q 'Mass and energy' "$TMP/$mode.txt" || fail "$mode: MuPDF shows no text"
		if grep -nE '\\[a-zA-Z{,]|\^|_\{' "$TMP/$mode.txt" >"$TMP/$mode.tex"; then
			fail "$mode: TeX in MuPDF's text: $(head -3 "$TMP/$mode.tex")"
		else
			ok "$mode: no TeX in MuPDF's text"
		fi
		! grep -qi 'error' "$TMP/$mode.err" && ok "$mode: MuPDF reports no error" ||
			fail "$mode: MuPDF: $(head -3 "$TMP/$mode.err")"
	done
else
	echo "skip: no mutool (mupdf-tools)"
fi

for mode in svg mml; do
	epubcheck "$TMP"/$mode/*.epub >"$TMP/check.$mode" 2>&1
	grep -q 'Messages: 0 fatals / 0 errors / 0 warnings' "$TMP/check.$mode" &&
		ok "$mode: epubcheck 0/0" || fail "$mode: epubcheck: $(grep -E '^(ERROR|WARNING|FATAL)' "$TMP/check.$mode" | head -3)"
	if bash "$ROOT/tests/js/ace-check.sh" "$TMP"/$mode/*.epub "$TMP/ace.$mode" >"$TMP/ace.$mode.out" 2>&1; then
		ok "$mode: Ace 0 violations"
	else
		fail "$mode: Ace: $(tail -5 "$TMP/ace.$mode.out")"
	fi
done

# A formula in a heading: in the contents (nav, NCX, the archive's) MathML
# mode shows the formula's characters, not its TeX; the id is still made
# from the TeX, as GitHub makes it, whatever the mode.
mkdir -p "$TMP/h"
printf 'title: H\nauthor: A\nlanguage: en\n' >"$TMP/h/collection.yaml"
printf -- '---\ntitle: One\n---\n\nText.\n\n## The case $\\alpha>1$\n\nMore.\n' >"$TMP/h/01-one.md"
"$Q" build "$TMP/h" -o "$TMP/hm" -q 2>/dev/null && "$Q" build "$TMP/h" -o "$TMP/hs" -q --math svg 2>/dev/null ||
	fail "a book with a formula in a heading"
nav=$(unzip -p "$TMP"/hm/*.epub EPUB/nav.xhtml) ncx=$(unzip -p "$TMP"/hm/*.epub EPUB/toc.ncx)
grep -q '<a href="01-one.xhtml#the-case-alpha1">The case α&gt;1</a>' <<<"$nav" &&
	grep -q '<text>The case α&gt;1</text>' <<<"$ncx" &&
	grep -q '<a href="#01-one--the-case-alpha1">The case α&gt;1' "$TMP"/hm/*.html &&
	ok "MathML: the contents show α>1, not \\alpha" || fail "MathML: the contents show: $(grep -o 'the-case[^<]*' <<<"$nav")"
unzip -p "$TMP"/hs/*.epub EPUB/nav.xhtml | grep -q '<a href="01-one.xhtml#the-case-alpha1">' &&
	ok "SVG: the same id" || fail "SVG: another id"
finish
