/*
 * Digest client and server: challenge choice, nc per nonce, stale, loop
 * bounds, 401+407 in one exchange, HA1, and client <-> server round trips
 * with every algorithm. Messages are raw strings read by the msg parser.
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
#include "registrar/auth_server.h"

#define RURI "sip:example.com"

static const struct regent_auth_creds alice = {"alice", "secret", NULL};

/* A parsed message with its own buffer. */
struct pmsg {
	char buf[4096];
	struct regent_msg *m;
};

static void pmsg_parse(struct pmsg *pm)
{
	struct regent_msg_error e;

	assert_int_equal(regent_msg_parse(&pm->m, pm->buf, strlen(pm->buf), NULL, &e), 0);
}

static void resp(struct pmsg *pm, int status, const char *hdrs)
{
	snprintf(pm->buf, sizeof(pm->buf),
		 "SIP/2.0 %d Challenge\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
		 "From: <sip:alice@example.com>;tag=a\r\n"
		 "To: <sip:alice@example.com>;tag=b\r\n"
		 "Call-ID: c1\r\n"
		 "CSeq: 1 REGISTER\r\n"
		 "%s"
		 "Content-Length: 0\r\n\r\n",
		 status, hdrs);
	pmsg_parse(pm);
}

static void req(struct pmsg *pm, const char *ruri, const char *hdrs)
{
	snprintf(pm->buf, sizeof(pm->buf),
		 "REGISTER %s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
		 "From: <sip:alice@example.com>;tag=a\r\n"
		 "To: <sip:alice@example.com>\r\n"
		 "Call-ID: c1\r\n"
		 "CSeq: 1 REGISTER\r\n"
		 "%s"
		 "Content-Length: 0\r\n\r\n",
		 ruri, hdrs);
	pmsg_parse(pm);
}

static void pmsg_free(struct pmsg *pm)
{
	regent_msg_free(pm->m);
	pm->m = NULL;
}

/* Feeds a challenge response built from hdrs. */
static enum regent_auth_verdict feed(struct regent_auth_client *ac, int status, const char *hdrs,
				     char *why, size_t wl)
{
	struct pmsg pm;
	enum regent_auth_verdict v;

	resp(&pm, status, hdrs);
	v = regent_auth_client_challenge(ac, pm.m, why, wl);
	pmsg_free(&pm);
	return v;
}

/* The credential headers the client writes now, as text. */
static void creds_text(struct regent_auth_client *ac, char *out, size_t cap)
{
	struct regent_wbuf wb;

	regent_wbuf_init_fixed(&wb, out, cap - 1);
	assert_int_equal(regent_auth_client_headers(ac, &wb, "REGISTER", RURI, NULL, 0, "cn0123"),
			 0);
	out[wb.len] = '\0';
}

/* Parses the credentials the client writes (one header of kind id). */
static void creds_of(struct regent_auth_client *ac, enum regent_hdr_id id, char *alg, char *nc,
		     char *nonce)
{
	char hdrs[2048];
	struct pmsg pm;
	struct regent_msg_iter it = {0};
	struct regent_credentials cr;

	creds_text(ac, hdrs, sizeof(hdrs));
	req(&pm, RURI, hdrs);
	assert_int_equal(regent_msg_credentials_next(pm.m, id, &it, &cr), 0);
	if (alg)
		assert_int_equal(regent_pl_strcpy(cr.algorithm, alg, 32), 0);
	if (nc)
		assert_int_equal(regent_pl_strcpy(cr.nc, nc, 16), 0);
	if (nonce)
		assert_int_equal(regent_pl_strcpy(cr.nonce, nonce, 128), 0);
	pmsg_free(&pm);
}

