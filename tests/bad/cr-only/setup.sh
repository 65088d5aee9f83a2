# Old Mac line ends: lone CR.  The broken link is on line 5, its target
# at column 12.
printf -- '---\rtitle: Classic\r---\r\rSee [that](#nowhere) here.\r' >essay.md
