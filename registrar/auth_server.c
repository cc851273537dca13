/*
 * server — issuing digest challenges and verifying credentials (RFC 7616
 * §3.3, §3.4; RFC 3261 §22.4), for the test registrar.
 *
 * Nonces carry their own proof: hex(issue time) hex(sequence) and an HMAC
 * over both with the server's key, so any nonce can be checked without
 * state, and its age gives stale detection (RFC 7616 §3.3 "stale").
 * Replayed nc values are caught with a fixed ring of slots indexed by the
 * nonce's sequence number: memory is bounded whatever the load. A nonce
 * whose slot was taken by a newer one is answered stale, so the client
 * simply fetches a fresh nonce.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "registrar/auth_server.h"

enum {
	NONCE_TS_HEX = 16,
	NONCE_SEQ_HEX = 8,
	NONCE_MAC_BYTES = 16,
	NONCE_LEN = NONCE_TS_HEX + NONCE_SEQ_HEX + 2 * NONCE_MAC_BYTES,
	SECRET_MAX = 64,
};

struct auth_user {
	struct auth_user *next;
	const char *password; /* into name[] */
	char name[];
};

struct nc_slot {
	uint32_t seq; /* 0: empty */
	uint32_t nc;
};

struct regent_auth_server {
	char *realm;
	enum regent_digest_alg algs[4];
	size_t nalgs;
	bool qop_auth;
	uint32_t lifetime;
	unsigned char secret[SECRET_MAX];
	size_t secret_len;
	uint32_t seq; /* last nonce sequence number issued */
	struct auth_user **buckets;
	size_t nbuckets, nusers;
	struct nc_slot *ring;
	size_t nring;
};

void regent_auth_server_options_init(struct regent_auth_server_options *o)
{
	if (!o)
		return;
	memset(o, 0, sizeof(*o));
	o->realm = "regent";
	o->algs[0] = REGENT_DIGEST_MD5;
	o->qop_auth = true;
	o->nonce_lifetime_s = 300;
	o->nc_slots = 4096;
}

int regent_auth_server_rekey(struct regent_auth_server *as, const unsigned char *secret,
			     size_t secret_len)
{
	if (!as || !secret || secret_len == 0 || secret_len > SECRET_MAX)
		return EINVAL;
	memcpy(as->secret, secret, secret_len);
	as->secret_len = secret_len;
	memset(as->ring, 0, as->nring * sizeof(*as->ring));
	return 0;
}

int regent_auth_server_alloc(struct regent_auth_server **asp,
			     const struct regent_auth_server_options *o)
{
	struct regent_auth_server *as = NULL;
	int err = EINVAL;

	if (!asp || !o || !o->realm || regent_check_value(o->realm) || !o->secret ||
	    o->secret_len == 0 || o->secret_len > SECRET_MAX)
		return EINVAL;
	as = calloc(1, sizeof(*as));
	if (!as)
		return ENOMEM;
	for (size_t i = 0; i < 4 && o->algs[i] != REGENT_DIGEST_NONE; i++) {
		if (!regent_digest_alg_name(o->algs[i]))
			goto out;
		as->algs[as->nalgs++] = o->algs[i];
	}
	if (as->nalgs == 0)
		as->algs[as->nalgs++] = REGENT_DIGEST_MD5;
	as->qop_auth = o->qop_auth;
	as->lifetime = o->nonce_lifetime_s ? o->nonce_lifetime_s : 300;
	as->nring = o->nc_slots ? o->nc_slots : 4096;
	err = ENOMEM;
	as->realm = strdup(o->realm);
	as->ring = calloc(as->nring, sizeof(*as->ring));
	as->nbuckets = 64;
	as->buckets = calloc(as->nbuckets, sizeof(*as->buckets));
	if (!as->realm || !as->ring || !as->buckets)
		goto out;
	err = regent_auth_server_rekey(as, o->secret, o->secret_len);
out:
	if (err) {
		regent_auth_server_free(as);
		return err;
	}
	*asp = as;
	return 0;
}