static void strongest_supported_challenge_wins(void **state)
{
	(void)state;
	static const struct {
		const char *hdrs;
		bool ha1_md5;
		enum regent_auth_verdict v;
		const char *alg;
	} t[] = {
	    {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n"
	     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256, "
	     "qop=\"auth\"\r\n",
	     false, REGENT_AUTH_RETRY, "SHA-256"},
	    {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256, "
	     "qop=\"auth\"\r\n"
	     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n",
	     false, REGENT_AUTH_RETRY, "SHA-256"},
	    {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=MD5\r\n"
	     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n3\", algorithm=SHA-512-256\r\n"
	     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256\r\n",
	     false, REGENT_AUTH_RETRY, "SHA-512-256"},
	    {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n9\", algorithm=SHA-1\r\n"
	     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", qop=\"auth\"\r\n",
	     false, REGENT_AUTH_RETRY, "MD5"},
	    {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=MD5-sess, "
	     "qop=\"auth\"\r\n",
	     false, REGENT_AUTH_RETRY, "MD5-sess"},
	    /* HA1 of MD5: a SHA-256 offer cannot be answered, MD5 is used */
	    {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256, "
	     "qop=\"auth\"\r\n"
	     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n",
	     true, REGENT_AUTH_RETRY, "MD5"},
	    {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n9\", algorithm=SHA-1\r\n", false,
	     REGENT_AUTH_FAIL, NULL},
	    {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n9\", qop=\"auth-conf\"\r\n", false,
	     REGENT_AUTH_FAIL, NULL},
	    {"WWW-Authenticate: Basic realm=\"r\"\r\n", false, REGENT_AUTH_FAIL, NULL},
	    {"WWW-Authenticate: Digest realm=\"r\", algorithm=MD5\r\n", false, REGENT_AUTH_FAIL,
	     NULL},
	    {"", false, REGENT_AUTH_FAIL, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_auth_creds c = alice;
		struct regent_auth_client *ac;
		char why[64] = "", alg[32];

		if (t[i].ha1_md5) {
			c.password = NULL;
			c.ha1 = "0123456789abcdef0123456789abcdef";
		}
		assert_int_equal(regent_auth_client_alloc(&ac, &c), 0);
		assert_int_equal(feed(ac, 401, t[i].hdrs, why, sizeof(why)), t[i].v);
		if (t[i].v == REGENT_AUTH_RETRY) {
			creds_of(ac, REGENT_HDR_AUTHORIZATION, alg, NULL, NULL);
			assert_string_equal(alg, t[i].alg);
		} else {
			assert_true(why[0] != '\0');
		}
		regent_auth_client_free(ac);
	}
}

#define CH(n, extra)                                                                               \
	"WWW-Authenticate: Digest realm=\"r\", nonce=\"" n "\", qop=\"auth\"" extra "\r\n"
#define PCH(n, extra)                                                                              \
	"Proxy-Authenticate: Digest realm=\"p\", nonce=\"" n "\", qop=\"auth\"" extra "\r\n"

static void nc_counts_per_nonce(void **state)
{
	(void)state;
	struct regent_auth_client *ac;
	char nc[16], nonce[128];

	assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
	assert_int_equal(feed(ac, 401, CH("n1", ""), NULL, 0), REGENT_AUTH_RETRY);
	creds_of(ac, REGENT_HDR_AUTHORIZATION, NULL, nc, nonce);
	assert_string_equal(nc, "00000001");
	assert_string_equal(nonce, "n1");
	regent_auth_client_done(ac, 200);
	/* Refreshes: pre-emptive, next nc on the same nonce. */
	creds_of(ac, REGENT_HDR_AUTHORIZATION, NULL, nc, NULL);
	assert_string_equal(nc, "00000002");
	creds_of(ac, REGENT_HDR_AUTHORIZATION, NULL, nc, NULL);
	assert_string_equal(nc, "00000003");
	/* A new nonce starts again at 1 (SIP.js does not). */
	assert_int_equal(feed(ac, 401, CH("n2", ""), NULL, 0), REGENT_AUTH_RETRY);
	creds_of(ac, REGENT_HDR_AUTHORIZATION, NULL, nc, nonce);
	assert_string_equal(nc, "00000001");
	assert_string_equal(nonce, "n2");
	/* Re-challenged with the same nonce: the count goes on. */
	regent_auth_client_done(ac, 200);
	assert_int_equal(feed(ac, 401, CH("n2", ""), NULL, 0), REGENT_AUTH_RETRY);
	creds_of(ac, REGENT_HDR_AUTHORIZATION, NULL, nc, NULL);
	assert_string_equal(nc, "00000002");
	regent_auth_client_free(ac);
}

/* Table of challenge sequences within one exchange and the verdicts. */
static void exchange_sequences_are_bounded(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool preemptive; /* a cached nonce from an earlier exchange */
		struct {
			int status;
			const char *hdrs;
		} seq[5];
		enum regent_auth_verdict last;
		size_t steps;
	} t[] = {
	    {"wrong password: second plain 401 fails",
	     false,
	     {{401, CH("n1", "")}, {401, CH("n2", "")}},
	     REGENT_AUTH_FAIL,
	     2},
	    {"stale retried without counting",
	     false,
	     {{401, CH("n1", "")}, {401, CH("n2", ", stale=true")}},
	     REGENT_AUTH_RETRY,
	     2},
	    {"stale then plain 401 fails",
	     false,
	     {{401, CH("n1", "")}, {401, CH("n2", ", stale=true")}, {401, CH("n3", "")}},
	     REGENT_AUTH_FAIL,
	     3},
	    {"endless stale is bounded",
	     false,
	     {{401, CH("n1", "")},
	      {401, CH("n2", ", stale=true")},
	      {401, CH("n3", ", stale=true")}},
	     REGENT_AUTH_FAIL,
	     3},
	    {"rejected cached nonce falls back to the challenge",
	     true,
	     {{401, CH("n2", "")}, {401, CH("n3", ", stale=true")}},
	     REGENT_AUTH_RETRY,
	     2},
	    {"rejected cached nonce then wrong password fails",
	     true,
	     {{401, CH("n2", "")}, {401, CH("n3", "")}},
	     REGENT_AUTH_FAIL,
	     2},
	    {"401 then 407 both answered",
	     false,
	     {{401, CH("n1", "")}, {407, PCH("p1", "")}},
	     REGENT_AUTH_RETRY,
	     2},
	    {"407 then 401 both answered",
	     false,
	     {{407, PCH("p1", "")}, {401, CH("n1", "")}},
	     REGENT_AUTH_RETRY,
	     2},
	    {"401, 407, then 407 again fails",
	     false,
	     {{401, CH("n1", "")}, {407, PCH("p1", "")}, {407, PCH("p2", "")}},
	     REGENT_AUTH_FAIL,
	     3},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_auth_client *ac;
		enum regent_auth_verdict v = REGENT_AUTH_FAIL;
		char why[80] = "";

		print_message("case: %s\n", t[i].name);
		assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
		if (t[i].preemptive) {
			assert_int_equal(feed(ac, 401, CH("n0", ""), NULL, 0), REGENT_AUTH_RETRY);
			regent_auth_client_done(ac, 200);
		}
		for (size_t s = 0; s < t[i].steps; s++) {
			char hdrs[1024];

			creds_text(ac, hdrs, sizeof(hdrs));
			v = feed(ac, t[i].seq[s].status, t[i].seq[s].hdrs, why, sizeof(why));
			if (s + 1 < t[i].steps)
				assert_int_equal(v, REGENT_AUTH_RETRY);
		}
		assert_int_equal(v, t[i].last);
		if (v == REGENT_AUTH_FAIL)
			assert_true(why[0] != '\0');
		regent_auth_client_free(ac);
	}
}

