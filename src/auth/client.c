/*
 * client — answering digest challenges (RFC 3261 §22.2, RFC 7616 §3.4) and
 * caching them so later requests carry credentials pre-emptively.
 *
 * Memory is lean on purpose (a load mode keeps 100,000 of these): the
 * client is one allocation holding the credentials, and each cached
 * challenge is one allocation holding its realm, nonce and opaque, and the
 * HA1 of the credentials for that realm and algorithm once computed (in
 * binary; a re-challenge of the same realm and algorithm, stale or at a
 * refresh, keeps it: it depends on nothing else, RFC 7616 §3.4.2). The
 * HA1 is a password equivalent: it is wiped before its memory is freed and
 * never written anywhere but into the digest.
 *
 * Loop bounds, per exchange (the retries of one request until a final
 * non-401/407 response), each named:
 *  - a realm answered from a fresh challenge and challenged again without
 *    stale=true is a failure (wrong credentials);
 *  - stale=true is honoured AUTH_MAX_STALE times per realm;
 *  - at most AUTH_MAX_ROUNDS challenges in all.
 * A challenge answering a pre-emptive (cached) credential does not count:
 * the cached nonce was merely rejected, so we fall back to the challenge.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"

enum {
	AUTH_MAX_ENTRIES = 4, /* realms cached (WWW + Proxy together) */
	AUTH_MAX_STALE = 1,   /* stale=true retries per realm per exchange */
	AUTH_MAX_ROUNDS = 6,  /* challenges per exchange */
};

/* The strings are found by 16-bit offsets into str[], not pointers: a
 * load client keeps one client and one entry per registration, and four
 * pointers were a fifth of an entry. */
struct auth_entry {
	bool proxy;	     /* from a 407: Proxy-Authorization */
	bool answered;	     /* answered from a challenge in this exchange */
	bool userhash;	     /* RFC 7616 §3.4.4 */
	uint8_t stale;	     /* stale retries in this exchange */
	uint8_t alg;	     /* enum regent_digest_alg */
	uint8_t qop;	     /* 0 none, 1 auth, 2 auth-int */
	bool ha1_ok;	     /* the HA1 holds H(username:realm:password) */
	uint8_t ha1_len;     /* bytes of the HA1 (binary): the hash's size, or 0 */
	uint32_t nc;	     /* last nc sent with this nonce */
	uint16_t nonce_off;  /* realm at str[0], then the nonce, */
	uint16_t opaque_off; /* the opaque (0: none) */
	uint16_t ha1_off;    /* and the HA1 (with ha1_len) */
	char str[];
};

struct regent_auth_client {
	uint32_t size;	     /* bytes of this allocation */
	uint16_t secret_off; /* username at str[0], then the password or HA1 */
	bool secret_is_ha1;
	uint8_t rounds; /* challenges in this exchange */
	struct auth_entry *e[AUTH_MAX_ENTRIES];
	char str[];
};

static const char *e_realm(const struct auth_entry *e)
{
	return e->str;
}

static const char *e_nonce(const struct auth_entry *e)
{
	return e->str + e->nonce_off;
}

static const char *e_opaque(const struct auth_entry *e)
{
	return e->opaque_off ? e->str + e->opaque_off : NULL;
}

static unsigned char *e_ha1(struct auth_entry *e)
{
	return e->ha1_len ? (unsigned char *)e->str + e->ha1_off : NULL;
}

static const char *ac_user(const struct regent_auth_client *ac)
{
	return ac->str;
}

static const char *ac_password(const struct regent_auth_client *ac)
{
	return ac->secret_is_ha1 ? NULL : ac->str + ac->secret_off;
}

static const char *ac_ha1(const struct regent_auth_client *ac)
{
	return ac->secret_is_ha1 ? ac->str + ac->secret_off : NULL;
}

static const char *const qop_names[] = {NULL, "auth", "auth-int"};

