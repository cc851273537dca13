/*
 * bench_parse — one SIP stack under test, behind a common interface.
 *
 * Each stack is linked into its own executable (bench_parse_<stack>) with the
 * same driver (driver.c): the stacks share symbol prefixes (libre and
 * sofia-sip both export sip_*), so they never meet in one binary.
 *
 * Per message, a stack parses the bytes and reads what a registration client
 * reads: first Via host and branch, From tag, To URI (user and host), Call-ID,
 * CSeq number and method, every Contact's URI host and `expires`, and
 * Expires. It hands them to bench_consume() before freeing the message, so
 * the values are really read (and can be compared across stacks).
 */
#ifndef REGENT_BENCH_H
#define REGENT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_slice {
	const char *p;
	size_t l;
};

#define BENCH_MAX_CONTACTS 8

struct bench_fields {
	struct bench_slice via_host, via_branch;
	struct bench_slice from_tag;
	struct bench_slice to_user, to_host;
	struct bench_slice call_id, call_id_host; /* osip2 splits Call-ID at '@' */
	uint32_t cseq;
	struct bench_slice cseq_method;
	size_t ncontacts; /* all of them; the first BENCH_MAX_CONTACTS are kept */
	struct {
		struct bench_slice host;
		bool has_expires;
		uint32_t expires;
	} contact[BENCH_MAX_CONTACTS];
	bool has_expires;
	uint32_t expires;
};

struct bench_msg {
	const char *name;
	char *buf; /* exactly len bytes, not NUL-terminated */
	size_t len;
	void *prep; /* per-message state a stack prepares outside the measured loop */
};

/* Implemented by each stack_<name>.c. */
extern const char bench_stack_name[];
int bench_stack_init(struct bench_msg *msgs, size_t n);
/* Parses m, fills *f, calls bench_consume(f), frees. 0 or an errno. */
int bench_stack_run(struct bench_msg *m, struct bench_fields *f);
void bench_stack_close(struct bench_msg *msgs, size_t n);

/* Implemented by driver.c. */
void bench_consume(const struct bench_fields *f);
struct bench_slice bench_cstr(const char *s); /* NULL-safe strlen slice */
/* Decimal 0..2^32-1 from a slice; false if empty, non-digit or too large. */
bool bench_u32(struct bench_slice s, uint32_t *out);

#endif /* REGENT_BENCH_H */
