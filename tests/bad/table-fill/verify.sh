x=$(unzip -p "$1"/*.epub '*essay.xhtml')
[ "$(grep -o '<table' <<<"$x" | wc -l)" -eq 1 ] || { echo "not one table"; exit 1; }
[ "$(grep -o '<td' <<<"$x" | wc -l)" -eq 2 ] || { echo "the small table is wrong"; exit 1; }
