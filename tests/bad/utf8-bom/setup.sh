# A UTF-8 byte order mark before the front matter: it must be dropped,
# the front matter still recognised (the title below, not a rule and a
# paragraph), and nothing reported.
printf '\xef\xbb\xbf---\ntitle: Behind the BOM\n---\n\nText.\n' >essay.md
