#!/usr/bin/env bash
# The progress line: silent into a pipe and with -q; --progress shows it
# from the start (one line per update into a pipe; redrawn in place and
# cleared on a terminal, which script(1) provides).  Usage: progress.sh QUIRE
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1")
N=300
mkdir "$TMP/book" "$TMP/one"
for i in $(seq -w 1 $N); do
	printf '# Essay %s\n\nSome *text*.\n\n## A section\n\nMore.\n' "$i" >"$TMP/book/e$i.md"
done
printf '# One\n\nA single essay.\n' >"$TMP/one/one.md"
cd "$TMP"

"$Q" build book -o out1 >o 2>e || fail "build into a pipe: exit $?"
grep -q rendered e && fail "progress into a pipe without --progress: $(head -c 200 e)" ||
	ok "silent into a pipe"

t0=$(date +%s%N)
"$Q" build book -o out2 -q -j 1 --progress >o 2>e || fail "--progress: exit $?"
t1=$(date +%s%N)
[ -s o ] && fail "-q --progress printed paths: $(cat o)" || ok "-q still keeps the paths off stdout"
grep -q $'\r' e && fail "--progress into a pipe redraws with CR" || ok "no CR into a pipe"
bad=$(grep -v -E "^quire: ((read|rendered) [0-9]+ of $N essays|wrote [0-9]+\.[0-9] of [0-9]+\.[0-9] MB)$" e)
[ -z "$bad" ] && ok "every line is a count" || fail "unexpected stderr: $bad"
# Every phase, in order: reading, rendering, writing.
[ "$(cut -d' ' -f2 e | uniq | tr '\n' ' ')" = "read rendered wrote " ] &&
	ok "phases in order: read, rendered, wrote" ||
	fail "phases: $(cut -d' ' -f2 e | uniq | tr '\n' ' ')"
[ "$(head -n 1 e)" = "quire: read 1 of $N essays" ] && ok "first update at once" ||
	fail "first line: $(head -n 1 e)"
grep -qx "quire: read $N of $N essays" e && ok "reading: all read" ||
	fail "no 'read $N of $N' line"
grep -qx "quire: rendered 1 of $N essays" e && ok "rendering: first update at once" ||
	fail "no 'rendered 1 of $N' line"
grep -qx "quire: rendered $N of $N essays" e && ok "rendering: all done" ||
	fail "no 'rendered $N of $N' line"
last=$(tail -n 1 e)
size=$(cat out2/book.epub out2/book.html | wc -c)
# The last update: everything written, the EPUB's and the archive's
# sizes in MB.
want=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')
[ "$last" = "quire: wrote $want of $want MB" ] &&
	ok "last update: all written ($last)" || fail "last line: $last (outputs $want MB)"
# At most ten updates a second, plus the first and the last of each phase.
most=$(( (t1 - t0) / 100000000 + 6 ))
[ "$(wc -l <e)" -le "$most" ] && ok "updates throttled ($(wc -l <e) lines, at most $most)" ||
	fail "$(wc -l <e) updates in $(( (t1 - t0) / 1000000 )) ms: more than ten a second"
awk '{ if ($2 == ph && $3 + 0 < prev) exit 1; ph = $2; prev = $3 + 0 }' e &&
	ok "counts only grow within a phase" || fail "counts go back: $(tr '\n' ' ' <e)"
cmp -s out1/book.epub out2/book.epub && ok "same EPUB with --progress" || fail "--progress changed the EPUB"

# On a terminal.  script(1) runs quire on a pseudo-terminal and copies
# what it wrote there (stdout and stderr together) to tty.
onatty() { script -qec "$1" /dev/null </dev/null >tty 2>&1; }
onatty "'$Q' build book -o out3 -j 1 --progress" || fail "on a terminal: exit $?"
grep -q $'\rquire: rendered '"$N of $N essays"$'\033\\[K' tty &&
	grep -q $'\rquire: wrote [0-9.]* of [0-9.]* MB\033\\[K\r\033\\[K' tty &&
	ok "terminal: redrawn in place, then cleared" || fail "terminal: $(head -c 300 tty | od -c | head)"
[ "$(grep -c 'quire:' tty)" = 1 ] && ok "terminal: one line, redrawn" || fail "terminal: the count ran over several lines"
grep -q $'\033\\[Kout3/book.epub\r*$' tty && ok "terminal: the line is cleared before the paths" ||
	fail "terminal: paths not after a cleared line: $(tr '\r' '|' <tty | head -c 300)"

onatty "'$Q' build book -o out4 -q" || fail "-q on a terminal: exit $?"
[ -s tty ] && fail "-q on a terminal printed: $(head -c 200 tty)" || ok "-q on a terminal: silent"

# One essay is done in a few milliseconds, well before the line's second.
onatty "'$Q' build one -o out5" || fail "short build on a terminal: exit $?"
grep -q rendered tty && fail "a short build showed the line" || ok "short build: no progress line"
finish
