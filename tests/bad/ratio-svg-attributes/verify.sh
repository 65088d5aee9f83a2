gen() {
	python3 - "$1" "$2" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
attrs = ' '.join('data-a%d="1"' % i for i in range(n))
open(d + '/pic.svg', 'w').write('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect ' + attrs + ' width="5" height="5"/></svg>')
open(d + '/a.md', 'w').write('# Picture\n\n![a picture](pic.svg)\n')
PY
}
. "$QUIRE_TESTS/ratio.sh"
ratio gen 15000 150000
