#!/usr/bin/env bash
# The machine's limits: past a file size limit (ulimit -f) or out of
# memory (ulimit -v), a build ends with a message and exit 3, leaves no
# temporary file and the earlier outputs as they were.
# Usage: limits.sh QUIRE CONTENT
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") SRC=$2
snapshot() { (cd "$1" && find . -type f | sort | xargs sha256sum); }
no_temps() {
	t=$(find "$1" -name '.*.tmp-*')
	[ -z "$t" ] && ok "$2: no temporary file left" || fail "$2: left $t"
}
"$Q" build "$SRC" -o "$TMP/dist" -q || { fail "first build"; finish; }
snapshot "$TMP/dist" >"$TMP/before"

# A file size limit of 20 KiB: the outputs are larger.  Without SIGXFSZ
# ignored, the signal kills the run.
(ulimit -f 20; exec "$Q" build "$SRC" -o "$TMP/dist" -q) 2>"$TMP/err"
status=$?
[ $status -eq 3 ] && ok "ulimit -f: exit 3" || fail "ulimit -f: exit $status"
grep -q 'error: cannot write: File too large' "$TMP/err" &&
	ok "ulimit -f: message" || { cat "$TMP/err"; fail "ulimit -f: message"; }
snapshot "$TMP/dist" | cmp -s - "$TMP/before" && ok "ulimit -f: dist unchanged" ||
	fail "ulimit -f: dist changed"
no_temps "$TMP/dist" "ulimit -f"

# Out of memory: a 200 MB address space for an essay that needs more.
mkdir -p "$TMP/big"
python3 -c '
import sys
para = "Some text and [a link](#here) in a sentence that goes on and on.\n" * 10 + "\n"
sys.stdout.write("# Big\n\n## Here\n\n" + para * (30 * 1024 * 1024 // len(para)))
' >"$TMP/big/big.md"
if ! (ulimit -v 200000; exec "$Q" --version) >/dev/null 2>&1; then
	# A sanitizer build reserves terabytes of address space.
	echo "skip: ulimit -v: quire does not start in 200 MB"
	finish
fi
(ulimit -v 200000; exec "$Q" build "$TMP/big" -o "$TMP/dist" -q) 2>"$TMP/err"
status=$?
[ $status -eq 3 ] && ok "ulimit -v: exit 3" || fail "ulimit -v: exit $status"
grep -q '^quire: error: out of memory$' "$TMP/err" && ok "ulimit -v: message" ||
	{ cat "$TMP/err"; fail "ulimit -v: message"; }
snapshot "$TMP/dist" | cmp -s - "$TMP/before" && ok "ulimit -v: dist unchanged" ||
	fail "ulimit -v: dist changed"
no_temps "$TMP/dist" "ulimit -v"
finish
