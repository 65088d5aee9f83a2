#!/usr/bin/env bash
# The cost of citations: a book of generated essays, each citing works of
# a generated BibTeX bibliography in each of pandoc's forms, built with
# the bibliography (the pre-pass, one node co-process running citeproc-js
# for the whole book) and without it (collection.yaml's bibliography:
# left out: the citations stay text).  Also one essay with one citation,
# for what the co-process costs to start.  Prints a Markdown table, then
# the cost of starting and of each citation.
#
# usage: bash bench/cite.sh QUIRE [ESSAYS [CITATIONS_PER_ESSAY [WORKS]]]
set -eu
quire=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
essays=${2:-200}
per=${3:-25}
works=${4:-500}
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-cite-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/book" "$work/plain" "$work/one" "$work/none" "$work/out"
for ((w = 0; w < works; w++)); do
	printf '@book{w%d,\n  author = {Author%d, Ann and Other%d, Bo},\n  title = {Title number %d},\n  publisher = {Press %d},\n  address = {Town},\n  year = {%d}\n}\n\n' \
		"$w" "$w" "$w" "$w" "$((w % 13))" "$((1950 + w % 70))"
done >"$work/book/works.bib"
cp "$work/book/works.bib" "$work/one/works.bib"
printf 'title: Cite bench\nlanguage: en\nbibliography: works.bib\n' >"$work/book/collection.yaml"
printf 'title: Cite bench\nlanguage: en\n' >"$work/plain/collection.yaml"
printf 'title: One\nlanguage: en\nbibliography: works.bib\n' >"$work/one/collection.yaml"
printf 'title: One\nlanguage: en\n' >"$work/none/collection.yaml"
printf '# One\n\nAs shown [@w1, p. 3].\n' >"$work/one/one.md"
cp "$work/one/one.md" "$work/none/one.md"
for ((i = 1; i <= essays; i++)); do
	{
		printf '# Essay %d\n\n' "$i"
		for ((j = 0; j < per; j++)); do
			a=$(((i * 31 + j * 7) % works)) b=$(((i * 17 + j * 3) % works))
			case $((j % 5)) in
			0) printf 'A claim [@w%d, p. %d].\n\n' "$a" "$j" ;;
			1) printf 'As @w%d says, and more.\n\n' "$a" ;;
			2) printf 'Compare [see @w%d, pp. 3-5; also @w%d, chap. 2].\n\n' "$a" "$b" ;;
			3) printf 'Later [-@w%d].\n\n' "$a" ;;
			4) printf 'So @w%d [p. %d] has it.\n\n' "$a" "$j" ;;
			esac
		done
	} >"$work/book/essay-$i.md"
	cp "$work/book/essay-$i.md" "$work/plain/"
done
n=$((essays * per))

best() {  # label book: best wall time of 3 runs and the peak RSS
	local label=$1 t rss bt=999999 brss=0
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$work/time" "$quire" build "$2" \
			-o "$work/out/x" -q >/dev/null 2>"$work/err" ||
			{ cat "$work/err" >&2; echo "failed: $label" >&2; exit 1; }
		read -r t rss <"$work/time"
		bt=$(awk -v a="$t" -v b="$bt" 'BEGIN { print (a < b) ? a : b }')
		((rss > brss)) && brss=$rss
	done
	printf '| %s | %s | %.1f |\n' "$label" "$bt" "$(awk -v k="$brss" 'BEGIN { print k / 1024 }')"
	echo "$bt" >"$work/last"
}

echo "| build | wall s | peak RSS MiB |"
echo "|---|---:|---:|"
best "$essays essays, $n citations of $works works" "$work/book"
with=$(cat "$work/last")
best "the same, no bibliography (citations stay text)" "$work/plain"
without=$(cat "$work/last")
best "one essay, one citation of $works works" "$work/one"
one=$(cat "$work/last")
best "one essay, no bibliography" "$work/none"
none=$(cat "$work/last")
awk -v a="$one" -v b="$none" 'BEGIN { printf "\nstarting the co-process and reading %d works: %.0f ms\n", '"$works"', (a - b) * 1000 }'
awk -v a="$with" -v b="$without" -v s="$one" -v z="$none" -v n="$n" \
	'BEGIN { printf "each citation: %.3f ms\n", ((a - b) - (s - z)) * 1000 / n }'
