gen() {
	python3 - "$1" "$2" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
s = '---\ntitle: Marks\n---\n\n'
s += ''.join('Text ((term%d)) and (((t%d, s%d))) more.\n' % (i % 500, i % 300, i) for i in range(n))
open(d + '/a.md', 'w').write(s)
PY
}
. "$QUIRE_TESTS/ratio.sh"
ratio gen 2000 20000
