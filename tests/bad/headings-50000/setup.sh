# 50,000 headings of the same text: each gets the next free suffix
# (same, same-1, ...) without searching from 1 again (that search made
# the run quadratic: minutes instead of a second).
python3 -c '
import sys
sys.stdout.write("# Many\n\n" + "## Same\n\ntext\n\n" * 50000 + "## Same 1\n")
' >essay.md