static void proxy_and_www_both_sent(void **state)
{
	(void)state;
	struct regent_auth_client *ac;
	char hdrs[2048];

	assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
	assert_int_equal(feed(ac, 407, PCH("p1", ""), NULL, 0), REGENT_AUTH_RETRY);
	creds_text(ac, hdrs, sizeof(hdrs));
	assert_non_null(strstr(hdrs, "Proxy-Authorization: Digest"));
	assert_null(strstr(hdrs, "\nAuthorization:"));
	assert_int_equal(feed(ac, 401, CH("n1", ""), NULL, 0), REGENT_AUTH_RETRY);
	creds_text(ac, hdrs, sizeof(hdrs));
	assert_non_null(
	    strstr(hdrs, "Proxy-Authorization: Digest username=\"alice\", realm=\"p\""));
	assert_non_null(strstr(hdrs, "Authorization: Digest username=\"alice\", realm=\"r\""));
	/* the proxy nonce was used twice: nc 2 now */
	assert_non_null(strstr(hdrs, "nonce=\"p1\""));
	assert_int_equal(regent_auth_client_cached(ac), 2);
	regent_auth_client_reset(ac);
	assert_int_equal(regent_auth_client_cached(ac), 0);
	creds_text(ac, hdrs, sizeof(hdrs));
	assert_string_equal(hdrs, "");
	regent_auth_client_free(ac);
}

