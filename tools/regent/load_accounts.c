/*
 * load_accounts.c — account generation and slicing for `regent load`
 * (see load_accounts.h). Accounts are made on demand, one at a time, so
 * 100,000 of them cost no memory until they are registered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_accounts.h"

/* One placeholder at p ("{n}" or "{n:0W}"): its length and width. */
static size_t placeholder(const char *p, unsigned *width)
{
	const char *q;
	char *end;
	unsigned long w;

	if (!strncmp(p, "{n}", 3)) {
		*width = 0;
		return 3;
	}
	if (strncmp(p, "{n:", 3) != 0)
		return 0;
	q = p + 3;
	if (*q == '0')
		q++;
	if (*q < '1' || *q > '9')
		return 0;
	w = strtoul(q, &end, 10);
	if (*end != '}' || w > 20)
		return 0;
	*width = (unsigned)w;
	return (size_t)(end + 1 - p);
}

/* n in decimal, zero-padded to width, NUL-terminated (as "%0*llu", without
 * snprintf: it runs for every account); its length, or -1 when it does not
 * fit in size. */
static int put_number(char *out, size_t size, uint64_t n, unsigned width)
{
	char d[20];
	size_t nd = 0, l;

	do {
		d[nd++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	l = width > nd ? width : nd;
	if (l >= size)
		return -1;
	memset(out, '0', l - nd);
	for (size_t i = 0; i < nd; i++)
		out[l - 1 - i] = d[i];
	out[l] = '\0';
	return (int)l;
}

int load_accounts_expand(char *out, size_t size, const char *tmpl, uint64_t n, int required_n)
{
	size_t o = 0;
	int found = 0;

	for (const char *p = tmpl; *p;) {
		unsigned width;
		size_t len = *p == '{' ? placeholder(p, &width) : 0;
		int w;

		if (*p == '{' && !len)
			return EINVAL; /* a brace that is not a placeholder */
		if (len) {
			w = put_number(out + o, size - o, n, width);
			if (w < 0)
				return EINVAL;
			o += (size_t)w;
			p += len;
			found = 1;
			continue;
		}
		if (o + 1 >= size)
			return EINVAL;
		out[o++] = *p++;
	}
	if (size == 0)
		return EINVAL;
	out[o] = '\0';
	return required_n && !found ? EINVAL : 0;
}

int load_accounts_template(struct load_accounts *a, const char *aor_tmpl, const char *user_tmpl,
			   const char *password, uint64_t first, uint64_t count, char *errbuf,
			   size_t errsize)
{
	char probe[256];

	memset(a, 0, sizeof(*a));
	if (load_accounts_expand(probe, sizeof(probe), aor_tmpl, first + count, 1)) {
		snprintf(errbuf, errsize,
			 "--aor: '%s' needs {n} or {n:0W} (W digits) and at most 255 characters",
			 aor_tmpl);
		return EINVAL;
	}
	if (user_tmpl &&
	    load_accounts_expand(probe, sizeof(probe) / 2, user_tmpl, first + count, 0)) {
		snprintf(errbuf, errsize, "--auth-user: '%s' is not a valid template", user_tmpl);
		return EINVAL;
	}
	a->aor_tmpl = aor_tmpl;
	a->user_tmpl = user_tmpl;
	a->password = password;
	a->first = first;
	a->total = count;
	a->lo = 0;
	a->hi = count;
	return 0;
}

static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, n = 0, got;
	char *b = malloc(cap + 1), *nb;

	if (!f || !b) {
		int e = f ? ENOMEM : errno;

		if (f)
			fclose(f);
		free(b);
		return e;
	}
	while ((got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				fclose(f);
				return ENOMEM;
			}
			b = nb;
		}
	}
	fclose(f);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

int load_accounts_file(struct load_accounts *a, const char *path, char *errbuf, size_t errsize)
{
	size_t len, n = 0, cap = 1024, lineno = 0;
	char *p, *next;
	int err;

	memset(a, 0, sizeof(*a));
	err = read_all(path, &a->blob, &len);
	if (err) {
		snprintf(errbuf, errsize, "--users: %s: %s", path, strerror(err));
		return err;
	}
	a->lines = malloc(cap * sizeof(*a->lines));
	if (!a->lines)
		return ENOMEM;
	for (p = a->blob; *p; p = next) {
		char *e = strchr(p, '\n');

		next = e ? e + 1 : p + strlen(p);
		if (e)
			*e = '\0';
		lineno++;
		p[strcspn(p, "\r")] = '\0';
		if (!*p || *p == '#')
			continue;
		if (!strchr(p, ',') || strcspn(p, ",") >= 256) {
			snprintf(errbuf, errsize,
				 "--users: %s:%zu: expected aor[,auth-user],password", path,
				 lineno);
			return EINVAL;
		}
		if (n == cap) {
			char **nl = realloc(a->lines, cap * 2 * sizeof(*nl));

			if (!nl)
				return ENOMEM;
			a->lines = nl;
			cap *= 2;
		}
		a->lines[n++] = p;
	}
	if (!n) {
		snprintf(errbuf, errsize, "--users: %s: no accounts", path);
		return EINVAL;
	}
	a->total = n;
	a->lo = 0;
	a->hi = n;
	return 0;
}

int load_accounts_shard(struct load_accounts *a, uint32_t i, uint32_t n)
{
	if (n == 0 || i >= n)
		return EINVAL;
	a->lo = a->total * i / n;
	a->hi = a->total * (i + 1) / n;
	return 0;
}

uint64_t load_accounts_count(const struct load_accounts *a)
{
	return a->hi - a->lo;
}

uint64_t load_accounts_global(const struct load_accounts *a, uint64_t k)
{
	return a->lo + k;
}

/* "aor,password" or "aor,auth-user,password": the password is the rest
 * after the second comma, so it may hold commas when auth-user is given. */
static int split_line(const char *line, struct load_account *out)
{
	const char *c1 = strchr(line, ','), *c2;
	size_t al = (size_t)(c1 - line), ul;

	if (al >= sizeof(out->aor))
		return EINVAL;
	memcpy(out->aor, line, al);
	out->aor[al] = '\0';
	c2 = strchr(c1 + 1, ',');
	if (!c2) {
		out->user[0] = '\0';
		out->password = c1 + 1;
		return 0;
	}
	ul = (size_t)(c2 - c1 - 1);
	if (ul >= sizeof(out->user))
		return EINVAL;
	memcpy(out->user, c1 + 1, ul);
	out->user[ul] = '\0';
	out->password = c2 + 1;
	return 0;
}

int load_accounts_get(const struct load_accounts *a, uint64_t k, struct load_account *out)
{
	uint64_t g = a->lo + k;

	if (g >= a->hi)
		return EINVAL;
	if (a->lines)
		return split_line(a->lines[g], out);
	out->password = a->password;
	out->user[0] = '\0';
	if (a->user_tmpl &&
	    load_accounts_expand(out->user, sizeof(out->user), a->user_tmpl, a->first + g, 0))
		return EINVAL;
	return load_accounts_expand(out->aor, sizeof(out->aor), a->aor_tmpl, a->first + g, 1);
}

void load_accounts_release(struct load_accounts *a)
{
	free(a->lines);
	free(a->blob);
	memset(a, 0, sizeof(*a));
}
