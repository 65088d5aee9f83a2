#!/usr/bin/env bash
# bench/watch.sh: what a rebuild costs under `quire watch` against a cold
# `quire build`, on the real corpus (the 513 READMEs bench/run.sh makes).
#
# Run from the repository root:   QUIRE=build/quire bash bench/watch.sh
#
# cold: `quire build real -o OUT` from a fresh process, best of BENCH_REPS
#       (node started, highlight queries compiled, every essay rendered);
# warm: `quire watch real -o OUT2`, then one README edited (a line
#       appended), BENCH_REPS times; the time from the write to the
#       rebuild's closing line, and the time watch itself reports.
# The starter book of quire init is measured the same way first: what
# the warm process saves where rendering costs little.  BENCH_COUNT=1
# adds the real corpus counted in instructions (callgrind), which the
# machine's load does not move.
# Makes the corpus with bench/run.sh (BENCH_CORPORA=real, no pandoc) when
# bench/work/corpus/real is missing.
set -euo pipefail
export LC_ALL=C SOURCE_DATE_EPOCH=1700000000
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
QUIRE=$(realpath "${QUIRE:-build/quire}")
reps=${BENCH_REPS:-5}
corpus=bench/work/corpus/real
if [ ! -d "$corpus" ]; then
	BENCH_CORPORA=real BENCH_PANDOC=0 BENCH_REPS=1 \
	    BENCH_RESULTS=bench/work/run-for-watch.md QUIRE="$QUIRE" bash bench/run.sh >&2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-watch-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$corpus" "$work/real"
"$QUIRE" init "$work/starter" >/dev/null 2>&1
ms() { echo $(($(date +%s%N) / 1000000)); }
min() { printf '%s\n' "$@" | sort -n | head -1; }
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# measure BOOK EDITED...: cold builds, then warm rebuilds under watch,
# each after appending a line to one of the files EDITED (in turn).
measure() {
	local book=$1 best_cold= t t0 n f first r
	shift
	local files=("$@") walls=() own=()
	for ((r = 0; r < reps; r++)); do
		t0=$(ms)
		"$QUIRE" build "$book" -o "$work/cold" -q >/dev/null 2>&1 || true
		t=$(($(ms) - t0))
		if [ -z "$best_cold" ] || [ "$t" -lt "$best_cold" ]; then best_cold=$t; fi
	done
	: >"$work/log"
	"$QUIRE" watch "$book" -o "$work/warm" -q >/dev/null 2>"$work/log" &
	pid=$!
	until [ "$(count)" -ge 1 ]; do sleep 0.01; done
	first=$(sed -n 's/^quire: built in \([0-9]*\) ms.*/\1/p' "$work/log" | head -1)
	for ((r = 0; r < reps; r++)); do
		n=$(count)
		f=${files[$((r * 97 % ${#files[@]}))]}
		t0=$(ms)
		printf '\nEdited in round %d.\n' "$r" >>"$f"
		until [ "$(count)" -gt "$n" ]; do sleep 0.005; done
		walls+=($(($(ms) - t0)))
		own+=("$(sed -n 's/^quire: rebuilt in \([0-9]*\) ms.*/\1/p' "$work/log" | tail -1)")
	done
	kill -INT $pid; wait $pid || true; pid=
	cat <<EOT
$(basename "$book"): $(find "$book" -name '*.md' | wc -l) essays, $(du -sh "$book" | cut -f1)
  cold build (fresh process, best of $reps):   $best_cold ms
  watch's first build (in the process):      ${first:-?} ms
  warm rebuild, write to done:               best $(min "${walls[@]}") ms, median $(med "${walls[@]}") ms
  warm rebuild as watch reports it:          best $(min "${own[@]}") ms, median $(med "${own[@]}") ms
  warm (median) / cold (best):               $(awk -v w="$(med "${walls[@]}")" -v c="$best_cold" 'BEGIN { printf "%.2f", w / c }')
EOT
}
count() { grep -c '^quire: \(built\|rebuilt\|build failed\)' "$work/log" || true; }
# counted BOOK EDITED: the same in instructions (callgrind), one thread:
# a cold build in a fresh process, then under watch only quire_build()
# and the threads it starts counted, the first build and one rebuild
# after an edit.  Slow (minutes)
# but the figure does not move with the machine's load.
counted() {
	local book=$1 f=$2 cold first warm
	command -v valgrind >/dev/null || { echo "counted: valgrind missing"; return; }
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.cold" \
	    "$QUIRE" build "$book" -o "$work/ccold" -q -j 1 >/dev/null 2>&1 || true
	: >"$work/log"
	# The writers' threads count too (start_thread), as they do in the
	# cold build's whole-process count.
	valgrind --tool=callgrind --collect-atstart=no --toggle-collect=quire_build \
	    --toggle-collect=start_thread \
	    --dump-after=quire_build --callgrind-out-file="$work/cg.watch" \
	    "$QUIRE" watch "$book" -o "$work/cwarm" -q -j 1 >/dev/null 2>"$work/log" &
	pid=$!
	until [ "$(count)" -ge 1 ]; do sleep 0.5; done
	printf '\nEdited for the count.\n' >>"$f"
	until [ "$(count)" -ge 2 ]; do sleep 0.5; done
	kill -INT $pid; wait $pid || true; pid=
	total() { callgrind_annotate "$1" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,; }
	cold=$(total "$work/cg.cold") first=$(total "$work/cg.watch.1") warm=$(total "$work/cg.watch.2")
	cat <<EOT
$(basename "$book"), instructions (callgrind, -j 1):
  cold build (fresh process):                $cold
  watch's first build:                       $first
  warm rebuild after one edit:               $warm
  warm / cold:                               $(awk -v w="$warm" -v c="$cold" 'BEGIN { printf "%.2f", w / c }')
EOT
}

echo "(write to done includes watch's 50 ms of quiet before it starts)"
measure "$work/starter" "$work"/starter/*.md
measure "$work/real" "$work"/real/*.md
[ "${BENCH_COUNT:-0}" = 1 ] && counted "$work/real" "$work/real/zod.md"
true