int regent_auth_client_alloc(struct regent_auth_client **acp, const struct regent_auth_creds *c)
{
	struct regent_auth_client *ac;
	size_t ul, pl, hl;
	char *p;

	if (!acp || !c || !c->username || (!c->password && !c->ha1))
		return EINVAL;
	if (regent_check_value(c->username) || (c->password && regent_check_value(c->password)) ||
	    (c->ha1 && regent_check_value(c->ha1)))
		return EINVAL;
	if (c->ha1) {
		/* HA1 is hex of MD5 (32) or SHA-256 (64; see choose()). */
		hl = strlen(c->ha1);
		if (hl != 32 && hl != 64)
			return EINVAL;
		for (size_t i = 0; i < hl; i++) {
			char x = c->ha1[i];

			if (!((x >= '0' && x <= '9') || (x >= 'a' && x <= 'f') ||
			      (x >= 'A' && x <= 'F')))
				return EINVAL;
		}
	}
	ul = strlen(c->username) + 1;
	pl = c->ha1 ? 0 : strlen(c->password) + 1;
	hl = c->ha1 ? strlen(c->ha1) + 1 : 0;
	if (ul > UINT16_MAX)
		return EINVAL;
	ac = calloc(1, sizeof(*ac) + ul + pl + hl);
	if (!ac)
		return ENOMEM;
	ac->size = (uint32_t)(sizeof(*ac) + ul + pl + hl);
	p = ac->str;
	memcpy(p, c->username, ul);
	p += ul;
	ac->secret_off = (uint16_t)ul;
	ac->secret_is_ha1 = c->ha1 != NULL;
	if (c->ha1)
		memcpy(p, c->ha1, hl);
	else
		memcpy(p, c->password, pl);
	*acp = ac;
	return 0;
}

/* Frees an entry, its cached HA1 wiped first. */
static void entry_free(struct auth_entry *e)
{
	if (e != NULL && e->ha1_len > 0)
		explicit_bzero((unsigned char *)e->str + e->ha1_off, e->ha1_len);
	free(e);
}

static void entry_drop(struct regent_auth_client *ac, size_t i)
{
	struct auth_entry *e = ac->e[i];

	if (!e)
		return;
	ac->e[i] = NULL;
	entry_free(e);
}

void regent_auth_client_reset(struct regent_auth_client *ac)
{
	if (!ac)
		return;
	for (size_t i = 0; i < AUTH_MAX_ENTRIES; i++)
		entry_drop(ac, i);
	ac->rounds = 0;
}

void regent_auth_client_free(struct regent_auth_client *ac)
{
	if (!ac)
		return;
	regent_auth_client_reset(ac);
	/* The password lives in the same allocation: wipe it. */
	memset(ac, 0, ac->size);
	free(ac);
}

size_t regent_auth_client_memory(const struct regent_auth_client *ac)
{
	size_t n;

	if (!ac)
		return 0;
	n = ac->size;
	for (size_t i = 0; i < AUTH_MAX_ENTRIES; i++) {
		const struct auth_entry *e = ac->e[i];

		if (!e)
			continue;
		n += sizeof(*e) + strlen(e_realm(e)) + 1 + strlen(e_nonce(e)) + 1 +
		     (e->opaque_off ? strlen(e->str + e->opaque_off) + 1 : 0) + e->ha1_len;
	}
	return n;
}

size_t regent_auth_client_cached(const struct regent_auth_client *ac)
{
	size_t n = 0;

	for (size_t i = 0; ac && i < AUTH_MAX_ENTRIES; i++)
		n += ac->e[i] != NULL;
	return n;
}

/* Copies a quoted-string's content without its backslash escapes
 * (RFC 3261 §25.1 quoted-pair): the digest uses unq(value). */
static char *unq_copy(char *dst, struct regent_pl v)
{
	for (size_t i = 0; i < v.l; i++) {
		if (v.p[i] == '\\' && i + 1 < v.l)
			i++;
		*dst++ = v.p[i];
	}
	*dst++ = '\0';
	return dst;
}

static bool unq_eq(const char *s, struct regent_pl v)
{
	size_t j = 0;

	for (size_t i = 0; i < v.l; i++, j++) {
		if (v.p[i] == '\\' && i + 1 < v.l)
			i++;
		if (s[j] != v.p[i])
			return false;
	}
	return s[j] == '\0';
}

/* qop choice (RFC 7616 §3.4): auth when offered (it needs no body), else
 * auth-int; -1 when a qop list is given but holds neither. */
