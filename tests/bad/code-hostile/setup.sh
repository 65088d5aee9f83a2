# Code blocks that tree-sitter parses into trees too deep or too wide to
# query in linear time, or that pass the size where libtree-sitter 0.20.7
# frees a pointer it did not allocate (an error node of 65,535 children).
# Each holds numbers, which would be marked if it were highlighted.
python3 - <<'PY'
with open("essay.md", "w") as f:
    f.write("# Hostile code\n\n```ts\nconst ok = 1;\n```\n\n")
    f.write("```ts\n" + "(1" * 35000 + "\n```\n\n")    # over the size limit
    f.write("```ts\n" + "(1" * 15000 + "\n```\n\n")    # deep, or a wide error
    f.write("```yaml\n" + "[1," * 10000 + "]" * 10000 + "\n```\n\n")
    f.write("```js\n" + "[1," * 6000 + "]" * 6000 + "\n```\n\n")
    f.write("```js\n" + "1 ) " * 400 + "\n```\n")    # shallow, one wide error
PY
