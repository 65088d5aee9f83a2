gen() {
	python3 - "$1" "$2" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    open('%s/e%05d.md' % (d, i), 'w').write('---\ntitle: Essay %d\n---\n\nSee [there]({{< relref "missing-%d" >}}).\n' % (i, i))
PY
}
. "$QUIRE_TESTS/ratio.sh"
ratio gen 1000 10000
