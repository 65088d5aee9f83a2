#!/usr/bin/env bash
# The manual: mandoc -Tlint accepts it, and it documents every option and
# command that --help lists.  Usage: manpage.sh QUIRE MANPAGE
. "$(dirname "$0")/lib.sh"
Q=$1 MAN=$2
mandoc -Tlint -W warning "$MAN" && ok "mandoc -Tlint" || fail "mandoc -Tlint"
for opt in $("$Q" --help | grep -o -- '--[a-z]*' | sort -u); do
	grep -q "Fl Fl ${opt#--}" "$MAN" && ok "documents $opt" || fail "$opt is not in the manual"
done
for cmd in build check verify; do
	grep -q "^\.Cm $cmd" "$MAN" || fail "command $cmd is not in the manual"
done
finish
