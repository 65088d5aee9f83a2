# A header of 100 cells over 20,000 rows of one cell: cmark-gfm would
# complete every row (2,000,000 cells from 240 KB, 1 GB and minutes);
# past the file's size in empty cells, the table is read as text.  A
# small table after it is still a table.
python3 -c '
import sys
n = 100
sys.stdout.write("# Fill\n\n|" + "|".join("h" for i in range(n)) + "|\n|" +
    "|".join("-" for i in range(n)) + "|\n" + "a\n" * 20000 +
    "\n| x | y |\n|---|---|\n| 1 |\n")
' >essay.md