void regent_auth_server_free(struct regent_auth_server *as)
{
	if (!as)
		return;
	for (size_t i = 0; as->buckets && i < as->nbuckets; i++) {
		struct auth_user *u = as->buckets[i];

		while (u) {
			struct auth_user *next = u->next;

			free(u);
			u = next;
		}
	}
	free(as->buckets);
	free(as->ring);
	free(as->realm);
	OPENSSL_cleanse(as->secret, sizeof(as->secret));
	free(as);
}

static size_t hash_name(const char *p, size_t l)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < l; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static struct auth_user *user_find(const struct regent_auth_server *as, const char *p, size_t l)
{
	struct auth_user *u = as->buckets[hash_name(p, l) % as->nbuckets];

	for (; u; u = u->next) {
		if (strlen(u->name) == l && memcmp(u->name, p, l) == 0)
			return u;
	}
	return NULL;
}

/* Doubles the bucket array when it is full, so lookups stay O(1). */
static void users_grow(struct regent_auth_server *as)
{
	size_t nb = as->nbuckets * 2;
	struct auth_user **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* still correct, only slower */
	for (size_t i = 0; i < as->nbuckets; i++) {
		struct auth_user *u = as->buckets[i];

		while (u) {
			struct auth_user *next = u->next;
			size_t k = hash_name(u->name, strlen(u->name)) % nb;

			u->next = b[k];
			b[k] = u;
			u = next;
		}
	}
	free(as->buckets);
	as->buckets = b;
	as->nbuckets = nb;
}

int regent_auth_server_add_user(struct regent_auth_server *as, const char *user,
				const char *password)
{
	struct auth_user *u;
	size_t ul, pl, k;

	if (!as || !user || !password || !*user || regent_check_value(user) ||
	    regent_check_value(password))
		return EINVAL;
	ul = strlen(user);
	if (user_find(as, user, ul))
		return EEXIST;
	pl = strlen(password);
	u = calloc(1, sizeof(*u) + ul + 1 + pl + 1);
	if (!u)
		return ENOMEM;
	memcpy(u->name, user, ul + 1);
	memcpy(u->name + ul + 1, password, pl + 1);
	u->password = u->name + ul + 1;
	k = hash_name(user, ul) % as->nbuckets;
	u->next = as->buckets[k];
	as->buckets[k] = u;
	if (++as->nusers > as->nbuckets)
		users_grow(as);
	return 0;
}

static int nonce_mac(const struct regent_auth_server *as, const char *head, unsigned char *mac)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!HMAC(EVP_sha256(), as->secret, (int)as->secret_len, (const unsigned char *)head,
		  NONCE_TS_HEX + NONCE_SEQ_HEX, md, &mdlen) ||
	    mdlen < NONCE_MAC_BYTES)
		return EIO;
	memcpy(mac, md, NONCE_MAC_BYTES);
	return 0;
}

