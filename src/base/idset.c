/* Sets of strings (ids, URLs already warned about) with a number each,
 * open-addressed on a 64-bit FNV-1a hash. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"


uint64_t
hash_fnv_n(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037u;

	while (n--)
		h = (h ^ *s++) * 1099511628211u;
	return h;
}

uint64_t
hash_fnv(const char *s)
{
	return hash_fnv_n(s, strlen(s));
}

static size_t
idset_slot(const struct idset *set, const char *s)
{
	size_t i;

	for (i = (size_t)hash_fnv(s) & (set->cap - 1); set->slot[i] &&
	    strcmp(set->slot[i], s) != 0; i = (i + 1) & (set->cap - 1))
		;
	return i;
}

int
idset_has(const struct idset *set, const char *s)
{
	return set->cap && set->slot[idset_slot(set, s)] != NULL;
}

size_t *
idset_val(const struct idset *set, const char *s)
{
	size_t i;

	if (set->cap == 0 || set->slot[i = idset_slot(set, s)] == NULL)
		return NULL;
	return &set->val[i];
}

int
idset_add(struct idset *set, const char *s)
{
	size_t i;

	if (idset_has(set, s))
		return 0;
	if ((set->n + 1) * 2 > set->cap) {
		struct idset bigger = { NULL, NULL, 0,
		    set->cap ? set->cap * 2 : 64 };

		bigger.slot = xcalloc(bigger.cap, sizeof(*bigger.slot));
		bigger.val = xcalloc(bigger.cap, sizeof(*bigger.val));
		for (size_t k = 0; k < set->cap; k++) {
			if (set->slot[k] == NULL)
				continue;
			i = idset_slot(&bigger, set->slot[k]);
			bigger.slot[i] = set->slot[k];
			bigger.val[i] = set->val[k];
		}
		bigger.n = set->n;
		free(set->slot);
		free(set->val);
		*set = bigger;
	}
	i = idset_slot(set, s);
	set->slot[i] = xstrdup(s);
	set->val[i] = 0;
	set->n++;
	return 1;
}

const char *
idset_get(struct idset *set, const char *s)
{
	idset_add(set, s);
	return set->slot[idset_slot(set, s)];
}

char *
idset_unique(struct idset *set, struct idset *hint, const char *base,
    size_t first)
{
	size_t *v, k;
	char *cand;

	if (idset_add(set, base))
		return xstrdup(base);
	idset_add(hint, base);
	v = idset_val(hint, base);
	k = *v > first ? *v : first;
	for (;; k++) {
		cand = xasprintf("%s-%zu", base, k);
		if (idset_add(set, cand))
			break;
		free(cand);
	}
	*idset_val(hint, base) = k + 1;
	return cand;
}

void
idset_free(struct idset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	free(set->val);
	memset(set, 0, sizeof(*set));
}