static int qop_choose(struct regent_pl list)
{
	bool has_int = false;
	size_t i = 0;

	if (!regent_pl_isset(list))
		return 0;
	while (i < list.l) {
		size_t s, e;

		while (i < list.l && (list.p[i] == ' ' || list.p[i] == '\t' || list.p[i] == ','))
			i++;
		s = i;
		while (i < list.l && list.p[i] != ',' && list.p[i] != ' ' && list.p[i] != '\t')
			i++;
		e = i;
		if (e > s) {
			struct regent_pl tok = {list.p + s, e - s};

			if (regent_pl_caseeq_str(tok, "auth"))
				return 1;
			if (regent_pl_caseeq_str(tok, "auth-int"))
				has_int = true;
		}
	}
	return has_int ? 2 : -1;
}

/* Can our credentials answer this algorithm? A precomputed HA1 fixes the
 * hash: 32 hex digits are MD5; 64 are taken as SHA-256 (SHA-512-256 has the
 * same length and cannot be told apart, so it is not offered an HA1). */
static bool alg_usable(const struct regent_auth_client *ac, enum regent_digest_alg alg)
{
	if (alg == REGENT_DIGEST_NONE)
		return false;
	if (!ac_ha1(ac))
		return true;
	if (strlen(ac_ha1(ac)) == 32)
		return regent_digest_alg_strength(alg) == 1;
	return regent_digest_alg_strength(alg) == 2;
}

struct pick {
	struct regent_challenge ch;
	enum regent_digest_alg alg;
	int qop;
};

/* Collects, per realm, the strongest usable challenge of the response. */
static size_t choose(const struct regent_auth_client *ac, const struct regent_msg *resp,
		     enum regent_hdr_id id, struct pick *picks, size_t max)
{
	struct regent_msg_iter it = {0};
	struct regent_challenge ch;
	size_t n = 0;
	int err;

	/* A bounded walk: the parser limits the number of headers. */
	while ((err = regent_msg_challenge_next(resp, id, &it, &ch)) != ENOENT) {
		enum regent_digest_alg alg;
		size_t k;
		int qop;

		if (err)
			continue; /* a malformed challenge is ignored, others may do */
		if (!regent_pl_caseeq_str(ch.scheme, "Digest") || !regent_pl_isset(ch.realm) ||
		    !regent_pl_isset(ch.nonce) || ch.nonce.l == 0)
			continue;
		alg = regent_digest_alg_parse(ch.algorithm);
		if (!alg_usable(ac, alg))
			continue;
		qop = qop_choose(ch.qop);
		if (qop < 0)
			continue;
		for (k = 0; k < n; k++) {
			if (regent_pl_eq(picks[k].ch.realm, ch.realm))
				break;
		}
		if (k == n) {
			if (n == max)
				continue;
			n++;
		} else if (regent_digest_alg_strength(alg) <=
			   regent_digest_alg_strength(picks[k].alg)) {
			continue; /* equal strength: the server's first offer wins */
		}
		picks[k].ch = ch;
		picks[k].alg = alg;
		picks[k].qop = qop;
	}
	return n;
}

static int entry_store(struct regent_auth_client *ac, size_t slot, const struct pick *pk,
		       bool proxy)
{
	const struct regent_challenge *ch = &pk->ch;
	struct auth_entry *e, *old = ac->e[slot];
	/* room for the HA1 unless the credentials are one already */
	size_t hl = ac->secret_is_ha1 ? 0 : regent_digest_hex_len(pk->alg) / 2;
	size_t need = ch->realm.l + 1 + ch->nonce.l + 1 +
		      (regent_pl_isset(ch->opaque) ? ch->opaque.l + 1 : 0) + hl;
	char *p;

	if (need > UINT16_MAX)
		return EINVAL; /* more than a message can hold */
	e = calloc(1, sizeof(*e) + need);
	if (!e)
		return ENOMEM;
	e->proxy = proxy;
	e->alg = (uint8_t)pk->alg;
	e->qop = (uint8_t)pk->qop;
	e->userhash = ch->userhash;
	p = unq_copy(e->str, ch->realm);
	e->nonce_off = (uint16_t)(p - e->str);
	p = unq_copy(p, ch->nonce);
	if (regent_pl_isset(ch->opaque)) {
		e->opaque_off = (uint16_t)(p - e->str);
		p = unq_copy(p, ch->opaque);
	}
	if (hl > 0) {
		e->ha1_off = (uint16_t)(p - e->str);
		e->ha1_len = (uint8_t)hl;
	}
	/* Per-exchange counters carry over when the realm is re-challenged. */
	if (old) {
		e->stale = old->stale;
		/* Re-challenged with the very nonce we used: keep counting, as a
		 * server enforcing nc would refuse the same nc twice. */
		if (strcmp(e_nonce(old), e_nonce(e)) == 0)
			e->nc = old->nc;
		/* HA1 depends on username, realm, password and algorithm only */
		if (old->ha1_ok && e->ha1_len > 0 && old->alg == e->alg &&
		    old->ha1_len == e->ha1_len && strcmp(e_realm(old), e_realm(e)) == 0) {
			memcpy(e_ha1(e), e_ha1(old), e->ha1_len);
			e->ha1_ok = true;
		}
		entry_free(old);
	}
	e->answered = true;
	ac->e[slot] = e;
	return 0;
}

