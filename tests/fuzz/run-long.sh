#!/bin/sh
# Long fuzzing runs, one target after another on ONE core:
#   tests/fuzz/run-long.sh [BUILD_DIR [WORK_DIR [SECONDS]]]
# defaults: build-fuzz, /tmp/fuzz-long, 1800 per target.
# Each target runs in libFuzzer's fork mode with one job, so a known crash
# is saved and the run goes on; logs go to WORK_DIR/<target>.log, the
# corpus to WORK_DIR/<target>/corpus (seeded from tests/fuzz/corpus the
# first time), reproducers to WORK_DIR/<target>/artifacts.  After the run
# the log gets the coverage of the final corpus (one plain pass with
# -print_final_stats=1) and the reproducers grouped by sanitizer report.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build-fuzz}" && pwd) || exit 2
work=${2:-/tmp/fuzz-long}
secs=${3:-1800}
dict=$here/markdown.dict
flags="-max_len=65536 -timeout=10 -rss_limit_mb=2048 -dict=$dict"

mkdir -p "$work"
for t in frontmatter render build; do
	fz=$build/tests/fuzz/fuzz_$t
	dir=$work/$t
	log=$work/$t.log
	mkdir -p "$dir/corpus" "$dir/artifacts"
	[ -n "$(ls -A "$dir/corpus")" ] || cp "$here/corpus/$t"/* "$dir/corpus/"
	cd "$dir" || exit 1
	{
		echo "== fuzz_$t: $(date -u '+%F %T') UTC, $secs s, fork=1"
		echo "== $fz -fork=1 -ignore_crashes=1 -ignore_timeouts=1" \
		    "-ignore_ooms=1 $flags -max_total_time=$secs" \
		    "-print_final_stats=1 -artifact_prefix=$dir/artifacts/" \
		    "$dir/corpus"
	} > "$log"
	nice -n 10 "$fz" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
	    -ignore_ooms=1 $flags -max_total_time="$secs" \
	    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
	    "$dir/corpus" >> "$log" 2>&1
	echo "== fuzz_$t exit status $? at $(date -u '+%F %T') UTC" >> "$log"
	# A corpus input that crashes (the seeds that reproduce known bugs)
	# would stop the plain pass: such inputs move to crashing-seeds/.
	mkdir -p "$dir/crashing-seeds"
	for try in $(seq 50); do
		out=$(nice -n 10 "$fz" -runs=0 $flags -print_final_stats=1 \
		    -artifact_prefix="$dir/crashing-seeds/pass-" \
		    "$dir/corpus" 2>&1)
		echo "$out" | grep -q INITED && break
		h=$(echo "$out" | sed -n 's/.*Test unit written to .*-\([0-9a-f]\{40\}\)$/\1/p' | tail -1)
		f=$(cd "$dir/corpus" && sha1sum -- * | awk -v h="$h" '$1 == h { print $2; exit }')
		[ -n "$h" ] && [ -n "$f" ] || break
		echo "== crashing corpus input moved to $dir/crashing-seeds/$f:" \
		    "$(echo "$out" | grep -m1 SUMMARY)" >> "$log"
		mv "$dir/corpus/$f" "$dir/crashing-seeds/$f"
	done
	echo "== final corpus: $(ls "$dir/corpus" | wc -l) files;" \
	    "coverage of one plain pass:" >> "$log"
	echo "$out" | grep -E '^#[0-9]+.*(INITED|DONE)|^stat::|^Done|SUMMARY' \
	    >> "$log"
	echo "== reproducers by sanitizer report:" >> "$log"
	sh "$here/triage.sh" "$fz" "$dir/artifacts" >> "$log" 2>&1
	echo "== end $(date -u '+%F %T') UTC" >> "$log"
done
