#!/usr/bin/env bash
# quire as a new user tries it: the READMEs of 40 npm packages (badges, raw
# HTML, tables, relative images that are not there), not written for quire.
# The EPUB passes epubcheck and Ace; the archive sends no request and has
# no dead in-page link.  Usage: realworld.sh QUIRE [N]
. "$(dirname "$0")/lib.sh"
Q=$1 N=${2:-40} T=$(dirname "$0")
bash "$T/realworld/fetch.sh" "$TMP/readmes" "$N" || { fail "fetch"; finish; }
start=$(date +%s.%N)
"$Q" build "$TMP/readmes" -o "$TMP/out" -q 2>"$TMP/err"
status=$?
end=$(date +%s.%N)
tail -1 "$TMP/err"
echo "quire build: $(python3 -c "print('%.2f' % ($end - $start))") s wall"
[ $status -eq 0 ] && ok "builds (warnings allowed)" || { fail "build exit $status"; finish; }
epubcheck "$TMP"/out/*.epub >"$TMP/ec" 2>&1
grep -E '^(ERROR|FATAL|Messages)' "$TMP/ec" | head -20
grep -q 'Messages: 0 fatals / 0 errors' "$TMP/ec" && ok "epubcheck: 0 errors" || fail "epubcheck"
python3 "$T/check_epub.py" "$TMP"/out/*.epub --essays "$N" || fail "check_epub.py"
node "$T/js/archive-check.mjs" "$TMP"/out/*.html || fail "archive-check"
bash "$T/js/ace-check.sh" "$TMP"/out/*.epub "$TMP/ace" | tail -1 || fail "Ace"
finish