static void set_why(char *why, size_t why_len, const char *fmt, const char *arg)
{
	if (why && why_len)
		snprintf(why, why_len, fmt, arg);
}

static void exchange_end(struct regent_auth_client *ac)
{
	ac->rounds = 0;
	for (size_t i = 0; i < AUTH_MAX_ENTRIES; i++) {
		if (ac->e[i]) {
			ac->e[i]->answered = false;
			ac->e[i]->stale = 0;
		}
	}
}

/* The entry slot for a challenge's realm: the realm's own, a free one, or
 * one a realm not answered in this exchange gives up; AUTH_MAX_ENTRIES
 * with `why` set when there is none or the realm's credentials failed. */
static size_t pick_slot(struct regent_auth_client *ac, const struct pick *pk, bool proxy, char *why,
			size_t why_len)
{
	size_t slot = AUTH_MAX_ENTRIES, free_slot = AUTH_MAX_ENTRIES;

	for (size_t i = 0; i < AUTH_MAX_ENTRIES; i++) {
		struct auth_entry *e = ac->e[i];

		if (!e) {
			if (free_slot == AUTH_MAX_ENTRIES)
				free_slot = i;
			continue;
		}
		if (e->proxy == proxy && unq_eq(e_realm(e), pk->ch.realm)) {
			slot = i;
			break;
		}
	}
	if (slot < AUTH_MAX_ENTRIES && ac->e[slot]->answered) {
		struct auth_entry *e = ac->e[slot];

		/* We answered this realm from a challenge already. Only a stale
		 * nonce (RFC 7616 §3.3) earns another try. */
		if (!pk->ch.stale || e->stale >= AUTH_MAX_STALE) {
			set_why(why, why_len, "credentials rejected for realm \"%s\"", e_realm(e));
			entry_drop(ac, slot);
			return AUTH_MAX_ENTRIES;
		}
		e->stale++;
	}
	if (slot == AUTH_MAX_ENTRIES)
		slot = free_slot;
	/* Full: a realm not answered in this exchange is an old one the server
	 * no longer asks for; it makes room. */
	for (size_t i = 0; slot == AUTH_MAX_ENTRIES && i < AUTH_MAX_ENTRIES; i++) {
		if (!ac->e[i]->answered) {
			entry_drop(ac, i);
			slot = i;
		}
	}
	if (slot == AUTH_MAX_ENTRIES)
		set_why(why, why_len, "%s", "too many realms");
	return slot;
}

/* Stores the chosen challenges of one header kind; false with `why` set
 * on failure. *n is how many there were. */
static bool take_kind(struct regent_auth_client *ac, const struct regent_msg *resp, bool proxy,
		      size_t *n, char *why, size_t why_len)
{
	struct pick picks[AUTH_MAX_ENTRIES];
	enum regent_hdr_id id = proxy ? REGENT_HDR_PROXY_AUTHENTICATE : REGENT_HDR_WWW_AUTHENTICATE;
	size_t slot;

	*n = choose(ac, resp, id, picks, AUTH_MAX_ENTRIES);
	for (size_t k = 0; k < *n; k++) {
		slot = pick_slot(ac, &picks[k], proxy, why, why_len);
		if (slot == AUTH_MAX_ENTRIES)
			return false;
		if (entry_store(ac, slot, &picks[k], proxy)) {
			set_why(why, why_len, "%s", "out of memory");
			return false;
		}
	}
	return true;
}

