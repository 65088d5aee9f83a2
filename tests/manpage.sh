#!/usr/bin/env bash
# The manuals: mandoc -Tlint accepts both; quire.1 documents every option
# and command that --help lists; quire.5 documents every collection.yaml
# key and front matter key the loader knows (the collection_keys and
# essay_keys tables in src/).
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
for cmd in build check verify watch init new completion; do
	grep -q "^\.Cm $cmd" "$MAN" || fail "command $cmd is not in the manual"
done

# The keys: the strings of a table's initialiser, wherever in src/ it
# lives, up to its closing brace, must each be an .It Cm entry of their
# section of quire.5 (from ".Sh SECTION" to the next .Sh).
check_keys() {
	local table=$1 sect=$2 what=$3 keys n section k
	keys=$(find "$SRC" -name '*.c' -exec awk -v t="$table" '
		index($0, t "[] =") { on = 1 }
		on { print }
		on && /};/ { on = 0 }' {} + | grep -o '"[A-Za-z0-9_]*"' | tr -d '"' | sort -u)
	n=$(printf '%s\n' $keys | grep -c .)
	[ "$n" -ge 10 ] && ok "$n $what keys in $SRC" ||
	    fail "found $n $what keys in $SRC (the $table table moved?)"
	section=$(awk -v s="$sect" '/^\.Sh /{ on = (substr($0, 5) == s) } on' "$MAN5")
	for k in $keys; do
		printf '%s\n' "$section" | grep -Eq "^\.It .*Cm $k( |$)|Pq or Cm $k( |$)" &&
		    ok "quire.5 documents $what key $k" ||
		    fail "$what key $k is not in quire.5's $sect"
	done
}
check_keys collection_keys "THE COLLECTION" collection.yaml
check_keys essay_keys "FRONT MATTER" "front matter"
finish
