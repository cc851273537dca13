/*
 * fuzz_util — checks shared by the libFuzzer targets.
 *
 * The codec promises zero-copy slices into the caller's buffer (msg.h). Every
 * slice a target gets back is checked to lie inside the input and every byte
 * of it is read, so ASan reports any slice that points past the buffer even
 * when the parser itself did not touch those bytes.
 */
#ifndef REGENT_FUZZ_UTIL_H
#define REGENT_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/msg.h"

/* Upper bound on iterator steps: one value needs at least one byte, so more
 * steps than input bytes (+1 for the ENOENT step) means the iterator loops. */
#define FUZZ_ITER_BOUND(len) ((len) + 2)

struct fuzz_buf {
	const char *p;
	size_t l;
	unsigned sum; /* folded bytes of every slice, so the reads are not optimised away */
};

__attribute__((noreturn)) static inline void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz invariant violated: %s\n", what);
	abort();
}

/* A set slice must lie inside the input; an unset one must have length 0. */
static inline void fuzz_pl(struct fuzz_buf *fb, struct regent_pl pl, const char *what)
{
	if (!pl.p) {
		if (pl.l != 0)
			fuzz_fail(what);
		return;
	}
	if (pl.p < fb->p || pl.l > fb->l || (size_t)(pl.p - fb->p) > fb->l - pl.l)
		fuzz_fail(what);
	for (size_t i = 0; i < pl.l; i++)
		fb->sum += (unsigned char)pl.p[i];
}

/* The reason must be a NUL-terminated string inside its array, and the offset
 * must point into (or just past) the input. */
static inline void fuzz_err(const struct fuzz_buf *fb, const struct regent_msg_error *err)
{
	if (!memchr(err->reason, '\0', sizeof(err->reason)))
		fuzz_fail("error reason not NUL-terminated");
	if (err->offset > fb->l)
		fuzz_fail("error offset beyond the input");
	if (!regent_msg_errc_name(err->code))
		fuzz_fail("error code without a name");
}

static inline void fuzz_params(struct fuzz_buf *fb, struct regent_pl params)
{
	struct regent_pl name, val;
	size_t pos = 0, n = 0;

	if (!regent_pl_isset(params))
		return;
	while (regent_param_next(params, &pos, &name, &val)) {
		if (++n > FUZZ_ITER_BOUND(params.l))
			fuzz_fail("regent_param_next does not terminate");
		fuzz_pl(fb, name, "param name");
		fuzz_pl(fb, val, "param value");
	}
	(void)regent_param_get(params, "expires", &val);
}

static inline void fuzz_uri(struct fuzz_buf *fb, const struct regent_uri *u)
{
	struct regent_pl val;

	fuzz_pl(fb, u->raw, "uri raw");
	fuzz_pl(fb, u->scheme, "uri scheme");
	fuzz_pl(fb, u->user, "uri user");
	fuzz_pl(fb, u->password, "uri password");
	fuzz_pl(fb, u->host, "uri host");
	fuzz_pl(fb, u->params, "uri params");
	fuzz_pl(fb, u->headers, "uri headers");
	fuzz_pl(fb, u->opaque, "uri opaque");
	fuzz_params(fb, u->params);
	if (regent_uri_param(u, "transport", &val))
		fuzz_pl(fb, val, "uri transport param");
	if (regent_uri_param(u, "lr", &val))
		fuzz_pl(fb, val, "uri lr param");
	/* RFC 3261 §19.1.4: equivalence is reflexive. */
	if (!regent_uri_equal(u, u))
		fuzz_fail("regent_uri_equal(u, u) is false");
}

static inline void fuzz_addr(struct fuzz_buf *fb, const struct regent_addr *a)
{
	fuzz_pl(fb, a->display, "addr display");
	fuzz_pl(fb, a->uri_raw, "addr uri_raw");
	fuzz_uri(fb, &a->uri);
	fuzz_pl(fb, a->params, "addr params");
	fuzz_pl(fb, a->tag, "addr tag");
	fuzz_params(fb, a->params);
}

#endif /* REGENT_FUZZ_UTIL_H */
