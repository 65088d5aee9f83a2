#!/usr/bin/env bash
# A book with math and site syntax in every essay gives the same bytes at
# any -j, build after build, and no essay loses its site handling: every
# essay has a formula, a {% raw %} tag and a Hugo shortcode, so the pass
# that reads site syntax must run on each whichever essay is read first.
# Usage: math-race.sh QUIRE [ROUNDS]
. "$(dirname "$0")/lib.sh"
Q=$1 ROUNDS=${2:-3}
B=$TMP/book
mkdir -p "$B"
printf 'title: Race\nlanguage: en\n' > "$B/collection.yaml"
for i in $(seq -w 24); do
	printf -- '---\ntitle: Essay %s\n---\n\nEssay %s: {%% raw %%}{{ kept }}{%% endraw %%} and {{< sup >}}%s{{< /sup >}} with $x_{%s}$.\n\n$$\\sum_{k=1}^{%s} k$$\n' \
	    "$i" "$i" "$i" "$i" "$i" > "$B/e$i.md"
done
export SOURCE_DATE_EPOCH=1700000000
"$Q" build "$B" -j 1 -o "$TMP/ref" >/dev/null 2>"$TMP/ref.diag" || fail "build -j 1"
sort "$TMP/ref.diag" > "$TMP/ref.sorted"
# Every essay had its site pass: no {% raw %} left, one shortcode warning each.
if unzip -p "$TMP"/ref/*.epub 'EPUB/e*.xhtml' | grep -q '{% raw %}'; then
	fail "an essay kept its {% raw %} tag: $(unzip -p "$TMP"/ref/*.epub 'EPUB/e*.xhtml' | grep -o 'Essay [0-9]*: {% raw %}' | head -3)"
else
	ok "no essay keeps {% raw %}"
fi
n=$(grep -c "Hugo shortcode 'sup'" "$TMP/ref.diag")
[ "$n" -eq 24 ] && ok "24 shortcode warnings" || fail "$n shortcode warnings, not 24"
n=$(unzip -p "$TMP"/ref/*.epub 'EPUB/e*.xhtml' | grep -o '<math ' | wc -l)
[ "$n" -eq 48 ] && ok "48 formulas as MathML" || fail "$n formulas as MathML, not 48 (is node with KaTeX there?)"
same=1
for r in $(seq "$ROUNDS"); do
	for j in 1 2 3 4 5 6 7 8; do
		rm -rf "$TMP/o"
		"$Q" build "$B" -j "$j" -o "$TMP/o" >/dev/null 2>"$TMP/o.diag" || fail "build -j $j"
		sort "$TMP/o.diag" > "$TMP/o.sorted"
		if ! cmp -s "$TMP/ref/SHA256SUMS" "$TMP/o/SHA256SUMS" ||
		    ! cmp -s "$TMP"/ref/*.epub "$TMP"/o/*.epub ||
		    ! cmp -s "$TMP/ref.sorted" "$TMP/o.sorted"; then
			fail "round $r, -j $j: other bytes or diagnostics than -j 1"
			same=0
		fi
	done
done
[ "$same" -eq 1 ] && ok "$ROUNDS rounds of -j 1..8: the same bytes and diagnostics"
finish
