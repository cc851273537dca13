/*
 * test_msg_tolerant — issue 11 §2, the msg part: a response is dropped only
 * when the transaction cannot use it (src/msg/tolerant.c).
 *
 * One table: each header the transaction reads but does not match on
 * (Retry-After, Expires, Min-Expires, Contact expires, Flow-Timer,
 * Max-Forwards, Server, Warning) with overlarge, negative, empty,
 * non-numeric and duplicated values. For each row, in a response:
 * regent_msg_parse keeps it; the accessor gives the value the RFCs say
 * (clamped to 2^32-1, or absent when malformed); regent_msg_odd() flags
 * exactly the header; the strict checker (regent_msg_validate, what
 * `regent parse` runs) still refuses what it refused, with the same reason
 * (or accepts what it accepted). The same header in a request is refused
 * by regent_msg_parse as before (the registrar's side stays strict).
 * Then: what matching needs (status line, Via, From, To, Call-ID, CSeq)
 * still makes a response unusable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"

#define VIA "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
#define BASE                                                                                       \
	"From: <sip:a@example.com>;tag=1\r\n"                                                      \
	"To: <sip:a@example.com>;tag=2\r\n"                                                        \
	"Call-ID: c1\r\n"                                                                          \
	"CSeq: 1 REGISTER\r\n"

enum field { F_RETRY, F_EXPIRES, F_MIN_EXPIRES, F_CONTACT, F_FLOW_TIMER, F_MAX_FWD, F_NONE };

#define ABSENT (-1LL) /* the accessor: ENOENT or EBADMSG, the value is not used */
#define MAX32 4294967295LL

struct row {
	const char *lines;    /* header lines of the response */
	enum field f;	      /* what the accessor reads */
	long long want;	      /* its value, or ABSENT */
	uint32_t odd;	      /* regent_msg_odd() bits */
	const char *strict;   /* substring of regent_msg_validate's reason; NULL: accepted */
	bool request_refused; /* the same lines in a REGISTER: regent_msg_parse refuses */
};