/* A 401 or 407 may carry both kinds of challenge: a forking proxy merges
 * the WWW-Authenticate and Proxy-Authenticate values of its branches into
 * one response (RFC 3261 §16.7 step 6, §22.3). Both are answered in the
 * one retry; the status's own kind must be there. */
enum regent_auth_verdict regent_auth_client_challenge(struct regent_auth_client *ac,
						      const struct regent_msg *resp, char *why,
						      size_t why_len)
{
	uint16_t status;
	size_t own = 0, other = 0;
	bool proxy;

	if (!ac || !resp || regent_msg_is_request(resp)) {
		set_why(why, why_len, "%s", "not a response");
		return REGENT_AUTH_FAIL;
	}
	status = regent_msg_status(resp);
	if (status != 401 && status != 407) {
		set_why(why, why_len, "%s", "not a 401 or 407");
		return REGENT_AUTH_FAIL;
	}
	proxy = status == 407;
	if (++ac->rounds > AUTH_MAX_ROUNDS) {
		set_why(why, why_len, "%s", "too many challenges in one exchange");
		goto fail;
	}
	if (!take_kind(ac, resp, proxy, &own, why, why_len))
		goto fail;
	if (own == 0) {
		set_why(why, why_len, "%s", "no supported digest challenge");
		goto fail;
	}
	if (!take_kind(ac, resp, !proxy, &other, why, why_len))
		goto fail;
	return REGENT_AUTH_RETRY;
fail:
	exchange_end(ac);
	return REGENT_AUTH_FAIL;
}

void regent_auth_client_done(struct regent_auth_client *ac, uint16_t status)
{
	(void)status; /* the exchange is over, whatever its outcome */
	if (!ac)
		return;
	exchange_end(ac);
}

/* Keeps the entry's HA1 (lower-case hex, as the digest code writes it) in
 * binary. */
static void entry_ha1_keep(struct auth_entry *e, const char *hex)
{
	for (size_t i = 0; i < e->ha1_len; i++) {
		char h = hex[2 * i], l = hex[2 * i + 1];

		e_ha1(e)[i] = (unsigned char)((h <= '9' ? h - '0' : h - 'a' + 10) << 4 |
					      (l <= '9' ? l - '0' : l - 'a' + 10));
	}
	e->ha1_ok = true;
}

/* The entry's HA1 in hex into out (129 bytes), computed from the password
 * on first use and kept in binary; *ha1 is set to out, or left alone when
 * the credentials carry no password (they are an HA1 themselves). */
static int entry_ha1_hex(const struct regent_auth_client *ac, struct auth_entry *e, char *out,
			 const char **ha1)
{
	static const char hex[] = "0123456789abcdef";
	int err;

	if (e_ha1(e) == NULL)
		return 0;
	if (!e->ha1_ok) {
		err = regent_digest_ha1((enum regent_digest_alg)e->alg, ac_user(ac), e_realm(e),
					ac_password(ac), out);
		if (err)
			return err;
		entry_ha1_keep(e, out);
	}
	for (size_t i = 0; i < e->ha1_len; i++) {
		out[2 * i] = hex[e_ha1(e)[i] >> 4];
		out[2 * i + 1] = hex[e_ha1(e)[i] & 15];
	}
	out[2 * e->ha1_len] = '\0';
	*ha1 = out;
	return 0;
}

/* RFC 7616 §3.4.4: username = H(unq(username) ":" unq(realm)), in hex
 * into out (129 bytes). */
static int user_hash(const struct regent_auth_client *ac, const struct auth_entry *e, char *out)
{
	size_t ul = strlen(ac_user(ac)), rl = strlen(e_realm(e));
	char *tmp = malloc(ul + 1 + rl);
	int err;

	if (!tmp)
		return ENOMEM;
	memcpy(tmp, ac_user(ac), ul);
	tmp[ul] = ':';
	memcpy(tmp + ul + 1, e_realm(e), rl);
	err = regent_digest_hash_hex((enum regent_digest_alg)e->alg, tmp, ul + 1 + rl, out);
	free(tmp);
	return err;
}

