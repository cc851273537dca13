/*
 * digest — the HTTP Digest computation (RFC 7616 §3.4.1, §3.4.2; RFC 2617
 * §3.2.2; RFC 8760 for the SIP use of SHA-256 and SHA-512/256).
 *
 * Pure functions: no state, no allocation besides OpenSSL's digest context.
 * Every value is fed to the hash piecewise with ':' separators, so nothing
 * is concatenated into a temporary buffer and no length limit applies to
 * the input strings.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/auth.h"

static const struct {
	const char *name;
	enum regent_digest_alg alg;
} alg_names[] = {
    {"MD5", REGENT_DIGEST_MD5},
    {"MD5-sess", REGENT_DIGEST_MD5_SESS},
    {"SHA-256", REGENT_DIGEST_SHA256},
    {"SHA-256-sess", REGENT_DIGEST_SHA256_SESS},
    {"SHA-512-256", REGENT_DIGEST_SHA512_256},
    {"SHA-512-256-sess", REGENT_DIGEST_SHA512_256_SESS},
};

static bool ascii_caseeq(const char *a, size_t al, const char *b)
{
	size_t bl = strlen(b);

	if (al != bl)
		return false;
	for (size_t i = 0; i < al; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

enum regent_digest_alg regent_digest_alg_parse(struct regent_pl alg)
{
	/* RFC 7616 §3.3: "If this is not present, it is assumed to be MD5". */
	if (!alg.p || alg.l == 0)
		return REGENT_DIGEST_MD5;
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (ascii_caseeq(alg.p, alg.l, alg_names[i].name))
			return alg_names[i].alg;
	}
	return REGENT_DIGEST_NONE;
}

const char *regent_digest_alg_name(enum regent_digest_alg alg)
{
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (alg_names[i].alg == alg)
			return alg_names[i].name;
	}
	return NULL;
}

int regent_digest_alg_strength(enum regent_digest_alg alg)
{
	/* A -sess variant is as strong as its hash; among equals the order of
	 * the server's offer decides (the caller keeps the first). */
	switch (alg) {
	case REGENT_DIGEST_MD5:
	case REGENT_DIGEST_MD5_SESS:
		return 1;
	case REGENT_DIGEST_SHA256:
	case REGENT_DIGEST_SHA256_SESS:
		return 2;
	case REGENT_DIGEST_SHA512_256:
	case REGENT_DIGEST_SHA512_256_SESS:
		return 3;
	case REGENT_DIGEST_NONE:
	default:
		return 0;
	}
}

bool regent_digest_alg_is_sess(enum regent_digest_alg alg)
{
	return alg == REGENT_DIGEST_MD5_SESS || alg == REGENT_DIGEST_SHA256_SESS ||
	       alg == REGENT_DIGEST_SHA512_256_SESS;
}

size_t regent_digest_hex_len(enum regent_digest_alg alg)
{
	switch (regent_digest_alg_strength(alg)) {
	case 1:
		return 32;
	case 2:
	case 3:
		return 64;
	default:
		return 0;
	}
}

/* OpenSSL 3 looks an implementation up ("fetch") on every init made with
 * the legacy EVP_md5()-style handles; fetched once here and kept for the
 * life of the process (still reachable at exit, not leaked). The atomic
 * compare-exchange keeps it safe when threads race on the first use. */
static const EVP_MD *alg_md(enum regent_digest_alg alg)
{
	static _Atomic(EVP_MD *) cache[4];
	static const char *const names[4] = {NULL, "MD5", "SHA256", "SHA512-256"};
	int k = regent_digest_alg_strength(alg);
	EVP_MD *md, *seen = NULL;

	if (k < 1 || k > 3)
		return NULL;
	md = atomic_load_explicit(&cache[k], memory_order_acquire);
	if (md)
		return md;
	md = EVP_MD_fetch(NULL, names[k], NULL);
	if (!md)
		return NULL;
	if (!atomic_compare_exchange_strong(&cache[k], &seen, md)) {
		EVP_MD_free(md);
		md = seen;
	}
	return md;
}

