# 20,000 links to a missing section and 5 to a missing essay: past 100
# messages of one kind in a file, the rest are counted, not kept, and
# summed up in one line after the file's others.
python3 -c '
import sys
sys.stdout.write("# Many\n\n## Here\n\n" + "See [this](#nope) and [that](#here).\n\n" * 20000 +
    "[gone](gone.md)\n\n" * 5)
' >essay.md
