#!/usr/bin/env bash
# The single-file archive in a real browser (headless Chromium, every
# request blocked and counted, JavaScript off), and its size against its
# inputs.  Usage: archive.sh QUIRE DIR MIN_IMAGES MAX_RATIO [SCREENSHOT]
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2 MIN=$3 RATIO=$4 SHOT=${5:-}
"$Q" build "$DIR" -o "$TMP/out" -f html -q 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "build"; finish; }
html=$(ls "$TMP"/out/*.html)
in=$(find "$DIR" -type f \( -name '*.md' -o -name '*.markdown' -o -name 'collection.y*ml' \
	-o -path '*/images/*' -o -path '*/img/*' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
out=$(stat -c %s "$html")
python3 -c "import sys; r=$out/$in; print('archive %d bytes, inputs %d bytes, ratio %.3f' % ($out, $in, r)); sys.exit(r > $RATIO)" &&
	ok "size within ${RATIO}x of the inputs" || fail "archive larger than ${RATIO}x its inputs"
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$html" &&
	ok "CSP forbids every fetch" || fail "no CSP meta"
args=("$html" --min-images "$MIN")
[ -n "$SHOT" ] && args+=(--screenshot "$SHOT")
node "$(dirname "$0")/js/archive-check.mjs" "${args[@]}" || fail "archive-check"
finish
