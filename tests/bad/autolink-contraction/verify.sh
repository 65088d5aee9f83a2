x=$(unzip -p "$1"/*.epub '*essay.xhtml')
for want in 'href="https://example.com">https://example.com</a>'"'"'s pages' \
    'href="http://www.example.org">www.example.org</a>'"'"'s too' \
    'href="https://example.net/path">https://example.net/path</a>’s end' \
    'href="https://example.com/it'"'"'s/here"' \
    'aria-label="logo.png"' 'aria-label="The logo"'; do
	grep -qF "$want" <<<"$x" || { echo "missing: $want"; exit 1; }
done
grep -q "example.com's\"" <<<"$x" && { echo "an apostrophe in an address"; exit 1; }
[ "$(grep -o '<th[ >]' <<<"$x" | wc -l)" -eq 3 ] || { echo "not 3 header cells"; exit 1; }
exit 0
