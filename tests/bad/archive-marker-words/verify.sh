# One article, after the contents, and the description whole.
html=$(ls "$1"/*.html)
[ "$(grep -c '<article' "$html")" = 1 ] || { echo "not one article"; exit 1; }
grep -q 'content="a <!--quire:articles--> and <!--quire:items--> and <!--quire:items-0-->"' "$html" ||
	{ echo "the description is not whole"; exit 1; }
awk '/id="contents"/ { c = NR } /<article/ { a = NR } END { exit !(c && a && c <= a) }' "$html" ||
	{ echo "the article is not after the contents"; exit 1; }
