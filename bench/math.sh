#!/usr/bin/env bash
# The cost of math: a book of generated essays, each with the formulas of
# tests/fixtures/technical and a few of its own, built with the TeX to
# MathML converter (one node + KaTeX co-process per build), with --math svg
# (the same co-process drawing each formula with MathJax) and without a
# converter (QUIRE_MATH pointing nowhere: the TeX shown as written).  Also
# pandoc --mathml when it is installed.  Prints a Markdown table, then the
# time and the bytes (EPUB and archive) each formula costs in each mode.
#
# usage: bash bench/math.sh QUIRE [ESSAYS [FORMULAS_PER_ESSAY]]
set -eu
quire=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
essays=${2:-200}
per=${3:-25}
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-math-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/book" "$work/out"
printf 'title: Math bench\nlanguage: en\n' >"$work/book/collection.yaml"
formulas=(
	'E = mc^2' '\{x\}\,y' 'a_{i}*b_{j}*c' '\sqrt[3]{x^2 + y^2}'
	'\frac{n(n+1)}{2}' '\alpha + \beta \leq \gamma' 'e^{i\pi} + 1 = 0'
	'\binom{n}{k} = \frac{n!}{k!(n-k)!}' '\lim_{x \to 0} \frac{\sin x}{x} = 1'
)
for ((i = 1; i <= essays; i++)); do
	{
		printf '# Essay %d\n\n' "$i"
		for ((j = 0; j < per; j++)); do
			f=${formulas[$(((i + j) % ${#formulas[@]}))]}
			if ((j % 5 == 4)); then
				printf 'A display formula:\n\n$$\n\\sum_{k=1}^{%d} k^{%d} + %s\n$$\n\n' "$i" "$j" "$f"
			else
				printf 'Paragraph %d has $%s + %d$ inline, and text around it.\n\n' "$j" "$f" "$i"
			fi
		done
	} >"$work/book/essay-$i.md"
done
n=$((essays * per))

best() {  # label command...: best wall time of 3 runs and the peak RSS
	local label=$1 t rss bt=999999 brss=0
	shift
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
			{ cat "$work/err" >&2; echo "failed: $label" >&2; exit 1; }
		read -r t rss <"$work/time"
		bt=$(awk -v a="$t" -v b="$bt" 'BEGIN { print (a < b) ? a : b }')
		((rss > brss)) && brss=$rss
	done
	printf '| %s | %d | %s | %.1f |\n' "$label" "$n" "$bt" "$(awk -v k="$brss" 'BEGIN { print k / 1024 }')"
	echo "$bt" >"$work/last"
}

echo "| build ($essays essays) | formulas | wall s | peak RSS MiB |"
echo "|---|---:|---:|---:|"
best "quire -f all, MathML (KaTeX co-process)" "$quire" build "$work/book" -o "$work/out/a" -f all -q
with=$(cat "$work/last")
best "quire -f all, SVG (MathJax, same co-process)" "$quire" build "$work/book" -o "$work/out/s" -f all -q --math svg
svg=$(cat "$work/last")
best "quire -f all, TeX shown (no converter)" env QUIRE_MATH=/nonexistent "$quire" build "$work/book" -o "$work/out/b" -f all -q
without=$(cat "$work/last")
if command -v pandoc >/dev/null; then
	best "pandoc --mathml (EPUB)" pandoc -f markdown --mathml -o "$work/out/p.epub" "$work"/book/essay-*.md
fi
size() { stat -c %s "$1"/*."$2"; }
echo
for mode in a s; do
	label=MathML t=$with
	[ $mode = s ] && label=SVG t=$svg
	awk -v l="$label" -v a="$t" -v b="$without" -v n="$n" \
	    -v e="$(size "$work/out/$mode" epub)" -v e0="$(size "$work/out/b" epub)" \
	    -v h="$(size "$work/out/$mode" html)" -v h0="$(size "$work/out/b" html)" 'BEGIN {
		printf "%s: %.3f s for %d formulas, %.0f us a formula (%.2fx the build without); %.0f bytes a formula in the EPUB (deflated), %.0f in the archive\n",
		    l, a - b, n, (a - b) / n * 1e6, a / b, (e - e0) / n, (h - h0) / n }'
done
