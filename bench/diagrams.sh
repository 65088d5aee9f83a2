#!/usr/bin/env bash
# The cost of diagrams: a book of generated essays, each with dot fences
# of a dozen nodes (a pipeline, a cluster, a cycle), built once with the
# fences drawn by Graphviz and once with the same fences as plain code
# (```text).  Prints both times and the time and bytes (EPUB and archive)
# each diagram costs, at -j 1 and with every core (Graphviz runs under one
# lock: its layouts never overlap).
#
# usage: bash bench/diagrams.sh QUIRE [ESSAYS [DIAGRAMS_PER_ESSAY]]
set -eu
quire=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
essays=${2:-100}
per=${3:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-diagram-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
for kind in dot text; do
	mkdir -p "$work/$kind"
	printf 'title: Diagram bench\nlanguage: en\n' >"$work/$kind/collection.yaml"
done
for ((i = 1; i <= essays; i++)); do
	{
		printf '# Essay %d\n\n' "$i"
		for ((j = 0; j < per; j++)); do
			printf 'Diagram %d:\n\n```dot\ndigraph g%d {\n  rankdir=LR;\n' "$j" "$j"
			printf '  subgraph cluster_a { label="stage %d"; read%d; parse%d; }\n' "$j" "$i" "$j"
			printf '  read%d -> parse%d -> render -> link -> write -> publish;\n' "$i" "$j"
			printf '  render -> highlight -> link; render -> math -> link;\n'
			printf '  write -> epub; write -> archive; publish -> read%d [style=dashed];\n}\n```\n\n' "$i"
		done
	} >"$work/dot/e$i.md"
	sed 's/^```dot$/```text/' "$work/dot/e$i.md" >"$work/text/e$i.md"
done
n=$((essays * per))
ms() { local s e; s=$(date +%s%N); "$quire" build "$1" -o "$2" -q "${@:3}" 2>/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
for j in 1 0; do
	args=(); [ "$j" -eq 1 ] && args=(-j 1)
	best_d=; best_t=
	for r in 1 2 3; do
		d=$(ms "$work/dot" "$work/out-dot" ${args[@]+"${args[@]}"})
		t=$(ms "$work/text" "$work/out-text" ${args[@]+"${args[@]}"})
		[ -z "$best_d" ] || [ "$d" -lt "$best_d" ] && best_d=$d
		[ -z "$best_t" ] || [ "$t" -lt "$best_t" ] && best_t=$t
	done
	bytes=$(( $(stat -c %s "$work"/out-dot/*.epub) - $(stat -c %s "$work"/out-text/*.epub) ))
	hbytes=$(( $(stat -c %s "$work"/out-dot/*.html) - $(stat -c %s "$work"/out-text/*.html) ))
	printf '%s: %d diagrams: %d ms drawn, %d ms as code: %d us and %d EPUB bytes, %d archive bytes a diagram\n' \
		"$([ "$j" -eq 1 ] && echo '-j 1' || echo 'every core')" "$n" "$best_d" "$best_t" \
		$(((best_d - best_t) * 1000 / n)) $((bytes / n)) $((hbytes / n))
done