static const struct row rows[] = {
    /* Retry-After (RFC 3261 §20.33) */
    {"Retry-After: 120\r\n", F_RETRY, 120, 0, NULL, false},
    {"Retry-After: 4294967295\r\n", F_RETRY, MAX32, 0, NULL, false},
    {"Retry-After: 4294967296\r\n", F_RETRY, MAX32, REGENT_ODD_RETRY_AFTER,
     "Retry-After: seconds out of range", true},
    {"Retry-After: 99999999999999999999999\r\n", F_RETRY, MAX32, REGENT_ODD_RETRY_AFTER,
     "seconds out of range", true},
    {"Retry-After: -5\r\n", F_RETRY, ABSENT, REGENT_ODD_RETRY_AFTER, "Retry-After: bad seconds",
     true},
    {"Retry-After:\r\n", F_RETRY, ABSENT, REGENT_ODD_RETRY_AFTER, "Retry-After: bad seconds", true},
    {"Retry-After: soon\r\n", F_RETRY, ABSENT, REGENT_ODD_RETRY_AFTER, "bad seconds", true},
    {"Retry-After: 30 (broken\r\n", F_RETRY, 30, REGENT_ODD_RETRY_AFTER, "unterminated comment",
     true},
    {"Retry-After: 30;duration=-1\r\n", F_RETRY, 30, REGENT_ODD_RETRY_AFTER, "bad duration", true},
    {"Retry-After: 30\r\nRetry-After: 60\r\n", F_RETRY, 30, REGENT_ODD_RETRY_AFTER,
     "Retry-After: repeated header", false},
    {"Retry-After: soon\r\nRetry-After: 60\r\n", F_RETRY, 60, REGENT_ODD_RETRY_AFTER,
     "Retry-After: bad seconds", true},
    {"Retry-After: 60\r\nRetry-After: 99999999999\r\n", F_RETRY, 60, REGENT_ODD_RETRY_AFTER,
     "Retry-After: repeated header", false},
    /* Expires (RFC 3261 §20.19, §10.2.1.1) */
    {"Expires: 3600\r\n", F_EXPIRES, 3600, 0, NULL, false},
    {"Expires: 4294967296\r\n", F_EXPIRES, MAX32, REGENT_ODD_EXPIRES, "Expires: value out of range",
     true},
    {"Expires: -1\r\n", F_EXPIRES, ABSENT, REGENT_ODD_EXPIRES, "Expires: not a number", true},
    {"Expires:\r\n", F_EXPIRES, ABSENT, REGENT_ODD_EXPIRES, "Expires: not a number", true},
    {"Expires: never\r\n", F_EXPIRES, ABSENT, REGENT_ODD_EXPIRES, "Expires: not a number", true},
    {"Expires: 60\r\nExpires: 120\r\n", F_EXPIRES, 60, REGENT_ODD_EXPIRES,
     "Expires: repeated header", false},
    {"Expires: x\r\nExpires: 120\r\n", F_EXPIRES, 120, REGENT_ODD_EXPIRES, "Expires: not a number",
     true},
    /* Min-Expires (RFC 3261 §20.23) */
    {"Min-Expires: 60\r\n", F_MIN_EXPIRES, 60, 0, NULL, false},
    {"Min-Expires: 99999999999\r\n", F_MIN_EXPIRES, MAX32, REGENT_ODD_MIN_EXPIRES,
     "Min-Expires: value out of range", true},
    {"Min-Expires: -60\r\n", F_MIN_EXPIRES, ABSENT, REGENT_ODD_MIN_EXPIRES,
     "Min-Expires: not a number", true},
    {"Min-Expires:\r\n", F_MIN_EXPIRES, ABSENT, REGENT_ODD_MIN_EXPIRES, "Min-Expires: not a number",
     true},
    {"Min-Expires: 1m\r\n", F_MIN_EXPIRES, ABSENT, REGENT_ODD_MIN_EXPIRES,
     "Min-Expires: not a number", true},
    {"Min-Expires: 60\r\nMin-Expires: 3600\r\n", F_MIN_EXPIRES, 60, REGENT_ODD_MIN_EXPIRES,
     "Min-Expires: repeated header", false},
    /* Contact expires (RFC 3261 §10.2.1.1, §20.10) */
    {"Contact: <sip:a@192.0.2.1>;expires=600\r\n", F_CONTACT, 600, 0, NULL, false},
    {"Contact: <sip:a@192.0.2.1>;expires=4294967296\r\n", F_CONTACT, MAX32,
     REGENT_ODD_CONTACT_EXPIRES, "Contact: bad expires", true},
    {"Contact: <sip:a@192.0.2.1>;expires=-1\r\n", F_CONTACT, ABSENT, REGENT_ODD_CONTACT_EXPIRES,
     "Contact: bad expires", true},
    {"Contact: <sip:a@192.0.2.1>;expires\r\n", F_CONTACT, ABSENT, REGENT_ODD_CONTACT_EXPIRES,
     "Contact: bad expires", true},
    {"Contact: <sip:a@192.0.2.1>;expires=\"600\"\r\n", F_CONTACT, ABSENT,
     REGENT_ODD_CONTACT_EXPIRES, "Contact: bad expires", true},
    {"Contact: <sip:a@192.0.2.1>;expires=10m\r\n", F_CONTACT, ABSENT, REGENT_ODD_CONTACT_EXPIRES,
     "Contact: bad expires", true},
    {"Contact: <sip:a@192.0.2.1>;expires=600;expires=x\r\n", F_CONTACT, 600,
     REGENT_ODD_CONTACT_EXPIRES, "Contact: bad expires", true},
    {"Contact: <sip:a@192.0.2.1>;expires=x;expires=600\r\n", F_CONTACT, 600,
     REGENT_ODD_CONTACT_EXPIRES, "Contact: bad expires", true},
    /* Flow-Timer (RFC 5626 §11.4): never read by the strict parse */
    {"Flow-Timer: 120\r\n", F_FLOW_TIMER, 120, 0, NULL, false},
    {"Flow-Timer: 99999999999\r\n", F_FLOW_TIMER, MAX32, REGENT_ODD_FLOW_TIMER,
     "Flow-Timer: not a number", false},
    {"Flow-Timer: -1\r\n", F_FLOW_TIMER, ABSENT, REGENT_ODD_FLOW_TIMER, "Flow-Timer: not a number",
     false},
    {"Flow-Timer:\r\n", F_FLOW_TIMER, ABSENT, REGENT_ODD_FLOW_TIMER, "Flow-Timer: not a number",
     false},
    {"Flow-Timer: 120\r\nFlow-Timer: 30\r\n", F_FLOW_TIMER, 120, REGENT_ODD_FLOW_TIMER,
     "Flow-Timer: repeated header", false},
    /* Max-Forwards (a response does not use it) */
    {"Max-Forwards: 256\r\n", F_MAX_FWD, 255, REGENT_ODD_MAX_FORWARDS,
     "Max-Forwards: value out of range", true},
    {"Max-Forwards: -1\r\n", F_MAX_FWD, ABSENT, REGENT_ODD_MAX_FORWARDS,
     "Max-Forwards: not a number", true},
    /* Server, Warning: free text, never parsed for a response's use */
    {"Server: \r\n", F_NONE, 0, 0, "Server: empty value", false},
    {"Server: a\r\nServer: b\r\n", F_NONE, 0, 0, NULL, false},
    {"Warning: 399 example.com \"\xff\"\r\n", F_NONE, 0, 0, NULL, false},
    {"Warning: 99999999999 x y\r\nWarning:\r\n", F_NONE, 0, 0, NULL, false},
};

