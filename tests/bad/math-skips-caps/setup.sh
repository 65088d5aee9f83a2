python3 -c '
import sys
n = 2000
sys.stdout.write("# Wide\n\nA formula $x^2$ and {{< sup >}}2{{< /sup >}} and {% raw %}{{ x }}{% endraw %}.\n\n|" + "|".join("h%d" % i for i in range(n)) + "|\n|" +
    "|".join("-" for i in range(n)) + "|\n" + ("|" + "|".join("c" for i in range(n)) + "|\n") * 200)
' >essay.md
