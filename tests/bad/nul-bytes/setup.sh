# NUL bytes in the body, the first at line 3, column 5.
printf -- '# Nul\n\nabc \0def\0\n\nend\n' >essay.md
