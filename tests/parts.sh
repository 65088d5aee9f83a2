#!/usr/bin/env bash
# Books in parts: folders with and without _index.md, a nested folder, a
# part with a page of its own, a mini mdBook (SUMMARY.md) and a mini Hugo
# section tree with weights; the nav, the NCX, the spine and the archive's
# contents read back and compared with the trees the fixtures were made to
# give (check_parts.py), at toc_depth 1, 3 (the default) and 4.
# Usage: parts.sh QUIRE FIXTURES_DIR
. "$(dirname "$0")/lib.sh"
Q=$1 FIX=$2
CHECK="$(dirname "$0")/check_parts.py"
run() {  # run NAME DIR
	"$Q" build "$2" -o "$TMP/$1" -q 2>"$TMP/$1.err" ||
		{ cat "$TMP/$1.err"; fail "$1: build"; return; }
	python3 "$CHECK" "$1" "$TMP"/$1/*.epub "$TMP"/$1/*.html &&
		ok "$1: contents as expected" || fail "$1: contents"
}
run parts "$FIX/parts"
run mdbook "$FIX/mdbook"
run hugo "$FIX/hugo"
# A part whose _index.md says draft: true is left out whole, unless
# --drafts.
"$Q" build "$FIX/parts" --drafts -o "$TMP/drafts" -q 2>/dev/null
nav=$(unzip -p "$TMP"/drafts/*.epub EPUB/nav.xhtml)
case $nav in
*'<span>Unfinished Part</span><ol><li><a href="unfinished-half.xhtml">Half an Essay</a>'*)
	ok "--drafts: the draft part is there" ;;
*) fail "--drafts: no draft part in the nav" ;;
esac
for f in "$TMP"/parts/*.epub "$TMP"/parts/*.html; do
	if unzip -p "$f" 2>/dev/null | grep -q 'Half an Essay' ||
		grep -q 'Half an Essay' "$f"; then
		fail "a draft part was bound without --drafts: $f"
	fi
done
# A folder that only wraps the site (Hugo's content/en/) is not a part.
mkdir -p "$TMP/wrapped"
cp -a "$FIX/hugo" "$TMP/wrapped/en"
run hugo-wrapped "$TMP/wrapped"
for n in 1 4; do
	cp -a "$FIX/parts" "$TMP/src-depth$n"
	echo "toc_depth: $n" >>"$TMP/src-depth$n/collection.yaml"
	run "parts-depth$n" "$TMP/src-depth$n"
done
# The default is 3: saying so changes no byte.
cp -a "$FIX/parts" "$TMP/src-depth3"
echo "toc_depth: 3" >>"$TMP/src-depth3/collection.yaml"
SOURCE_DATE_EPOCH=1 "$Q" build "$FIX/parts" -o "$TMP/d-default" -q
SOURCE_DATE_EPOCH=1 "$Q" build "$TMP/src-depth3" -o "$TMP/d-3" -q
cmp -s "$TMP"/d-default/*.epub "$TMP"/d-3/*.epub &&
	cmp -s "$TMP"/d-default/*.html "$TMP"/d-3/*.html &&
	ok "toc_depth 3 is the default" || fail "toc_depth 3 differs from the default"
# mdBook binds only what SUMMARY.md lists.
if unzip -p "$TMP"/mdbook/*.epub | grep -q 'Not in the Summary' ||
	grep -q 'Not in the Summary' "$TMP"/mdbook/*.html; then
	fail "mdbook: a file SUMMARY.md does not list was bound"
else
	ok "mdbook: unlisted files left out"
fi
[ ! -s "$TMP/mdbook.err" ] && ok "mdbook: no diagnostics" ||
	fail "mdbook: $(cat "$TMP/mdbook.err")"
finish
