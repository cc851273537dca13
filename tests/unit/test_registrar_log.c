/*
 * What the test registrar says about each answer, for a log that helps
 * debug a client (regent_registrar_note), and its 400 to malformed requests
 * (regent_registrar_reject_malformed, RFC 3261 §8.2, §21.4.1).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "registrar/registrar.h"

#define C1 "sip:alice@192.168.1.2:5070"
#define C2 "sip:alice@192.168.1.3:5070"

static char out[8192];

/* REGISTER for the To user `to` with extra header lines; the status. */
static uint16_t reg(struct regent_registrar *r, const char *to, unsigned cseq, const char *hdrs,
		    struct regent_msg **rsp)
{
	char req[4096];
	struct regent_wbuf wb;
	struct regent_msg *m;
	int rc;

	snprintf(req, sizeof(req),
		 "REGISTER sip:example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.2:5070;branch=z9hG4bK%u;rport\r\n"
		 "From: <sip:%s@example.com>;tag=f1\r\n"
		 "To: <sip:%s@example.com>\r\n"
		 "Call-ID: log-test\r\n"
		 "CSeq: %u REGISTER\r\n"
		 "%s"
		 "Content-Length: 0\r\n\r\n",
		 cseq, to, to, cseq, hdrs);
	regent_wbuf_init_fixed(&wb, out, sizeof(out) - 1);
	rc = regent_registrar_handle(r, req, strlen(req), 1000, "10.0.0.9", 40000, &wb);
	assert_int_equal(rc, 0);
	out[wb.len] = '\0';
	assert_int_equal(regent_msg_parse(&m, out, wb.len, NULL, NULL), 0);
	rc = regent_msg_status(m);
	if (rsp)
		*rsp = m;
	else
		regent_msg_free(m);
	return (uint16_t)rc;
}

static struct regent_registrar *mk(bool users)
{
	struct regent_registrar_options o;
	struct regent_registrar *r;

	regent_registrar_options_init(&o);
	o.realm = "example.com";
	assert_int_equal(regent_registrar_alloc(&r, &o), 0);
	if (users)
		assert_int_equal(regent_registrar_add_user(r, "alice", "secret"), 0);
	return r;
}

/* Registers with credentials (user, password) answering the 401 `r` gives;
 * returns the status and leaves the note for the caller. */
static uint16_t reg_as(struct regent_registrar *r, const char *user, const char *password,
		       const char *to, unsigned cseq)
{
	struct regent_auth_creds cr = {user, password, NULL};
	struct regent_auth_client *ac;
	struct regent_msg *ch;
	struct regent_wbuf wb;
	char auth[1024], hdrs[2048];
	uint16_t st;

	assert_int_equal(regent_auth_client_alloc(&ac, &cr), 0);
	assert_int_equal(reg(r, to, cseq, "Contact: <" C1 ">\r\n", &ch), 401);
	/* a first REGISTER without credentials is challenged: nothing to add */
	assert_string_equal(regent_registrar_note(r), "");
	assert_int_equal(regent_auth_client_challenge(ac, ch, NULL, 0), REGENT_AUTH_RETRY);
	regent_msg_free(ch);
	regent_wbuf_init_fixed(&wb, auth, sizeof(auth) - 1);
	assert_int_equal(
	    regent_auth_client_headers(ac, &wb, "REGISTER", "sip:example.com", NULL, 0, "c1"), 0);
	auth[wb.len] = '\0';
	snprintf(hdrs, sizeof(hdrs), "Contact: <" C1 ">\r\n%s", auth);
	st = reg(r, to, cseq + 1, hdrs, NULL);
	regent_auth_client_free(ac);
	return st;
}

