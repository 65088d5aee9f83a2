# bench/count.sh — instruction counts, read by `bench/run.sh --count` once
# the corpora are built (it uses run.sh's variables: corpora, work, QUIRE,
# have_quire, CMARK_ARGS). Not a script of its own.
#
# Every tool runs once under valgrind's callgrind: instruction counts do not
# move with a loaded machine, so a change is judged in one run. quire's
# stages are the inclusive counts of their entry points (callgrind_annotate
# --inclusive=yes); the floor is cmark-gfm over the concatenated input plus
# zip -X -r of the folder, as in the wall-clock tables.
[ -n "${work:-}" ] && [ -n "${corpora:-}" ] ||
    { echo "bench/count.sh: run it as bench/run.sh --count" >&2; exit 2; }
[ "$have_quire" = 1 ] || die "--count needs quire (\$QUIRE=$QUIRE is not executable)"

count_formats=${BENCH_COUNT_FORMATS:-all}
count_jobs=${BENCH_COUNT_JOBS:-1}
cgdir=${BENCH_COUNT_KEEP:-$work/callgrind}
mkdir -p "$cgdir"

# The stages, in the order a build runs them; an indented name is part of
# the one above it. Functions that only one lever touches follow.
stages=(
    quire_build
    " load_book"
    " render_book"
    "  parse_essay"
    "  parse_segments"
    "  render_essay_html"
    "   repair_and_highlight"
    "    highlight_tree"
    "     ts_query_new"
    "     too_deep"
    "     ts_parser_parse"
    "  link_essay"
    "  epub_essay"
    "  html_essay"
    "  link_check"
    " epub_write"
    " html_write"
    " write_outputs"
)

# callgrind OUT STDOUT CMD... — runs CMD (a program, not a shell: callgrind
# counts the process it starts) under callgrind, the counts in OUT.
callgrind() {
    local out=$1 so=$2; shift 2
    rm -f "$out"
    valgrind --tool=callgrind --callgrind-out-file="$out" -q "$@" > "$so" 2> "$out.log" ||
        { say "FAILED under callgrind: $* (see $out.log)"; tail -n 5 "$out.log" >&2; return 1; }
}
total_of() {  # callgrind file -> total instructions
    awk '/^(summary|totals):/ { print $2; exit }' "$1"
}
# inclusive FILE -> "function count" lines (the largest count of a name,
# should the same name be in two objects).
inclusive() {
    callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$1" 2>/dev/null |
        sed -n 's/^ *\([0-9,][0-9,]*\) ( *[0-9.]*%) *[^ ]*:\([A-Za-z_][A-Za-z0-9_]*\) \[.*$/\2 \1/p' |
        awk '{ n = $2; gsub(/,/, "", n); if (!($1 in best) || n + 0 > best[$1] + 0) best[$1] = n }
             END { for (f in best) print f, best[f] }'
}
mi() { awk -v n="$1" 'BEGIN { if (n == "") print "-"; else printf "%.1f", n / 1e6 }'; }

count_rows=()
for c in $corpora; do
    dir="$work/corpus/$c" out="$work/out/$c"
    mkdir -p "$out"
    say "counting $c: floor (cmark-gfm, zip)..."
    callgrind "$cgdir/$c.cmark.cg" "$out/floor.html" \
        cmark-gfm "${CMARK_ARGS[@]}" "$work/corpus/$c.concat.md" || continue
    rm -f "$out/floor.zip"
    ( cd "$work/corpus" && callgrind "$cgdir/$c.zip.cg" /dev/null \
        zip -X -r -q "$out/floor.zip" "$c" ) || continue
    cm=$(total_of "$cgdir/$c.cmark.cg") zp=$(total_of "$cgdir/$c.zip.cg")
    floor=$((cm + zp))
    say "counting $c: quire build -f $count_formats -j $count_jobs..."
    rm -rf "$out/quire-count"
    callgrind "$cgdir/$c.quire.cg" /dev/null "$QUIRE" build "$dir" -o "$out/quire-count" \
        -f "$count_formats" -j "$count_jobs" -q || continue
    q=$(total_of "$cgdir/$c.quire.cg")
    declare -A inc=()
    while read -r f n; do inc[$f]=$n; done < <(inclusive "$cgdir/$c.quire.cg")
    count_rows+=("$c|quire -f $count_formats -j $count_jobs (whole run)|$q|$(awk -v a="$q" -v b="$floor" 'BEGIN { printf "%.2fx", a / b }')")
    for s in "${stages[@]}"; do
        name=${s##* } ind=${s%%[! ]*}
        n=${inc[$name]:-}
        pad=$(printf '%s' "$ind" | sed 's/ /\&nbsp;\&nbsp;/g')
        count_rows+=("$c|$pad$name|$n|$(awk -v a="$n" -v b="$q" 'BEGIN { if (a == "") print "-"; else printf "%.1f %%", 100 * a / b }')")
    done
    count_rows+=("$c|floor: cmark-gfm|$cm|")
    count_rows+=("$c|floor: zip -X -r|$zp|")
    count_rows+=("$c|floor (sum)|$floor|1.00x")
    unset inc
done

echo
echo "Instructions (valgrind --tool=callgrind, one run each); quire's stages are"
echo "inclusive counts of their entry points, shares of quire's whole run;"
echo "a stage's callees made inline by the compiler count in their caller."
echo
echo "| corpus | what | M instructions | share / vs floor |"
echo "|---|---|---:|---:|"
for r in "${count_rows[@]}"; do
    IFS='|' read -r c w n x <<< "$r"
    echo "| $c | $w | $(mi "$n") | $x |"
done
echo
say "callgrind files in $cgdir (callgrind_annotate --inclusive=yes FILE)"