static long long read_field(const struct regent_msg *m, enum field f)
{
	static const enum regent_hdr_id ids[] = {
	    [F_EXPIRES] = REGENT_HDR_EXPIRES,
	    [F_MIN_EXPIRES] = REGENT_HDR_MIN_EXPIRES,
	    [F_FLOW_TIMER] = REGENT_HDR_FLOW_TIMER,
	    [F_MAX_FWD] = REGENT_HDR_MAX_FORWARDS,
	};
	struct regent_retry_after ra;
	struct regent_msg_iter it = {0};
	struct regent_contact c;
	uint32_t v;
	int rc;

	switch (f) {
	case F_RETRY:
		rc = regent_msg_retry_after(m, &ra);
		assert_true(rc == 0 || rc == EBADMSG);
		return rc ? ABSENT : (long long)ra.seconds;
	case F_CONTACT:
		assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
		return c.has_expires ? (long long)c.expires : ABSENT;
	case F_NONE:
		return 0;
	default:
		rc = regent_msg_u32(m, ids[f], &v);
		assert_true(rc == 0 || rc == EBADMSG);
		return rc ? ABSENT : (long long)v;
	}
}

static void each_odd_value_is_taken_as_the_rfc_says(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		char buf[1024];
		struct regent_msg *m = NULL;
		struct regent_msg_error err;
		uint32_t count = 0, odd;
		int n;

		n = snprintf(buf, sizeof(buf), "SIP/2.0 200 OK\r\n" VIA BASE "%s\r\n", r->lines);
		assert_true(n > 0 && (size_t)n < sizeof(buf));
		if (regent_msg_parse(&m, buf, (size_t)n, NULL, &err) != 0)
			fail_msg("row %zu: response dropped (%s): %s", i, err.reason, r->lines);
		if (read_field(m, r->f) != r->want)
			fail_msg("row %zu: read %lld, want %lld: %s", i, read_field(m, r->f),
				 r->want, r->lines);
		odd = regent_msg_odd(m, &count);
		if (odd != r->odd || (odd != 0) != (count != 0))
			fail_msg("row %zu: odd 0x%x (%u values), want 0x%x: %s", i, odd, count,
				 r->odd, r->lines);
		if (r->strict == NULL) {
			if (regent_msg_validate(m, &err) != 0)
				fail_msg("row %zu: strict checker refuses (%s): %s", i, err.reason,
					 r->lines);
		} else if (regent_msg_validate(m, &err) == 0 || !strstr(err.reason, r->strict)) {
			fail_msg("row %zu: strict checker says '%s', want '%s': %s", i, err.reason,
				 r->strict, r->lines);
		}
		regent_msg_free(m);

		/* the registrar's side: a request with the same lines */
		n = snprintf(buf, sizeof(buf),
			     "REGISTER sip:example.com SIP/2.0\r\n" VIA BASE "%s\r\n", r->lines);
		m = NULL;
		if ((regent_msg_parse(&m, buf, (size_t)n, NULL, &err) != 0) != r->request_refused)
			fail_msg("row %zu: request %s: %s", i,
				 r->request_refused ? "accepted" : "refused", r->lines);
		if (m != NULL)
			assert_int_equal(regent_msg_odd(m, NULL), 0);
		regent_msg_free(m);
	}
}

