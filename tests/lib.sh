# Shared by the shell tests: a scratch folder removed on exit, and fail().
set -u
TMP=$(mktemp -d "${TMPDIR:-/tmp}/quire-test.XXXXXX")
# Only the test's own shell removes it: a job killed between its fork and
# its exec (atomic.sh's signals) runs this trap too, and there bash's
# $BASHPID can still say the parent's pid; /proc/self, read by the shell
# itself, does not.
trap 'read -r me _ </proc/self/stat; [ "$me" != "$$" ] || rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
ok() { echo "ok: $*"; }
finish() { [ "$FAILED" -eq 0 ] && echo "PASS" || echo "FAILED"; exit "$FAILED"; }
epubcheck() { java -jar "${EPUBCHECK_JAR:-/usr/share/java/epubcheck.jar}" "$@"; }
