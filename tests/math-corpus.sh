#!/usr/bin/env bash
# KaTeX's MathML fits EPUB's MathML schema: a book of some 2,000 formulas,
# one for every command, macro and environment KaTeX defines (colours by
# CSS name and hex, arrays, \tag, braces with limits...), passes epubcheck
# with no error, and nearly all of them are MathML.
# Usage: math-corpus.sh QUIRE KATEX_DIR
. "$(dirname "$0")/lib.sh"
Q=$1 KATEX=$2
n=$(node "$(dirname "$0")/math-corpus.js" "$KATEX" "$TMP/book" 2>/dev/null | tail -1)
[ "${n:-0}" -gt 1500 ] && ok "$n formulas from KaTeX's sources" || fail "only ${n:-0} formulas"
SOURCE_DATE_EPOCH=1700000000 "$Q" build "$TMP/book" -o "$TMP/out" >/dev/null 2>"$TMP/diag" ||
	fail "build: $(tail -3 "$TMP/diag")"
m=$(unzip -p "$TMP"/out/*.epub 'EPUB/e*.xhtml' | grep -o '<math ' | wc -l)
[ "$m" -gt $((n * 95 / 100)) ] && ok "$m of $n formulas are MathML" ||
	fail "$m of $n formulas are MathML"
epubcheck "$TMP"/out/*.epub >"$TMP/check" 2>&1
e=$(grep -c '^ERROR\|^FATAL' "$TMP/check")
[ "$e" -eq 0 ] && ok "epubcheck: no error" ||
	fail "epubcheck: $e errors: $(grep '^ERROR\|^FATAL' "$TMP/check" | sed 's/.*): //' | sort | uniq -c | sort -rn | head -5)"
finish
