/*
 * The registrar core (RFC 3261 §10.3) driven with hand-built REGISTER
 * requests; every response is read back with the msg parser.
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

#define SRC "10.0.0.9"
#define SRC_PORT 40000

/* A response: its bytes and parsed form. */
struct rsp {
	char buf[8192];
	struct regent_msg *m;
	int rc;
};

static void rsp_free(struct rsp *r)
{
	regent_msg_free(r->m);
	r->m = NULL;
}

static uint16_t send_raw(struct regent_registrar *reg, const char *req, uint64_t now,
			 struct rsp *out)
{
	struct regent_wbuf wb;
	struct regent_msg_error e;

	regent_wbuf_init_fixed(&wb, out->buf, sizeof(out->buf) - 1);
	out->m = NULL;
	out->rc = regent_registrar_handle(reg, req, strlen(req), now, SRC, SRC_PORT, &wb);
	if (out->rc)
		return 0;
	out->buf[wb.len] = '\0';
	assert_int_equal(regent_msg_parse(&out->m, out->buf, wb.len, NULL, &e), 0);
	assert_false(regent_msg_is_request(out->m));
	return regent_msg_status(out->m);
}

/* REGISTER for alice with the given Call-ID, CSeq and extra header lines. */
static uint16_t reg(struct regent_registrar *r, const char *cid, unsigned cseq, const char *hdrs,
		    uint64_t now, struct rsp *out)
{
	char req[4096];
	uint32_t h = 2166136261u;

	/* The branch depends on everything: identical calls are retransmissions. */
	for (const char *p = hdrs; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (const char *p = cid; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(req, sizeof(req),
		 "REGISTER sip:example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.2:5070;branch=z9hG4bK%u.%08x;rport\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:alice@example.com>;tag=f1\r\n"
		 "To: <sip:alice@example.com>\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u REGISTER\r\n"
		 "%s"
		 "Content-Length: 0\r\n\r\n",
		 cseq, (unsigned)h, cid, cseq, hdrs);
	return send_raw(r, req, now, out);
}

/* The expires of the listed Contact with this URI; -1 if not listed. */
static long listed(const struct rsp *rs, const char *uri)
{
	struct regent_msg_iter it = {0};
	struct regent_contact c;

	while (regent_msg_contact_next(rs->m, &it, &c) == 0) {
		if (regent_pl_eq_str(c.addr.uri_raw, uri)) {
			assert_true(c.has_expires);
			return (long)c.expires;
		}
	}
	return -1;
}

static size_t ncontacts(const struct rsp *rs)
{
	struct regent_msg_iter it = {0};
	struct regent_contact c;
	size_t n = 0;

	while (regent_msg_contact_next(rs->m, &it, &c) == 0)
		n++;
	return n;
}

static struct regent_registrar *mk(bool users)
{
	struct regent_registrar_options o;
	struct regent_registrar *r;

	regent_registrar_options_init(&o);
	o.realm = "example.com";
	o.nonce_lifetime_s = 120;
	assert_int_equal(regent_registrar_alloc(&r, &o), 0);
	if (users)
		assert_int_equal(regent_registrar_add_user(r, "alice", "secret"), 0);
	return r;
}

#define C1 "sip:alice@192.168.1.2:5070"
#define C2 "sip:alice@192.168.1.3:5070"

static void register_then_query_lists_remaining_expiry(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(false);
	struct regent_addr to;
	struct rsp rs;

	assert_int_equal(reg(r, "cid1", 1, "Contact: <" C1 ">;expires=120\r\n", 1000, &rs), 200);
	assert_int_equal(listed(&rs, C1), 120);
	assert_int_equal(regent_msg_to(rs.m, &to), 0);
	assert_true(regent_pl_isset(to.tag));
	rsp_free(&rs);
	assert_int_equal(regent_registrar_count(r, "sip:alice@EXAMPLE.com", 1000), 1);
	/* A REGISTER without Contact is a query. */
	assert_int_equal(reg(r, "other", 7, "", 61000, &rs), 200);
	assert_int_equal(listed(&rs, C1), 60);
	rsp_free(&rs);
	/* Expired bindings are gone. */
	assert_int_equal(regent_registrar_count(r, NULL, 121000), 0);
	assert_int_equal(reg(r, "other", 8, "", 121000, &rs), 200);
	assert_int_equal(ncontacts(&rs), 0);
	rsp_free(&rs);
	regent_registrar_free(r);
}

static void via_gets_received_and_rport(void **state)
{
	(void)state;
	static const struct {
		const char *via;
		const char *expect_top;
	} t[] = {
	    {"Via: SIP/2.0/UDP 192.168.1.2:5070;branch=z9hG4bKa;rport\r\n",
	     "SIP/2.0/UDP 192.168.1.2:5070;branch=z9hG4bKa;received=" SRC ";rport=40000"},
	    {"Via: SIP/2.0/UDP " SRC ":5070;branch=z9hG4bKa\r\n",
	     "SIP/2.0/UDP " SRC ":5070;branch=z9hG4bKa"},
	    {"Via: SIP/2.0/TCP host.invalid;branch=z9hG4bKa\r\n",
	     "SIP/2.0/TCP host.invalid;branch=z9hG4bKa;received=" SRC},
	    {"Via: SIP/2.0/UDP [::1]:5070;branch=z9hG4bKa;rport=1;received=1.2.3.4\r\n"
	     "Via: SIP/2.0/UDP proxy.invalid;branch=z9hG4bKb\r\n",
	     "SIP/2.0/UDP [::1]:5070;branch=z9hG4bKa;received=" SRC ";rport=40000"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_registrar *r = mk(false);
		const struct regent_hdr *h;
		char req[1024];
		struct rsp rs;

		snprintf(req, sizeof(req),
			 "REGISTER sip:example.com SIP/2.0\r\n%s"
			 "From: <sip:alice@example.com>;tag=f1\r\nTo: <sip:alice@example.com>\r\n"
			 "Call-ID: v%zu\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
			 t[i].via, i);
		assert_int_equal(send_raw(r, req, 0, &rs), 200);
		h = regent_msg_hdr_find(rs.m, REGENT_HDR_VIA, NULL, NULL);
		assert_non_null(h);
		assert_true(regent_pl_eq_str(h->value, t[i].expect_top));
		if (strstr(t[i].via, "proxy.invalid")) {
			h = regent_msg_hdr_find(rs.m, REGENT_HDR_VIA, NULL, h);
			assert_non_null(h);
			assert_true(regent_pl_eq_str(h->value,
						     "SIP/2.0/UDP proxy.invalid;branch=z9hG4bKb"));
		}
		rsp_free(&rs);
		regent_registrar_free(r);
	}
}

/* Answers the 401 in rs with the client and returns the header lines. */
static void answer(struct regent_auth_client *ac, struct rsp *rs, char *hdrs, size_t cap)
{
	struct regent_wbuf wb;

	assert_int_equal(regent_auth_client_challenge(ac, rs->m, NULL, 0), REGENT_AUTH_RETRY);
	regent_wbuf_init_fixed(&wb, hdrs, cap - 1);
	assert_int_equal(
	    regent_auth_client_headers(ac, &wb, "REGISTER", "sip:example.com", NULL, 0, "abcdef"),
	    0);
	hdrs[wb.len] = '\0';
}

static void digest_challenge_verify_and_stale(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(true);
	struct regent_auth_creds cr = {"alice", "secret", NULL};
	struct regent_auth_client *ac;
	struct regent_registrar_stats st;
	char auth[1024], hdrs[2048];
	struct rsp rs;

	assert_int_equal(regent_auth_client_alloc(&ac, &cr), 0);
	assert_int_equal(reg(r, "c", 1, "Contact: <" C1 ">\r\n", 1000, &rs), 401);
	assert_non_null(regent_msg_hdr_find(rs.m, REGENT_HDR_WWW_AUTHENTICATE, NULL, NULL));
	answer(ac, &rs, auth, sizeof(auth));
	rsp_free(&rs);
	snprintf(hdrs, sizeof(hdrs), "Contact: <" C1 ">\r\n%s", auth);
	assert_int_equal(reg(r, "c", 2, hdrs, 1000, &rs), 200);
	assert_int_equal(listed(&rs, C1), 3600);
	rsp_free(&rs);
	regent_auth_client_done(ac, 200);
	/* The nonce outlived its lifetime: 401 stale=true, and the client
	 * retries without counting it a failure. */
	{
		struct regent_wbuf wb;

		regent_wbuf_init_fixed(&wb, auth, sizeof(auth) - 1);
		assert_int_equal(regent_auth_client_headers(ac, &wb, "REGISTER", "sip:example.com",
							    NULL, 0, "x1"),
				 0);
		auth[wb.len] = '\0';
	}
	snprintf(hdrs, sizeof(hdrs), "Contact: <" C1 ">\r\n%s", auth);
	assert_int_equal(reg(r, "c", 3, hdrs, 200000, &rs), 401);
	{
		struct regent_msg_iter it = {0};
		struct regent_challenge ch;

		assert_int_equal(
		    regent_msg_challenge_next(rs.m, REGENT_HDR_WWW_AUTHENTICATE, &it, &ch), 0);
		assert_true(ch.stale);
	}
	answer(ac, &rs, auth, sizeof(auth));
	rsp_free(&rs);
	snprintf(hdrs, sizeof(hdrs), "Contact: <" C1 ">\r\n%s", auth);
	assert_int_equal(reg(r, "c", 4, hdrs, 200000, &rs), 200);
	rsp_free(&rs);
	regent_registrar_stats(r, &st);
	assert_int_equal(st.challenges, 2);
	assert_int_equal(st.ok, 2);
	regent_auth_client_free(ac);
	regent_registrar_free(r);
}

static void authenticated_user_only_changes_own_aor(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(true);
	struct regent_auth_creds cr = {"alice", "secret", NULL};
	struct regent_auth_client *ac;
	char auth[1024], req[4096];
	struct rsp rs;

	assert_int_equal(regent_registrar_add_user(r, "bob", "pw"), 0);
	assert_int_equal(regent_auth_client_alloc(&ac, &cr), 0);
	assert_int_equal(reg(r, "c", 1, "", 0, &rs), 401);
	answer(ac, &rs, auth, sizeof(auth));
	rsp_free(&rs);
	snprintf(req, sizeof(req),
		 "REGISTER sip:example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.2:5070;branch=z9hG4bKq\r\n"
		 "From: <sip:bob@example.com>;tag=f1\r\nTo: <sip:bob@example.com>\r\n"
		 "Call-ID: c\r\nCSeq: 2 REGISTER\r\nContact: <sip:bob@1.2.3.4>\r\n%s"
		 "Content-Length: 0\r\n\r\n",
		 auth);
	assert_int_equal(send_raw(r, req, 0, &rs), 403);
	rsp_free(&rs);
	assert_int_equal(regent_registrar_count(r, NULL, 0), 0);
	regent_auth_client_free(ac);
	regent_registrar_free(r);
}

/* Table: expiry rules (min/max/default, Expires header, removal). */
static void expiry_rules(void **state)
{
	(void)state;
	static const struct {
		const char *hdrs;
		uint16_t status;
		long c1, c2; /* listed expires after the request, -1 absent */
		const char *min_expires;
	} t[] = {
	    {"Contact: <" C1 ">;expires=30\r\n", 423, -1, -1, "60"},
	    {"Contact: <" C1 ">\r\nExpires: 59\r\n", 423, -1, -1, "60"},
	    {"Contact: <" C1 ">;expires=7200\r\n", 200, 3600, -1, NULL},
	    {"Contact: <" C1 ">\r\n", 200, 3600, -1, NULL},
	    {"Contact: <" C1 ">\r\nExpires: 300\r\n", 200, 300, -1, NULL},
	    {"Contact: <" C1 ">;expires=100\r\nExpires: 300\r\n", 200, 100, -1, NULL},
	    {"Contact: <" C1 ">;expires=100, <" C2 ">;expires=200\r\n", 200, 100, 200, NULL},
	    /* one of two too brief: nothing is applied */
	    {"Contact: <" C1 ">;expires=100, <" C2 ">;expires=20\r\n", 423, -1, -1, "60"},
	    {"Contact: *\r\n", 400, -1, -1, NULL},
	    {"Contact: *\r\nExpires: 0\r\n", 200, -1, -1, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_registrar *r = mk(false);
		const struct regent_hdr *h;
		struct rsp rs;

		assert_int_equal(reg(r, "c", 1, t[i].hdrs, 0, &rs), t[i].status);
		h = regent_msg_hdr_find(rs.m, REGENT_HDR_MIN_EXPIRES, NULL, NULL);
		if (t[i].min_expires)
			assert_true(h && regent_pl_eq_str(h->value, t[i].min_expires));
		else
			assert_null(h);
		rsp_free(&rs);
		assert_int_equal(reg(r, "q", 1, "", 0, &rs), 200);
		assert_int_equal(listed(&rs, C1), t[i].c1);
		assert_int_equal(listed(&rs, C2), t[i].c2);
		rsp_free(&rs);
		regent_registrar_free(r);
	}
}

static void removal_one_and_all(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(false);
	struct rsp rs;

	assert_int_equal(reg(r, "a", 1, "Contact: <" C1 ">\r\n", 0, &rs), 200);
	rsp_free(&rs);
	assert_int_equal(reg(r, "b", 1, "Contact: <" C2 ">\r\n", 0, &rs), 200);
	assert_int_equal(ncontacts(&rs), 2); /* several contacts per AOR */
	rsp_free(&rs);
	/* expires=0 removes that one */
	assert_int_equal(reg(r, "a", 2, "Contact: <" C1 ">;expires=0\r\n", 0, &rs), 200);
	assert_int_equal(listed(&rs, C1), -1);
	assert_int_equal(listed(&rs, C2), 3600);
	rsp_free(&rs);
	/* "*" must stand alone: the codec already refuses it, nothing changes */
	assert_int_equal(reg(r, "a", 3, "Contact: *, <" C1 ">\r\nExpires: 0\r\n", 0, &rs), 0);
	assert_int_equal(rs.rc, EBADMSG);
	assert_int_equal(regent_registrar_count(r, NULL, 0), 1);
	/* "*" with a stale CSeq on the same Call-ID is refused, nothing removed */
	assert_int_equal(reg(r, "b", 1, "Contact: *\r\nExpires: 0\r\n", 0, &rs), 500);
	rsp_free(&rs);
	assert_int_equal(regent_registrar_count(r, NULL, 0), 1);
	assert_int_equal(reg(r, "z", 1, "Contact: *\r\nExpires: 0\r\n", 0, &rs), 200);
	assert_int_equal(ncontacts(&rs), 0);
	rsp_free(&rs);
	assert_int_equal(regent_registrar_count(r, NULL, 0), 0);
	regent_registrar_free(r);
}

static bool first_binding(const struct regent_registrar_binding *b, void *arg)
{
	*(struct regent_registrar_binding *)arg = *b;
	return false;
}

/* RFC 3261 §10.3 step 7: same Call-ID needs a higher CSeq; another Call-ID
 * replaces the binding. */
static void call_id_and_cseq_rules(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(false);
	struct regent_registrar_binding b;
	struct rsp rs;

	assert_int_equal(reg(r, "a", 5, "Contact: <" C1 ">;expires=100\r\n", 0, &rs), 200);
	rsp_free(&rs);
	assert_int_equal(reg(r, "a", 5, "Contact: <" C1 ">;expires=200\r\n", 0, &rs), 500);
	rsp_free(&rs);
	assert_int_equal(reg(r, "a", 4, "Contact: <" C1 ">;expires=200\r\n", 0, &rs), 500);
	rsp_free(&rs);
	assert_int_equal(reg(r, "q", 1, "", 0, &rs), 200);
	assert_int_equal(listed(&rs, C1), 100); /* unchanged */
	rsp_free(&rs);
	assert_int_equal(reg(r, "a", 6, "Contact: <" C1 ">;expires=200\r\n", 0, &rs), 200);
	assert_int_equal(listed(&rs, C1), 200);
	rsp_free(&rs);
	/* another Call-ID, equivalent URI (host case): replaced, not added */
	assert_int_equal(reg(r, "b", 1,
			     "Contact: <sip:alice@192.168.1.2:5070;transport=udp>;expires=300\r\n",
			     0, &rs),
			 200);
	rsp_free(&rs);
	assert_int_equal(regent_registrar_count(r, NULL, 0), 2); /* transport param differs */
	assert_int_equal(
	    reg(r, "b", 2, "Contact: <sip:alice@192.168.1.2:5070>;expires=300\r\n", 0, &rs), 200);
	rsp_free(&rs);
	assert_int_equal(regent_registrar_count(r, NULL, 0), 2);
	regent_registrar_foreach(r, 0, first_binding, &b);
	assert_string_equal(b.call_id, "b");
	assert_int_equal(b.cseq, 2);
	assert_int_equal(b.expires_at_ms, 300000);
	regent_registrar_free(r);
}

/* What register_authenticated() leaves: the Authorization lines, the
 * answered request's header lines, its 200. */
struct authed {
	char auth[1024], hdrs[2048], first[8192];
};

/* alice's REGISTER (Call-ID "c") challenged and answered with ac at 1000 ms. */
static void register_authenticated(struct regent_registrar *r, struct regent_auth_client *ac,
				   struct authed *out)
{
	struct rsp rs;

	assert_int_equal(reg(r, "c", 1, "Contact: <" C1 ">\r\n", 1000, &rs), 401);
	answer(ac, &rs, out->auth, sizeof(out->auth));
	rsp_free(&rs);
	snprintf(out->hdrs, sizeof(out->hdrs), "Contact: <" C1 ">\r\n%s", out->auth);
	assert_int_equal(reg(r, "c", 2, out->hdrs, 1000, &rs), 200);
	snprintf(out->first, sizeof(out->first), "%s", rs.buf);
	rsp_free(&rs);
}

/* A retransmitted request (same branch, Call-ID, CSeq) gets the same bytes
 * back, as from a server transaction, and is not taken for a replayed nc;
 * the same credentials under a new branch are a replay and refused. */
static void retransmission_gets_same_response(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(true);
	struct regent_auth_creds cr = {"alice", "secret", NULL};
	struct regent_auth_client *ac;
	struct regent_registrar_stats st;
	struct authed x;
	char hdrs[2048];
	struct rsp rs;

	assert_int_equal(regent_auth_client_alloc(&ac, &cr), 0);
	register_authenticated(r, ac, &x);
	assert_int_equal(reg(r, "c", 2, x.hdrs, 1500, &rs), 200);
	assert_string_equal(rs.buf, x.first);
	rsp_free(&rs);
	/* same credentials, another transaction: nc replay */
	snprintf(hdrs, sizeof(hdrs), "Contact: <" C1 ">;expires=300\r\n%s", x.auth);
	assert_int_equal(reg(r, "c", 3, hdrs, 2000, &rs), 401);
	rsp_free(&rs);
	/* after timer J (32 s) the copy is forgotten */
	snprintf(hdrs, sizeof(hdrs), "Contact: <" C1 ">\r\n%s", x.auth);
	assert_int_equal(reg(r, "c", 2, hdrs, 1000 + 32000, &rs), 401);
	rsp_free(&rs);
	regent_registrar_stats(r, &st);
	assert_int_equal(st.retransmissions, 1);
	regent_auth_client_free(ac);
	regent_registrar_free(r);
}

/* Under load the copy must outlive the client's retransmission timers:
 * after 5,000 other transactions (a second of a 100,000-registration load
 * test) the retransmitted authenticated REGISTER is still answered from
 * the cache, not refused as a replayed nc. With the 1,024 direct-mapped
 * slots of before, it was forgotten. */
static void retransmission_answered_after_a_busy_second(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(true);
	struct regent_auth_creds cr = {"alice", "secret", NULL};
	struct regent_auth_client *ac;
	struct regent_registrar_stats st;
	struct authed x;
	char cid[32];
	struct rsp rs;

	assert_int_equal(regent_auth_client_alloc(&ac, &cr), 0);
	register_authenticated(r, ac, &x);
	for (unsigned i = 0; i < 5000; i++) { /* others' first REGISTERs: 401 each */
		snprintf(cid, sizeof(cid), "other-%u", i);
		assert_int_equal(reg(r, cid, 1, "Contact: <" C2 ">\r\n", 1000 + i / 5, &rs), 401);
		rsp_free(&rs);
	}
	assert_int_equal(reg(r, "c", 2, x.hdrs, 2000, &rs), 200);
	assert_string_equal(rs.buf, x.first);
	rsp_free(&rs);
	regent_registrar_stats(r, &st);
	assert_int_equal(st.retransmissions, 1);
	regent_auth_client_free(ac);
	regent_registrar_free(r);
}

static void scripted_faults(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(false);
	struct regent_registrar_faults f = {0};
	struct regent_registrar_stats st;
	struct regent_retry_after ra;
	struct rsp rs;

	f.fail_status = 503;
	f.fail_retry_after = 30;
	f.fail_until_ms = 600000;
	regent_registrar_set_faults(r, &f);
	assert_int_equal(reg(r, "a", 1, "Contact: <" C1 ">\r\n", 1000, &rs), 503);
	assert_int_equal(regent_msg_retry_after(rs.m, &ra), 0);
	assert_int_equal(ra.seconds, 30);
	rsp_free(&rs);
	assert_int_equal(reg(r, "a", 2, "Contact: <" C1 ">\r\n", 600000, &rs), 200);
	rsp_free(&rs);
	f = (struct regent_registrar_faults){.no_contact_in_200 = true};
	regent_registrar_set_faults(r, &f);
	assert_int_equal(reg(r, "a", 3, "Contact: <" C1 ">\r\n", 600000, &rs), 200);
	assert_int_equal(ncontacts(&rs), 0);
	rsp_free(&rs);
	f = (struct regent_registrar_faults){.drop_percent = 100};
	regent_registrar_set_faults(r, &f);
	assert_int_equal(reg(r, "a", 4, "Contact: <" C1 ">\r\n", 600000, &rs), 0);
	assert_int_equal(rs.rc, ENOMSG);
	regent_registrar_set_faults(r, NULL);
	assert_int_equal(regent_registrar_count(r, NULL, 600000), 1);
	regent_registrar_restart(r);
	assert_int_equal(regent_registrar_count(r, NULL, 600000), 0);
	regent_registrar_stats(r, &st);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.ok, 2);
	regent_registrar_free(r);
}

/* A nonce from before a restart is refused without stale=true. */
static void restart_invalidates_nonces(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(true);
	struct regent_auth_creds cr = {"alice", "secret", NULL};
	struct regent_auth_client *ac;
	char auth[1024], hdrs[2048];
	struct regent_msg_iter it = {0};
	struct regent_challenge ch;
	struct rsp rs;

	assert_int_equal(regent_auth_client_alloc(&ac, &cr), 0);
	assert_int_equal(reg(r, "c", 1, "", 0, &rs), 401);
	answer(ac, &rs, auth, sizeof(auth));
	rsp_free(&rs);
	regent_registrar_restart(r);
	snprintf(hdrs, sizeof(hdrs), "Contact: <" C1 ">\r\n%s", auth);
	assert_int_equal(reg(r, "c", 2, hdrs, 0, &rs), 401);
	assert_int_equal(regent_msg_challenge_next(rs.m, REGENT_HDR_WWW_AUTHENTICATE, &it, &ch), 0);
	assert_false(ch.stale);
	rsp_free(&rs);
	regent_auth_client_free(ac);
	regent_registrar_free(r);
}

static void path_and_outbound_echo(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(false);
	const struct regent_hdr *h;
	struct rsp rs;

	assert_int_equal(reg(r, "a", 1,
			     "Supported: path, outbound\r\n"
			     "Path: <sip:edge.invalid;lr;ob>\r\n"
			     "Contact: <" C1 ">;reg-id=1;+sip.instance=\"<urn:uuid:"
			     "00000000-0000-4000-8000-000000000001>\"\r\n",
			     0, &rs),
			 200);
	h = regent_msg_hdr_find(rs.m, REGENT_HDR_PATH, NULL, NULL);
	assert_true(h && regent_pl_eq_str(h->value, "<sip:edge.invalid;lr;ob>"));
	assert_true(regent_msg_has_token(rs.m, REGENT_HDR_REQUIRE, "outbound"));
	{
		struct regent_msg_iter it = {0};
		struct regent_contact c;

		assert_int_equal(regent_msg_contact_next(rs.m, &it, &c), 0);
		assert_true(c.has_reg_id);
		struct regent_pl inst;

		assert_true(regent_param_get(c.addr.params, "+sip.instance", &inst));
		assert_true(
		    regent_pl_eq_str(inst, "<urn:uuid:00000000-0000-4000-8000-000000000001>"));
	}
	rsp_free(&rs);
	/* Without Supported: outbound / path nothing is echoed. */
	assert_int_equal(reg(r, "a", 2,
			     "Path: <sip:edge.invalid;lr>\r\n"
			     "Contact: <" C1 ">;reg-id=1;+sip.instance=\"<urn:uuid:"
			     "00000000-0000-4000-8000-000000000001>\"\r\n",
			     0, &rs),
			 200);
	assert_null(regent_msg_hdr_find(rs.m, REGENT_HDR_PATH, NULL, NULL));
	assert_false(regent_msg_has_token(rs.m, REGENT_HDR_REQUIRE, "outbound"));
	rsp_free(&rs);
	assert_int_equal(reg(r, "a", 3, "Require: foo\r\nContact: <" C1 ">\r\n", 0, &rs), 420);
	h = regent_msg_hdr_find(rs.m, REGENT_HDR_UNSUPPORTED, NULL, NULL);
	assert_true(h && regent_pl_eq_str(h->value, "foo"));
	rsp_free(&rs);
	regent_registrar_free(r);
}

static void other_input_handled(void **state)
{
	(void)state;
	struct regent_registrar *r = mk(false);
	struct regent_registrar_stats st;
	struct rsp rs;

	assert_int_equal(send_raw(r, "garbage\r\n\r\n", 0, &rs), 0);
	assert_int_equal(rs.rc, EBADMSG);
	assert_int_equal(send_raw(r,
				  "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
				  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
				  "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
				  0, &rs),
			 0);
	assert_int_equal(rs.rc, ENOMSG);
	assert_int_equal(send_raw(r,
				  "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
				  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
				  "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
				  0, &rs),
			 405);
	rsp_free(&rs);
	regent_registrar_stats(r, &st);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.requests, 3);
	regent_registrar_free(r);
}

static void binding_counts_are_capped(void **state)
{
	(void)state;
	struct regent_registrar_options o;
	struct regent_registrar *r;
	struct rsp rs;

	regent_registrar_options_init(&o);
	o.max_bindings_per_aor = 2;
	o.max_bindings = 3;
	assert_int_equal(regent_registrar_alloc(&r, &o), 0);
	assert_int_equal(reg(r, "a", 1, "Contact: <sip:a@1.1.1.1>, <sip:a@1.1.1.2>\r\n", 0, &rs),
			 200);
	rsp_free(&rs);
	assert_int_equal(reg(r, "a", 2, "Contact: <sip:a@1.1.1.3>\r\n", 0, &rs), 403);
	rsp_free(&rs);
	/* a refresh of an existing binding is still fine */
	assert_int_equal(reg(r, "a", 3, "Contact: <sip:a@1.1.1.2>\r\n", 0, &rs), 200);
	rsp_free(&rs);
	{
		char req[1024];

		snprintf(req, sizeof(req),
			 "REGISTER sip:example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 1.1.1.9;branch=z9hG4bKb\r\n"
			 "From: <sip:bob@example.com>;tag=f\r\nTo: <sip:bob@example.com>\r\n"
			 "Call-ID: b\r\nCSeq: 1 REGISTER\r\n"
			 "Contact: <sip:b@1.1.1.8>, <sip:b@1.1.1.9>\r\nContent-Length: 0\r\n\r\n");
		assert_int_equal(send_raw(r, req, 0, &rs), 503);
		rsp_free(&rs);
	}
	/* once the old ones expire, room is made */
	assert_int_equal(reg(r, "q", 1, "Contact: <sip:a@1.1.1.5>\r\n", 3600000, &rs), 200);
	assert_int_equal(ncontacts(&rs), 1);
	rsp_free(&rs);
	assert_int_equal(regent_registrar_count(r, NULL, 3600000), 1);
	regent_registrar_free(r);
	/* bad options refused */
	regent_registrar_options_init(&o);
	o.digest_algs = "SHA-256,SHA-1";
	assert_int_equal(regent_registrar_alloc(&r, &o), EINVAL);
	o.digest_algs = "SHA-512-256, MD5";
	assert_int_equal(regent_registrar_alloc(&r, &o), 0);
	regent_registrar_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(register_then_query_lists_remaining_expiry),
	    cmocka_unit_test(via_gets_received_and_rport),
	    cmocka_unit_test(digest_challenge_verify_and_stale),
	    cmocka_unit_test(authenticated_user_only_changes_own_aor),
	    cmocka_unit_test(expiry_rules),
	    cmocka_unit_test(removal_one_and_all),
	    cmocka_unit_test(call_id_and_cseq_rules),
	    cmocka_unit_test(retransmission_gets_same_response),
	    cmocka_unit_test(retransmission_answered_after_a_busy_second),
	    cmocka_unit_test(scripted_faults),
	    cmocka_unit_test(restart_invalidates_nonces),
	    cmocka_unit_test(path_and_outbound_echo),
	    cmocka_unit_test(other_input_handled),
	    cmocka_unit_test(binding_counts_are_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
