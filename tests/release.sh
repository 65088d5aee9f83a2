#!/usr/bin/env bash
# Releases: two releases with a change between them (ledger, sums, page,
# catalog read by Readium's OPDS parser, what changed), immutability, the
# working copy beside releases, tamper detection by quire verify, an SSH
# signature checked with ssh-keygen, and SIGKILL at random points of a
# release build.  Usage: release.sh QUIRE CONTENT [KILLS]
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") SRC=$2 KILLS=${3:-30}
OPDS="$(dirname "$(realpath "$0")")/publish/opds-check.mjs"
D=$TMP/dist
export SOURCE_DATE_EPOCH=1760000000
snapshot() { (cd "$1" && find . \( -type f -o -type l \) -printf '%p %l\n' | sort &&
	find . -type f | sort | xargs sha256sum); }
ledger_count() { grep -c '<release ' "$1/releases.xml"; }

cp -a "$SRC" "$TMP/c"
"$Q" build "$TMP/c" -o "$D" --release 1.0.0 -q 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "release 1.0.0"; finish; }
for f in writing-1.0.0.epub writing-1.0.0.html writing-1.0.0-cover.png \
	releases.xml index.html catalog.xml SHA256SUMS; do
	[ -s "$D/$f" ] || fail "1.0.0: no $f"
done
(cd "$D" && sha256sum --quiet -c SHA256SUMS) && ok "1.0.0: sha256sum -c" ||
	fail "1.0.0: sha256sum -c"
"$Q" verify "$D" >"$TMP/out" && ok "1.0.0: quire verify" || fail "1.0.0: verify"
# The same release into another folder: the same bytes.
"$Q" build "$SRC" -o "$TMP/again" --release 1.0.0 -q 2>/dev/null
for f in writing-1.0.0.epub writing-1.0.0.html writing-1.0.0-cover.png \
	releases.xml index.html catalog.xml SHA256SUMS; do
	cmp -s "$D/$f" "$TMP/again/$f" || fail "not reproducible: $f"
done

# A second release: one essay added, one changed.
printf -- '---\ntitle: Tidings of the second release\n---\n\nOne two three four five.\n' \
	>"$TMP/c/zz-tidings.md"
