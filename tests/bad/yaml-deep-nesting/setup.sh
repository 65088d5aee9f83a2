# A front matter key whose value is 10,000 nested flow lists, and another
# 10,000 nested mappings deep: no stack overflow, an answer in time.
python3 -c '
import sys
w = sys.stdout.write
w("---\ntitle: Deep YAML\n")
w("extra: " + "[" * 10000 + "]" * 10000 + "\n")
w("more: " + "{a: " * 10000 + "b" + "}" * 10000 + "\n")
w("---\n\nBody.\n")
' >essay.md
