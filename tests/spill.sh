#!/usr/bin/env bash
# A big book keeps its sources on disk between loading and rendering and
# what it makes in spill files (unlinked temporary files in the output
# folder) until the outputs are written.  QUIRE_TEST_SQUEEZE=0 makes any
# book take that path: its outputs must be the same bytes as the
# in-memory path's, nothing may be left in the folder, and a file size
# limit must end it cleanly.
# Usage: spill.sh QUIRE BOOK...
. "$(dirname "$0")/lib.sh"
Q=$1
shift
export SOURCE_DATE_EPOCH=1700000000
# A noisy book too: a big book's diagnostics are kept in a spill file,
# and must read back the same, summaries of a kind past 100 included.
mkdir -p "$TMP/noisy"
{
	printf -- '---\ntitle: Noisy\n---\n\n'
	for i in $(seq 1 130); do
		printf 'See [part %d](missing-%d.md) and ![a](https://example.org/%d.png).\n\n' "$i" "$i" "$i"
	done
} > "$TMP/noisy/noisy.md"
printf -- '---\ntitle: Calm\n---\n\nA [link](noisy.md#nowhere).\n' > "$TMP/noisy/calm.md"
set -- "$@" "$TMP/noisy"
for src in "$@"; do
	n=$(basename "$src")
	"$Q" build "$src" -o "$TMP/mem-$n" -q 2>"$TMP/mem-$n.err" ||
		{ fail "$n: build in memory"; continue; }
	QUIRE_TEST_SQUEEZE=0 "$Q" build "$src" -o "$TMP/disk-$n" -q \
		2>"$TMP/disk-$n.err" || { fail "$n: build through spill files"; continue; }
	cmp -s "$TMP/mem-$n/SHA256SUMS" "$TMP/disk-$n/SHA256SUMS" &&
		ok "$n: same bytes through spill files" ||
		fail "$n: the outputs differ through spill files"
	cmp -s "$TMP/mem-$n.err" "$TMP/disk-$n.err" &&
		ok "$n: same diagnostics" || fail "$n: the diagnostics differ"
	left=$(cd "$TMP/disk-$n" && ls -A | grep -v -E '\.(epub|html)$|^SHA256SUMS$')
	[ -z "$left" ] && ok "$n: nothing else in the folder" ||
		fail "$n: left in the folder: $left"
	# A release goes through them too.
	QUIRE_TEST_SQUEEZE=0 "$Q" build "$src" -o "$TMP/rel-$n" -q --release 1.0 \
		2>/dev/null && "$Q" verify "$TMP/rel-$n" -q &&
		ok "$n: a release through spill files verifies" ||
		fail "$n: release through spill files"
done

# Past a file size limit while spilling: exit 3, the old outputs kept.
src=$1
mkdir -p "$TMP/keep"
"$Q" build "$src" -o "$TMP/keep" -q 2>/dev/null || fail "first build"
sums=$(cat "$TMP/keep/SHA256SUMS")
(ulimit -f 8; QUIRE_TEST_SQUEEZE=0 exec "$Q" build "$src" -o "$TMP/keep" -q) \
	2>"$TMP/err"
status=$?
[ $status -eq 3 ] && ok "ulimit -f: exit 3" || fail "ulimit -f: exit $status"
# The in-memory path would fail later, writing the outputs ("cannot
# write"): this message shows the book went through spill files.
grep -q 'error: cannot write a temporary file: File too large' "$TMP/err" &&
	ok "ulimit -f: stopped while spilling" ||
	{ cat "$TMP/err"; fail "ulimit -f: not stopped while spilling"; }
[ "$(cat "$TMP/keep/SHA256SUMS")" = "$sums" ] &&
	(cd "$TMP/keep" && sha256sum -c --quiet SHA256SUMS) &&
	ok "ulimit -f: old outputs intact" || fail "ulimit -f: old outputs changed"
left=$(cd "$TMP/keep" && ls -A | grep -v -E '\.(epub|html)$|^SHA256SUMS$')
[ -z "$left" ] && ok "ulimit -f: nothing left" || fail "ulimit -f: left $left"
finish