first=$(ls "$TMP"/c/*.md | head -1)
printf '\nSeven more words for the second release.\n' >>"$first"
changed=$(sed -n 's/^title: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$first" | head -1)
SOURCE_DATE_EPOCH=1760100000 "$Q" build "$TMP/c" -o "$D" --release 1.1.0 >"$TMP/out" 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "release 1.1.0"; finish; }
grep -q "^$D/writing-1.1.0.epub$" "$TMP/out" && ok "1.1.0: paths printed" || fail "1.1.0: $(cat "$TMP/out")"
[ "$(ledger_count "$D")" = 2 ] && ok "ledger: two releases" || fail "ledger: $(ledger_count "$D") releases"
python3 - "$D" "$changed" <<'EOF' && ok "ledger: files, sizes, digests, essays, what changed" || fail "ledger content"
import hashlib, os, sys, xml.etree.ElementTree as ET
d, changed = sys.argv[1], sys.argv[2]
rels = ET.parse(os.path.join(d, 'releases.xml')).getroot().findall('release')
assert [r.get('version') for r in rels] == ['1.0.0', '1.1.0'], rels
for r in rels:
    files = r.findall('file')
    assert {f.get('role') for f in files} == {'epub', 'html', 'cover'}
    for f in files:
        data = open(os.path.join(d, f.get('name')), 'rb').read()
        assert int(f.get('size')) == len(data), f.get('name')
        assert f.get('sha256') == hashlib.sha256(data).hexdigest(), f.get('name')
    assert len(r.findall('essay')) >= 9
new = rels[1]
added = [a.get('title') for a in new.findall('added')]
assert added == ['Tidings of the second release'], added
assert int(new.find('added').get('words')) >= 5
ch = new.findall('changed')
assert [c.get('title') for c in ch] == [changed], (ch, changed)
assert int(ch[0].get('delta')) == 7, ch[0].get('delta')
assert not new.findall('removed') and not rels[0].findall('added')
EOF
(cd "$D" && sha256sum --quiet -c SHA256SUMS) && ok "1.1.0: sha256sum -c" || fail "1.1.0: sha256sum -c"
for f in writing-1.0.0.epub writing-1.0.0.html writing-1.1.0.epub writing-1.1.0.html \
	writing-1.0.0-cover.png writing-1.1.0-cover.png releases.xml index.html catalog.xml; do
	grep -q "  $f\$" "$D/SHA256SUMS" || fail "SHA256SUMS misses $f"
done
grep -c . "$D/SHA256SUMS" | grep -qx 9 && ok "SHA256SUMS: every release file" ||
	fail "SHA256SUMS: $(cat "$D/SHA256SUMS")"
# The page: latest first, both releases' links, the new essay under what changed.
python3 - "$D/index.html" <<'EOF' && ok "page: latest first, every release, what changed" || fail "page"
import sys, re
s = open(sys.argv[1], encoding='utf-8').read()
assert s.index('writing-1.1.0.epub') < s.index('writing-1.0.0.epub')
for f in ['writing-1.0.0.html', 'writing-1.1.0.html', 'catalog.xml', 'SHA256SUMS']:
    assert 'href="%s"' % f in s, f
assert re.search(r'What changed.*Added \u201cTidings of the second release\u201d \(5 words\)', s, re.S)
assert 'Content-Security-Policy' in s and '<script' not in s
assert 'src="data:image/png;base64,' in s
EOF
# The catalog, as Thorium Reader's OPDS library reads it.
if [ -d "$(dirname "$OPDS")/node_modules/r2-opds-js" ]; then
	node "$OPDS" "$D/catalog.xml" >"$TMP/opds.json" 2>"$TMP/err" ||
		{ cat "$TMP/err"; fail "r2-opds-js cannot read the catalog"; }
	python3 - "$TMP/opds.json" <<'EOF' && ok "catalog: read by r2-opds-js, two publications" || fail "catalog"
import json, sys
f = json.load(open(sys.argv[1]))
p = f['publications']
assert f['title'] == 'Writing' and len(p) == 2, f
assert [x['title'] for x in p] == ['Writing 1.1.0', 'Writing 1.0.0']
assert p[0]['id'] != p[1]['id'] and all(x['id'].startswith('urn:uuid:') for x in p)
assert [(a['href'], a['type']) for a in p[0]['acquisitions']] == [
    ('writing-1.1.0.epub', 'application/epub+zip'), ('writing-1.1.0.html', 'text/html')]
assert {i['href'] for i in p[0]['images']} == {'writing-1.1.0-cover.png'}
assert len(p[0]['images']) == 2
assert 'Tidings of the second release' in p[0]['content']
assert p[0]['summary'].startswith('Technical essays')
EOF
else
	fail "tests/publish/node_modules missing (npm ci in tests/publish)"
fi

# Immutability: 1.0.0 again from changed essays is an error that names
# what differs and touches nothing; 1.1.0 again is a no-op.
snapshot "$D" >"$TMP/before"
"$Q" build "$TMP/c" -o "$D" --release 1.0.0 >"$TMP/out" 2>"$TMP/err"
status=$?
[ $status -eq 1 ] && ok "republish 1.0.0 differently: exit 1" || fail "republish: exit $status"
grep -q 'releases.xml: error: release 1.0.0 is published: writing-1.0.0.epub would differ' "$TMP/err" &&
	grep -q "essay 'Tidings of the second release' was not in it" "$TMP/err" &&
	ok "republish: names the file and the essay" || { cat "$TMP/err"; fail "republish: message"; }
snapshot "$D" | cmp -s - "$TMP/before" && ok "republish: nothing touched" || fail "republish: folder changed"
SOURCE_DATE_EPOCH=1760100000 "$Q" build "$TMP/c" -o "$D" --release 1.1.0 >"$TMP/out" 2>"$TMP/err"
status=$?
[ $status -eq 0 ] && [ ! -s "$TMP/out" ] && ok "same bytes again: exit 0, nothing written" ||
	fail "same bytes: exit $status, $(cat "$TMP/out" "$TMP/err")"
snapshot "$D" | cmp -s - "$TMP/before" && ok "same bytes: nothing touched" || fail "same bytes: folder changed"

# The working copy beside the releases: its own books, no release file.
sed -i '/^version:/d' "$TMP/c/collection.yaml"
"$Q" build "$TMP/c" -o "$D" -q 2>"$TMP/err" && [ -s "$D/writing.epub" ] &&
	ok "working copy: built" || { cat "$TMP/err"; fail "working copy"; }
snapshot "$D" | grep -Ev '\./writing\.(epub|html)( |$)' | cmp -s - "$TMP/before" && ok "working copy: releases untouched" || fail "working copy touched a release"
rm "$D"/writing.epub "$D"/writing.html

# Tampering: quire verify names each file that does not match.
cp "$D/writing-1.0.0.html" "$TMP/keep.html"
cp "$D/writing-1.1.0-cover.png" "$TMP/keep.png"
printf 'x' >>"$D/writing-1.0.0.html"
rm "$D/writing-1.1.0-cover.png"
"$Q" verify "$D" >"$TMP/out" 2>"$TMP/err"
status=$?
[ $status -eq 1 ] && ok "tampered: exit 1" || fail "tampered: exit $status"
grep -q "writing-1.0.0.html: error: does not match SHA256SUMS" "$TMP/err" &&
	grep -q "writing-1.1.0-cover.png: error: missing" "$TMP/err" &&
	! grep -q "writing-1.1.0.epub" "$TMP/err" &&
	ok "tampered: each file named, no other" || { cat "$TMP/err"; fail "tampered: messages"; }
cp "$TMP/keep.html" "$D/writing-1.0.0.html"
cp "$TMP/keep.png" "$D/writing-1.1.0-cover.png"
"$Q" verify "$D" -q 2>"$TMP/err" && ok "restored: verify passes" || { cat "$TMP/err"; fail "restored"; }
# The ledger itself is covered by SHA256SUMS.
real=$(readlink -f "$D/releases.xml")
cp "$real" "$TMP/keep.xml"
sed -i '0,/words="/s/words="/words="9/' "$real"
"$Q" verify "$D" -q 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "releases.xml: error: does not match SHA256SUMS" "$TMP/err" &&
	ok "tampered ledger: named" || { cat "$TMP/err"; fail "tampered ledger"; }
cp "$TMP/keep.xml" "$real"

# A signed release, checked as a reader would with ssh-keygen alone.
ssh-keygen -q -t ed25519 -N '' -C author@example.org -f "$TMP/key" >/dev/null
echo "author@example.org $(cut -d' ' -f1,2 "$TMP/key.pub")" >"$TMP/allowed"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/other" >/dev/null
echo "author@example.org $(cut -d' ' -f1,2 "$TMP/other.pub")" >"$TMP/allowed-other"
printf '\nA third release.\n' >>"$TMP/c/zz-tidings.md"
SOURCE_DATE_EPOCH=1760200000 "$Q" build "$TMP/c" -o "$D" --release 1.2.0 --sign "$TMP/key" -q 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "signed release"; }
[ -s "$D/SHA256SUMS.sig" ] && ok "signed: SHA256SUMS.sig" || fail "signed: no signature"
(cd "$D" && ssh-keygen -Y verify -f "$TMP/allowed" -I author@example.org -n file \
	-s SHA256SUMS.sig <SHA256SUMS >/dev/null 2>&1) && ok "signed: ssh-keygen -Y verify" ||
	fail "signed: ssh-keygen -Y verify"
"$Q" verify "$D" --allowed-signers "$TMP/allowed" -q && ok "signed: quire verify --allowed-signers" ||
	fail "signed: quire verify"
"$Q" verify "$D" --allowed-signers "$TMP/allowed-other" -q 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'SHA256SUMS.sig: error' "$TMP/err" && ok "signed: another key is refused" ||
	{ cat "$TMP/err"; fail "signed: another key accepted"; }
sums=$(readlink -f "$D/SHA256SUMS")
cp "$sums" "$TMP/keep.sums"
sed -i '1{s/^0/1/;t;s/^./0/}' "$sums"  # another first digit, whichever it was
(cd "$D" && ssh-keygen -Y verify -f "$TMP/allowed" -I author@example.org -n file \
	-s SHA256SUMS.sig <SHA256SUMS >/dev/null 2>&1) && fail "signed: ssh-keygen accepts changed sums" ||
	ok "signed: changed sums fail ssh-keygen"
"$Q" verify "$D" --allowed-signers "$TMP/allowed" -q 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'does not verify' "$TMP/err" && ok "signed: changed sums fail quire verify" ||
	{ cat "$TMP/err"; fail "signed: quire verify accepts changed sums"; }
cp "$TMP/keep.sums" "$sums"
"$Q" build "$TMP/c" -o "$D" --sign "$TMP/key" -q 2>/dev/null
[ $? -eq 2 ] && ok "--sign without --release: usage error" || fail "--sign without --release"

# Another version that would name the same files ("1.1.0 " and 1.1.0).
snapshot "$D" >"$TMP/before"
"$Q" build "$TMP/c" -o "$D" --release "1.1.0 " -q 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'error: writing-1.1.0.epub is a file of release 1.1.0' "$TMP/err" &&
	snapshot "$D" | cmp -s - "$TMP/before" && ok "version with the same file names: refused" ||
	{ cat "$TMP/err"; fail "version \"1.1.0 \" replaced 1.1.0's files"; }

# A ledger that is not quire's, or names a file outside the folder, is
# refused by a build and by verify.
cp -a "$D" "$TMP/bad"
echo '<releases><release version="9"><file name="../../etc/passwd" role="epub" type="x" size="1" sha256="00"/></release></releases>' \
	>"$(readlink -f "$TMP/bad/releases.xml")"
"$Q" build "$TMP/c" -o "$TMP/bad" --release 3.0.0 -q 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'bad/releases.xml:1:1: error: release 9: a missing or malformed value' "$TMP/err" &&
	ok "bad ledger: the build refuses it" || { cat "$TMP/err"; fail "bad ledger: build"; }
[ ! -e "$TMP/bad/writing-3.0.0.epub" ] || fail "bad ledger: a book was written"
"$Q" verify "$TMP/bad" -q 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'releases.xml: error: does not match SHA256SUMS' "$TMP/err" &&
	ok "bad ledger: verify names it" || { cat "$TMP/err"; fail "bad ledger: verify"; }

# SIGKILL at random points of a release build: after each, the folder is
# the last consistent set (quire verify passes, the ledger holds 3 or 4
# releases and every file it names), and the next build finishes the job
# and leaves no temporary file.
printf '\nA fourth release.\n' >>"$TMP/c/zz-tidings.md"
cp -a "$D" "$TMP/base"
start=$(date +%s%N)
"$Q" build "$TMP/c" -o "$TMP/timing" --release 2.0.0 -q 2>/dev/null
ms=$(( ($(date +%s%N) - start) / 1000000 + 20 ))
before=0 after=0
for i in $(seq 1 "$KILLS"); do
	rm -rf "$TMP/k" && cp -a "$TMP/base" "$TMP/k"
	# Every other kill in the last third of the build, where the files
	# are written and switched.
	delay=$(python3 -c "import random; print(random.uniform($i % 2 * $ms * 0.65, $ms * 1.05) / 1000)")
	"$Q" build "$TMP/c" -o "$TMP/k" --release 2.0.0 -q 2>/dev/null &
	pid=$!
	sleep "$delay"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	if ! "$Q" verify "$TMP/k" -q 2>"$TMP/err"; then
		cat "$TMP/err"; fail "kill $i after ${delay}s: verify fails"; continue
	fi
	n=$(ledger_count "$TMP/k")
	case $n in
	3) before=$((before + 1)) ;;
	4) after=$((after + 1)) ;;
	*) fail "kill $i: ledger holds $n releases" ;;
	esac
	"$Q" build "$TMP/c" -o "$TMP/k" --release 2.0.0 -q 2>"$TMP/err" ||
		{ cat "$TMP/err"; fail "kill $i: the next build fails"; }
	left=$(cd "$TMP/k" && find . -name '*.tmp-*' -o -name 'current.*' ; ls -d .quire/g-* | grep -v "$(readlink .quire/current)")
	[ -z "$left" ] || fail "kill $i: the next build left $left"
	[ "$(ledger_count "$TMP/k")" = 4 ] && "$Q" verify "$TMP/k" -q ||
		fail "kill $i: not finished by the next build"
done
echo "kills: $KILLS in 0-${ms} ms; before the switch $before, after $after"
[ "$KILLS" -lt 10 ] || [ "$before" -gt 0 ] && [ "$after" -gt 0 ] ||
	echo "note: every kill fell on one side of the switch"
[ "$FAILED" -eq 0 ] && ok "SIGKILL x$KILLS: consistent after each"
finish
