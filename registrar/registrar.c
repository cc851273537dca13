/*
 * registrar — a sans-I/O registrar core (RFC 3261 §10.3) with digest
 * authentication (src/auth), bindings with expiry, 423 Min-Expires, Via
 * received/rport (RFC 3581), Path (RFC 3327) and outbound (RFC 5626 §6)
 * echoes, and scripted faults for tests. It takes bytes and `now` and
 * writes response bytes; it never reads a clock or touches a socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "msg/msg.h"
#include "msg/response.h"
#include "registrar/auth_server.h"
#include "registrar/registrar.h"
#include "registrar_int.h"
#include "store.h"
#include "txcache.h"

enum {
	REG_MAX_CONTACTS = 16, /* Contacts per REGISTER */
	REG_GC_EVERY = 4096,   /* REGISTERs between sweeps of expired bindings */
	REG_SECRET_LEN = 32,
	REG_TXCACHE_MIN = 1024,	    /* responses kept for retransmissions: at least */
	REG_TXCACHE_MAX = 1u << 20, /* and at most, whatever max_bindings says */
};

struct regent_registrar {
	struct regent_registrar_options o;
	char *realm;
	struct regent_auth_server *as;
	size_t nusers;
	struct reg_store st;
	struct reg_txcache *txc;
	struct regent_registrar_faults f;
	struct regent_registrar_stats stats;
	uint32_t since_gc;
	char note[200]; /* why the last request got its answer (regent_registrar_note) */
};

void regent_registrar_options_init(struct regent_registrar_options *o)
{
	if (!o)
		return;
	memset(o, 0, sizeof(*o));
	o->realm = "regent";
	o->min_expires = 60;
	o->max_expires = 3600;
	o->default_expires = 3600;
	o->auth = true;
	o->nonce_lifetime_s = 300;
	o->digest_algs = "MD5";
	o->max_bindings = 200000;
	o->max_bindings_per_aor = 16;
}

static void rnd(struct regent_registrar *r, void *buf, size_t len)
{
	if (r->o.random) {
		r->o.random(r->o.random_arg, buf, len);
		return;
	}
	if (RAND_bytes(buf, (int)len) != 1)
		memset(buf, 0,
		       len); /* only the default source can fail; keys still differ by time */
}

/* "SHA-256,MD5" -> algs[]. EINVAL on an unknown name or more than 4. */
static int parse_algs(const char *s, enum regent_digest_alg *algs)
{
	size_t n = 0;

	memset(algs, 0, 4 * sizeof(*algs));
	while (s && *s) {
		const char *e = strchr(s, ',');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		struct regent_pl pl = {s, l};
		enum regent_digest_alg a;

		while (pl.l && (*pl.p == ' ' || *pl.p == '\t')) {
			pl.p++;
			pl.l--;
		}
		while (pl.l && (pl.p[pl.l - 1] == ' ' || pl.p[pl.l - 1] == '\t'))
			pl.l--;
		if (pl.l == 0)
			return EINVAL;
		a = regent_digest_alg_parse(pl);
		if (a == REGENT_DIGEST_NONE || n == 4)
			return EINVAL;
		algs[n++] = a;
		s = e ? e + 1 : NULL;
	}
	return 0;
}

/* The retransmission cache is direct-mapped: a response lives until
 * another request's key lands on its slot (or timer J ends it). Under load
 * that must outlast the client's retransmissions (RFC 3261 §17.1.2.2: T1,
 * 2·T1, ...), or a retransmitted authenticated REGISTER misses the cache,
 * is taken for a replayed nc and refused (401 to the client's good
 * credentials): with 1,024 slots a slot lived ~0.4 s at 2,500 requests a
 * second, and `regent load` holding 100,000 registrations saw 8 of
 * 700,000 refreshes end without a 2xx among 542 retransmissions. A slot per binding allowed
 * (32 bytes each; the copies are made only for answers sent) keeps an
 * answer 0.5 s with 99 % odds at 5,000 requests a second, 200,000 slots. */
