#!/usr/bin/env bash
# Atomic outputs: a failed build (bad input found late, unwritable folder,
# full file system, a signal) leaves the earlier outputs byte-identical and
# no temporary file behind.  Usage: atomic.sh QUIRE CONTENT
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") SRC=$2
snapshot() { (cd "$1" && find . -type f | sort | xargs sha256sum); }
no_temps() {
	t=$(find "$1" -name '.*.tmp-*')
	[ -z "$t" ] && ok "$2: no temporary file left" || fail "$2: left $t"
}
"$Q" build "$SRC" -o "$TMP/dist" -q || { fail "first build"; finish; }
snapshot "$TMP/dist" >"$TMP/before"

# An essay that turns bad after the others were rendered: it sorts last
# and its image leaves the content folder.
cp -a "$SRC" "$TMP/bad"
printf -- '---\ntitle: Last\norder: 999\n---\n\n![x](../../../../etc/passwd)\n' \
	>"$TMP/bad/zz-last.md"
"$Q" build "$TMP/bad" -o "$TMP/dist" >"$TMP/out" 2>"$TMP/err"
status=$?
[ $status -eq 1 ] && ok "bad input: exit 1" || fail "bad input: exit $status"
grep -q 'zz-last.md:6:6: error: image ../../../../etc/passwd is outside the content folder' \
	"$TMP/err" && ok "bad input: diagnostic with position" ||
	{ cat "$TMP/err"; fail "bad input: diagnostic"; }
[ ! -s "$TMP/out" ] && ok "bad input: no output path printed" || fail "printed $(cat "$TMP/out")"
snapshot "$TMP/dist" | cmp -s - "$TMP/before" && ok "bad input: dist unchanged" ||
	fail "bad input: dist changed"
no_temps "$TMP/dist" "bad input"

# An output folder that cannot be created.
"$Q" build "$SRC" -o /proc/quire-cannot-exist -q 2>"$TMP/err"
status=$?
[ $status -eq 3 ] && ok "unwritable folder: exit 3" ||
	fail "unwritable folder: exit $status ($(cat "$TMP/err"))"

# A full file system: a 120 KiB tmpfs holds a first build of a small book,
# not a second one twice its size.  Needs mount (root) or a user namespace.
mkdir -p "$TMP/small"
cp -a "$SRC" "$TMP/big"
for i in 1 2 3 4 5 6; do
	for f in "$SRC"/*.md; do
		cp "$f" "$TMP/big/copy$i-$(basename "$f")"
	done
done
cat >"$TMP/full.sh" <<EOS
set -u
mount -t tmpfs -o size=400k tmpfs "$TMP/small" || exit 77
"$Q" build "$SRC" -o "$TMP/small/dist" -q -f epub || exit 10
(cd "$TMP/small/dist" && find . -type f | sort | xargs sha256sum) >"$TMP/full-before"
"$Q" build "$TMP/big" -o "$TMP/small/dist" -q 2>"$TMP/full-err"
echo \$? >"$TMP/full-status"
(cd "$TMP/small/dist" && find . -type f | sort | xargs sha256sum) >"$TMP/full-after"
find "$TMP/small/dist" -name '.*.tmp-*' >"$TMP/full-temps"
# The same folder made read-only: an unwritable output folder that holds
# an earlier build.
mount -o remount,ro "$TMP/small" || exit 11
"$Q" build "$SRC" -o "$TMP/small/dist" -q 2>"$TMP/ro-err"
echo \$? >"$TMP/ro-status"
(cd "$TMP/small/dist" && find . -type f | sort | xargs sha256sum) >"$TMP/ro-after"
umount "$TMP/small"
EOS
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	unshare -m bash "$TMP/full.sh"
else
	unshare -rm bash "$TMP/full.sh"
fi
status=$?
if [ $status -eq 77 ] || [ $status -eq 1 ]; then
	echo "skip: full file system and read-only folder (cannot mount a tmpfs here)"
elif [ $status -ne 0 ]; then
	fail "full file system: setup failed ($status)"
else
	[ "$(cat "$TMP/full-status")" = 3 ] && ok "full file system: exit 3" ||
		fail "full file system: exit $(cat "$TMP/full-status")"
	grep -q 'No space left on device' "$TMP/full-err" &&
		ok "full file system: says why" || fail "$(cat "$TMP/full-err")"
	cmp -s "$TMP/full-before" "$TMP/full-after" &&
		ok "full file system: earlier outputs unchanged" ||
		fail "full file system: outputs changed"
	[ ! -s "$TMP/full-temps" ] && ok "full file system: no temporary file" ||
		fail "full file system: left $(cat "$TMP/full-temps")"
	[ "$(cat "$TMP/ro-status")" = 3 ] && ok "read-only output folder: exit 3" ||
		fail "read-only output folder: exit $(cat "$TMP/ro-status")"
	grep -q 'Read-only file system' "$TMP/ro-err" &&
		ok "read-only output folder: says why" || fail "$(cat "$TMP/ro-err")"
	cmp -s "$TMP/full-after" "$TMP/ro-after" &&
		ok "read-only output folder: earlier outputs unchanged" ||
		fail "read-only output folder: outputs changed"
fi

# Signals at random moments of a larger build.
for i in 1 2 3 4 5 6 7 8; do
	"$Q" build "$TMP/big" -o "$TMP/dist" -q 2>/dev/null &
	pid=$!
	sleep "0.0$((RANDOM % 9))$((RANDOM % 10))"
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
done
no_temps "$TMP/dist" "signals"
for f in "$TMP"/dist/*.epub "$TMP"/dist/*.html; do
	[ -s "$f" ] || fail "signals: $f missing or empty"
done
(cd "$TMP/dist" && sha256sum -c --quiet SHA256SUMS) &&
	ok "signals: outputs complete and consistent" || fail "signals: SHA256SUMS"
finish
