x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
grep -q '<semantics></semantics>\|<semantics/>\|<semantics><annotation' <<<"$x" && { echo "an empty semantics"; exit 1; }
grep -q '<semantics><mi>z</mi><annotation encoding="application/x-tex">z</annotation></semantics>' <<<"$x" || { echo "the whole one lost"; exit 1; }
grep -q ' end\.' <<<"$x" || { echo "text lost"; exit 1; }
exit 0
