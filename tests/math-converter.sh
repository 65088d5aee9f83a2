#!/usr/bin/env bash
# quire bounds the TeX converter it runs, whatever the converter does
# (tests/fixtures/math-converters/fake.js misbehaves on purpose):
# - a formula that gets no answer is given up after the time limit, told
#   at its place, and the converter is killed and started again for the
#   formulas after it;
# - a converter that ignores the end of its input and SIGTERM is killed
#   after a grace period: the build still ends;
# - an answer that is not exactly one <math> element (two, one that closes
#   the paragraph, HTML inside, unclosed, plain text, 8 MB, 600 levels
#   deep) is refused and the formula shown as TeX: the rest of the
#   paragraph stays.
# Usage: math-converter.sh QUIRE
. "$(dirname "$0")/lib.sh"
Q=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
FAKE=$(cd "$(dirname "$0")/fixtures/math-converters" && pwd)/fake.js
export QUIRE_MATH=$FAKE SOURCE_DATE_EPOCH=1700000000
B=$TMP/book
mkdir -p "$B"

# One build, at most LIMIT seconds; sets secs and rc.
build() {
	local limit=$1 start end
	shift
	start=$(date +%s)
	(cd "$TMP" && timeout -s KILL 120 "$Q" build book -o out "$@") >/dev/null 2>"$TMP/diag"
	rc=$?
	end=$(date +%s)
	secs=$((end - start))
	[ "$secs" -le "$limit" ] || fail "the build took $secs s (at most $limit)"
}

printf '# Hang\n\nA $hang$ then $y$ end.\n\nThen $z$.\n' > "$B/essay.md"
build 30
[ "$rc" -eq 0 ] && ok "a converter that never answers: exit 0 in $secs s" ||
	fail "exit $rc: $(cat "$TMP/diag")"
grep -Eq '^book/essay\.md:3:3: warning: math not converted, shown as TeX: .*(second|time)' "$TMP/diag" &&
	ok "the formula that got no answer is told at its place" ||
	fail "no warning at 3:3: $(cat "$TMP/diag")"
x=$(unzip -p "$TMP"/out/*.epub EPUB/essay.xhtml)
grep -q '<mi>y</mi>' <<<"$x" && grep -q '<mi>z</mi>' <<<"$x" &&
	ok "the formulas after it are converted by a new converter" ||
	fail "the formulas after the hang: $x"
grep -q '<span class="math">hang</span> then' <<<"$x" &&
	ok "the formula is shown as its TeX" || fail "hang not shown as TeX"

export QUIRE_FAKE=stubborn
printf '# Stubborn\n\nA $x$ and $y$.\n' > "$B/essay.md"
build 20
[ "$rc" -eq 0 ] && ok "a converter that ignores end of input and SIGTERM: exit 0 in $secs s" ||
	fail "exit $rc: $(cat "$TMP/diag")"
printf '# Stubborn\n\nA $hang$ and $y$.\n' > "$B/essay.md"
build 30
[ "$rc" -eq 0 ] && ok "... and never answers: exit 0 in $secs s" ||
	fail "exit $rc: $(cat "$TMP/diag")"
unset QUIRE_FAKE

# Code is not math: a book whose only dollars are in code (SQL's $$ in a
# fence, a shell's $PATH in a code span) does not start the converter,
# which costs node's start and KaTeX's load (some 0.14 s of a core).
export QUIRE_FAKE_MARK=$TMP/started
printf '# Code\n\n```sql\nCREATE FUNCTION f() RETURNS int AS $$\n  SELECT 1;\n$$ LANGUAGE sql;\n```\n\nRun `echo $HOME:$PATH` first.\n' > "$B/essay.md"
rm -f "$QUIRE_FAKE_MARK"
build 30
[ "$rc" -eq 0 ] && [ ! -e "$QUIRE_FAKE_MARK" ] &&
	unzip -p "$TMP"/out/*.epub EPUB/essay.xhtml | grep -q '^\$\$ <span' &&
	ok "dollars in code only: no converter started, the code kept" ||
	fail "dollars in code: exit $rc, converter started: $([ -e "$QUIRE_FAKE_MARK" ] && echo yes || echo no)"
printf '# Formula\n\n```sql\nAS $$\n```\n\nThen $q$.\n' > "$B/essay.md"
build 30
[ "$rc" -eq 0 ] && [ -e "$QUIRE_FAKE_MARK" ] &&
	ok "a formula after the code: the converter started" ||
	fail "a formula after the code: exit $rc, converter not started"
unset QUIRE_FAKE_MARK

{
	printf '# Answers\n\n'
	for m in two close textarea plaintext open text big deep; do
		printf 'Before %s $%s$ after %s.\n\n' "$m" "$m" "$m"
	done
	printf 'Last paragraph $q$.\n'
} > "$B/essay.md"
build 60
[ "$rc" -eq 0 ] && ok "odd answers: exit 0" || fail "exit $rc: $(cat "$TMP/diag")"
for out in epub html; do
	if [ $out = epub ]; then
		x=$(unzip -p "$TMP"/out/*.epub EPUB/essay.xhtml)
	else
		x=$(cat "$TMP"/out/*.html)
	fi
	line=3
	for m in two close textarea plaintext open text big deep; do
		grep -q "<p>Before $m <span class=\"math\">$m</span> after $m\.</p>" <<<"$x" &&
			ok "$out: an answer '$m' is refused, the paragraph kept" ||
			fail "$out: answer '$m': $(grep -o "Before $m.\{0,120\}" <<<"$x" | head -c 300)"
		if [ $out = epub ]; then
			col=$((${#m} + 9))
			grep -Eq "^book/essay\.md:$line:$col: warning: math not converted, shown as TeX: .*(answer|nested)" "$TMP/diag" ||
				fail "no warning for '$m' at $line:$col: $(cat "$TMP/diag")"
		fi
		line=$((line + 2))
	done
	grep -q '<p>Last paragraph <math[^>]*><mi>q</mi></math>\.</p>' <<<"$x" &&
		ok "$out: the last formula is MathML" || fail "$out: last paragraph"
	! grep -q '<p>injected' <<<"$x" && ! grep -q '<textarea\|<plaintext' <<<"$x" &&
		ok "$out: nothing of the answers escapes" || fail "$out: an answer escaped"
done
finish
