#!/usr/bin/env bash
# Diagnostics as data: --diagnostics=json prints one object a line, valid
# against tests/formats/diagnostics.schema.json; --diagnostics=sarif prints
# one SARIF log, valid against the SARIF 2.1.0 schema; both say exactly
# what the text format says (file, line, column, severity, message), on
# stdout, for build and check, and keep the exit status.  One kind per
# rule: messages made from one rule share it, others differ.
# Usage: diagnostics.sh QUIRE FIXTURE BADDIR  (tests/formats: npm ci)
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") FIX=$(realpath "$2") BAD=$(realpath "$3")
V=$(dirname "$(realpath "$0")")/formats
[ -d "$V/node_modules/ajv" ] || (cd "$V" && npm ci --no-audit --no-fund --silent) ||
	{ fail "npm ci in tests/formats"; finish; }

# same TEXT DATA MODE: the messages of TEXT (stderr of the text format)
# are those of DATA, in order.
same() {
	python3 - "$@" <<'PY'
import json, re, sys, urllib.parse
text, data, mode = sys.argv[1:4]
want = []
for l in open(text, encoding='utf-8').read().splitlines():
    if re.fullmatch(r'\d+ errors?, \d+ warnings?', l):
        continue
    m = re.fullmatch(r'(.*?)(?::(\d+):(\d+))?: (error|warning|note): (.*)', l)
    assert m, 'unparsed text line: ' + l
    f = None if m[1] == 'quire' else m[1]
    want.append((f, m[2] and int(m[2]), m[3] and int(m[3]), m[4], m[5]))
got, kinds = [], []
if mode == 'json':
    for l in open(data, encoding='utf-8').read().splitlines():
        o = json.loads(l)
        got.append((o['file'], o['line'], o['column'], o['severity'], o['message']))
        kinds.append(o['kind'])
else:
    log = json.load(open(data, encoding='utf-8'))
    assert log['version'] == '2.1.0', log['version']
    run, = log['runs']
    assert run['tool']['driver']['name'] == 'quire'
    rules = [r['id'] for r in run['tool']['driver']['rules']]
    assert len(set(rules)) == len(rules), 'rules twice: %s' % rules
    for r in run['results']:
        assert rules[r['ruleIndex']] == r['ruleId'], r
        f = ln = col = None
        if r.get('locations'):
            pl = r['locations'][0]['physicalLocation']
            uri = pl['artifactLocation']['uri']
            if uri.startswith('file://'):
                uri = uri[7:]
            f = urllib.parse.unquote(uri)
            if 'region' in pl:
                ln, col = pl['region']['startLine'], pl['region']['startColumn']
        got.append((f, ln, col, r['level'], r['message']['text']))
        kinds.append(r['ruleId'])
    assert set(kinds) == set(rules), 'rules not used: %s' % (set(rules) - set(kinds))
if got != want:
    for g, w in zip(got + [None] * len(want), want + [None] * len(got)):
        if g != w:
            print('data:', g, '\ntext:', w)
            break
    sys.exit('%s differs from the text format (%d vs %d messages)' % (mode, len(got), len(want)))
# One kind per rule: the same message up to its details, the same kind.
rule = {}
for (f, l, c, s, msg), k in zip(got, kinds):
    head = re.sub(r"'[^']*'|\S*[/.:]\S*|\d+", '', msg.split(':')[0])
    rule.setdefault(k, set()).add(head)
print('%d messages, %d kinds: %s' % (len(got), len(rule), ' '.join(sorted(rule))))
PY
}

# run NAME WANTSTATUS ARGS...: the text run and both data runs of one
# command; the files are validated together at the end (one node each).
declare -A all=()
run() {
	name=$1 want=$2
	shift 2
	"$Q" "$@" >"$TMP/$name.out" 2>"$TMP/$name.txt"
	for mode in json sarif; do
		"$Q" "$@" --diagnostics=$mode >"$TMP/$name.$mode" 2>"$TMP/$name.$mode.err"
		rc=$?
		[ $rc -eq "$want" ] || fail "$name --diagnostics=$mode: exit $rc, want $want"
		[ -s "$TMP/$name.$mode.err" ] &&
			fail "$name --diagnostics=$mode wrote to stderr: $(head -c 200 "$TMP/$name.$mode.err")"
		all[$mode]+=" $TMP/$name.$mode"
		same "$TMP/$name.txt" "$TMP/$name.$mode" $mode >"$TMP/v" 2>&1 &&
			ok "$name $mode as the text says: $(cat "$TMP/v")" ||
			fail "$name $mode: $(head -c 600 "$TMP/v")"
	done
}

run check-fixture 0 check "$FIX"
grep -q '"kind":"remote-image-not-fetched"' "$TMP/check-fixture.json" &&
	[ "$(grep -c '"kind":"remote-image-not-fetched"' "$TMP/check-fixture.json")" = 3 ] &&
	ok "three remote images, one kind" || fail "kinds: $(grep -o '"kind":"[^"]*"' "$TMP/check-fixture.json" | sort | uniq -c | tr '\n' ' ')"
[ "$(grep -o '"kind":"[^"]*"' "$TMP/check-fixture.json" | sort -u | wc -l)" -ge 4 ] &&
	ok "different rules, different kinds" || fail "too few kinds"
run strict 1 check --strict "$FIX"
grep -q '"level": *"error"' "$TMP/strict.sarif" && ! grep -q '"level": *"warning"' "$TMP/strict.sarif" &&
	ok "--strict: SARIF errors" || fail "--strict: SARIF levels"
run syntax 1 check "$BAD/collection-syntax"
run keys 0 check "$BAD/collection-keys"
run missing 1 check "$TMP/nope"

# build: the outputs are written, stdout holds only the diagnostics.
run build 0 build "$FIX" -o "$TMP/out"
ls "$TMP"/out/*.epub >/dev/null 2>&1 && ok "build writes its outputs" || fail "build wrote no EPUB"
grep -q '\.epub$' "$TMP/build.json" && fail "build printed the paths written among the JSON lines"

# File names that must be escaped in a URI: a space, non-ASCII, '#'.
mkdir -p "$TMP/my book é#1"
printf 'title: T\nauthor: A\nlanguage: en\n' >"$TMP/my book é#1/collection.yaml"
printf '# A\n\n![gone](nope.png)\n' >"$TMP/my book é#1/a b.md"
run odd-names 0 check "$TMP/my book é#1"
grep -q 'my%20book%20%C3%A9%231/a%20b.md' "$TMP/odd-names.sarif" &&
	ok "SARIF URIs are percent-encoded" || fail "SARIF URI: $(grep -o '"uri": *"[^"]*"' "$TMP/odd-names.sarif")"

for mode in json sarif; do
	# shellcheck disable=SC2086
	node "$V/validate.mjs" $mode ${all[$mode]} >"$TMP/v" 2>&1 &&
		ok "$mode valid: $(sed "s|$TMP/||" "$TMP/v" | tr '\n' ';')" ||
		fail "$mode invalid: $(head -c 800 "$TMP/v")"
done
"$Q" check "$FIX" --diagnostics=xml >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] && ok "--diagnostics=xml is a usage error" || fail "--diagnostics=xml accepted"
finish
