/* build.h: the top of the house, the stages run in order (build.c); the
 * command line (main.c) and the tests call in here. */
#ifndef QUIRE_BUILD_H
#define QUIRE_BUILD_H

#include "publish/publish.h"
#include "render/render.h"

/* Every essay through parse, render, link and the writers' essay hooks
 * for opt->formats, in parallel; then the links between essays. */
int render_book(struct book *, const struct quire_options *,
    struct quire_diag *);

#endif
