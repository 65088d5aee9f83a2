#!/usr/bin/env bash
# The manuals: mandoc -Tlint accepts both; quire.1 documents every option
# and command that --help lists; quire.5 documents every collection.yaml
# key the loader knows (the collection_keys table in src/).
# Usage: manpage.sh QUIRE QUIRE.1 QUIRE.5 SRCDIR
. "$(dirname "$0")/lib.sh"
Q=$1 MAN=$2 MAN5=$3 SRC=$4
for m in "$MAN" "$MAN5"; do
	mandoc -Tlint -W warning "$m" && ok "mandoc -Tlint $(basename "$m")" ||
	    fail "mandoc -Tlint $(basename "$m")"
done
for opt in $("$Q" --help | grep -o -- '--[a-z]*' | sort -u); do
	grep -q "Fl Fl ${opt#--}" "$MAN" && ok "documents $opt" || fail "$opt is not in the manual"
done
for cmd in build check verify; do
	grep -q "^\.Cm $cmd" "$MAN" || fail "command $cmd is not in the manual"
done

# The keys: the strings of the collection_keys initialiser, wherever in
# src/ it lives, up to its closing brace.
keys=$(find "$SRC" -name '*.c' -exec awk '
	/collection_keys\[\] *=/ { on = 1 }
	on { print }
	on && /};/ { on = 0 }' {} + | grep -o '"[A-Za-z0-9_]*"' | tr -d '"' | sort -u)
n=$(printf '%s\n' $keys | grep -c .)
[ "$n" -ge 10 ] && ok "$n collection.yaml keys in $SRC" ||
    fail "found $n collection.yaml keys in $SRC (the collection_keys table moved?)"
# Their section of quire.5: from ".Sh THE COLLECTION" to the next .Sh.
section=$(awk '/^\.Sh /{ on = ($0 ~ /^\.Sh THE COLLECTION/) } on' "$MAN5")
for k in $keys; do
	printf '%s\n' "$section" | grep -Eq "^\.It Cm $k( |$)|^\.It .*Cm $k( |$)|Pq or Cm $k( |$)" &&
	    ok "quire.5 documents $k" || fail "collection.yaml key $k is not in quire.5"
done
finish
