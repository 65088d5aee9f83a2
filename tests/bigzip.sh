#!/usr/bin/env bash
# An EPUB of several MiB, which libzip writes across many of the chunks
# that become the output file: two readers that are not quire's (Python's
# zipfile and Info-ZIP's unzip) find every entry whole, with the right
# CRC, and the images come out as the bytes that went in.
# Usage: bigzip.sh QUIRE
. "$(dirname "$0")/lib.sh"
Q=$1
B=$TMP/book
mkdir -p "$B/img"
# PNGs of random pixels: valid images that deflate does not shrink.
python3 - "$B/img" <<'PY'
import os, random, struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
rng = random.Random(8)
for i, side in enumerate((700, 500, 300)):
    rows = b"".join(b"\0" + rng.randbytes(side * 3) for _ in range(side))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))
    open(os.path.join(sys.argv[1], "noise%d.png" % i), "wb").write(png)
PY
for i in $(seq -w 1 40); do
	{
		printf '# Essay %s\n\n' "$i"
		[ "$i" = 05 ] && printf '![Noise one](img/noise0.png)\n\n![Noise two](img/noise1.png)\n\n'
		[ "$i" = 30 ] && printf '![Noise three](img/noise2.png)\n\n'
		for k in $(seq 1 60); do printf 'Paragraph %s of essay %s, with *some* text in it.\n\n' "$k" "$i"; done
	} >"$B/e$i.md"
done
"$Q" build "$B" -o "$TMP/out" -f epub -q || fail "build: exit $?"
epub=$TMP/out/book.epub
size=$(stat -c %s "$epub")
[ "$size" -gt $((2 * 1024 * 1024)) ] && ok "EPUB of $size bytes: more than two chunks" ||
	fail "EPUB of only $size bytes: the test needs more than 2 MiB"
python3 - "$epub" "$B/img" <<'PY' && ok "zipfile: every entry whole, images unchanged" || fail "zipfile"
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
assert bad is None, "bad CRC in " + bad
names = z.namelist()
assert names[0] == "mimetype" and z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
srcs = {open(os.path.join(sys.argv[2], f), "rb").read() for f in os.listdir(sys.argv[2])}
packed = {z.read(n) for n in names if n.endswith(".png") and n != "EPUB/cover.png"}
assert packed == srcs, "images differ from their sources"
assert len([n for n in names if n.endswith(".xhtml")]) >= 40
PY
unzip -tq "$epub" >"$TMP/unzip" 2>&1 && ok "unzip -t: no errors" || fail "unzip -t: $(cat "$TMP/unzip")"
finish
