# The last heading's id, and the suffixes around a written "Same 1".
x=$(unzip -p "$1"/*.epub '*essay.xhtml')
for id in same same-1 same-2 same-49999 same-1-1; do
	grep -q "id=\"$id\"" <<<"$x" || { echo "no id $id"; exit 1; }
done
[ "$(grep -o 'id="same-[0-9]*"' <<<"$x" | sort -u | wc -l)" -eq 49999 ] ||
	{ echo "ids are not unique"; exit 1; }
