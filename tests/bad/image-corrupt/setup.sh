# Images whose magic bytes are right but whose bytes are not: a GIF
# polyglot, a PNG cut short, a PNG with a wrong chunk CRC, a JPEG without
# its end; and whole ones of each kind beside them.
python3 - <<'PY'
import struct, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0)) + \
      chunk(b'IDAT', zlib.compress(b'\x00\x00')) + chunk(b'IEND', b'')
open('ok.png', 'wb').write(png)
open('short.png', 'wb').write(png[:40])
bad = bytearray(png); bad[30] ^= 0xff
open('crc.png', 'wb').write(bytes(bad))
gif = b'GIF89a\x01\x00\x01\x00\x00\x00\x00' + b',\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;'
open('ok.gif', 'wb').write(gif)
open('poly.gif', 'wb').write(b'GIF89a\x01\x00\x01\x00\x00\x00\x00;alert(1)//<script>')
jpeg = b'\xff\xd8\xff\xe0' + struct.pack('>H', 16) + b'JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' + \
       b'\xff\xda' + struct.pack('>H', 8) + b'\x01\x01\x00\x00\x3f\x00' + b'\x12\x34' + b'\xff\xd9'
open('ok.jpg', 'wb').write(jpeg)
open('short.jpg', 'wb').write(jpeg[:-2])
PY
cat > essay.md <<'MD'
# Corrupt images

![whole png](ok.png)

![short png](short.png)

![crc png](crc.png)

![whole gif](ok.gif)

![polyglot gif](poly.gif)

![whole jpeg](ok.jpg)

![short jpeg](short.jpg)
MD
