x=$(unzip -p "$1"/*.epub)
for want in 'install.xhtml">the install guide</a>' 'install.xhtml#options">its options</a>' \
    'news.xhtml">the blog</a>' 'docs-_index.xhtml">the docs</a>' 'docs-_index.xhtml">the English docs</a>' \
    'install.xhtml">install</a>' 'news.xhtml">the blog section</a>'; do
	grep -qF "$want" <<<"$x" || { echo "missing: $want"; exit 1; }
done
exit 0
