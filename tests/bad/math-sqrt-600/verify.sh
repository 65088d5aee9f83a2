x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
grep -q '<msqrt><msqrt><mi>y</mi></msqrt></msqrt>' <<<"$x" || { echo "shallow root lost"; exit 1; }
grep -q ' end\.' <<<"$x" || { echo "text after the formula lost"; exit 1; }