static size_t txcache_slots(size_t max_bindings)
{
	if (max_bindings < REG_TXCACHE_MIN)
		return REG_TXCACHE_MIN;
	return max_bindings > REG_TXCACHE_MAX ? REG_TXCACHE_MAX : max_bindings;
}

int regent_registrar_alloc(struct regent_registrar **rp, const struct regent_registrar_options *o)
{
	struct regent_auth_server_options ao;
	unsigned char secret[REG_SECRET_LEN];
	struct regent_registrar *r;
	int err;

	if (!rp || !o || !o->realm || regent_check_value(o->realm) || o->min_expires == 0 ||
	    o->max_expires < o->min_expires || o->default_expires == 0)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->o = *o;
	if (!r->o.max_bindings)
		r->o.max_bindings = 200000;
	if (!r->o.max_bindings_per_aor)
		r->o.max_bindings_per_aor = 16;
	regent_auth_server_options_init(&ao);
	err = parse_algs(o->digest_algs ? o->digest_algs : "MD5", ao.algs);
	if (err)
		goto out;
	err = ENOMEM;
	r->realm = strdup(o->realm);
	if (!r->realm)
		goto out;
	r->o.realm = r->realm;
	r->o.digest_algs = NULL; /* not kept: the caller's string */
	rnd(r, secret, sizeof(secret));
	ao.realm = r->realm;
	ao.nonce_lifetime_s = o->nonce_lifetime_s ? o->nonce_lifetime_s : 300;
	ao.secret = secret;
	ao.secret_len = sizeof(secret);
	err = regent_auth_server_alloc(&r->as, &ao);
	if (err)
		goto out;
	err = reg_store_init(&r->st, r->o.max_bindings, r->o.max_bindings_per_aor);
	if (!err)
		err = reg_txcache_alloc(&r->txc, txcache_slots(r->o.max_bindings));
out:
	memset(secret, 0, sizeof(secret));
	if (err) {
		regent_registrar_free(r);
		return err;
	}
	*rp = r;
	return 0;
}

void regent_registrar_free(struct regent_registrar *r)
{
	if (!r)
		return;
	reg_store_free(&r->st);
	reg_txcache_free(r->txc);
	regent_auth_server_free(r->as);
	free(r->realm);
	free(r);
}

int regent_registrar_add_user(struct regent_registrar *r, const char *user, const char *password)
{
	int err;

	if (!r)
		return EINVAL;
	err = regent_auth_server_add_user(r->as, user, password);
	if (!err)
		r->nusers++;
	return err;
}

void regent_registrar_set_faults(struct regent_registrar *r,
				 const struct regent_registrar_faults *f)
{
	if (!r)
		return;
	if (f)
		r->f = *f;
	else
		memset(&r->f, 0, sizeof(r->f));
}

void regent_registrar_restart(struct regent_registrar *r)
{
	unsigned char secret[REG_SECRET_LEN];

	if (!r)
		return;
	reg_store_clear(&r->st);
	reg_txcache_clear(r->txc);
	/* A new key invalidates every nonce handed out before. */
	rnd(r, secret, sizeof(secret));
	regent_auth_server_rekey(r->as, secret, sizeof(secret));
	memset(secret, 0, sizeof(secret));
}

void regent_registrar_stats(const struct regent_registrar *r, struct regent_registrar_stats *st)
{
	if (!st)
		return;
	if (r)
		*st = r->stats;
	else
		memset(st, 0, sizeof(*st));
}

const char *regent_registrar_note(const struct regent_registrar *r)
{
	return r ? r->note : "";
}

/* ------------------------------------------------------------ AOR keys */

/* The AOR of a SIP URI: "sip:user@host" with the host in lower case
 * (RFC 3261 §10.3 step 5: "converting ... to canonical form"). */