/* The first strict error is what validate reports, also when a later
 * header has one too, and when the response fails for another reason after
 * a tolerated value, the strict error is what regent_msg_parse says. */
static void the_strict_verdict_is_the_first_error(void **state)
{
	static const char both[] = "SIP/2.0 503 X\r\n" VIA BASE "Expires: 99999999999\r\n"
				   "Retry-After: soon\r\n\r\n";
	static const char later[] =
	    "SIP/2.0 200 OK\r\n" VIA BASE
	    "Contact: <sip:a@192.0.2.1>;expires=x, <sip:b@192.0.2.1>;q=7\r\n"
	    "\r\n";
	struct regent_msg *m = NULL;
	struct regent_msg_error err;
	char names[64];

	(void)state;
	assert_int_equal(regent_msg_parse(&m, both, sizeof(both) - 1, NULL, &err), 0);
	assert_int_equal(regent_msg_odd(m, NULL), REGENT_ODD_EXPIRES | REGENT_ODD_RETRY_AFTER);
	assert_int_equal(regent_msg_odd_names(regent_msg_odd(m, NULL), names, sizeof(names)), 0);
	assert_string_equal(names, "Expires, Retry-After");
	assert_int_equal(regent_msg_validate(m, &err), EBADMSG);
	assert_int_equal(err.code, REGENT_MSG_ERANGE);
	assert_non_null(strstr(err.reason, "Expires: value out of range"));
	assert_int_equal(err.offset, strstr(both, "99999") - both);
	regent_msg_free(m);

	m = NULL;
	assert_int_not_equal(regent_msg_parse(&m, later, sizeof(later) - 1, NULL, &err), 0);
	assert_null(m);
	assert_non_null(strstr(err.reason, "Contact: bad expires"));
	assert_int_equal(regent_msg_odd_names(REGENT_ODD_FLOW_TIMER, names, 4), ENOSPC);
}

/* What matching and safety need still makes a response unusable. */
static void matching_fields_still_drop_a_response(void **state)
{
	static const char *const bad[] = {
	    "SIP/2.0 2000 OK\r\n" VIA BASE "\r\n",
	    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch\r\n" BASE "\r\n",
	    "SIP/2.0 200 OK\r\n" VIA "From: <sip:a@example.com>;tag=1\r\nTo: x y z\r\n"
	    "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	    "SIP/2.0 200 OK\r\n" VIA "From: <sip:a@example.com>;tag=1\r\n"
	    "To: <sip:a@example.com>;tag=2\r\nCSeq: 1 REGISTER\r\n\r\n",
	    "SIP/2.0 200 OK\r\n" VIA "From: <sip:a@example.com>;tag=1\r\n"
	    "To: <sip:a@example.com>;tag=2\r\nCall-ID: c1\r\nCSeq: 99999999999 REGISTER\r\n\r\n",
	    "SIP/2.0 200 OK\r\n" VIA BASE "Content-Length: 99999999999\r\n\r\n",
	    /* Not a value but the Contact syntax: gen-value is not empty (RFC
	     * 3261 §25.1). A Contact list that does not parse is still fatal:
	     * the Registerer could not tell whether its binding is listed. */
	    "SIP/2.0 200 OK\r\n" VIA BASE "Contact: <sip:a@192.0.2.1>;expires=\r\n\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct regent_msg *m = NULL;
		struct regent_msg_error err;

		if (regent_msg_parse(&m, bad[i], strlen(bad[i]), NULL, &err) == 0) {
			regent_msg_free(m);
			fail_msg("kept: %s", bad[i]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_odd_value_is_taken_as_the_rfc_says),
	    cmocka_unit_test(the_strict_verdict_is_the_first_error),
	    cmocka_unit_test(matching_fields_still_drop_a_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
