/* math.h: TeX to MathML through a converter that can be swapped (math.c),
 * and the block passes of parse.c and blocks.c that use it. */
#ifndef QUIRE_MATH_H
#define QUIRE_MATH_H

#include <stddef.h>

enum { MATH_NONE = -1, MATH_OK = 0, MATH_BAD = 1 };

/* Converts one formula; safe from any thread.  MATH_OK: *out is one
 * <math> element (with alttext and an application/x-tex annotation);
 * MATH_BAD: *out is the converter's message about the TeX; MATH_NONE:
 * no converter (*out is NULL).  Caller frees *out. */
int math_convert(const char *tex, size_t len, int display, char **out);
/* Why there is no converter, in *why (caller frees); 1 the first time
 * it is asked during a build, so it is reported once. */
int math_missing(char **why);
/* Starts the converter now, in the background, so that the first
 * formula does not wait for node to load KaTeX; safe from any thread. */
void math_prestart(void);
/* Ends the converter; the next build starts a new one. */
void math_cleanup(void);

#endif