static int aor_key(const struct regent_uri *u, char *out, size_t size)
{
	size_t n;

	if (!u->is_sip || !regent_pl_isset(u->host))
		return EINVAL;
	n = (size_t)snprintf(out, size, "%s:%.*s%s", u->secure ? "sips" : "sip",
			     regent_pl_isset(u->user) ? (int)u->user.l : 0,
			     regent_pl_isset(u->user) ? u->user.p : "",
			     regent_pl_isset(u->user) ? "@" : "");
	if (n + u->host.l + 1 > size)
		return ENOSPC;
	for (size_t i = 0; i < u->host.l; i++) {
		char c = u->host.p[i];

		out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return 0;
}

/* ------------------------------------------------------------ replies */

static void reply_begin(struct regent_wbuf *wb, const struct regent_msg *m, uint16_t code,
			const char *reason, const char *src_host, uint16_t src_port)
{
	struct regent_resp_options o = {
	    .to_tag_rule = REGENT_RESP_TO_TAG_CALL_ID,
	    .src_host = src_host,
	    .src_port = src_port,
	};

	regent_build_response(wb, m, code, reason, &o);
}

static int reply_simple(struct regent_registrar *r, struct regent_wbuf *wb,
			const struct regent_msg *m, uint16_t code, const char *reason,
			const char *src_host, uint16_t src_port, const char *extra)
{
	reply_begin(wb, m, code, reason, src_host, src_port);
	if (extra)
		regent_wbuf_puts(wb, extra);
	if (code >= 300 && code != 401)
		r->stats.rejected++;
	return regent_build_finish(wb, NULL, 0);
}

/* ------------------------------------------------------------ REGISTER */

struct reg_req {
	const struct regent_msg *m;
	const char *src_host;
	uint16_t src_port;
	uint64_t now_ms;
	struct regent_pl call_id;
	uint32_t cseq;
	struct regent_contact c[REG_MAX_CONTACTS];
	struct reg_binding *match[REG_MAX_CONTACTS];
	uint32_t exp[REG_MAX_CONTACTS];
	size_t n;
	bool star;
	uint32_t hexp; /* Expires header, if has_hexp */
	bool has_hexp;
};

static struct reg_binding *find_binding(struct reg_aor *a, const struct regent_uri *u)
{
	for (struct reg_binding *b = a ? a->bindings : NULL; b; b = b->next) {
		struct regent_uri bu;

		if (regent_uri_parse(&bu, b->uri, strlen(b->uri), NULL) == 0 &&
		    regent_uri_equal(&bu, u))
			return b;
	}
	return NULL;
}

/* "<uri>;params" without expires: the binding as the 200 lists it. */
static int contact_text(const struct regent_contact *c, char **out)
{
	static const char *const skip[] = {"expires", NULL};
	struct regent_wbuf wb;

	regent_wbuf_init_dynamic(&wb, 4096);
	regent_wbuf_puts(&wb, "<");
	regent_wbuf_write(&wb, c->addr.uri_raw.p, c->addr.uri_raw.l);
	regent_wbuf_puts(&wb, ">");
	regent_build_params(&wb, c->addr.params, skip);
	regent_wbuf_write(&wb, "", 1);
	if (wb.err) {
		regent_wbuf_release(&wb);
		return ENOMEM;
	}
	*out = wb.buf;
	return 0;
}

static int reply(struct regent_registrar *r, struct regent_wbuf *wb, const struct reg_req *q,
		 uint16_t code, const char *reason, const char *extra)
{
	return reply_simple(r, wb, q->m, code, reason, q->src_host, q->src_port, extra);
}

static bool wants_outbound(const struct reg_req *q)
{
	if (!regent_msg_has_token(q->m, REGENT_HDR_SUPPORTED, "outbound"))
		return false;
	for (size_t i = 0; i < q->n; i++) {
		struct regent_pl inst;

		/* the instance may be in the parsed field or only in params */
		if (q->c[i].has_reg_id &&
		    (regent_pl_isset(q->c[i].instance) ||
		     regent_param_get(q->c[i].addr.params, "+sip.instance", &inst)))
			return true;
	}
	return false;
}

static int reply_ok(struct regent_registrar *r, struct regent_wbuf *wb, const struct reg_req *q,
		    struct reg_aor *a)
{
	reply_begin(wb, q->m, 200, "OK", q->src_host, q->src_port);
	if (!r->f.no_contact_in_200) {
		for (struct reg_binding *b = a ? a->bindings : NULL; b; b = b->next) {
			uint64_t left = (b->expires_at_ms - q->now_ms + 999) / 1000;

			regent_wbuf_printf(wb, "Contact: %s;expires=%llu\r\n", b->contact,
					   (unsigned long long)left);
		}
	}
	/* RFC 3327 §5.3: the Path is echoed to a UA that supports it. */
	if (regent_msg_has_token(q->m, REGENT_HDR_SUPPORTED, "path"))
		regent_build_copy(wb, q->m, REGENT_HDR_PATH);
	/* RFC 5626 §6: the registrar applied outbound processing. */
	if (wants_outbound(q))
		regent_wbuf_puts(wb, "Require: outbound\r\n");
	r->stats.ok++;
	return regent_build_finish(wb, NULL, 0);
}

/* Only extensions we implement may be required (RFC 3261 §8.2.2.3). */
static int check_require(const struct regent_msg *m, char *bad, size_t size)
{
	struct regent_msg_iter it = {0};
	struct regent_pl tok;
	int err;

	while ((err = regent_msg_token_next(m, REGENT_HDR_REQUIRE, &it, &tok)) == 0) {
		if (!regent_pl_caseeq_str(tok, "path") && !regent_pl_caseeq_str(tok, "outbound")) {
			regent_pl_strcpy(tok, bad, size);
			return EPROTO;
		}
	}
	return err == ENOENT ? 0 : EBADMSG;
}

void regent_registrar_set_note(struct regent_registrar *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
}

/* RFC 3261 §10.3 steps 2-3: digest authentication (RFC 7616). Returns 0 to
 * go on (user set, NULL when none is required), or the reply's result. */
static int step_auth(struct regent_registrar *r, struct regent_wbuf *wb, struct reg_req *q,
		     struct regent_pl *user, bool *done)
{
	struct regent_auth_why why;
	enum regent_auth_check rc;
	int err;

	*user = REGENT_PL_NULL;
	*done = false;
	if (!r->o.auth || r->nusers == 0)
		return 0;
	rc = regent_auth_server_check_detail(r->as, q->m, q->now_ms / 1000, user, &why);
	if (rc == REGENT_AUTH_OK)
		return 0;
	if (why.detail[0])
		regent_registrar_set_note(r, "%s", why.detail);
	*done = true;
	reply_begin(wb, q->m, 401, "Unauthorized", q->src_host, q->src_port);
	err = regent_auth_server_challenge(r->as, wb, q->now_ms / 1000, rc == REGENT_AUTH_STALE);
	r->stats.challenges++;
	return err ? err : regent_build_finish(wb, NULL, 0);
}

/* Step 4-ish checks of the request itself: Require, CSeq, Expires, and
 * every Contact read into q. Returns 0 to go on, or the reply's result. */
static int step_read(struct regent_registrar *r, struct regent_wbuf *wb, struct reg_req *q,
		     bool *done)
{
	const struct regent_msg *m = q->m;
	struct regent_msg_iter it = {0};
	struct regent_pl method;
	char bad[64], extra[160];
	int err;

	*done = true;
	err = check_require(m, bad, sizeof(bad));
	if (err == EPROTO) {
		snprintf(extra, sizeof(extra), "Unsupported: %s\r\n", bad);
		return reply(r, wb, q, 420, "Bad Extension", extra);
	}
	q->call_id = regent_msg_call_id(m);
	if (err || regent_msg_cseq(m, &q->cseq, &method))
		return reply(r, wb, q, 400, "Bad Request", NULL);
	err = regent_msg_u32(m, REGENT_HDR_EXPIRES, &q->hexp);
	if (err && err != ENOENT)
		return reply(r, wb, q, 400, "Bad Expires", NULL);
	q->has_hexp = err == 0;
	for (;;) {
		struct regent_contact c;

		err = regent_msg_contact_next(m, &it, &c);
		if (err == ENOENT)
			break;
		if (err)
			return reply(r, wb, q, 400, "Bad Contact", NULL);
		if (q->n == REG_MAX_CONTACTS)
			return reply(r, wb, q, 403, "Too Many Contacts", NULL);
		q->star |= c.star;
		q->c[q->n++] = c;
	}
	*done = false;
	return 0;
}

static bool same_call(const struct reg_binding *b, const struct reg_req *q)
{
	return strlen(b->call_id) == q->call_id.l &&
	       memcmp(b->call_id, q->call_id.p, q->call_id.l) == 0;
}

/* RFC 3261 §10.3 step 6: "*" only alone and with Expires: 0; removes all. */
static int step_star(struct regent_registrar *r, struct regent_wbuf *wb, struct reg_req *q,
		     struct reg_aor *a)
{
	size_t removed = 0;

	if (q->n != 1 || !q->has_hexp || q->hexp != 0)
		return reply(r, wb, q, 400, "Invalid Contact *", NULL);
	for (struct reg_binding *b = a ? a->bindings : NULL; b; b = b->next) {
		if (same_call(b, q) && b->cseq >= q->cseq)
			return reply(r, wb, q, 500, "Out Of Order CSeq", "Retry-After: 1\r\n");
	}
	while (a && a->bindings) {
		reg_binding_del(&r->st, a, a->bindings);
		removed++;
	}
	regent_registrar_set_note(r, "un-REGISTER of every binding (Contact: *): %zu removed",
				  removed);
	return reply_ok(r, wb, q, a);
}

/* Step 7, first pass: validate every Contact; change nothing yet, so a
 * refused request leaves the bindings as they were. *adds: new bindings. */
static int step_validate(struct regent_registrar *r, struct regent_wbuf *wb, struct reg_req *q,
			 struct reg_aor *a, size_t *adds, bool *done)
{
	char extra[64];

	*done = true;
	*adds = 0;
	for (size_t i = 0; i < q->n; i++) {
		const struct regent_contact *c = &q->c[i];
		uint32_t e = c->has_expires ? c->expires
			     : q->has_hexp  ? q->hexp
					    : r->o.default_expires;
		struct reg_binding *b;

		if (e != 0 && e < r->o.min_expires) {
			snprintf(extra, sizeof(extra), "Min-Expires: %u\r\n",
				 (unsigned)r->o.min_expires);
			return reply(r, wb, q, 423, "Interval Too Brief", extra);
		}
		q->exp[i] = e > r->o.max_expires ? r->o.max_expires : e;
		b = find_binding(a, &c->addr.uri);
		q->match[i] = b;
		if (b && same_call(b, q) && b->cseq >= q->cseq)
			return reply(r, wb, q, 500, "Out Of Order CSeq", "Retry-After: 1\r\n");
		for (size_t k = 0; k < i && b; k++) {
			if (q->match[k] == b)
				return reply(r, wb, q, 400, "Duplicate Contact", NULL);
		}
		if (!b && q->exp[i] != 0)
			(*adds)++;
	}
	*done = false;
	return 0;
}

/* The caps: per AOR (403) and in all (503, after a sweep). */
static int step_caps(struct regent_registrar *r, struct regent_wbuf *wb, struct reg_req *q,
		     const char *key, struct reg_aor **ap, size_t adds, bool *done)
{
	*done = true;
	if (adds && (*ap ? (*ap)->n : 0) + adds > r->o.max_bindings_per_aor)
		return reply(r, wb, q, 403, "Too Many Bindings", NULL);
	if (adds && r->st.nbind + adds > r->o.max_bindings) {
		reg_store_gc(&r->st, q->now_ms);
		*ap = reg_store_aor(&r->st, key, false); /* the sweep may have freed it */
		for (size_t i = 0; i < q->n; i++)
			q->match[i] = find_binding(*ap, &q->c[i].addr.uri);
		if (r->st.nbind + adds > r->o.max_bindings)
			return reply(r, wb, q, 503, "Registrar Full", "Retry-After: 60\r\n");
	}
	*done = false;
	return 0;
}

/* Step 7, second pass: apply, and say what changed. */
static int step_apply(struct regent_registrar *r, struct regent_wbuf *wb, struct reg_req *q,
		      const char *key, struct reg_aor *a, size_t adds)
{
	size_t removed = 0, zero = 0, left;
	int err;

	if (adds && !a) {
		a = reg_store_aor(&r->st, key, true);
		if (!a)
			return reply(r, wb, q, 500, "Out Of Memory", NULL);
	}
	for (size_t i = 0; i < q->n; i++) {
		char *text = NULL, *uri;

		if (q->exp[i] == 0) {
			zero++;
			if (q->match[i])
				reg_binding_del(&r->st, a, q->match[i]);
			removed += q->match[i] != NULL;
			continue;
		}
		uri = regent_pl_strdup(q->c[i].addr.uri_raw);
		err = uri ? contact_text(&q->c[i], &text) : ENOMEM;
		if (!err)
			err = reg_binding_put(&r->st, a, q->match[i], text, uri, q->call_id,
					      q->cseq, q->now_ms + (uint64_t)q->exp[i] * 1000);
		free(text);
		free(uri);
		if (err)
			return reply(r, wb, q, 500, "Out Of Memory", NULL);
	}
	left = a ? (size_t)a->n : 0;
	if (q->n && zero == q->n)
		regent_registrar_set_note(r, "un-REGISTER: %zu of %zu binding%s removed, %zu left",
					  removed, zero, zero == 1 ? "" : "s", left);
	else if (zero)
		regent_registrar_set_note(r, "%zu binding%s removed (expires 0), %zu left", removed,
					  removed == 1 ? "" : "s", left);
	else if (!q->n)
		regent_registrar_set_note(r, "query: %zu binding%s", left, left == 1 ? "" : "s");
	return reply_ok(r, wb, q, a);
}

static int do_register(struct regent_registrar *r, struct regent_wbuf *wb, struct reg_req *q)
{
	char key[512], extra[160];
	struct regent_addr to;
	struct regent_pl user;
	struct reg_aor *a;
	size_t adds = 0;
	bool done = false;
	int err;

	r->stats.registers++;
	if (++r->since_gc >= REG_GC_EVERY) {
		r->since_gc = 0;
		reg_store_gc(&r->st, q->now_ms);
	}
	if (r->f.fail_status && q->now_ms < r->f.fail_until_ms) {
		extra[0] = '\0';
		if (r->f.fail_retry_after)
			snprintf(extra, sizeof(extra), "Retry-After: %u\r\n",
				 (unsigned)r->f.fail_retry_after);
		return reply(r, wb, q, r->f.fail_status, "Scripted Failure", extra);
	}
	err = step_auth(r, wb, q, &user, &done);
	if (done)
		return err;
	if (regent_msg_to(q->m, &to) || aor_key(&to.uri, key, sizeof(key)))
		return reply(r, wb, q, 404, "Not Found", NULL);
	/* RFC 3261 §10.3 step 3: the authenticated user may change only its AOR. */
	if (regent_pl_isset(user) && !regent_pl_eq(user, to.uri.user)) {
		regent_registrar_set_note(r, "user \"%.*s\" may not change the bindings of %s",
					  (int)user.l, user.p, key);
		return reply(r, wb, q, 403, "Forbidden", NULL);
	}
	err = step_read(r, wb, q, &done);
	if (done)
		return err;
	a = reg_store_aor(&r->st, key, false);
	if (a)
		reg_aor_purge(&r->st, a, q->now_ms);
	if (q->star)
		return step_star(r, wb, q, a);
	err = step_validate(r, wb, q, a, &adds, &done);
	if (!done)
		err = step_caps(r, wb, q, key, &a, adds, &done);
	if (done)
		return err;
	return step_apply(r, wb, q, key, a, adds);
}

int regent_registrar_handle(struct regent_registrar *r, const char *buf, size_t len,
			    uint64_t now_ms, const char *src_host, uint16_t src_port,
			    struct regent_wbuf *wb)
{
	struct regent_msg_error e;
	struct regent_msg *m = NULL;
	struct reg_req *q = NULL;
	struct regent_pl method;
	const char *cached;
	size_t clen = 0, start;
	uint64_t key;
	int err;

	if (!r || !buf || !wb)
		return EINVAL;
	r->stats.requests++;
	r->note[0] = '\0';
	if (regent_msg_parse(&m, buf, len, NULL, &e)) {
		r->stats.malformed++;
		return EBADMSG;
	}
	if (!regent_msg_is_request(m)) {
		err = ENOMSG;
		goto out;
	}
	method = regent_msg_method(m);
	if (regent_pl_eq_str(method, "ACK")) {
		err = ENOMSG;
		goto out;
	}
	if (r->f.drop_percent) {
		uint32_t x;

		rnd(r, &x, sizeof(x));
		if (x % 100 < r->f.drop_percent) {
			r->stats.dropped++;
			err = ENOMSG;
			goto out;
		}
	}
	if (regent_pl_eq_str(method, "OPTIONS")) {
		err = reply_simple(r, wb, m, 200, "OK", src_host, src_port,
				   "Allow: REGISTER, OPTIONS\r\nSupported: path, outbound\r\n");
		goto out;
	}
	if (!regent_pl_eq_str(method, "REGISTER")) {
		err = reply_simple(r, wb, m, 405, "Method Not Allowed", src_host, src_port,
				   "Allow: REGISTER, OPTIONS\r\n");
		goto out;
	}
	/* A retransmission gets the response its first copy got. */
	key = reg_txcache_key(m);
	cached = reg_txcache_get(r->txc, key, now_ms, &clen);
	if (cached) {
		r->stats.retransmissions++;
		regent_wbuf_write(wb, cached, clen);
		err = wb->err ? ENOSPC : 0;
		goto out;
	}
	q = calloc(1, sizeof(*q)); /* ~3 KiB: kept off the caller's stack */
	if (!q) {
		err = ENOMEM;
		goto out;
	}
	q->m = m;
	q->src_host = src_host;
	q->src_port = src_port;
	q->now_ms = now_ms;
	start = wb->len;
	err = do_register(r, wb, q);
	if (!err && !wb->err)
		reg_txcache_put(r->txc, key, now_ms, wb->buf + start, wb->len - start);
out:
	free(q);
	regent_msg_free(m);
	return err;
}

/* ------------------------------------------------------------ inspection */

static bool aor_filter(const char *aor, char *key, size_t size)
{
	struct regent_uri u;

	if (regent_uri_parse(&u, aor, strlen(aor), NULL) == 0 && aor_key(&u, key, size) == 0)
		return true;
	return regent_pl_strcpy((struct regent_pl){aor, strlen(aor)}, key, size) == 0;
}

void regent_registrar_foreach(struct regent_registrar *r, uint64_t now_ms,
			      bool (*cb)(const struct regent_registrar_binding *b, void *arg),
			      void *arg)
{
	if (!r || !cb)
		return;
	for (size_t i = 0; i < r->st.nbuckets; i++) {
		for (struct reg_aor *a = r->st.buckets[i]; a; a = a->next) {
			for (struct reg_binding *b = a->bindings; b; b = b->next) {
				struct regent_registrar_binding rb = {
				    a->name, b->contact, b->call_id, b->cseq, b->expires_at_ms,
				};

				if (b->expires_at_ms <= now_ms)
					continue;
				if (!cb(&rb, arg))
					return;
			}
		}
	}
}

size_t regent_registrar_count(struct regent_registrar *r, const char *aor, uint64_t now_ms)
{
	char key[512];
	size_t n = 0;

	if (!r)
		return 0;
	if (aor) {
		struct reg_aor *a;

		if (!aor_filter(aor, key, sizeof(key)))
			return 0;
		a = reg_store_aor(&r->st, key, false);
		for (struct reg_binding *b = a ? a->bindings : NULL; b; b = b->next)
			n += b->expires_at_ms > now_ms;
		return n;
	}
	for (size_t i = 0; i < r->st.nbuckets; i++)
		for (struct reg_aor *a = r->st.buckets[i]; a; a = a->next)
			for (struct reg_binding *b = a->bindings; b; b = b->next)
				n += b->expires_at_ms > now_ms;
	return n;
}