static int nonce_make(struct regent_auth_server *as, uint64_t now_s, char *out)
{
	unsigned char mac[NONCE_MAC_BYTES];
	int err;

	if (++as->seq == 0)
		as->seq = 1; /* 0 marks an empty nc slot */
	snprintf(out, NONCE_TS_HEX + NONCE_SEQ_HEX + 1, "%016llx%08x", (unsigned long long)now_s,
		 (unsigned)as->seq);
	err = nonce_mac(as, out, mac);
	if (err)
		return err;
	for (size_t i = 0; i < NONCE_MAC_BYTES; i++)
		snprintf(out + NONCE_TS_HEX + NONCE_SEQ_HEX + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

static bool hex_u64(const char *p, size_t n, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		*v = (*v << 4) | d;
	}
	return true;
}

/* Checks a nonce's MAC; gives its issue time and sequence number. */
static bool nonce_check(const struct regent_auth_server *as, struct regent_pl n, uint64_t *ts,
			uint32_t *seq)
{
	unsigned char mac[NONCE_MAC_BYTES];
	char head[NONCE_TS_HEX + NONCE_SEQ_HEX + 1], want[2 * NONCE_MAC_BYTES + 1];
	uint64_t s;

	if (n.l != NONCE_LEN || !hex_u64(n.p, NONCE_TS_HEX, ts) ||
	    !hex_u64(n.p + NONCE_TS_HEX, NONCE_SEQ_HEX, &s))
		return false;
	memcpy(head, n.p, NONCE_TS_HEX + NONCE_SEQ_HEX);
	head[NONCE_TS_HEX + NONCE_SEQ_HEX] = '\0';
	if (nonce_mac(as, head, mac))
		return false;
	for (size_t i = 0; i < NONCE_MAC_BYTES; i++)
		snprintf(want + 2 * i, 3, "%02x", mac[i]);
	*seq = (uint32_t)s;
	return CRYPTO_memcmp(want, n.p + NONCE_TS_HEX + NONCE_SEQ_HEX, 2 * NONCE_MAC_BYTES) == 0;
}

int regent_auth_server_challenge(struct regent_auth_server *as, struct regent_wbuf *wb,
				 uint64_t now_s, bool stale)
{
	char nonce[NONCE_LEN + 1];
	int err;

	if (!as || !wb)
		return EINVAL;
	/* One challenge per offered algorithm, each with its own nonce, in the
	 * configured order (RFC 8760 §2.4: the client picks the one it likes). */
	for (size_t i = 0; i < as->nalgs; i++) {
		err = nonce_make(as, now_s, nonce);
		if (err)
			return err;
		regent_wbuf_puts(wb, "WWW-Authenticate: Digest realm=");
		regent_wbuf_quoted(wb, "realm", as->realm, strlen(as->realm));
		regent_wbuf_printf(wb, ", nonce=\"%s\", algorithm=%s", nonce,
				   regent_digest_alg_name(as->algs[i]));
		if (as->qop_auth)
			regent_wbuf_puts(wb, ", qop=\"auth\"");
		if (stale)
			regent_wbuf_puts(wb, ", stale=true");
		regent_wbuf_puts(wb, "\r\n");
	}
	return wb->err ? ENOSPC : 0;
}

/* A NUL-terminated copy of a credential parameter, bounded. */
static bool copy_param(struct regent_pl v, char *dst, size_t size)
{
	return regent_pl_isset(v) && regent_pl_strcpy(v, dst, size) == 0;
}

static bool uri_matches(const struct regent_msg *req, struct regent_pl uri)
{
	const struct regent_uri *ruri = regent_msg_ruri(req);
	struct regent_uri u;

	if (!ruri || !regent_pl_isset(uri))
		return false;
	if (regent_pl_eq(ruri->raw, uri))
		return true;
	/* RFC 3261 §22.4: the URIs must be equal, not byte-identical. */
	if (regent_uri_parse(&u, uri.p, uri.l, NULL))
		return false;
	return regent_uri_equal(ruri, &u);
}

/* Records why a credential failed, for the registrar's log; returns BAD. */
static enum regent_auth_check bad(struct regent_auth_why *v, enum regent_auth_fault f,
				  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum regent_auth_check bad(struct regent_auth_why *v, enum regent_auth_fault f,
				  const char *fmt, ...)
{
	va_list ap;

	if (v) {
		v->fault = f;
		va_start(ap, fmt);
		vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
		va_end(ap);
	}
	return REGENT_AUTH_BAD;
}

/* A printable, bounded copy of a peer's value for a log line. */
static const char *shown(struct regent_pl v, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < v.l && n + 4 < size; i++) {
		unsigned char c = (unsigned char)v.p[i];

		out[n++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	if (v.l && n < v.l && n + 3 < size)
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = '\0';
	return out;
}

/* A username that cannot be the user part of a SIP URI (RFC 3261 §25.1:
 * unreserved, escaped and "&=+$,;?/"): empty, or a URI or AOR given where
 * the user alone was meant, or with spaces or controls. Returns the first
 * bad character's offset + 1, or 0 when the form is fine. */
static size_t bad_username_at(struct regent_pl u)
{
	if (!u.l)
		return 1;
	for (size_t i = 0; i < u.l; i++) {
		unsigned char c = (unsigned char)u.p[i];

		if (c <= 0x20 || c >= 0x7f || strchr(":@<>\"[]{}|\\^`#", c))
			return i + 1;
	}
	return 0;
}

/* Who is asking: a user of ours, or why not (checked before the nonce, so a
 * misconfigured client is told about its username first). */
static enum regent_auth_check check_user(struct regent_auth_server *as,
					 const struct regent_credentials *cr,
					 const struct auth_user **up, struct regent_auth_why *v)
{
	char name[80];
	size_t at;

	if (cr->userhash)
		return bad(v, REGENT_AUTH_FAULT_OTHER, "userhash is not supported");
	if (!regent_pl_isset(cr->username) || !cr->username.l)
		return bad(v, REGENT_AUTH_FAULT_USERNAME, "malformed username: empty");
	*up = user_find(as, cr->username.p, cr->username.l);
	if (*up)
		return REGENT_AUTH_OK;
	at = bad_username_at(cr->username);
	if (at)
		return bad(
		    v, REGENT_AUTH_FAULT_USERNAME,
		    "malformed username \"%s\": '%c' at %zu (the user part alone is expected)",
		    shown(cr->username, name, sizeof(name)),
		    (cr->username.p[at - 1] > 0x20 && cr->username.p[at - 1] < 0x7f)
			? cr->username.p[at - 1]
			: '?',
		    at);
	return bad(v, REGENT_AUTH_FAULT_UNKNOWN_USER, "unknown user \"%s\"",
		   shown(cr->username, name, sizeof(name)));
}

/* qop and nc (RFC 7616 §3.4): *qop is "auth", "auth-int" or NULL. */
static enum regent_auth_check check_qop(const struct regent_auth_server *as,
					const struct regent_credentials *cr, const char **qop,
					uint32_t *nc, struct regent_auth_why *v)
{
	uint64_t ncv = 0;

	*qop = NULL;
	*nc = 0;
	if (!regent_pl_isset(cr->qop)) {
		/* we offered qop: RFC 2069 answers are refused */
		return as->qop_auth ? bad(v, REGENT_AUTH_FAULT_OTHER, "no qop in the answer")
				    : REGENT_AUTH_OK;
	}
	if (regent_pl_eq_str(cr->qop, "auth"))
		*qop = "auth";
	else if (regent_pl_eq_str(cr->qop, "auth-int"))
		*qop = "auth-int";
	else
		return bad(v, REGENT_AUTH_FAULT_OTHER, "qop not offered");
	if (cr->nc.l != 8 || !hex_u64(cr->nc.p, 8, &ncv) || ncv == 0)
		return bad(v, REGENT_AUTH_FAULT_OTHER, "nc is not 8 hex digits above 0");
	*nc = (uint32_t)ncv;
	return REGENT_AUTH_OK;
}

/* The digest is right: only now may the nonce be called stale (RFC 7616
 * §3.3: stale means "valid digest, old nonce"); then nc replay (§3.4). */
static enum regent_auth_check check_fresh(struct regent_auth_server *as, uint64_t now_s,
					  uint64_t ts, uint32_t seq, const char *qop, uint32_t nc,
					  struct regent_auth_why *v)
{
	struct nc_slot *slot;

	if (now_s > ts && now_s - ts >= as->lifetime)
		return REGENT_AUTH_STALE;
	if (!qop)
		return REGENT_AUTH_OK;
	slot = &as->ring[seq % as->nring];
	if (slot->seq > seq)
		return REGENT_AUTH_STALE; /* tracking evicted by a newer nonce */
	if (slot->seq == seq && nc <= slot->nc)
		return bad(v, REGENT_AUTH_FAULT_OTHER, "nc %08x replayed", (unsigned)nc);
	slot->seq = seq;
	slot->nc = nc;
	return REGENT_AUTH_OK;
}

static enum regent_auth_check verify(struct regent_auth_server *as, const struct regent_msg *req,
				     const struct regent_credentials *cr, uint64_t now_s,
				     struct regent_auth_why *v)
{
	char nonce[NONCE_LEN + 1], cnonce[256], uri[1024], method[64], expect[129], got[129];
	enum regent_digest_alg alg = regent_digest_alg_parse(cr->algorithm);
	const struct auth_user *u = NULL;
	struct regent_pl body;
	const char *qop = NULL;
	uint32_t seq = 0, nc = 0;
	uint64_t ts = 0;
	bool offered = false;

	for (size_t i = 0; i < as->nalgs; i++)
		offered |= as->algs[i] == alg;
	if (!offered)
		return bad(v, REGENT_AUTH_FAULT_OTHER, "algorithm not offered");
	if (check_user(as, cr, &u, v) != REGENT_AUTH_OK)
		return REGENT_AUTH_BAD;
	if (!regent_pl_isset(cr->response))
		return bad(v, REGENT_AUTH_FAULT_OTHER, "no response");
	if (!nonce_check(as, cr->nonce, &ts, &seq))
		return bad(v, REGENT_AUTH_FAULT_NONCE, "nonce not issued by this registrar");
	if (!uri_matches(req, cr->uri))
		return bad(v, REGENT_AUTH_FAULT_OTHER, "digest uri is not the Request-URI");
	if (check_qop(as, cr, &qop, &nc, v) != REGENT_AUTH_OK)
		return REGENT_AUTH_BAD;
	if ((qop || regent_digest_alg_is_sess(alg)) &&
	    !copy_param(cr->cnonce, cnonce, sizeof(cnonce)))
		return bad(v, REGENT_AUTH_FAULT_OTHER, "no usable cnonce");
	memcpy(nonce, cr->nonce.p, NONCE_LEN);
	nonce[NONCE_LEN] = '\0';
	if (!copy_param(cr->uri, uri, sizeof(uri)) ||
	    regent_pl_strcpy(regent_msg_method(req), method, sizeof(method)) ||
	    !copy_param(cr->response, got, sizeof(got)))
		return bad(v, REGENT_AUTH_FAULT_OTHER, "a value too long");
	body = regent_msg_body(req);
	struct regent_digest_input in = {
	    .alg = alg,
	    .username = u->name,
	    .realm = as->realm,
	    .password = u->password,
	    .nonce = nonce,
	    .cnonce = (qop || regent_digest_alg_is_sess(alg)) ? cnonce : NULL,
	    .method = method,
	    .uri = uri,
	    .qop = qop,
	    .nc = nc,
	    .body = body.p,
	    .body_len = body.l,
	};
	if (regent_digest_response(&in, expect))
		return bad(v, REGENT_AUTH_FAULT_OTHER, "digest cannot be computed");
	for (char *p = got; *p; p++) {
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	}
	if (strlen(got) != strlen(expect) || CRYPTO_memcmp(got, expect, strlen(expect)) != 0)
		return bad(v, REGENT_AUTH_FAULT_PASSWORD, "wrong password for user \"%s\"",
			   u->name);
	return check_fresh(as, now_s, ts, seq, qop, nc, v);
}

enum regent_auth_check regent_auth_server_check_detail(struct regent_auth_server *as,
						       const struct regent_msg *req, uint64_t now_s,
						       struct regent_pl *user,
						       struct regent_auth_why *v)
{
	struct regent_msg_iter it = {0};
	struct regent_credentials cr;
	int err;

	if (user)
		*user = REGENT_PL_NULL;
	if (v) {
		v->fault = REGENT_AUTH_FAULT_NONE;
		v->detail[0] = '\0';
	}
	if (!as || !req)
		return REGENT_AUTH_MISSING;
	while ((err = regent_msg_credentials_next(req, REGENT_HDR_AUTHORIZATION, &it, &cr)) !=
	       ENOENT) {
		enum regent_auth_check rc;

		if (err || !regent_pl_caseeq_str(cr.scheme, "Digest") ||
		    !regent_pl_eq_str(cr.realm, as->realm))
			continue; /* for another realm or scheme (RFC 3261 §22.4) */
		rc = verify(as, req, &cr, now_s, v);
		if (rc == REGENT_AUTH_OK && user)
			*user = cr.username;
		if (rc == REGENT_AUTH_STALE && v)
			snprintf(v->detail, sizeof(v->detail), "nonce expired (stale)");
		return rc;
	}
	return REGENT_AUTH_MISSING;
}

enum regent_auth_check regent_auth_server_check(struct regent_auth_server *as,
						const struct regent_msg *req, uint64_t now_s,
						struct regent_pl *user)
{
	return regent_auth_server_check_detail(as, req, now_s, user, NULL);
}
