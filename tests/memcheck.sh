#!/usr/bin/env bash
# valgrind memcheck on a whole build: no error, nothing definitely or
# indirectly lost.  Usage: memcheck.sh QUIRE DIR [BUILD OPTIONS]; with
# --release, quire verify of the folder runs under valgrind too.
. "$(dirname "$0")/lib.sh"
valgrind --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--suppressions="$(dirname "$0")/valgrind.supp" \
	"$1" build "$2" -o "$TMP/out" -q "${@:3}" 2>"$TMP/vg"
status=$?
if [ $status -eq 0 ] && [[ " ${*:3} " == *" --release "* ]]; then
	valgrind --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--suppressions="$(dirname "$0")/valgrind.supp" \
		"$1" verify "$TMP/out" -q 2>"$TMP/vg2"
	s2=$?
	grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$TMP/vg2"
	[ $s2 -eq 0 ] && ok "valgrind: verify clean" || { head -60 "$TMP/vg2"; fail "valgrind verify exit $s2"; }
fi
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|in use at exit|total heap usage' "$TMP/vg"
# valgrind must see the allocations: quire may be linked with another
# allocator (mimalloc), which it has to stand in for too.
allocs=$(sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$TMP/vg" | tr -d ,)
[ "${allocs:-0}" -ge 1000 ] && ok "valgrind saw $allocs allocations" ||
	fail "valgrind saw ${allocs:-no} allocations: the allocator escaped it"
[ $status -eq 0 ] && ok "valgrind: clean" || { cat "$TMP/vg" | head -60; fail "valgrind exit $status"; }
finish
