# A megabyte of openers with no closer, and one far past the limit.
python3 -c "
import sys
open('big.md','w').write('# Big\n\n' + '{{<{%{:\`\`a\`' * 100000 + '\n' + '{{' * 10000 + ' }}\n')
"
