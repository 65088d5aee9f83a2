# An essay and an image that are named pipes (FIFOs): opening one for
# reading would block until a writer came, so quire must refuse them
# without waiting.
mkfifo waiting.md pipe.png
