# 60,000 nested spans in a div (360 KB): no recursion on the depth.
python3 - <<'PY'
n = 60000
open('essay.md', 'w').write('# Deep spans\n\n<div>' + '<span>' * n + 'deep text' + '</span>' * n + '</div>\n\nAfter.\n')
PY
