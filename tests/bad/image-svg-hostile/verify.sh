# The SVG files packed (and the archive's data: URIs of them) hold no
# script, handler, DOCTYPE, XInclude or remote reference; the drawing is
# there with its shapes.
set -e
python3 - "$1" <<'PY'
import base64, glob, re, sys, zipfile, xml.dom.minidom
out = sys.argv[1]
z = zipfile.ZipFile(glob.glob(out + '/*.epub')[0])
svgs = {n: z.read(n).decode() for n in z.namelist() if n.endswith('.svg')}
html = open(glob.glob(out + '/*.html')[0]).read()
uris = [base64.b64decode(m).decode() for m in
        re.findall(r'data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)', html)]
assert len(svgs) == 3, sorted(svgs)
assert len(uris) >= 3, len(uris)
for text in list(svgs.values()) + uris:
    xml.dom.minidom.parseString(text.encode())
    low = text.lower()
    for bad in ('<script', 'onload', 'alert', '<!doctype', 'xi:include',
                'evil.example', 'passwd', 'root:', 'foreignobject', '&xxe;'):
        assert bad not in low, (bad, text)
opf = z.read('EPUB/package.opf').decode()
assert 'scripted' not in opf and 'remote-resources' not in opf
assert any('Inkscape</text>' in t and 'id="rect1"' in t for t in svgs.values())
assert any('style="fill:blue"' in t and 'rect { fill: #c00 }' in t for t in svgs.values())
PY
