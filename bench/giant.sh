#!/usr/bin/env bash
# bench/giant.sh — make the "giant" corpus: one essay of real READMEs, 50 MB.
#
#   bash bench/giant.sh SRC_DIR OUT_DIR [BYTES]
#
# Concatenates SRC_DIR/*.md (the real corpus, in name order, round after
# round) into OUT_DIR/giant.md until it holds BYTES bytes of Markdown
# (default 50,000,000; whole READMEs only, so a little more). Each README's
# YAML front matter, if any, is stripped; one front matter with the title
# opens the file; one blank line separates the READMEs.
set -euo pipefail
export LC_ALL=C
src=${1:?usage: giant.sh SRC_DIR OUT_DIR [BYTES]}
out=${2:?usage: giant.sh SRC_DIR OUT_DIR [BYTES]}
want=${3:-50000000}
[ -d "$src" ] || { echo "giant.sh: $src: not a folder" >&2; exit 1; }
mkdir -p "$out"
( cd "$src" && find . -maxdepth 1 -name '*.md' -printf '%f\n' | sort ) |
awk -v dir="$src" -v want="$want" '
    BEGIN { n = 0; total = 0 }
    { files[n++] = dir "/" $0 }
    END {
        if (n == 0) { print "giant.sh: no *.md in " dir > "/dev/stderr"; exit 1 }
        head = "---\ntitle: One giant essay\n---\n"
        printf "%s", head; total = length(head)
        for (r = 0; total < want; r++) {
            for (i = 0; i < n && total < want; i++) {
                f = files[i]; ln = 0; fm = 0
                printf "\n"; total++
                while ((getline line < f) > 0) {
                    ln++
                    if (ln == 1 && line == "---") { fm = 1; continue }
                    if (fm) { if (line == "---" || line == "...") fm = 0; continue }
                    print line; total += length(line) + 1
                }
                close(f)
            }
        }
    }' > "$out/giant.md.tmp"
mv "$out/giant.md.tmp" "$out/giant.md"