static void credential_mistakes_told_apart(void **state)
{
	struct regent_registrar *r = mk(true);

	(void)state;
	assert_int_equal(reg_as(r, "alice", "wrong", "alice", 1), 401);
	assert_string_equal(regent_registrar_note(r), "wrong password for user \"alice\"");
	assert_int_equal(reg_as(r, "bob", "secret", "alice", 3), 401);
	assert_string_equal(regent_registrar_note(r), "unknown user \"bob\"");
	assert_int_equal(reg_as(r, "sip:alice@example.com", "secret", "alice", 5), 401);
	assert_non_null(strstr(regent_registrar_note(r),
			       "malformed username \"sip:alice@example.com\": ':' at 4"));
	assert_int_equal(reg_as(r, "al ice", "secret", "alice", 7), 401);
	assert_non_null(strstr(regent_registrar_note(r), "malformed username \"al ice\""));
	/* the right password for another AOR: the user is known, the AOR not his */
	assert_int_equal(reg_as(r, "alice", "secret", "carol", 9), 403);
	assert_string_equal(regent_registrar_note(r),
			    "user \"alice\" may not change the bindings of sip:carol@example.com");
	/* and all right: nothing to add */
	assert_int_equal(reg_as(r, "alice", "secret", "alice", 11), 200);
	assert_string_equal(regent_registrar_note(r), "");
	regent_registrar_free(r);
}

static void un_register_shown_as_one(void **state)
{
	struct regent_registrar *r = mk(false);

	(void)state;
	assert_int_equal(reg(r, "alice", 1, "Contact: <" C1 ">, <" C2 ">\r\n", NULL), 200);
	assert_string_equal(regent_registrar_note(r), "");
	assert_int_equal(reg(r, "alice", 2, "", NULL), 200);
	assert_string_equal(regent_registrar_note(r), "query: 2 bindings");
	assert_int_equal(reg(r, "alice", 3, "Contact: <" C1 ">;expires=0\r\n", NULL), 200);
	assert_string_equal(regent_registrar_note(r),
			    "un-REGISTER: 1 of 1 binding removed, 1 left");
	assert_int_equal(reg(r, "alice", 4, "Contact: <" C1 ">, <" C2 ">\r\nExpires: 0\r\n", NULL),
			 200);
	assert_string_equal(regent_registrar_note(r),
			    "un-REGISTER: 1 of 2 bindings removed, 0 left");
	/* adding one and removing another is not an un-REGISTER */
	assert_int_equal(reg(r, "alice", 5, "Contact: <" C1 ">\r\n", NULL), 200);
	assert_int_equal(
	    reg(r, "alice", 6, "Contact: <" C2 ">\r\nContact: <" C1 ">;expires=0\r\n", NULL), 200);
	assert_string_equal(regent_registrar_note(r), "1 binding removed (expires 0), 1 left");
	assert_int_equal(reg(r, "alice", 7, "Contact: *\r\nExpires: 0\r\n", NULL), 200);
	assert_string_equal(regent_registrar_note(r),
			    "un-REGISTER of every binding (Contact: *): 1 removed");
	regent_registrar_free(r);
}

#define BASE                                                                                       \
	"From: <sip:alice@example.com>;tag=f1\r\n"                                                 \
	"To: <sip:alice@example.com>\r\n"                                                          \
	"Call-ID: m1\r\n"
#define VIA "Via: SIP/2.0/UDP 192.168.1.2:5070;branch=z9hG4bKm1;rport\r\n"
#define END "Content-Length: 0\r\n\r\n"

/* Hands `req` to the core and, when it finds it malformed, to the 400. */
static int malformed(struct regent_registrar *r, const char *req, struct regent_wbuf *wb)
{
	regent_wbuf_init_fixed(wb, out, sizeof(out) - 1);
	assert_int_equal(regent_registrar_handle(r, req, strlen(req), 0, "10.0.0.9", 40000, wb),
			 EBADMSG);
	return regent_registrar_reject_malformed(r, req, strlen(req), "10.0.0.9", 40000, wb);
}