/* A running hash that takes ':'-separated pieces. One OpenSSL context
 * serves every hash of a response: only the first init fetches the
 * algorithm (the costly part in OpenSSL 3), later ones reuse it. Small
 * pieces are gathered in `stage` and reach OpenSSL in one update: each
 * EVP_DigestUpdate costs about a hundred instructions before it hashes a
 * byte, and a response is about a dozen pieces (a piece longer than the
 * stage goes straight through, so no length limit applies). The stage may
 * have held the password or an HA1: it is wiped once, when the hasher is
 * freed (every public function here frees its own). */
struct hasher {
	EVP_MD_CTX *ctx;
	enum regent_digest_alg alg;
	bool ok;
	size_t n;
	unsigned char stage[256];
};

static int hasher_begin(struct hasher *h, enum regent_digest_alg alg)
{
	const EVP_MD *md = alg_md(alg);

	h->ok = false;
	h->n = 0;
	if (!md)
		return EINVAL;
	if (h->ctx && h->alg == alg) {
		h->ok = EVP_DigestInit_ex(h->ctx, NULL, NULL) == 1;
		return h->ok ? 0 : EIO;
	}
	if (!h->ctx)
		h->ctx = EVP_MD_CTX_new();
	if (!h->ctx)
		return ENOMEM;
	h->alg = alg;
	h->ok = EVP_DigestInit_ex(h->ctx, md, NULL) == 1;
	return h->ok ? 0 : EIO;
}

