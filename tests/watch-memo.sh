#!/usr/bin/env bash
# quire watch's memo of rendered essays: after an edit only the essays
# whose source or surroundings changed are rendered again, and every
# rebuild writes the bytes and says the messages a cold build does:
# after an essay's edit, a no-op write, an editor's save (its swap and
# backup files changed too), an image's new bytes, a change
# to collection.yaml, a remote image met in an essay left alone, and
# a warning of an essay left alone (said again).
# Usage: watch-memo.sh QUIRE FIXTURES
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1")
FX=$(realpath "$2")
export SOURCE_DATE_EPOCH=1767225600
B=$TMP/b
# The technical-book fixture (math, citations, cross-references, index,
# diagrams, code) with the photographs' essays and images beside it.
cp -r "$FX/manual" "$B"
cp -r "$FX/photos/img" "$B/img"
cp "$FX/photos/01-photos.md" "$B/05-photos.md"
cp "$FX/photos/02-more.md" "$B/06-more.md"
printf '\n![](img/logo.png)\n\n![A remote one](https://example.org/remote.png)\n' >>"$B/06-more.md"
n_essays=$(ls "$B"/*.md | wc -l)

builds() { grep -c '^quire: \(built\|rebuilt\|build failed\)' "$TMP/log"; }
waitfor() {
	for ((i = 0; i < 3000; i++)); do
		[ "$(builds)" -ge "$1" ] && return 0
		sleep 0.01
	done
	return 1
}
# The messages of the last build in the log (between its closing line
# and the one before), sorted.
last_msgs() {
	awk '/^quire: (built|rebuilt|build failed)/ { n++; next } { print n "\t" $0 }' "$TMP/log" |
		awk -F'\t' -v n="$(($(builds) - 1))" '$1 == n { print $2 }' | grep -v '^quire:' | sort
}
# same WHAT RERENDERED: the last rebuild rendered RERENDERED essays again
# (a number, or "all"), and its outputs and messages are a cold build's.
same() {
	local what=$1 want=$2 line got
	line=$(grep '^quire: rebuilt' "$TMP/log" | tail -1)
	got=$(sed -n 's/.*(\([0-9]*\) of \([0-9]*\) essays rendered again).*/\1 \2/p' <<<"$line")
	[ "$want" = all ] && want="${got#* }"
	[ "${got% *}" = "$want" ] && ok "$what: $want of ${got#* } essays rendered again" ||
		fail "$what: '$line', want $want rendered again"
	rm -rf "$TMP/cold"
	"$Q" build "$B" -o "$TMP/cold" 2>"$TMP/cold.log" >/dev/null
	for f in "$TMP"/cold/*.epub "$TMP"/cold/*.html; do
		cmp -s "$f" "$TMP/out/$(basename "$f")" ||
			fail "$what: $(basename "$f") differs from a cold build's"
	done
	diff <(grep -v '^quire:' "$TMP/cold.log" | sort) <(last_msgs) >"$TMP/d" &&
		ok "$what: the outputs and messages are a cold build's" ||
		fail "$what: messages differ from a cold build's: $(head -5 "$TMP/d")"
}

: >"$TMP/log"
# Two threads even for six essays: the memo is shared by them.
"$Q" watch "$B" -o "$TMP/out" -j 2 >/dev/null 2>"$TMP/log" &
pid=$!
waitfor 1 || { fail "no first build: $(tail -3 "$TMP/log")"; kill $pid; finish; }
grep -q 'no alt text' "$TMP/log" || fail "the fixture's warning is missing"

k=1
step() {  # step WHAT RERENDERED COMMAND...: do it, wait for the rebuild
	local what=$1 want=$2
	shift 2
	"$@"
	k=$((k + 1))
	waitfor $k || { fail "$what: no rebuild"; return; }
	same "$what" "$want"
}
append() { printf '%s\n' "$2" >>"$1"; }
step "one essay edited" 1 append "$B/01-accepting.md" $'\nA paragraph with a *kestrel*.'
grep -q kestrel "$TMP"/out/*.html || fail "the edit is not in the archive"
grep -q 'no alt text' <(last_msgs) && ok "an essay taken from the memo says its warning again" ||
	fail "the warning of an essay left alone is gone"
grep -q 'example.org/remote.png' "$TMP"/out/*.html || fail "the remote image's link is gone"
step "a write that changes nothing" 0 touch "$B/02-closing.md"
# Lines added above the labelled sections of an essay move them, which
# no other essay sees.
step "a paragraph above an essay's labelled sections" 1 \
	sed -i '0,/^## /s//A paragraph put above.\n\n## /' "$B/01-accepting.md"
# An editor's save: its swap and backup files change with the essay.
save() {
	echo "swap $RANDOM" >"$B/.02-closing.md.swp"
	echo "backup $RANDOM" >"$B/02-closing.md~"
	echo "autosave $RANDOM" >"$B/#02-closing.md#"
	printf '\nSaved from an editor.\n' >>"$B/02-closing.md"
}
step "an editor's save (swap and backup files beside it)" 1 save
# An image with new bytes under the same name: the essays showing it
# are rendered again (its name in the book is its bytes' hash).
step "an image's bytes changed" 2 cp "$B/img/cover.png" "$B/img/logo.png"
step "collection.yaml changed" all sed -i 's/^title: .*/title: Another Title/' "$B/collection.yaml"
grep -q 'Another Title' "$TMP"/out/*.html || fail "the new title is not in the archive"
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 0 ] && ok "SIGINT: exit 0" || fail "watch ended with $rc: $(tail -5 "$TMP/log")"
[ "$n_essays" -gt 4 ] || fail "the book has $n_essays essays"
finish