static void malformed_requests_get_a_400_naming_the_problem(void **state)
{
	struct regent_registrar *r = mk(false);
	struct regent_wbuf wb;
	struct regent_msg *m;
	struct regent_addr to;

	(void)state;
	/* a bad CSeq: the 400 copies it as it came */
	assert_int_equal(
	    malformed(r, "REGISTER sip:example.com SIP/2.0\r\n" VIA BASE "CSeq: x REGISTER\r\n" END,
		      &wb),
	    0);
	assert_non_null(strstr(out, "SIP/2.0 400 Malformed Request (CSeq: bad number at "));
	assert_non_null(strstr(out, "Via: SIP/2.0/UDP 192.168.1.2:5070;branch=z9hG4bKm1;"
				    "received=10.0.0.9;rport=40000\r\n"));
	assert_non_null(strstr(out, "CSeq: x REGISTER\r\nContent-Length: 0\r\n\r\n"));
	assert_string_equal(regent_registrar_note(r), "");
	/* a bad Contact: everything else parses, the 400 is whole, To tagged */
	assert_int_equal(malformed(r,
				   "REGISTER sip:example.com SIP/2.0\r\n" VIA BASE
				   "CSeq: 2 REGISTER\r\nContact: <sip:a@b>;expires=x\r\n" END,
				   &wb),
			 0);
	assert_int_equal(regent_msg_parse(&m, out, wb.len, NULL, NULL), 0);
	assert_int_equal(regent_msg_status(m), 400);
	assert_non_null(strstr(out, "SIP/2.0 400 Malformed Request (Contact: bad expires at "));
	assert_int_equal(regent_msg_to(m, &to), 0);
	assert_true(regent_pl_isset(to.tag));
	regent_msg_free(m);
	regent_registrar_free(r);
}

static void unanswerable_bytes_are_dropped_with_a_note(void **state)
{
	struct regent_registrar *r = mk(false);
	const char *ok = "REGISTER sip:example.com SIP/2.0\r\n" VIA BASE "CSeq: 1 REGISTER\r\n" END;
	struct regent_wbuf wb;

	(void)state;
	/* no Via: nowhere to answer */
	assert_int_equal(
	    malformed(r, "REGISTER sip:example.com SIP/2.0\r\n" BASE "CSeq: 1 REGISTER\r\n" END,
		      &wb),
	    EBADMSG);
	assert_int_equal(wb.len, 0);
	assert_non_null(strstr(regent_registrar_note(r), "no readable Via: dropped"));
	assert_non_null(strstr(regent_registrar_note(r), "Via: missing header"));
	/* a Via that does not parse */
	assert_int_equal(malformed(r,
				   "REGISTER sip:example.com SIP/2.0\r\nVia: junk\r\n" BASE
				   "CSeq: 1 REGISTER\r\n" END,
				   &wb),
			 EBADMSG);
	assert_int_equal(wb.len, 0);
	assert_non_null(strstr(regent_registrar_note(r), "no readable Via: dropped"));
	/* a malformed response is never answered */
	assert_int_equal(
	    malformed(r, "SIP/2.0 200 OK\r\n" VIA BASE "CSeq: x REGISTER\r\n" END, &wb), EBADMSG);
	assert_int_equal(wb.len, 0);
	assert_non_null(strstr(regent_registrar_note(r), "malformed response"));
	/* well-formed bytes are not this function's */
	regent_wbuf_init_fixed(&wb, out, sizeof(out) - 1);
	assert_int_equal(regent_registrar_reject_malformed(r, ok, strlen(ok), "10.0.0.9", 1, &wb),
			 EINVAL);
	regent_registrar_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(credential_mistakes_told_apart),
	    cmocka_unit_test(un_register_shown_as_one),
	    cmocka_unit_test(malformed_requests_get_a_400_naming_the_problem),
	    cmocka_unit_test(unanswerable_bytes_are_dropped_with_a_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
