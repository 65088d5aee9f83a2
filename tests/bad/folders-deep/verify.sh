# The top essay is in the book once, not again through d1/up.
set -e
n=$(unzip -Z1 "$1"/*.epub | grep -c 'top[^/]*\.xhtml$' || true)
[ "$n" -eq 1 ] || { echo "top.md is in the book $n times"; exit 1; }
