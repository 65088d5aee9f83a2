x=$(unzip -p "$1"/*.epub '*setup.xhtml')
[ "$(grep -o '<img src="images/[^"]*"' <<<"$x" | sort -u | wc -l)" -eq 1 ] || { echo "the shot is not one image, twice"; exit 1; }
grep -q 'alt="Same shot"' <<<"$x" || { echo "no root-relative image"; exit 1; }
grep -q 'A lost picture' <<<"$x" || { echo "the missing image's alt text is gone"; exit 1; }
y=$(unzip -p "$1"/*.epub '*hello.xhtml')
[ "$(grep -o '<img src="images/' <<<"$y" | wc -l)" -eq 2 ] || { echo "the Hugo logos are not images"; exit 1; }
exit 0
