# The small block is highlighted; the hostile ones are there, plain.
set -e
x=$(unzip -p "$1"/*.epub '*essay.xhtml')
echo "$x" | grep -q '<span class="hl-kw">const</span> ok'
n=$(echo "$x" | grep -c '<pre><code class="language-[a-z]*">\([([]1\|1 )\)')
[ "$n" -eq 5 ] || { echo "plain hostile blocks: $n of 5"; exit 1; }
