# A table of 5,000 columns and 300 rows: cmark-gfm spends the square of
# a row's cells on splitting it (minutes).  Rows are cut to 100 cells;
# the rest of the header stays as the text of its last cell.
python3 -c '
import sys
n = 5000
sys.stdout.write("# Wide\n\n> |" + "|".join("h%d" % i for i in range(n)) + "|\n> |" +
    "|".join("-" for i in range(n)) + "|\n" + ("> |" + "|".join("c" for i in range(n)) + "|\n") * 300)
' >essay.md
