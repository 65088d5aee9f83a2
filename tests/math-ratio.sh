#!/usr/bin/env bash
# Linear in the size of what math comes with: 10 times the input takes at
# most 15 times the time (best of two runs each).
# - an essay with a formula and a table 10 times wider (the table cap
#   applies to it as to any essay: 2,000 columns once took 41 s);
# - 10 times as many macro bombs (each bounded by the converter).
# Usage: math-ratio.sh QUIRE
. "$(dirname "$0")/lib.sh"
Q=$1

best() {  # folder: the best wall time of two checks, in ms
	local b=999999999 s e
	for _ in 1 2; do
		s=$(date +%s%N)
		"$Q" check "$1" >/dev/null 2>&1
		e=$(date +%s%N)
		(( (e - s) / 1000000 < b )) && b=$(( (e - s) / 1000000 ))
	done
	echo "$b"
}

ratio() {  # label small big
	local a b
	a=$(best "$2") b=$(best "$3")
	(( a < 50 )) && a=50  # below that, start-up noise
	if (( b <= 15 * a )); then
		ok "$1: ${a} ms, 10x: ${b} ms"
	else
		fail "$1: ${a} ms, 10x: ${b} ms (more than 15x)"
	fi
}

table() {  # folder columns
	mkdir -p "$1"
	python3 -c '
import sys
n = int(sys.argv[1])
sys.stdout.write("# Wide\n\nA formula $x^2$.\n\n|" + "|".join("h%d" % i for i in range(n)) + "|\n|" +
    "|".join("-" for i in range(n)) + "|\n" + ("|" + "|".join("c" for i in range(n)) + "|\n") * 40)
' "$2" >"$1/essay.md"
}
table "$TMP/t1" 400
table "$TMP/t10" 4000
ratio "a table beside a formula" "$TMP/t1" "$TMP/t10"

bombs() {  # folder count
	mkdir -p "$1"
	for i in $(seq "$2"); do
		printf 'Bomb %d: $\\def\\d#1#2{#2{#1#1}}\\d{x%d}\\d\\d\\d\\d\\d\\d\\d\\d\\d\\d\\d\\d\\d\\d\\relax$.\n\n' "$i" "$i"
	done >"$1/essay.md"
}
bombs "$TMP/b1" 2
bombs "$TMP/b10" 20
ratio "macro bombs" "$TMP/b1" "$TMP/b10"
finish
