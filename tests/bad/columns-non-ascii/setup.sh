# Columns count characters, not bytes (GNU coding standards; what editors
# show), the same way for every diagnostic on a line: after "Été — "
# (4 two- and three-byte characters) the link target is at column 16 and
# the invalid byte at column 25 (bytes: 20 and 29).
printf '# Columns\n\nÉté — voir [x](nope.md) \x80.\n' >essay.md
