/*
 * pl — pointer+length slices: comparison, integers, copies.
 */
#include <stdlib.h>

#include "msg/msg_int.h"

bool regent_pl_eq(struct regent_pl a, struct regent_pl b)
{
	if (a.l != b.l)
		return false;
	return a.l == 0 || memcmp(a.p, b.p, a.l) == 0;
}

bool regent_pl_casecmp_eq(struct regent_pl a, struct regent_pl b)
{
	if (a.l != b.l)
		return false;
	for (size_t i = 0; i < a.l; i++) {
		if (lc(a.p[i]) != lc(b.p[i]))
			return false;
	}
	return true;
}

bool regent_pl_eq_str(struct regent_pl a, const char *s)
{
	size_t n = strlen(s);

	return a.l == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

bool regent_pl_caseeq_str(struct regent_pl a, const char *s)
{
	return regent_pl_casecmp_eq(a, (struct regent_pl){s, strlen(s)});
}

int regent_pl_u32(struct regent_pl pl, uint32_t max, uint32_t *out)
{
	const char *p = pl.p;
	uint32_t v;
	int err;

	if (!pl.p || pl.l == 0)
		return EINVAL;
	err = regent_msgi_u32(&p, pl.p + pl.l, max, &v);
	if (err)
		return err;
	if (p != pl.p + pl.l)
		return EINVAL;
	if (out)
		*out = v;
	return 0;
}

int regent_pl_strcpy(struct regent_pl pl, char *dst, size_t size)
{
	if (!dst || size == 0)
		return ENOSPC;
	if (pl.l >= size) {
		dst[0] = '\0';
		return ENOSPC;
	}
	if (pl.l)
		memcpy(dst, pl.p, pl.l);
	dst[pl.l] = '\0';
	return 0;
}

void regent_pl_strtrunc(char *dst, size_t size, const char *s)
{
	size_t l = strnlen(s, size - 1);

	memcpy(dst, s, l);
	dst[l] = '\0';
}

char *regent_pl_strdup(struct regent_pl pl)
{
	char *s = malloc(pl.l + 1);

	if (!s)
		return NULL;
	if (pl.l)
		memcpy(s, pl.p, pl.l);
	s[pl.l] = '\0';
	return s;
}
