# 20,000 footnotes, each referenced once in the text and some twice.
python3 -c '
import sys
w = sys.stdout.write
w("---\ntitle: Twenty thousand notes\n---\n\n")
for i in range(1, 20001):
    w("Claim %d.[^n%d]%s\n" % (i, i, " Again.[^n%d]" % i if i % 100 == 0 else ""))
w("\n")
for i in range(1, 20001):
    w("[^n%d]: Note %d.\n" % (i, i))
' >essay.md
