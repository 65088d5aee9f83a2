# Every XHTML file of the EPUB is well formed, and what was right stays.
set -e
epub=$(ls "$1"/*.epub)
python3 - "$epub" <<'PY'
import sys, zipfile, xml.dom.minidom
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.endswith('.xhtml'):
        xml.dom.minidom.parseString(z.read(n))
body = z.read('EPUB/essay.xhtml').decode()
for good in ('<rect width="2" height="2"/>', '<rect width="3" height="3"/>', '<mi>q</mi>'):
    assert good in body, good
PY
