# "Zed" whole, in both outputs.
grep -q 'Zed' "$1"/*.html || { echo "the archive lost the Z of Zed"; exit 1; }
unzip -p "$1"/*.epub '*.xhtml' | grep -q 'Zed' || { echo "the EPUB lost the Z of Zed"; exit 1; }
