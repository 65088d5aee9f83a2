# Nothing of /etc/passwd and no SVG with a DTD in the outputs.
set -e
if unzip -p "$1"/*.epub | grep -q 'root:' || grep -q 'root:' "$1"/*.html; then
	echo "/etc/passwd leaked into the outputs"
	exit 1
fi
if unzip -p "$1"/*.epub | grep -q '<!ENTITY' || grep -q '&lt;!ENTITY' "$1"/*.html; then
	echo "an SVG with entities was packed"
	exit 1
fi
