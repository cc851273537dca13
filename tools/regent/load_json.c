/*
 * load_json.c — recursive-descent JSON reader (RFC 8259), for the reports
 * of `regent load` only: \u escapes are kept to one byte when below 0x80
 * and replaced by '?' otherwise (our reports never carry them); depth is
 * bounded.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "load_json.h"

#define MAX_DEPTH 32

struct cursor {
	const char *p, *end, *start;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool lit(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return false;
	c->p += n;
	return true;
}

static int parse_string(struct cursor *c, char **out)
{
	char *s, *o;

	if (c->p >= c->end || *c->p != '"')
		return EINVAL;
	c->p++;
	s = o = malloc((size_t)(c->end - c->p) + 1);
	if (!s)
		return ENOMEM;
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;

		if (ch == '\\') {
			if (c->p >= c->end)
				break;
			ch = *c->p++;
			switch (ch) {
			case 'n':
				ch = '\n';
				break;
			case 't':
				ch = '\t';
				break;
			case 'r':
				ch = '\r';
				break;
			case 'b':
				ch = '\b';
				break;
			case 'f':
				ch = '\f';
				break;
			case 'u': {
				char hex[5] = {0};
				unsigned long v;

				if (c->end - c->p < 4)
					goto bad;
				memcpy(hex, c->p, 4);
				c->p += 4;
				v = strtoul(hex, NULL, 16);
				ch = v < 0x80 ? (char)v : '?';
				break;
			}
			default:
				break; /* \" \\ \/ */
			}
		}
		*o++ = ch;
	}
	if (c->p >= c->end)
		goto bad;
	c->p++;
	*o = '\0';
	*out = s;
	return 0;
bad:
	free(s);
	return EINVAL;
}

static int parse_value(struct cursor *c, struct load_json *j, int depth);

static int push(struct load_json *j, size_t *cap, struct load_json **slot)
{
	if (j->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct load_json *k = realloc(j->kids, nc * sizeof(*k));

		if (!k)
			return ENOMEM;
		j->kids = k;
		*cap = nc;
	}
	*slot = &j->kids[j->n++];
	memset(*slot, 0, sizeof(**slot));
	return 0;
}

static int parse_container(struct cursor *c, struct load_json *j, int depth)
{
	bool obj = *c->p == '{';
	char close = obj ? '}' : ']';
	size_t cap = 0;
	int err;

	j->type = obj ? LOAD_JSON_OBJECT : LOAD_JSON_ARRAY;
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		struct load_json *kid;
		char *key = NULL;

		skip_ws(c);
		if (obj) {
			err = parse_string(c, &key);
			if (err)
				return err;
			skip_ws(c);
			if (c->p >= c->end || *c->p != ':') {
				free(key);
				return EINVAL;
			}
			c->p++;
		}
		err = push(j, &cap, &kid);
		if (err) {
			free(key);
			return err;
		}
		kid->key = key;
		err = parse_value(c, kid, depth + 1);
		if (err)
			return err;
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == close) {
			c->p++;
			return 0;
		}
		return EINVAL;
	}
}

static int parse_value(struct cursor *c, struct load_json *j, int depth)
{
	char *end;

	if (depth > MAX_DEPTH)
		return EINVAL;
	skip_ws(c);
	if (c->p >= c->end)
		return EINVAL;
	switch (*c->p) {
	case '{':
	case '[':
		return parse_container(c, j, depth);
	case '"':
		j->type = LOAD_JSON_STRING;
		return parse_string(c, &j->str);
	case 't':
	case 'f':
		j->type = LOAD_JSON_BOOL;
		j->num = *c->p == 't';
		return lit(c, j->num ? "true" : "false") ? 0 : EINVAL;
	case 'n':
		j->type = LOAD_JSON_NULL;
		return lit(c, "null") ? 0 : EINVAL;
	default:
		/* the text is a NUL-terminated copy (load_json_parse) */
		j->type = LOAD_JSON_NUMBER;
		j->num = strtod(c->p, &end);
		if (end == c->p || end > c->end)
			return EINVAL;
		c->p = end;
		return 0;
	}
}

int load_json_parse(struct load_json *root, const char *text, size_t len, size_t *at)
{
	char *copy = malloc(len + 1);
	struct cursor c;
	int err;

	memset(root, 0, sizeof(*root));
	if (!copy)
		return ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	c.p = c.start = copy;
	c.end = copy + len;
	err = parse_value(&c, root, 0);
	if (!err) {
		skip_ws(&c);
		if (c.p != c.end)
			err = EINVAL;
	}
	if (at)
		*at = (size_t)(c.p - c.start);
	free(copy);
	if (err)
		load_json_free(root);
	return err;
}

void load_json_free(struct load_json *j)
{
	for (size_t i = 0; i < j->n; i++)
		load_json_free(&j->kids[i]);
	free(j->kids);
	free(j->str);
	free(j->key);
	memset(j, 0, sizeof(*j));
}

const struct load_json *load_json_get(const struct load_json *obj, const char *key)
{
	if (!obj || obj->type != LOAD_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++) {
		if (obj->kids[i].key && !strcmp(obj->kids[i].key, key))
			return &obj->kids[i];
	}
	return NULL;
}

uint64_t load_json_u64(const struct load_json *obj, const char *key, uint64_t def)
{
	const struct load_json *v = load_json_get(obj, key);

	if (!v || v->type != LOAD_JSON_NUMBER || v->num < 0)
		return def;
	return (uint64_t)v->num;
}
