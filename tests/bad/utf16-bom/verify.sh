x=$(unzip -p "$1"/*.epub '*.xhtml')
for t in 'Sixteen Lé' 'Sixteen Bé' 'Thirty-two Lé' 'Thirty-two Bé' \
    'Body of a: café 漢字 😀.' 'Body of d: café 漢字 😀.' 'Broken � here'; do
	grep -qF "$t" <<<"$x" || { echo "missing: $t"; exit 1; }
done
grep -q $'\xef\xbf\xbd' <<<"$(grep -v Broken <<<"$x")" && { echo "U+FFFD in a converted essay"; exit 1; }
exit 0
