# Images as data: URIs, in Markdown and in raw HTML: a PNG, an SVG with a
# script, one that is not an image, one that is not base64, and a long one
# (its warnings must not print it whole).
python3 - <<'PY'
import base64, struct, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0)) + \
      chunk(b'IDAT', zlib.compress(b'\x00\x00')) + chunk(b'tEXt', b'c\x00' + b'x' * 60000) + chunk(b'IEND', b'')
svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script><rect width="4" height="4"/></svg>'
b = lambda x: base64.b64encode(x).decode()
with open('essay.md', 'w') as f:
    f.write('# Data URIs\n\n')
    f.write('![markdown png](data:image/png;base64,%s)\n\n' % b(png))
    f.write('<img alt="raw svg" src="data:image/svg+xml;base64,%s">\n\n' % b(svg))
    f.write('<img alt="raw html" src="data:text/html;base64,%s">\n\n' % b(b'<script>alert(2)</script>'))
    f.write('![not base64](data:image/png,plain)\n\n')
    f.write('![truncated png](data:image/png;base64,%s)\n' % b(png[:2000]))
PY
