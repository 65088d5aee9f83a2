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
ms() { echo $(($(date +%s%N) / 1000000)); }

best_cold=
for ((r = 0; r < reps; r++)); do
	t0=$(ms)
	"$QUIRE" build "$work/real" -o "$work/cold" -q >/dev/null 2>&1 || true
	t=$(($(ms) - t0))
	[ -z "$best_cold" ] || [ "$t" -lt "$best_cold" ] && best_cold=$t
done

"$QUIRE" watch "$work/real" -o "$work/warm" -q >/dev/null 2>"$work/log" &
pid=$!
count() { grep -c '^quire: \(built\|rebuilt\|build failed\)' "$work/log" || true; }
until [ "$(count)" -ge 1 ]; do sleep 0.01; done
first=$(sed -n 's/^quire: built in \([0-9]*\) ms.*/\1/p' "$work/log" | head -1)
files=("$work"/real/*.md)
walls=() own=()
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
min() { printf '%s\n' "$@" | sort -n | head -1; }
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
cat <<EOT
corpus: real ($(ls "$work"/real/*.md | wc -l) essays, $(du -sh "$work/real" | cut -f1))
cold build (fresh process, best of $reps):       $best_cold ms
watch's first build (cold, in the process):      ${first:-?} ms
warm rebuild after one edit, write to done:      best $(min "${walls[@]}") ms, median $(med "${walls[@]}") ms
warm rebuild as watch reports it:                best $(min "${own[@]}") ms, median $(med "${own[@]}") ms
(the write-to-done time includes watch's 50 ms of quiet before it starts)
warm / cold:                                     $(awk -v w="$(med "${walls[@]}")" -v c="$best_cold" 'BEGIN { printf "%.2f", w / c }')
EOT
