/*
 * load_json — a small JSON reader for `regent load --merge`: it reads back
 * the reports `regent load --json` writes (objects, arrays, numbers,
 * strings, true/false/null; RFC 8259), into a tree freed in one call.
 */
#ifndef REGENT_LOAD_JSON_H
#define REGENT_LOAD_JSON_H

#include <stddef.h>
#include <stdint.h>

enum load_json_type {
	LOAD_JSON_NULL = 0,
	LOAD_JSON_BOOL,
	LOAD_JSON_NUMBER,
	LOAD_JSON_STRING,
	LOAD_JSON_ARRAY,
	LOAD_JSON_OBJECT,
};

struct load_json {
	enum load_json_type type;
	double num;		/* NUMBER, BOOL (0/1) */
	char *str;		/* STRING (malloc) */
	char *key;		/* the member name, for kids of an OBJECT (malloc) */
	struct load_json *kids; /* ARRAY, OBJECT (malloc) */
	size_t n;
};

/* Parses the whole of text (trailing white space allowed); 0 or EINVAL
 * with the byte offset of the problem in *at, ENOMEM. */
int load_json_parse(struct load_json *root, const char *text, size_t len, size_t *at);
void load_json_free(struct load_json *j);

/* The member `key` of an object, or NULL. */
const struct load_json *load_json_get(const struct load_json *obj, const char *key);
/* A member's value as a whole number, or def if absent or not a number. */
uint64_t load_json_u64(const struct load_json *obj, const char *key, uint64_t def);

#endif /* REGENT_LOAD_JSON_H */
