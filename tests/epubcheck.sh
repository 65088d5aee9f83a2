#!/usr/bin/env bash
# Builds a content folder and judges the EPUB with epubcheck (no error, no
# warning) and check_epub.py (links, ids, zip shape, metadata).
# Usage: epubcheck.sh QUIRE DIR [check_epub.py options]
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2
shift 2
"$Q" build "$DIR" -o "$TMP/out" -f epub >"$TMP/paths" 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "quire build $DIR"; finish; }
epub=$(grep '\.epub$' "$TMP/paths")
[ -f "$epub" ] || { fail "no EPUB written"; finish; }
epubcheck --failonwarnings "$epub" >"$TMP/ec" 2>&1
status=$?
grep -E '^(ERROR|WARNING|FATAL|Messages)' "$TMP/ec"
[ $status -eq 0 ] && grep -q 'Messages: 0 fatals / 0 errors / 0 warnings' "$TMP/ec" &&
	ok "epubcheck: 0 errors, 0 warnings" || fail "epubcheck on $epub"
python3 "$(dirname "$0")/check_epub.py" "$epub" "$@" || fail "check_epub.py"
finish
