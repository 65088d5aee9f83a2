x=$(unzip -p "$1"/*.epub '*a.xhtml')
for want in '<a href="https://github.com/example/tool/blob/main/README.md">the code</a>' \
    'version 3.1.' 'Hugo’s: 2.0 ' 'and 2.0.</p>'; do
	grep -qF "$want" <<<"$x" || { echo "missing: $want"; exit 1; }
done
unzip -p "$1"/*.epub '*page.xhtml' | grep -qE 'About Widget +Pro\.' || { echo "no cascade"; exit 1; }
unzip -p "$1"/*.epub '*own.xhtml' | grep -qF 'About Gadget.' || { echo "the page's own param lost"; exit 1; }
exit 0
