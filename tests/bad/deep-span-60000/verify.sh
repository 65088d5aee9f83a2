set -e
unzip -p "$1"/*.epub '*essay.xhtml' | grep -qF 'deep text'
