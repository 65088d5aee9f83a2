# A paragraph tag with 300,000 attributes: the HTML5 tokenizer compares
# each attribute with those before it, so only the first 100 of a tag
# are given to it.  The id (first) stays, the class (past 100) goes; a
# tag of SVG keeps its "/>" when cut.
python3 -c '
import sys
a = " ".join("data-a%d=\"1\"" % i for i in range(300000))
svg = " ".join("x%d=\"1\"" % i for i in range(150))
sys.stdout.write("# Attributes\n\n<p id=\"kept\" " + a + " class=\"late\">Text</p>\n\n"
    "<div><svg width=\"10\" height=\"10\"><rect " + svg + "/><circle r=\"1\"/></svg></div>\n")
' >essay.md
