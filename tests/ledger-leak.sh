#!/usr/bin/env bash
# A release ledger whose releases name their title, subtitle, description
# and language twice: the next release refuses it as malformed, under
# valgrind, without losing memory (the first of each was dropped unfreed).
# Usage: ledger-leak.sh QUIRE
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1")
export SOURCE_DATE_EPOCH=1760000000
command -v valgrind >/dev/null || { echo "skip: no valgrind"; exit 77; }
mkdir -p "$TMP/c"
printf 'title: Twice\nsubtitle: Sub\ndescription: Words.\nlanguage: en\n' >"$TMP/c/collection.yaml"
printf -- '---\ntitle: One\n---\n\nText.\n' >"$TMP/c/one.md"
"$Q" build "$TMP/c" -o "$TMP/o" --release 1.0 -q || { fail "release 1.0"; finish; }
l=$(readlink -f "$TMP/o/releases.xml")
sed -i 's|<title>\([^<]*\)</title>|<title>\1</title><title>Again \1</title>|;
	s|<subtitle>\([^<]*\)</subtitle>|&&|; s|<description>\([^<]*\)</description>|&&|;
	s|<language>\([^<]*\)</language>|&&|' "$l"
[ "$(grep -o '<title>' "$l" | wc -l)" -ge 2 ] || { fail "the ledger was not doubled"; finish; }
printf '\nMore.\n' >>"$TMP/c/one.md"
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--suppressions="$(dirname "$0")/valgrind.supp" \
	"$Q" build "$TMP/c" -o "$TMP/o" --release 1.1 -q 2>"$TMP/vg"
st=$?
[ $st -ne 99 ] && ok "a ledger with every value twice: nothing lost" ||
	{ grep -A12 'definitely lost' "$TMP/vg" | head -40; fail "memory lost reading a ledger with values twice"; }
[ $st -eq 1 ] && grep -q 'releases\.xml.*error: release 1\.0: a missing or malformed value' "$TMP/vg" &&
	ok "a ledger with every value twice: refused as malformed" ||
	{ grep -v '^==' "$TMP/vg" | head; fail "a ledger with values twice: exit $st"; }
finish
