# Invalid UTF-8 is not committed: a lone continuation byte at line 5,
# column 7, then a truncated 3-byte sequence later on the same line.
printf -- '---\ntitle: Bad bytes\n---\n\nHello \x80 world and \xe2\x82 more.\n\nMore text.\n' >essay.md
