# Scripts, frames and styles are gone from both outputs, the text around
# them stays, and every XHTML file of the EPUB is well formed.
set -e
epub=$(ls "$1"/*.epub)
html=$(ls "$1"/*.html)
body=$(unzip -p "$epub" '*essay.xhtml')
for bad in 'alert(' '<script' '<iframe' 'display: none' 'javascript:' 'onload' '<font' '<center' '<marquee' '<blink'; do
	if printf '%s' "$body" | grep -qiF "$bad" || grep -qiF "$bad" "$html"; then
		echo "still there: $bad"
		exit 1
	fi
done
for good in 'Red text' 'centred text' 'An unclosed paragraph' 'Hidden text' 'unclosed bold' 'misnested' 'a script link' 'moving' 'blinking'; do
	printf '%s' "$body" | grep -qF "$good" || { echo "lost: $good"; exit 1; }
	grep -qF "$good" "$html" || { echo "lost in HTML: $good"; exit 1; }
done
printf '%s' "$body" | grep -q '<details' || { echo "lost: <details>"; exit 1; }
python3 - "$epub" <<'PY'
import sys, zipfile, xml.dom.minidom
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.endswith(".xhtml"):
        xml.dom.minidom.parseString(z.read(n))
PY