static int write_one(struct regent_auth_client *ac, struct auth_entry *e, struct regent_wbuf *wb,
		     const char *method, const char *ruri, const char *body, size_t body_len,
		     const char *cnonce)
{
	enum regent_digest_alg alg = (enum regent_digest_alg)e->alg;
	struct regent_digest_input in = {
	    .alg = alg,
	    .username = ac_user(ac),
	    .realm = e_realm(e),
	    .password = ac_password(ac),
	    .ha1 = ac_ha1(ac),
	    .nonce = e_nonce(e),
	    .cnonce = cnonce,
	    .method = method,
	    .uri = ruri,
	    .qop = qop_names[e->qop],
	    .body = body,
	    .body_len = body_len,
	};
	char resp[129], uh[129], h1[129];
	const char *user = ac_user(ac);
	int err;

	if ((e->qop || regent_digest_alg_is_sess(alg)) && (!cnonce || !*cnonce))
		return EINVAL;
	/* the first answer in a realm computes the HA1 with the response, in
	 * one hash context, and keeps it; later ones start from it */
	bool first = e_ha1(e) != NULL && !e->ha1_ok && in.ha1 == NULL;

	if (first)
		in.ha1_out = h1;
	else if ((err = entry_ha1_hex(ac, e, h1, &in.ha1)) != 0)
		return err;
	/* nc counts requests sent with this nonce (RFC 7616 §3.4). */
	if (e->qop)
		in.nc = ++e->nc;
	err = regent_digest_response(&in, resp);
	if (!err && first)
		entry_ha1_keep(e, h1);
	explicit_bzero(h1, sizeof(h1));
	if (err)
		return err;
	if (e->userhash) {
		if ((err = user_hash(ac, e, uh)) != 0)
			return err;
		user = uh;
	}
	regent_wbuf_puts(wb, e->proxy ? "Proxy-Authorization: Digest username="
				      : "Authorization: Digest username=");
	regent_wbuf_quoted(wb, "username", user, strlen(user));
	regent_wbuf_puts(wb, ", realm=");
	regent_wbuf_quoted(wb, "realm", e_realm(e), strlen(e_realm(e)));
	regent_wbuf_puts(wb, ", nonce=");
	regent_wbuf_quoted(wb, "nonce", e_nonce(e), strlen(e_nonce(e)));
	regent_wbuf_puts(wb, ", uri=");
	regent_wbuf_quoted(wb, "uri", ruri, strlen(ruri));
	regent_wbuf_puts(wb, ", response=\"");
	regent_wbuf_puts(wb, resp);
	regent_wbuf_puts(wb, "\", algorithm=");
	regent_wbuf_puts(wb, regent_digest_alg_name(alg));
	if (e_opaque(e)) {
		regent_wbuf_puts(wb, ", opaque=");
		regent_wbuf_quoted(wb, "opaque", e_opaque(e), strlen(e_opaque(e)));
	}
	if (e->qop || regent_digest_alg_is_sess(alg)) {
		regent_wbuf_puts(wb, ", cnonce=");
		regent_wbuf_quoted(wb, "cnonce", cnonce, strlen(cnonce));
	}
	if (e->qop) {
		regent_wbuf_puts(wb, ", qop=");
		regent_wbuf_puts(wb, qop_names[e->qop]);
		regent_wbuf_puts(wb, ", nc=");
		regent_wbuf_hex(wb, e->nc, 8);
	}
	if (e->userhash)
		regent_wbuf_puts(wb, ", userhash=true");
	regent_wbuf_puts(wb, "\r\n");
	return wb->err ? EINVAL : 0;
}

int regent_auth_client_headers(struct regent_auth_client *ac, struct regent_wbuf *wb,
			       const char *method, const char *ruri, const char *body,
			       size_t body_len, const char *cnonce)
{
	int err = 0;

	if (!ac || !wb || !method || !ruri)
		return EINVAL;
	/* Authorization first, then Proxy-Authorization: a stable order. */
	for (int pass = 0; pass < 2 && !err; pass++) {
		for (size_t i = 0; i < AUTH_MAX_ENTRIES && !err; i++) {
			struct auth_entry *e = ac->e[i];

			if (e && e->proxy == (pass == 1))
				err = write_one(ac, e, wb, method, ruri, body, body_len, cnonce);
		}
	}
	return err;
}
