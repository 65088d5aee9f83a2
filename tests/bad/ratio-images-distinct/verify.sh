gen() {
	python3 - "$1" "$2" <<'PY'
import os, struct, sys, zlib
n, d = int(sys.argv[1]), sys.argv[2]
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0)) + \
    chunk(b'IDAT', zlib.compress(b'\x00\x00')) + chunk(b'IEND', b'')
os.makedirs(d + '/img')
open(d + '/img/0.png', 'wb').write(png)
for i in range(1, n): os.link(d + '/img/0.png', d + '/img/%d.png' % i)
with open(d + '/a.md', 'w') as f:
    f.write('# Pictures\n\n')
    for i in range(n): f.write('![p](img/%d.png)\n\n' % i)
PY
}
. "$QUIRE_TESTS/ratio.sh"
ratio gen 4000 40000