static void ha1_option_gives_password_response(void **state)
{
	(void)state;
	struct regent_auth_creds c = {"alice", NULL, NULL};
	struct regent_auth_client *a, *b;
	char ha1[129], x[1024], y[1024];

	assert_int_equal(regent_digest_ha1(REGENT_DIGEST_MD5, "alice", "r", "secret", ha1), 0);
	c.ha1 = ha1;
	assert_int_equal(regent_auth_client_alloc(&a, &alice), 0);
	assert_int_equal(regent_auth_client_alloc(&b, &c), 0);
	assert_int_equal(feed(a, 401, CH("n1", ""), NULL, 0), REGENT_AUTH_RETRY);
	assert_int_equal(feed(b, 401, CH("n1", ""), NULL, 0), REGENT_AUTH_RETRY);
	creds_text(a, x, sizeof(x));
	creds_text(b, y, sizeof(y));
	assert_string_equal(x, y);
	regent_auth_client_free(a);
	regent_auth_client_free(b);
	/* bad HA1 refused at construction */
	c.ha1 = "xyz";
	assert_int_equal(regent_auth_client_alloc(&a, &c), EINVAL);
	c.ha1 = NULL;
	assert_int_equal(regent_auth_client_alloc(&a, &c), EINVAL);
	c.password = "a\r\nb";
	assert_int_equal(regent_auth_client_alloc(&a, &c), EINVAL);
}

/* ------------------------------------------------------------ server */

static const unsigned char key[] = "0123456789abcdef";

static struct regent_auth_server *server(enum regent_digest_alg alg, uint32_t slots)
{
	struct regent_auth_server_options o;
	struct regent_auth_server *as;

	regent_auth_server_options_init(&o);
	o.realm = "example.com";
	o.algs[0] = alg;
	o.secret = key;
	o.secret_len = 16;
	o.nonce_lifetime_s = 60;
	o.nc_slots = slots;
	assert_int_equal(regent_auth_server_alloc(&as, &o), 0);
	assert_int_equal(regent_auth_server_add_user(as, "alice", "secret"), 0);
	assert_int_equal(regent_auth_server_add_user(as, "alice", "x"), EEXIST);
	return as;
}

/* The server's challenge, fed to the client. */
static enum regent_auth_verdict challenge(struct regent_auth_server *as,
					  struct regent_auth_client *ac, uint64_t now, bool stale)
{
	char hdrs[1024];
	struct regent_wbuf wb;

	regent_wbuf_init_fixed(&wb, hdrs, sizeof(hdrs) - 1);
	assert_int_equal(regent_auth_server_challenge(as, &wb, now, stale), 0);
	hdrs[wb.len] = '\0';
	if (stale)
		assert_non_null(strstr(hdrs, "stale=true"));
	return feed(ac, 401, hdrs, NULL, 0);
}

static enum regent_auth_check check(struct regent_auth_server *as, const char *hdrs, uint64_t now)
{
	struct pmsg pm;
	struct regent_pl user;
	enum regent_auth_check rc;

	req(&pm, RURI, hdrs);
	rc = regent_auth_server_check(as, pm.m, now, &user);
	if (rc == REGENT_AUTH_OK)
		assert_true(regent_pl_eq_str(user, "alice"));
	pmsg_free(&pm);
	return rc;
}

