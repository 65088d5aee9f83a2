# Nothing of /etc/passwd and no SVG with a DTD in the outputs.
set -e
! unzip -p "$1"/*.epub | grep -q 'root:'
! grep -q 'root:' "$1"/*.html
! unzip -Z1 "$1"/*.epub | grep -q '\.svg$' || {
	! unzip -p "$1"/*.epub '*.svg' | grep -q 'ENTITY'
}
