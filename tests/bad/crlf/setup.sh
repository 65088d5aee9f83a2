# CRLF line ends (not committed: git may convert them).  The broken link
# is on line 7 of the file, the target at column 17.
printf -- '---\r\ntitle: Windows\r\n---\r\n\r\nFirst paragraph.\r\n\r\nSee also [this](nope.md) please.\r\n' >essay.md
