# Shared by the shell tests: a scratch folder removed on exit, and fail().
set -u
TMP=$(mktemp -d "${TMPDIR:-/tmp}/quire-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
ok() { echo "ok: $*"; }
finish() { [ "$FAILED" -eq 0 ] && echo "PASS" || echo "FAILED"; exit "$FAILED"; }
epubcheck() { java -jar "${EPUBCHECK_JAR:-/usr/share/java/epubcheck.jar}" "$@"; }
