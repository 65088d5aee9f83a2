#!/bin/sh
# Groups libFuzzer artifacts by the sanitizer's SUMMARY line.
#   tests/fuzz/triage.sh build-fuzz/tests/fuzz/fuzz_render DIR_OR_FILES...
# Prints one line per distinct SUMMARY: the count and one reproducer.
set -u
[ $# -ge 2 ] || { echo "usage: $0 FUZZER ARTIFACT..." >&2; exit 2; }
fuzzer=$1
shift
for a in "$@"; do
	if [ -d "$a" ]; then
		find "$a" -type f \( -name 'crash-*' -o -name 'leak-*' -o \
		    -name 'timeout-*' -o -name 'oom-*' \)
	else
		echo "$a"
	fi
done | sort | while read -r f; do
	s=$(UBSAN_OPTIONS=print_stacktrace=1 "$fuzzer" -timeout=10 \
	    -rss_limit_mb=2048 "$f" 2>&1 | grep -m1 -E \
	    '^SUMMARY|ERROR: libFuzzer' || echo "no longer fails")
	printf '%s\t%s\n' "$s" "$f"
done | sort | awk -F'\t' '
	{ n[$1]++; if (!($1 in ex)) ex[$1] = $2 }
	END { for (k in n) printf "%5d  %s\n       e.g. %s\n", n[k], k, ex[k] }'
