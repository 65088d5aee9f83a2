for f in "$1"/*.epub "$1"/*.html; do
	n=$(basename "$f")
	[ ${#n} -le 200 ] || { echo "name too long: ${#n} bytes"; exit 1; }
done
n=$(basename "$1"/*.epub)
case $n in
ber-eine-sehr-lange-berschrift-*-1.0-a-very-long-release-name-*.epub) ;;
*) echo "unexpected name $n"; exit 1 ;;
esac
case $n in
*-.epub|*--*) echo "a dash left at a cut: $n"; exit 1 ;;
esac