static void round_trip_every_algorithm(void **state)
{
	(void)state;
	static const enum regent_digest_alg algs[] = {
	    REGENT_DIGEST_MD5,	       REGENT_DIGEST_MD5_SESS,	 REGENT_DIGEST_SHA256,
	    REGENT_DIGEST_SHA256_SESS, REGENT_DIGEST_SHA512_256, REGENT_DIGEST_SHA512_256_SESS,
	};
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct regent_auth_server *as = server(algs[i], 0);
		struct regent_auth_client *ac;
		char h1[1024], h2[1024];

		assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
		assert_int_equal(check(as, "", 1000), REGENT_AUTH_MISSING);
		assert_int_equal(challenge(as, ac, 1000, false), REGENT_AUTH_RETRY);
		creds_text(ac, h1, sizeof(h1));
		assert_non_null(strstr(h1, regent_digest_alg_name(algs[i])));
		assert_int_equal(check(as, h1, 1001), REGENT_AUTH_OK);
		regent_auth_client_done(ac, 200);
		/* pre-emptive refresh: nc 2 accepted; a replay of nc 1 refused */
		creds_text(ac, h2, sizeof(h2));
		assert_int_equal(check(as, h2, 1030), REGENT_AUTH_OK);
		assert_int_equal(check(as, h1, 1031), REGENT_AUTH_BAD);
		/* after the nonce lifetime: stale, and the client retries it */
		creds_text(ac, h2, sizeof(h2));
		assert_int_equal(check(as, h2, 1060), REGENT_AUTH_STALE);
		assert_int_equal(challenge(as, ac, 1060, true), REGENT_AUTH_RETRY);
		creds_text(ac, h2, sizeof(h2));
		assert_int_equal(check(as, h2, 1061), REGENT_AUTH_OK);
		regent_auth_client_done(ac, 200);
		regent_auth_client_free(ac);
		regent_auth_server_free(as);
	}
}

static void server_refuses_bad_credentials(void **state)
{
	(void)state;
	struct regent_auth_server *as = server(REGENT_DIGEST_MD5, 0);
	struct regent_auth_creds wrong = {"alice", "wrong", NULL};
	struct regent_auth_creds nobody = {"bob", "secret", NULL};
	struct regent_auth_client *ac;
	char h[1024], *p;
	struct pmsg pm;
	struct regent_wbuf wb;

	/* wrong password, unknown user */
	assert_int_equal(regent_auth_client_alloc(&ac, &wrong), 0);
	assert_int_equal(challenge(as, ac, 10, false), REGENT_AUTH_RETRY);
	creds_text(ac, h, sizeof(h));
	assert_int_equal(check(as, h, 10), REGENT_AUTH_BAD);
	regent_auth_client_free(ac);
	assert_int_equal(regent_auth_client_alloc(&ac, &nobody), 0);
	assert_int_equal(challenge(as, ac, 10, false), REGENT_AUTH_RETRY);
	creds_text(ac, h, sizeof(h));
	assert_int_equal(check(as, h, 10), REGENT_AUTH_BAD);
	regent_auth_client_free(ac);

	assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
	assert_int_equal(challenge(as, ac, 10, false), REGENT_AUTH_RETRY);
	/* credentials for another Request-URI */
	regent_wbuf_init_fixed(&wb, h, sizeof(h) - 1);
	assert_int_equal(
	    regent_auth_client_headers(ac, &wb, "REGISTER", "sip:other.org", NULL, 0, "c1"), 0);
	h[wb.len] = '\0';
	assert_int_equal(check(as, h, 10), REGENT_AUTH_BAD);
	/* a tampered nonce (time moved forward, MAC kept) */
	creds_text(ac, h, sizeof(h));
	p = strstr(h, "nonce=\"") + 7;
	p[14] = p[14] == '0' ? '1' : '0';
	assert_int_equal(check(as, h, 10), REGENT_AUTH_BAD);
	/* realm of someone else: not ours, so missing */
	creds_text(ac, h, sizeof(h));
	p = strstr(h, "realm=\"example.com\"");
	memcpy(p, "realm=\"examplx.com\"", 19);
	assert_int_equal(check(as, h, 10), REGENT_AUTH_MISSING);
	/* after a rekey (restart) nothing old is valid */
	creds_text(ac, h, sizeof(h));
	assert_int_equal(check(as, h, 10), REGENT_AUTH_OK);
	creds_text(ac, h, sizeof(h));
	assert_int_equal(regent_auth_server_rekey(as, (const unsigned char *)"other", 5), 0);
	assert_int_equal(check(as, h, 10), REGENT_AUTH_BAD);
	/* malformed Authorization */
	req(&pm, RURI, "Authorization: Digest realm=\"example.com\"\r\n");
	assert_int_equal(regent_auth_server_check(as, pm.m, 10, NULL), REGENT_AUTH_BAD);
	pmsg_free(&pm);
	regent_auth_client_free(ac);
	regent_auth_server_free(as);
}

