gen() {
	python3 - "$1" "$2" <<'PY'
import os, sys
n, d = int(sys.argv[1]), sys.argv[2]
os.makedirs(d + '/img')
pass  # the images are missing: each is reported at its place
with open(d + '/a.md', 'w') as f:
    f.write('# Pictures\n\n')
    for i in range(n): f.write('<img src="img/m%d.svg" alt="p%d">\n\n' % (i, i))
PY
}
. "$QUIRE_TESTS/ratio.sh"
ratio gen 4000 40000
