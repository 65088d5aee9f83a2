#!/usr/bin/env bash
# Parallel rendering: a book of many essays of every kind (the fixture six
# times and content/, with a link into a section another essay lacks, so
# that one essay is rendered twice) gives the same bytes and the same
# diagnostics whether one thread renders the essays or many do.
# With TECHNICAL, its essays (math: one converter shared by the threads)
# four times too.  One essay past a megabyte (the fixture's essays and
# the code fixture's, end to end, again and again) has its blocks
# repaired and highlighted on several threads: the same bytes too.
# Usage: threads.sh QUIRE FIXTURE CONTENT [TECHNICAL]
. "$(dirname "$0")/lib.sh"
Q=$1 FIX=$2 SRC=$3 TECH=${4:-}
B=$TMP/book
mkdir -p "$B"
cp "$FIX/collection.yaml" "$B/"
for i in 1 2 3 4 5 6; do
	mkdir "$B/c$i"
	cp -R "$FIX"/. "$B/c$i/"
	rm "$B/c$i/collection.yaml"
done
if [ -n "$TECH" ]; then
	for i in 1 2 3 4; do
		cp -R "$TECH" "$B/t$i"
		rm "$B/t$i/collection.yaml"
	done
fi
cp -R "$SRC" "$B/writing"
rm "$B/writing/collection.yaml"
printf -- '---\ntitle: Across\n---\nSee [a part](c1/01-markdown.md#no-such-part), [the essay](c2/02-links.md) and [again](c1/01-markdown.md#no-such-part).\n' > "$B/zz-across.md"
{
	printf -- '---\ntitle: One big essay\n---\n'
	for i in $(seq 240); do
		for f in "$FIX"/0*.md "$FIX"/../code/0*.md; do
			printf '\n'
			awk 'NR == 1 && $0 == "---" { fm = 1; next }
			    fm { if ($0 == "---") fm = 0; next } { print }' "$f"
		done
	done
} > "$B/zz-big.md"
size=$(wc -c < "$B/zz-big.md")
[ "$size" -gt 1200000 ] && grep -q '^```c$' "$B/zz-big.md" &&
	ok "a big essay of $size bytes, with code" || fail "big essay: $size bytes"
n=$(find "$B" -name '*.md' | wc -l)
[ "$n" -ge 30 ] && ok "$n essays" || fail "only $n essays"
for j in 1 2 7; do
	"$Q" build "$B" --drafts -j "$j" -o "$TMP/out$j" 2>"$TMP/diag$j" ||
		fail "build -j $j"
done
"$Q" build "$B" --drafts -o "$TMP/outd" 2>"$TMP/diagd" || fail "build"
for j in 2 7 d; do
	cmp -s "$TMP/out1/SHA256SUMS" "$TMP/out$j/SHA256SUMS" &&
		cmp -s "$TMP/diag1" "$TMP/diag$j" && ok "-j 1 and ${j/d/the default}: same bytes, same diagnostics" ||
		fail "-j 1 and $j differ"
done
grep -c 'link to a missing section: c1/01-markdown.md#no-such-part' "$TMP/diag1" |
	grep -qx 2 && ok "missing section told at both links" ||
	fail "missing section not told twice: $(cat "$TMP/diag1")"
unzip -p "$TMP"/out1/*.epub EPUB/zz-across.xhtml > "$TMP/across.xhtml"
grep -q '<a href="c1-01-markdown.xhtml">a part</a>' "$TMP/across.xhtml" &&
	grep -q '<a href="c1-01-markdown.xhtml">again</a>' "$TMP/across.xhtml" &&
	ok "the missing section left out of both hrefs" ||
	fail "hrefs: $(grep -o '<a [^>]*>' "$TMP/across.xhtml")"
(cd "$TMP/out1" && sha256sum -c --quiet SHA256SUMS) && ok "sha256sum -c" ||
	fail "SHA256SUMS"
"$Q" build "$B" -j 0 -o "$TMP/bad" 2>/dev/null; [ $? -eq 2 ] &&
	ok "-j 0 is a usage error" || fail "-j 0 accepted"
finish
