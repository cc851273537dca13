/*
 * Helpers shared by the test_msg_* unit tests: loading corpus files from
 * tests/data (REGENT_TEST_DATA) byte-exact.
 */
#ifndef TEST_MSG_UTIL_H
#define TEST_MSG_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads tests/data/<rel> whole; returns a malloc'ed buffer (NULL on error),
 * length in *len. The buffer is not NUL-terminated on purpose: the codec
 * must not depend on it (RFC 4475 escnull). */
static inline char *tmu_load(const char *rel, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	*len = 0;
	n = snprintf(path, sizeof(path), "%s/%s", REGENT_TEST_DATA, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif /* TEST_MSG_UTIL_H */
