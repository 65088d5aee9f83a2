gen() {
	python3 - "$1" "$2" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
open(d + '/a.md', 'w').write('# Raw\n\n{% raw %} ' + '{% ' * n + '\n')
PY
}
. "$QUIRE_TESTS/ratio.sh"
ratio gen 80000 800000