/* With 2 tracking slots, a nonce whose slot was reused is answered stale,
 * never accepted unchecked: memory is bounded, replay protection is not lost. */
static void nc_tracking_is_bounded(void **state)
{
	(void)state;
	struct regent_auth_server *as = server(REGENT_DIGEST_MD5, 2);
	struct regent_auth_client *a, *b, *c;
	char h[1024];

	assert_int_equal(regent_auth_client_alloc(&a, &alice), 0);
	assert_int_equal(regent_auth_client_alloc(&b, &alice), 0);
	assert_int_equal(regent_auth_client_alloc(&c, &alice), 0);
	assert_int_equal(challenge(as, a, 10, false), REGENT_AUTH_RETRY); /* seq 1 */
	assert_int_equal(challenge(as, b, 10, false), REGENT_AUTH_RETRY); /* seq 2 */
	assert_int_equal(challenge(as, c, 10, false), REGENT_AUTH_RETRY); /* seq 3 */
	creds_text(c, h, sizeof(h));
	assert_int_equal(check(as, h, 10), REGENT_AUTH_OK); /* takes slot 1 */
	creds_text(a, h, sizeof(h));
	assert_int_equal(check(as, h, 10), REGENT_AUTH_STALE);
	creds_text(b, h, sizeof(h));
	assert_int_equal(check(as, h, 10), REGENT_AUTH_OK);
	regent_auth_client_free(a);
	regent_auth_client_free(b);
	regent_auth_client_free(c);
	regent_auth_server_free(as);
}

/* RFC 7616 §3.4.4: with userhash=true the username is H(user:realm). */
static void userhash_hides_the_username(void **state)
{
	(void)state;
	struct regent_auth_client *ac;
	char hdrs[1024];

	assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
	assert_int_equal(feed(ac, 401, CH("n1", ", userhash=true"), NULL, 0), REGENT_AUTH_RETRY);
	creds_text(ac, hdrs, sizeof(hdrs));
	/* MD5("alice:r"), computed with Python's hashlib */
	assert_non_null(strstr(hdrs, "username=\"32f0b679bfa70edacb56cac9c62df221\""));
	assert_non_null(strstr(hdrs, "userhash=true"));
	assert_null(strstr(hdrs, "alice"));
	regent_auth_client_free(ac);
}

/* qop=auth-int: the body is part of the digest; the server checks it. */
static void auth_int_covers_the_body(void **state)
{
	(void)state;
	struct regent_auth_server *as = server(REGENT_DIGEST_SHA256, 0);
	struct regent_auth_client *ac;
	char hdrs[1024], ch[1024], *q, body[] = "hello";
	struct regent_wbuf wb;
	struct pmsg pm;
	int tamper;

	assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
	regent_wbuf_init_fixed(&wb, ch, sizeof(ch) - 1);
	assert_int_equal(regent_auth_server_challenge(as, &wb, 10, false), 0);
	ch[wb.len] = '\0';
	q = strstr(ch, "qop=\"auth\"");
	assert_non_null(q);
	memmove(q + 14, q + 10, strlen(q + 10) + 1);
	memcpy(q, "qop=\"auth-int\"", 14);
	assert_int_equal(feed(ac, 401, ch, NULL, 0), REGENT_AUTH_RETRY);
	for (tamper = 0; tamper < 2; tamper++) {
		regent_wbuf_init_fixed(&wb, hdrs, sizeof(hdrs) - 1);
		assert_int_equal(
		    regent_auth_client_headers(ac, &wb, "REGISTER", RURI, body, 5, "c9"), 0);
		hdrs[wb.len] = '\0';
		assert_non_null(strstr(hdrs, "qop=auth-int"));
		snprintf(pm.buf, sizeof(pm.buf),
			 "REGISTER " RURI " SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
			 "From: <sip:alice@example.com>;tag=a\r\nTo: <sip:alice@example.com>\r\n"
			 "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n%s"
			 "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n%s",
			 hdrs, tamper ? "hellO" : "hello");
		pmsg_parse(&pm);
		assert_int_equal(regent_auth_server_check(as, pm.m, 10, NULL),
				 tamper ? REGENT_AUTH_BAD : REGENT_AUTH_OK);
		pmsg_free(&pm);
	}
	regent_auth_client_free(ac);
	regent_auth_server_free(as);
}

