/* The book's contents as the writers walk them: an essay's headings
 * nested under the last shallower one. */
#include "write/write.h"

void *
toc_nest(struct toc_stack *st, int lv, int depth, void *top)
{
	if (lv > depth || lv < 1 || lv > 6)
		return NULL;
	while (st->n && st->level[st->n - 1] >= lv)
		st->n--;
	return st->n ? st->node[st->n - 1] : top;
}

void
toc_push(struct toc_stack *st, int lv, void *node)
{
	if (st->n < sizeof(st->level) / sizeof(*st->level)) {
		st->level[st->n] = lv;
		st->node[st->n++] = node;
	}
}
