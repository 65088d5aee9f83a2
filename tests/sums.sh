#!/usr/bin/env bash
# SHA256SUMS of outputs larger than the writer's blocks (256 KiB), whose
# hashes are made on a thread of their own as they are written: every
# digest matches its file.  Usage: sums.sh QUIRE [memcheck] (memcheck:
# the build runs under valgrind, which must find nothing).
. "$(dirname "$0")/lib.sh"
Q=$1 MODE=${2:-}
B=$TMP/book
mkdir -p "$B"
# Three essays of some 700 KB of words that deflate poorly, so that the
# EPUB spans several blocks too.
for n in 1 2 3; do
	{
		printf -- '---\ntitle: Essay %s\n---\n\n' "$n"
		awk -v seed="$n" 'BEGIN {
			srand(seed);
			for (p = 0; p < 1400; p++) {
				line = "";
				for (w = 0; w < 80; w++) {
					word = "";
					len = 2 + int(rand() * 8);
					for (c = 0; c < len; c++)
						word = word sprintf("%c", 97 + int(rand() * 26));
					line = line word " ";
				}
				print line "\n";
			}
		}'
	} >"$B/essay-$n.md"
done
run=("$Q")
[ "$MODE" = memcheck ] && run=(valgrind --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect
	--suppressions="$(dirname "$0")/valgrind.supp" "$Q")
SOURCE_DATE_EPOCH=1700000000 "${run[@]}" build "$B" -o "$TMP/dist" -q \
	2>"$TMP/err"
status=$?
[ $status -eq 0 ] && ok "build" || { head -40 "$TMP/err"; fail "build exit $status"; }
for f in "$TMP"/dist/*.epub "$TMP"/dist/*.html; do
	size=$(stat -c %s "$f")
	[ "$size" -gt $((3 * 262144)) ] && ok "$(basename "$f"): $size bytes" ||
		fail "$(basename "$f"): only $size bytes, not several blocks"
done
(cd "$TMP/dist" && sha256sum -c --quiet SHA256SUMS) &&
	ok "sha256sum -c SHA256SUMS" || fail "sha256sum -c SHA256SUMS"
finish
