/*
 * libFuzzer target: the URI parser and RFC 3261 §19.1.4 equivalence.
 *
 * The input is split in two halves, each parsed as a URI (from its own
 * exactly-sized copy, so ASan sees any read past the end). When both parse,
 * equivalence must be reflexive and symmetric, and must not depend on where
 * the bytes live: a URI equals a copy of itself parsed from another buffer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool parse_copy(char **copy, struct regent_uri *u, const uint8_t *p, size_t l)
{
	struct regent_msg_error err;
	struct fuzz_buf fb;

	*copy = malloc(l ? l : 1);
	if (!*copy)
		return false;
	memcpy(*copy, p, l);
	fb = (struct fuzz_buf){*copy, l, 0};
	memset(&err, 0, sizeof(err));
	if (regent_uri_parse(u, *copy, l, &err) != 0) {
		fuzz_err(&fb, &err);
		return false;
	}
	fuzz_uri(&fb, u);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t half = size / 2;
	char *ca = NULL, *cb = NULL, *ca2 = NULL;
	struct regent_uri a, b, a2;
	bool oka, okb;

	oka = parse_copy(&ca, &a, data, half);
	okb = parse_copy(&cb, &b, data + half, size - half);
	if (oka && okb) {
		bool ab = regent_uri_equal(&a, &b), ba = regent_uri_equal(&b, &a);

		if (ab != ba)
			fuzz_fail("regent_uri_equal is not symmetric");
	}
	if (oka) {
		if (!parse_copy(&ca2, &a2, data, half))
			fuzz_fail("the same URI bytes parsed once and failed once");
		if (!regent_uri_equal(&a, &a2) || !regent_uri_equal(&a2, &a))
			fuzz_fail("a URI is not equal to a copy of itself");
	}
	free(ca);
	free(cb);
	free(ca2);
	return 0;
}
