for f in "$1"/*.html; do :; done
unzip -p "$1"/*.epub '*.xhtml' >all.xhtml
for w in 'loose text' 'more' 'inner' 'stray'; do
	if grep -q ">$w<" all.xhtml "$1"/*.html; then echo "loose text kept: $w"; exit 1; fi
done
grep -q '<mi>x</mi>' all.xhtml || { echo "the <mi> went too"; exit 1; }
