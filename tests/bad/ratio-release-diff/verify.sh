# The second release's time, for N essays: the first release made, a
# tenth of the essays changed, the second timed (release_diff compares
# every essay with the release before).  40,000 must take at most 15
# times as long as 4,000 (4,000 counted as at least 0.2 s), and at most
# 60 s: comparing each with each took 7 s more at 40,000.
second() {
	local n=$1 d s e
	d=$(mktemp -d "${TMPDIR:-/tmp}/quire-ratio.XXXXXX")
	python3 - "$n" "$d/b" <<'PY'
import os, sys
n, d = int(sys.argv[1]), sys.argv[2]
os.makedirs(d)
open(d + '/collection.yaml', 'w').write('title: R\nauthor: A\nlanguage: en\n')
for i in range(n):
    open('%s/e%05d.md' % (d, i), 'w').write('---\ntitle: Essay %d\n---\n\nText %d.\n' % (i, i))
PY
	"$QUIRE" build "$d/b" -o "$d/out" --release 1.0.0 -q >/dev/null 2>&1 || { rm -rf "$d"; echo 999; return; }
	python3 - "$n" "$d/b" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
for i in range(0, n, 10):
    open('%s/e%05d.md' % (d, i), 'a').write('\nChanged.\n')
PY
	s=$(date +%s.%N)
	timeout -k 5 60 "$QUIRE" build "$d/b" -o "$d/out" --release 1.1.0 -q >/dev/null 2>&1 || { rm -rf "$d"; echo 999; return; }
	e=$(date +%s.%N)
	grep -q 'version="1.1.0"' "$d/out/releases.xml" || { rm -rf "$d"; echo 999; return; }
	rm -rf "$d"
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
}
ts=$(second 4000)
tb=$(second 40000)
echo "ratio: 4000 essays in ${ts}s, 40000 in ${tb}s"
awk -v s="$ts" -v b="$tb" 'BEGIN { exit !(b > 15 * (s < 0.2 ? 0.2 : s) || b >= 999) }' &&
	{ echo "ratio: 40000 took more than 15 times as long as 4000"; exit 1; }
exit 0
