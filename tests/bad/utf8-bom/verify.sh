# The title came from the front matter: no "---" rule or "title:" text.
set -e
grep -q 'Behind the BOM' "$1"/*.html
! grep -q 'title: Behind' "$1"/*.html
unzip -p "$1"/*.epub '*.xhtml' | grep -q '<h1[^>]*>Behind the BOM</h1>'
! unzip -p "$1"/*.epub | LC_ALL=C grep -q $'\xef\xbb\xbf'