static void hasher_free(struct hasher *h)
{
	OPENSSL_cleanse(h->stage, sizeof(h->stage));
	h->n = 0;
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

static void hasher_flush(struct hasher *h)
{
	if (h->n == 0)
		return;
	if (h->ok)
		h->ok = EVP_DigestUpdate(h->ctx, h->stage, h->n) == 1;
	h->n = 0;
}

static void hasher_add(struct hasher *h, const void *p, size_t l)
{
	if (!h->ok || l == 0)
		return;
	if (l > sizeof(h->stage) - h->n) {
		hasher_flush(h);
		if (l >= sizeof(h->stage)) {
			h->ok = h->ok && EVP_DigestUpdate(h->ctx, p, l) == 1;
			return;
		}
	}
	memcpy(h->stage + h->n, p, l);
	h->n += l;
}

static void hasher_adds(struct hasher *h, const char *s)
{
	hasher_add(h, s, strlen(s));
}

static void hasher_sep(struct hasher *h)
{
	hasher_add(h, ":", 1);
}

/* Ends the hash into lower-case hex (out: 129 bytes). */
static int hasher_end(struct hasher *h, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	hasher_flush(h);
	if (!h->ok || EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen > 64)
		return EIO;
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	return 0;
}

static int hash_into(struct hasher *h, enum regent_digest_alg alg, const void *data, size_t len,
		     char *out)
{
	int err = hasher_begin(h, alg);

	if (err)
		return err;
	hasher_add(h, data, len);
	return hasher_end(h, out);
}

int regent_digest_hash_hex(enum regent_digest_alg alg, const void *data, size_t len, char *out)
{
	struct hasher h = {0};
	int err;

	if (!out || (!data && len))
		return EINVAL;
	err = hash_into(&h, alg, data, len, out);
	hasher_free(&h);
	return err;
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return s[n] == '\0';
}

static int ha1_into(struct hasher *h, enum regent_digest_alg alg, const char *username,
		    const char *realm, const char *password, char *out)
{
	int err;

	if (!username || !realm || !password || !out)
		return EINVAL;
	/* RFC 7616 §3.4.2: A1 = unq(username) ":" unq(realm) ":" passwd */
	err = hasher_begin(h, alg);
	if (err)
		return err;
	hasher_adds(h, username);
	hasher_sep(h);
	hasher_adds(h, realm);
	hasher_sep(h);
	hasher_adds(h, password);
	return hasher_end(h, out);
}

int regent_digest_ha1(enum regent_digest_alg alg, const char *username, const char *realm,
		      const char *password, char *out)
{
	struct hasher h = {0};
	int err = ha1_into(&h, alg, username, realm, password, out);

	hasher_free(&h);
	return err;
}

/* HA1 = H(username:realm:password), or the precomputed one (lower-cased);
 * for -sess (RFC 7616 §3.4.2) then H(HA1 ":" nonce ":" cnonce). */
static int digest_ha1(struct hasher *h, const struct regent_digest_input *in, char *ha1)
{
	int err;

	if (in->ha1) {
		size_t n = regent_digest_hex_len(in->alg);

		if (strlen(in->ha1) != n || !is_hex(in->ha1, n))
			return EINVAL;
		for (size_t i = 0; i <= n; i++) {
			char c = in->ha1[i];

			ha1[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
		}
	} else {
		err = ha1_into(h, in->alg, in->username, in->realm, in->password, ha1);
		if (err)
			return err;
		if (in->ha1_out != NULL)
			memcpy(in->ha1_out, ha1, strlen(ha1) + 1);
	}
	if (!regent_digest_alg_is_sess(in->alg))
		return 0;
	if (!in->cnonce)
		return EINVAL;
	err = hasher_begin(h, in->alg);
	if (err)
		return err;
	hasher_adds(h, ha1);
	hasher_sep(h);
	hasher_adds(h, in->nonce);
	hasher_sep(h);
	hasher_adds(h, in->cnonce);
	return hasher_end(h, ha1);
}

/* HA2 = H(method ":" uri), with auth-int (RFC 7616 §3.4.3) ":" H(body). */
static int digest_ha2(struct hasher *h, const struct regent_digest_input *in, bool auth_int,
		      char *ha2)
{
	char hbody[129];
	int err;

	if (auth_int) {
		err = hash_into(h, in->alg, in->body ? in->body : "", in->body ? in->body_len : 0,
				hbody);
		if (err)
			return err;
	}
	err = hasher_begin(h, in->alg);
	if (err)
		return err;
	hasher_adds(h, in->method);
	hasher_sep(h);
	hasher_adds(h, in->uri);
	if (auth_int) {
		hasher_sep(h);
		hasher_adds(h, hbody);
	}
	return hasher_end(h, ha2);
}

int regent_digest_response(const struct regent_digest_input *in, char *out)
{
	char ha1[129], ha2[129];
	struct hasher h = {0};
	bool auth_int = false;
	int err;

	if (!in || !out || !in->nonce || !in->method || !in->uri)
		return EINVAL;
	if (in->qop) {
		if (strcmp(in->qop, "auth-int") == 0)
			auth_int = true;
		else if (strcmp(in->qop, "auth") != 0)
			return EINVAL;
		if (!in->cnonce)
			return EINVAL;
	}
	if (!alg_md(in->alg))
		return EINVAL;
	err = digest_ha1(&h, in, ha1);
	if (!err)
		err = digest_ha2(&h, in, auth_int, ha2);
	if (!err)
		err = hasher_begin(&h, in->alg);
	if (err)
		goto out;
	/* response = H(HA1:nonce:nc:cnonce:qop:HA2), or RFC 2069's
	 * H(HA1:nonce:HA2) when the challenge carried no qop. */
	hasher_adds(&h, ha1);
	hasher_sep(&h);
	hasher_adds(&h, in->nonce);
	hasher_sep(&h);
	if (in->qop) {
		static const char hex[] = "0123456789abcdef";
		char nc[8]; /* RFC 7616 §3.4: 8LHEX */

		for (int i = 0; i < 8; i++)
			nc[i] = hex[((uint32_t)in->nc >> (28 - 4 * i)) & 15];
		hasher_add(&h, nc, 8);
		hasher_sep(&h);
		hasher_adds(&h, in->cnonce);
		hasher_sep(&h);
		hasher_adds(&h, in->qop);
		hasher_sep(&h);
	}
	hasher_adds(&h, ha2);
	err = hasher_end(&h, out);
out:
	hasher_free(&h);
	OPENSSL_cleanse(ha1, sizeof(ha1));
	return err;
}
