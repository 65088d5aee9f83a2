# Timed at 40,000 essays: not under a sanitizer, which is ten times slower.
if [ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then
	echo "skip: timed, not under a sanitizer"
	exit 77
fi
