# All four essays are in both outputs, and the EPUB's files are well
# formed XML (the names and titles are escaped).
set -e
epub=$(ls "$1"/*.epub)
n=$(unzip -Z1 "$epub" | grep -c '\.xhtml$')
[ "$n" -ge 4 ] || { echo "only $n xhtml files"; exit 1; }
unzip -p "$epub" '*.xhtml' | grep -Eq 'A ("|“|&quot;)quoted("|”|&quot;) essay'
unzip -p "$epub" '*.xhtml' | grep -q 'Café au lait'
unzip -p "$epub" '*.xhtml' | grep -q 'Ampersands &amp; &lt;angle&gt; brackets'
unzip -p "$epub" '*.xhtml' | grep -q 'leading space'
grep -Eq 'Caf(é|&eacute;) au lait' "$1"/*.html
python3 - "$epub" <<'PY'
import sys, zipfile, xml.dom.minidom
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.endswith((".xhtml", ".opf", ".ncx", ".xml")):
        xml.dom.minidom.parseString(z.read(n))
PY