/* The cache holds a few realms; old ones make room for new ones, and only
 * more realms than that in one exchange is a failure. */
static void realm_cache_is_bounded(void **state)
{
	(void)state;
	static const char *const realms[] = {"a", "b", "c", "d", "e", "f"};
	struct regent_auth_client *ac;
	char hdrs[256], why[64];

	assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
	for (size_t i = 0; i < 6; i++) {
		snprintf(hdrs, sizeof(hdrs),
			 "WWW-Authenticate: Digest realm=\"%s\", nonce=\"n\"\r\n", realms[i]);
		assert_int_equal(feed(ac, 401, hdrs, NULL, 0), REGENT_AUTH_RETRY);
		regent_auth_client_done(ac, 200);
		assert_true(regent_auth_client_cached(ac) <= 4);
	}
	/* five realms within one exchange: the fifth does not fit */
	regent_auth_client_reset(ac);
	for (size_t i = 0; i < 5; i++) {
		snprintf(hdrs, sizeof(hdrs),
			 "WWW-Authenticate: Digest realm=\"%s\", nonce=\"n\"\r\n", realms[i]);
		assert_int_equal(feed(ac, 401, hdrs, why, sizeof(why)),
				 i < 4 ? REGENT_AUTH_RETRY : REGENT_AUTH_FAIL);
	}
	assert_string_equal(why, "too many realms");
	regent_auth_client_free(ac);
}

/* Heap held by one client with one cached challenge (Kamailio-sized nonce). */
static void client_memory_is_small(void **state)
{
	(void)state;
	struct regent_auth_client *ac;
	size_t idle, cached;

	assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
	idle = regent_auth_client_memory(ac);
	assert_int_equal(feed(ac, 401,
			      "WWW-Authenticate: Digest realm=\"127.0.0.1\", "
			      "nonce=\"awqoUWsKpyUbLFLPOizJGL5KpzvCtMMw\", qop=\"auth\"\r\n",
			      NULL, 0),
			 REGENT_AUTH_RETRY);
	cached = regent_auth_client_memory(ac);
	print_message("auth client heap: %zu bytes idle, %zu with one cached challenge\n", idle,
		      cached);
	assert_true(cached > idle);
	assert_true(cached <= 256);
	regent_auth_client_free(ac);
}

/* The response the client writes for realm must be the one computed from
 * the password with that challenge's algorithm, nonce and nc. */
static void expect_response(struct regent_auth_client *ac, enum regent_digest_alg alg,
			    const char *realm, const char *nonce, uint32_t nc)
{
	char hdrs[2048], want[129], got[129], r[64];
	struct regent_digest_input in = {
	    .alg = alg,
	    .username = "alice",
	    .realm = realm,
	    .password = "secret",
	    .nonce = nonce,
	    .cnonce = "cn0123",
	    .method = "REGISTER",
	    .uri = RURI,
	    .qop = "auth",
	    .nc = nc,
	};
	struct regent_msg_iter it = {0};
	struct regent_credentials cr;
	struct pmsg pm;
	bool found = false;

	assert_int_equal(regent_digest_response(&in, want), 0);
	creds_text(ac, hdrs, sizeof(hdrs));
	req(&pm, RURI, hdrs);
	while (!found &&
	       regent_msg_credentials_next(pm.m, REGENT_HDR_AUTHORIZATION, &it, &cr) == 0) {
		assert_int_equal(regent_pl_strcpy(cr.realm, r, sizeof(r)), 0);
		if (strcmp(r, realm) != 0)
			continue;
		assert_int_equal(regent_pl_strcpy(cr.response, got, sizeof(got)), 0);
		assert_string_equal(got, want);
		found = true;
	}
	assert_true(found);
	pmsg_free(&pm);
}

