#!/usr/bin/env bash
# The command line: help, version, usage errors, formats, release names,
# drafts, check writing nothing, printed paths.  Usage: cli.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") FIX=$2
expect() {  # expect STATUS DESCRIPTION COMMAND...
	want=$1 what=$2
	shift 2
	"$@" >"$TMP/o" 2>"$TMP/e"
	got=$?
	[ "$got" = "$want" ] && ok "$what: exit $got" || fail "$what: exit $got, want $want ($(head -c 300 "$TMP/e"))"
}
expect 0 "--help" "$Q" --help
grep -q '^usage: quire build' "$TMP/o" || fail "--help prints the usage"
expect 0 "--version" "$Q" --version
grep -qx 'quire [0-9][0-9.]*' "$TMP/o" || fail "--version prints 'quire X.Y.Z'"
expect 2 "no command" "$Q"
expect 2 "unknown command" "$Q" bind content
expect 2 "bad format" "$Q" build "$FIX" -f pdf
grep -q 'epub, html or all' "$TMP/e" || fail "bad format says what is allowed"
expect 2 "too many arguments" "$Q" build a b
expect 2 "bad SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=soon "$Q" check "$FIX"
expect 1 "missing folder" "$Q" build "$TMP/nope" -o "$TMP/x"
grep -q "nope: error: not a folder" "$TMP/e" || fail "missing folder: $(cat "$TMP/e")"

expect 0 "check" "$Q" check "$FIX"
[ ! -e dist ] || [ -z "$(find dist -newer "$TMP/o" 2>/dev/null)" ] || fail "check wrote into dist"
[ ! -s "$TMP/o" ] && ok "check prints no paths" || fail "check printed $(cat "$TMP/o")"
grep -q '^0 errors, [0-9]* warnings$' "$TMP/e" && ok "check closes with a count" || fail "no closing count"
expect 1 "check --strict" "$Q" check --strict "$FIX"
grep -q 'error: image not found' "$TMP/e" || fail "--strict: warnings become errors"

expect 0 "build -f epub" "$Q" build "$FIX" -o "$TMP/e1" -f epub
[ "$(ls "$TMP/e1" | tr "\n" " ")" = "SHA256SUMS every-construct-a-quire-fixture-2.0-rc.1.epub " ] &&
	ok "-f epub writes only the EPUB (and SHA256SUMS)" || fail "-f epub wrote: $(ls "$TMP/e1")"
[ -f "$TMP/e1/SHA256SUMS" ] || fail "SHA256SUMS missing"
[ "$(cat "$TMP/o")" = "$TMP/e1/every-construct-a-quire-fixture-2.0-rc.1.epub" ] &&
	ok "prints the path written" || fail "printed: $(cat "$TMP/o")"
expect 0 "build -f html --release" "$Q" build "$FIX" -o "$TMP/h1" -f html --release 3.1.4
[ -f "$TMP/h1/every-construct-a-quire-fixture-3.1.4.html" ] &&
	ok "--release names the output" || fail "--release: $(ls "$TMP/h1")"
grep -q '<meta name="version" content="3.1.4">' "$TMP"/h1/*.html &&
	ok "--release stamped into the archive" || fail "version meta missing"
grep -q 'Version 3.1.4' "$TMP"/h1/*.html || fail "version on the title page"
expect 0 "build -q" "$Q" build "$FIX" -o "$TMP/q1" -q
[ ! -s "$TMP/o" ] && ok "-q prints nothing on stdout" || fail "-q printed $(cat "$TMP/o")"

# Drafts are left out unless --drafts; status: draft is not draft: true.
mkdir -p "$TMP/d"
printf -- '---\ntitle: Kept\nstatus: draft\n---\nText.\n' >"$TMP/d/a.md"
printf -- '---\ntitle: Unfinished\ndraft: true\n---\nText.\n' >"$TMP/d/b.md"
expect 0 "drafts left out" "$Q" build "$TMP/d" -o "$TMP/d1" -f html
grep -q 'Kept' "$TMP"/d1/*.html && ! grep -q 'Unfinished' "$TMP"/d1/*.html &&
	ok "draft: true left out, status: draft kept" || fail "draft handling"
expect 0 "--drafts" "$Q" build "$TMP/d" -o "$TMP/d2" -f html --drafts
grep -q 'Unfinished' "$TMP"/d2/*.html && ok "--drafts includes drafts" || fail "--drafts"

# Zero configuration: title from the first heading, book title from the
# folder name, order by order/weight then date then name.
mkdir -p "$TMP/My Notes"
printf '# Zebra heading\n\nBody.\n' >"$TMP/My Notes/a.md"
printf -- '---\nweight: 1\n---\nFirst by weight.\n' >"$TMP/My Notes/z.md"
printf -- '---\ndate: 2020-01-01\n---\nDated.\n' >"$TMP/My Notes/m.md"
expect 0 "zero configuration" "$Q" build "$TMP/My Notes" -o "$TMP/z1"
[ -f "$TMP/z1/my-notes.epub" ] && ok "book named after the folder" || fail "output: $(ls "$TMP/z1")"
order=$(grep -o '<li><a href="#[a-z]*">[^<]*' "$TMP/z1/my-notes.html" | sed 's/.*>//' | tr '\n' ',')
[ "$order" = "z,m,Zebra heading," ] && ok "order: weight, date, name; title from heading" ||
	fail "order/titles: $order"
finish
