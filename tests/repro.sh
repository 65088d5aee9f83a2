#!/usr/bin/env bash
# Reproducible builds: the same inputs give the same bytes whatever the
# folder, time zone, locale and file order; SOURCE_DATE_EPOCH changes only
# the fields that carry time; SHA256SUMS verifies.
# Usage: repro.sh QUIRE CONTENT
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") SRC=$2
mkdir -p "$TMP/a" "$TMP/b/deeper"
cp -a "$SRC" "$TMP/a/content"
# A copy made in reverse order, with fresh mtimes: a different folder order.
(cd "$SRC" && find . -type f | sort -r) | while read -r f; do
	mkdir -p "$TMP/b/deeper/content/$(dirname "$f")"
	cp "$SRC/$f" "$TMP/b/deeper/content/$f"
done
touch -d '2001-02-03 04:05' "$TMP/b/deeper/content/"*.md
(cd "$TMP/a" && TZ=UTC LC_ALL=C "$Q" build content -o dist -q) || fail "build a"
(cd "$TMP/b/deeper" && TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 LANG=de_DE.UTF-8 \
	"$Q" build content -o out -q) || fail "build b"
for ext in epub html; do
	a=$(sha256sum "$TMP"/a/dist/*.$ext | cut -d' ' -f1)
	b=$(sha256sum "$TMP"/b/deeper/out/*.$ext | cut -d' ' -f1)
	[ -n "$a" ] && [ "$a" = "$b" ] && ok "$ext identical: $a" ||
		fail "$ext differs: $a vs $b"
done
(cd "$TMP/a/dist" && sha256sum -c --quiet SHA256SUMS) && ok "sha256sum -c" ||
	fail "sha256sum -c SHA256SUMS"
# A later epoch: only time-bearing fields change.
(cd "$TMP/a" && SOURCE_DATE_EPOCH=1900000000 "$Q" build content -o later -q) ||
	fail "build with SOURCE_DATE_EPOCH"
e1=$(ls "$TMP"/a/dist/*.epub) e2=$(ls "$TMP"/a/later/*.epub)
cmp -s "$e1" "$e2" && fail "SOURCE_DATE_EPOCH did not change the EPUB"
mkdir "$TMP/x1" "$TMP/x2"
(cd "$TMP/x1" && unzip -q "$e1") && (cd "$TMP/x2" && unzip -q "$e2")
changed=$(diff -rq "$TMP/x1" "$TMP/x2" | awk '{print $2}' | sed "s|$TMP/x1/||")
[ "$changed" = "EPUB/package.opf" ] && ok "only package.opf differs" ||
	fail "files that differ: $changed"
d=$(diff "$TMP/x1/EPUB/package.opf" "$TMP/x2/EPUB/package.opf" | grep '^[<>]' |
	grep -vc 'dcterms:modified')
[ "$d" = 0 ] && ok "in package.opf only dcterms:modified differs" ||
	fail "package.opf: $d changed lines besides dcterms:modified"
grep -o '<meta property="dcterms:modified">[^<]*' "$TMP/x2/EPUB/package.opf" |
	grep -q '2030-03-17T17:46:40Z' && ok "dcterms:modified from SOURCE_DATE_EPOCH" ||
	fail "dcterms:modified is not 2030-03-17T17:46:40Z"
unzip -Z -T "$e2" | awk 'NR>2 && $7 ~ /^2030/ {n++} END {exit !(n > 5)}' &&
	ok "zip entry times from SOURCE_DATE_EPOCH" || fail "zip entry times"
cmp -s "$TMP"/a/dist/*.html "$TMP"/a/later/*.html && ok "HTML carries no time" ||
	fail "HTML changed with SOURCE_DATE_EPOCH"
finish