static enum regent_auth_verdict feed_challenge(struct regent_auth_client *ac, const char *realm,
					       const char *nonce, const char *alg)
{
	char hdrs[256];

	snprintf(hdrs, sizeof(hdrs),
		 "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", qop=\"auth\", "
		 "algorithm=%s\r\n",
		 realm, nonce, alg);
	return feed(ac, 401, hdrs, NULL, 0);
}

/* The HA1 kept per realm (auth/client.c) is reused on a re-challenge of
 * the same realm and algorithm, and never for another algorithm or realm:
 * every response must match one computed from the password afresh. */
static void ha1_cache_follows_realm_and_algorithm(void **state)
{
	(void)state;
	struct regent_auth_client *ac;
	size_t before;

	assert_int_equal(regent_auth_client_alloc(&ac, &alice), 0);
	assert_int_equal(feed_challenge(ac, "r1", "n1", "MD5"), REGENT_AUTH_RETRY);
	expect_response(ac, REGENT_DIGEST_MD5, "r1", "n1", 1);
	regent_auth_client_done(ac, 200);
	expect_response(ac, REGENT_DIGEST_MD5, "r1", "n1", 2); /* pre-emptive, cached HA1 */
	regent_auth_client_done(ac, 200);
	/* same realm, new nonce, same algorithm: the HA1 is kept */
	assert_int_equal(feed_challenge(ac, "r1", "n2", "MD5"), REGENT_AUTH_RETRY);
	expect_response(ac, REGENT_DIGEST_MD5, "r1", "n2", 1);
	regent_auth_client_done(ac, 200);
	/* same realm, another algorithm: an MD5 HA1 must not be used */
	before = regent_auth_client_memory(ac);
	assert_int_equal(feed_challenge(ac, "r1", "n3", "SHA-256"), REGENT_AUTH_RETRY);
	assert_int_equal(regent_auth_client_memory(ac), before + 16); /* 32-byte HA1 */
	expect_response(ac, REGENT_DIGEST_SHA256, "r1", "n3", 1);
	regent_auth_client_done(ac, 200);
	assert_int_equal(feed_challenge(ac, "r1", "n4", "MD5-sess"), REGENT_AUTH_RETRY);
	expect_response(ac, REGENT_DIGEST_MD5_SESS, "r1", "n4", 1);
	regent_auth_client_done(ac, 200);
	/* other realms fill the cache; r5 takes the slot r1 held */
	assert_int_equal(feed_challenge(ac, "r2", "n5", "MD5"), REGENT_AUTH_RETRY);
	regent_auth_client_done(ac, 200);
	assert_int_equal(feed_challenge(ac, "r3", "n6", "MD5"), REGENT_AUTH_RETRY);
	regent_auth_client_done(ac, 200);
	assert_int_equal(feed_challenge(ac, "r4", "n7", "MD5"), REGENT_AUTH_RETRY);
	regent_auth_client_done(ac, 200);
	assert_int_equal(feed_challenge(ac, "r5", "n8", "MD5"), REGENT_AUTH_RETRY);
	expect_response(ac, REGENT_DIGEST_MD5, "r5", "n8", 1);
	expect_response(ac, REGENT_DIGEST_MD5, "r2", "n5", 2);
	regent_auth_client_free(ac);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(strongest_supported_challenge_wins),
	    cmocka_unit_test(nc_counts_per_nonce),
	    cmocka_unit_test(exchange_sequences_are_bounded),
	    cmocka_unit_test(proxy_and_www_both_sent),
	    cmocka_unit_test(ha1_option_gives_password_response),
	    cmocka_unit_test(round_trip_every_algorithm),
	    cmocka_unit_test(server_refuses_bad_credentials),
	    cmocka_unit_test(nc_tracking_is_bounded),
	    cmocka_unit_test(userhash_hides_the_username),
	    cmocka_unit_test(auth_int_covers_the_body),
	    cmocka_unit_test(realm_cache_is_bounded),
	    cmocka_unit_test(client_memory_is_small),
	    cmocka_unit_test(ha1_cache_follows_realm_and_algorithm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
