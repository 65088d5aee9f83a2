#!/usr/bin/env bash
# quire watch: builds, then rebuilds on every change in the folder, its
# subfolders too, one rebuild for a burst of writes, within a second for
# a small book; a broken book is reported and the last good outputs stay;
# SIGINT and SIGTERM end it with status 0, the math co-process with it, and
# nothing left behind (no temporary files in the output folder or TMPDIR).
# Usage: watch.sh QUIRE
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1")
export SOURCE_DATE_EPOCH=1767225600
mkdir -p "$TMP/tmpdir"
export TMPDIR=$TMP/tmpdir
"$Q" init "$TMP/b" >/dev/null 2>&1 || { fail "quire init"; finish; }
# Code, so that a rebuild reuses the tokens of blocks it has seen.
printf -- '---\ntitle: Code\n---\n\n```rust\nfn main() { let x = 1; } // one\n```\n\n```python\ndef f(): return "s"\n```\n' >"$TMP/b/05-code.md"

# waitfor N: until the log counts N finished builds (up to 20 s); prints
# the milliseconds waited.
waitfor() {
	local t0 n
	t0=$(date +%s%N)
	for ((i = 0; i < 2000; i++)); do
		n=$(grep -c '^quire: \(built\|rebuilt\|build failed\)' "$TMP/log")
		[ "$n" -ge "$1" ] && { echo $((($(date +%s%N) - t0) / 1000000)); return 0; }
		sleep 0.01
	done
	echo timeout
	return 1
}
# reap: waits up to 20 s for the watcher to end, then kills it; its status.
reap() {
	for ((i = 0; i < 200; i++)); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $pid 2>/dev/null && { kill -KILL $pid; fail "still running 20 s after the signal"; }
	wait $pid
}
start() {
	: >"$TMP/log"  # emptied here: the child's own redirection may come late
	"$Q" watch "$TMP/b" -o "$TMP/out" >"$TMP/paths" 2>"$TMP/log" &
	pid=$!
}
start
waitfor 1 >/dev/null && ok "first build" || { fail "no first build: $(cat "$TMP/log")"; kill $pid; finish; }
html=$(ls "$TMP"/out/*.html)
node=$(pgrep -P $pid -x node)
[ -n "$node" ] && ok "the math co-process runs (pid $node)" || fail "no node child"

# An edit: one rebuild, soon.
echo "A new line with a kestrel." >>"$TMP/b/01-first-essay.md"
ms=$(waitfor 2) && grep -q kestrel "$html" && ok "rebuilt the edit in $ms ms" ||
	fail "edit not rebuilt ($ms): $(tail -3 "$TMP/log")"
[ "$ms" != timeout ] && [ "$ms" -lt 1000 ] || fail "edit took $ms ms (want < 1000)"
[ "$(pgrep -P $pid -x node)" = "$node" ] && ok "the same node serves the rebuild" ||
	fail "node restarted for the rebuild"
# A warm rebuild writes the bytes a cold build writes.
"$Q" build "$TMP/b" -o "$TMP/cold" >/dev/null 2>&1
grep -q 'class="hl-kw">fn<' "$TMP"/cold/*.html || fail "no highlighted code in the book"
for f in "$TMP"/cold/*.epub "$TMP"/cold/*.html; do
	cmp -s "$f" "$TMP/out/$(basename "$f")" || fail "a warm rebuild's $(basename "$f") differs from a cold build's"
done && ok "a warm rebuild's outputs are a cold build's, byte for byte"
# An edit inside a code block is highlighted anew, not taken from before.
sed -i 's/let x = 1;/let renamed = 2;/' "$TMP/b/05-code.md"
ms=$(waitfor 3) && grep -q 'renamed' "$html" && ok "an edited code block is rebuilt" ||
	fail "edited code block not rebuilt ($ms)"
"$Q" build "$TMP/b" -o "$TMP/cold" >/dev/null 2>&1
cmp -s "$TMP"/cold/*.html "$html" && ok "and its bytes are a cold build's" ||
	fail "the rebuilt code block differs from a cold build's"

# A burst of writes: one rebuild (debounced), not twenty.
for i in $(seq 20); do echo "burst $i" >>"$TMP/b/02-second-essay.md"; sleep 0.01; done
waitfor 4 >/dev/null || fail "burst not rebuilt"
sleep 1
n=$(grep -c '^quire: \(built\|rebuilt\|build failed\)' "$TMP/log")
[ "$n" -le 5 ] && ok "twenty writes, $((n - 3)) rebuild(s)" || fail "twenty writes, $((n - 3)) rebuilds"
grep -q 'burst 20' "$html" || fail "the burst's last write is not in the book"

# A new subfolder, then a file in it: watched too.
mkdir "$TMP/b/more"
sleep 0.5
n=$(grep -c '^quire: \(built\|rebuilt\|build failed\)' "$TMP/log")
printf -- '---\ntitle: Deeper\n---\n\nA heron.\n' >"$TMP/b/more/03-deeper.md"
waitfor $((n + 1)) >/dev/null && sleep 0.2 && grep -q heron "$html" &&
	ok "a file in a new subfolder is seen" || fail "new subfolder not watched"

# A broken book: an error printed, the last good outputs untouched.
sum=$(sha256sum "$TMP"/out/* | sha256sum)
n=$(grep -c '^quire: \(built\|rebuilt\|build failed\)' "$TMP/log")
printf 'title: [unclosed\n' >"$TMP/b/collection.yaml"
waitfor $((n + 1)) >/dev/null
grep -q 'collection.yaml:.*error' "$TMP/log" && grep -q '^quire: build failed' "$TMP/log" &&
	ok "the error is printed" || fail "no error: $(tail -3 "$TMP/log")"
[ "$(sha256sum "$TMP"/out/* | sha256sum)" = "$sum" ] && ok "the last good outputs stay" ||
	fail "outputs changed by a failed build"
kill -0 $pid 2>/dev/null && ok "still watching after an error" || fail "watch ended on an error"
printf 'title: My Book\nauthor: A. Writer\nlanguage: en\n' >"$TMP/b/collection.yaml"
waitfor $((n + 2)) >/dev/null && ok "rebuilt once mended" || fail "not rebuilt after the fix"

# The book's macros changed: the warm converter must not answer with
# the old ones (nor its answers be reused).
n=$(grep -c '^quire: \(built\|rebuilt\|build failed\)' "$TMP/log")
printf 'title: My Book\nauthor: A. Writer\nlanguage: en\nmath_macros:\n  QQ: "\\\\mathrm{first}"\n' >"$TMP/b/collection.yaml"
printf -- '---\ntitle: Macros\n---\n\nThe macro $\\QQ$ here.\n' >"$TMP/b/04-macro.md"
waitfor $((n + 1)) >/dev/null && sleep 0.3
grep -q 'alttext="\\QQ"><mrow><mi mathvariant="normal">f</mi>' "$html" && ok "a macro of the book" || fail "macro not applied: $(tail -3 "$TMP/log")"
n=$(grep -c '^quire: \(built\|rebuilt\|build failed\)' "$TMP/log")
sed -i 's/first/second/' "$TMP/b/collection.yaml"
waitfor $((n + 1)) >/dev/null && sleep 0.3
grep -q 'alttext="\\QQ"><mrow><mi mathvariant="normal">s</mi>' "$html" &&
	ok "a changed macro is used at the next rebuild" || fail "the old macro's answer stayed"

# SIGINT in the middle of a rebuild: status 0, nothing left behind.
echo "last words" >>"$TMP/b/01-first-essay.md"
sleep 0.15
kill -INT $pid
reap
rc=$?
[ $rc -eq 0 ] && ok "SIGINT: exit 0" || fail "SIGINT: exit $rc"
sleep 0.2
kill -0 "$node" 2>/dev/null && fail "node outlived watch" || ok "node ended with watch"
left=$(ls -A "$TMP/out" | grep -v '\.epub$\|\.html$\|^SHA256SUMS$')
[ -z "$left" ] && ok "no temporary files in the output folder" || fail "left: $left"
[ -z "$(ls -A "$TMP/tmpdir")" ] && ok "nothing in TMPDIR" || fail "left in TMPDIR: $(ls -A "$TMP/tmpdir")"

# SIGTERM, too.
start
waitfor 1 >/dev/null
kill -TERM $pid
reap
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $rc"
[ -z "$(ls -A "$TMP/tmpdir")" ] || fail "SIGTERM left: $(ls -A "$TMP/tmpdir")"

"$Q" watch "$TMP/nope" >/dev/null 2>"$TMP/e"
[ $? -eq 1 ] && ok "watch of a missing folder: exit 1" || fail "watch of a missing folder"
finish
