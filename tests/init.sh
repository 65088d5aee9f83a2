#!/usr/bin/env bash
# quire init makes a starter book (assets/starter: collection.yaml with the
# common keys commented, two essays, an image) that builds with no word on
# stderr; its commented keys are valid when uncommented; it never writes
# into a folder that has files; quire new adds an essay with front matter
# that joins the book.  With --epubcheck: the starter's EPUB is 0/0.
# Usage: init.sh QUIRE [--epubcheck]
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") EPC=${2:-}
export SOURCE_DATE_EPOCH=1767225600
expect() {  # expect STATUS DESCRIPTION COMMAND...
	want=$1 what=$2
	shift 2
	"$@" >"$TMP/o" 2>"$TMP/e"
	got=$?
	[ "$got" = "$want" ] && ok "$what: exit $got" ||
		fail "$what: exit $got, want $want ($(head -c 300 "$TMP/e"))"
}
cd "$TMP"
expect 0 "init x" "$Q" init x
[ -f x/collection.yaml ] && [ "$(ls x/*.md | wc -l)" = 2 ] &&
	[ -n "$(find x -name '*.svg' -o -name '*.png' -o -name '*.jpg')" ] &&
	ok "collection.yaml, two essays, an image" || fail "init made: $(find x)"
[ "$(grep -c '^# *[a-z]*:' x/collection.yaml)" -ge 8 ] &&
	ok "common keys commented" || fail "too few commented keys"
expect 0 "build x" "$Q" build x -o out
[ -s "$TMP/e" ] && fail "build x printed: $(head -c 400 "$TMP/e")" || ok "build x: not a word on stderr"
ls out/*.epub out/*.html >/dev/null || fail "no EPUB or archive"
grep -q '<math' out/*.html && ok "the starter's formula is MathML" || fail "no MathML"

# Every commented key, uncommented (bar the files the starter lacks).
cp -r x y
sed -i -e 's/^# \([a-z]*:\)/\1/' -e 's/^#   /  /' -e '/^cover:/d' -e '/^stylesheet:/d' y/collection.yaml
expect 0 "check with every key" "$Q" check y
grep -q 'warning\|error' "$TMP/e" && fail "keys: $(head -c 400 "$TMP/e")"

# Into a folder with files: refused, nothing touched.
mkdir z && echo mine >z/notes.md
expect 1 "init into a folder with files" "$Q" init z
[ "$(ls z)" = notes.md ] && [ "$(cat z/notes.md)" = mine ] && ok "left it alone" || fail "init wrote into z"
mkdir empty
expect 0 "init into an empty folder" "$Q" init empty
[ -f empty/collection.yaml ] || fail "init empty wrote no collection.yaml"
expect 2 "init a b" "$Q" init a b
expect 2 "init ''" "$Q" init ''
expect 2 "new '' x" "$Q" new '' x
# Without DIR: content/, where build looks by default.
mkdir w && cd w
expect 0 "init (no DIR)" "$Q" init
expect 0 "build (no DIR)" "$Q" build
ls dist/*.epub >/dev/null 2>&1 && ok "init then build: dist/" || fail "nothing in dist/"
cd "$TMP"

# quire new TITLE [DIR]
expect 0 "new" "$Q" new "Third Essay: Notes, Again" x
f=x/third-essay-notes-again.md
[ -f "$f" ] && ok "new wrote $f" || { fail "new wrote: $(ls x)"; finish; }
head -1 "$f" | grep -qx -- --- && grep -q '^title: "Third Essay: Notes, Again"$' "$f" &&
	ok "front matter with the title" || fail "front matter: $(head -5 "$f")"
expect 1 "new, same title again" "$Q" new "Third Essay: Notes, Again" x
expect 0 "build x with the new essay" "$Q" build x -o out2
[ -s "$TMP/e" ] && fail "build after new printed: $(head -c 400 "$TMP/e")"
grep -q 'Third Essay: Notes, Again' out2/*.html && ok "the new essay is in the book" ||
	fail "new essay missing from the book"

if [ "$EPC" = --epubcheck ]; then
	epubcheck out/*.epub >"$TMP/ec" 2>&1
	grep -q 'Messages: 0 fatals / 0 errors / 0 warnings' "$TMP/ec" &&
		ok "epubcheck 0/0" || fail "epubcheck: $(grep -E 'ERROR|WARNING' "$TMP/ec" | head -5)"
fi
finish
