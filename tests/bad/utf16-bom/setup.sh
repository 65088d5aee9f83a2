# Essays saved as UTF-16 or UTF-32 with a byte order mark (as Windows
# editors do), front matter included, are converted; a lone surrogate
# becomes U+FFFD with a warning.
python3 -c '
def put(name, code, bom, text):
    open(name, "wb").write(bom + text.encode(code, "surrogatepass"))
fm = "---\ntitle: \"%s\"\n---\n\nBody of %s: caf\u00e9 \u6f22\u5b57 \U0001f600.\r\n"
put("a.md", "utf-16-le", b"\xff\xfe", fm % ("Sixteen L\u00e9", "a"))
put("b.md", "utf-16-be", b"\xfe\xff", fm % ("Sixteen B\u00e9", "b"))
put("c.md", "utf-32-le", b"\xff\xfe\0\0", fm % ("Thirty-two L\u00e9", "c"))
put("d.md", "utf-32-be", b"\0\0\xfe\xff", fm % ("Thirty-two B\u00e9", "d"))
put("e.md", "utf-16-le", b"\xff\xfe", "# Broken \ud800 here\n\nText.\n")
'
