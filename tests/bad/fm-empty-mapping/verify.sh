# The titles fall back to the file names, and no rule or "..." is left.
set -e
unzip -p "$1"/*.epub '*.xhtml' | grep -q '<h1[^>]*>essay</h1>'
unzip -p "$1"/*.epub '*.xhtml' | grep -q '<h1[^>]*>dots</h1>'
if unzip -p "$1"/*.epub '*essay.xhtml' '*dots.xhtml' | grep -q '<hr'; then
	echo "a front matter rule became an <hr>"
	exit 1
fi
