# Each refused diagram is its code block, whole; the last one is drawn.
set -e
html=$(ls "$1"/*.html)
[ "$(grep -c '<code class="language-dot">' "$html")" -eq 9 ]
grep -q '/etc/passwd' "$html"
[ "$(grep -c '<svg' "$html")" -ge 1 ]
grep -q '>after</text>' "$html"
