/*
 * auth — HTTP Digest for SIP (RFC 7616, RFC 8760, RFC 2617, RFC 3261 §22).
 * The hashes and the client side (answer challenges, cache credentials per
 * realm). The server side (challenge and verify) belongs to the test
 * registrar: registrar/include/registrar/auth_server.h. Hashes come from OpenSSL.
 */
#ifndef REGENT_AUTH_H
#define REGENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"

enum regent_digest_alg {
	REGENT_DIGEST_NONE = 0, /* unknown / unsupported */
	REGENT_DIGEST_MD5,
	REGENT_DIGEST_MD5_SESS,
	REGENT_DIGEST_SHA256,
	REGENT_DIGEST_SHA256_SESS,
	REGENT_DIGEST_SHA512_256,
	REGENT_DIGEST_SHA512_256_SESS,
};

/* Parses an algorithm token (case-insensitive; absent = MD5). */
enum regent_digest_alg regent_digest_alg_parse(struct regent_pl alg);
const char *regent_digest_alg_name(enum regent_digest_alg alg);
/* Strength order for choosing among challenges: SHA-512-256 > SHA-256 > MD5. */
int regent_digest_alg_strength(enum regent_digest_alg alg);

/* Hex digest of data (lower case, NUL-terminated); out must hold 129 bytes. */
int regent_digest_hash_hex(enum regent_digest_alg alg, const void *data, size_t len, char *out);
/* True for the -sess variants (RFC 7616 §3.4.2). */
bool regent_digest_alg_is_sess(enum regent_digest_alg alg);
/* Length of the algorithm's hex digest: 32 (MD5), 64 (SHA-256, SHA-512-256), 0. */
size_t regent_digest_hex_len(enum regent_digest_alg alg);
/* HA1 = H(username:realm:password) in hex (out: 129 bytes); the -sess step is
 * not applied (it needs the nonce). Used to precompute authorization_ha1. */
int regent_digest_ha1(enum regent_digest_alg alg, const char *username, const char *realm,
		      const char *password, char *out);

/* ------------------------------------------------------------ computation */

/* Everything that goes into one response value (RFC 7616 §3.4.1). */
struct regent_digest_input {
	enum regent_digest_alg alg;
	const char *username, *realm, *password; /* password or ha1 */
	const char *ha1;			 /* precomputed hex HA1 (non-sess), or NULL */
	const char *nonce, *cnonce;
	const char *method, *uri;
	const char *qop; /* "auth", "auth-int" or NULL (RFC 2069 style) */
	uint32_t nc;
	const char *body; /* for auth-int */
	size_t body_len;
	/* Optional: when the HA1 is computed from the password (ha1 NULL),
	 * its hex (before any -sess step) is also written here (129 bytes),
	 * so a caller that caches it needs no second hash context. */
	char *ha1_out;
};

/* Computes the hex response into out (129 bytes). */
int regent_digest_response(const struct regent_digest_input *in, char *out);

/* ------------------------------------------------------------ client */

struct regent_auth_client; /* credentials + per-realm cache */

struct regent_auth_creds {
	const char *username;
	const char *password;
	/* Wins over password (SIP.js authorizationHa1). Hex of H(user:realm:pass):
	 * 32 digits answer MD5 challenges, 64 digits SHA-256 ones (SHA-512-256
	 * has the same length and is not answered with an HA1). */
	const char *ha1;
};

int regent_auth_client_alloc(struct regent_auth_client **acp, const struct regent_auth_creds *c);
void regent_auth_client_free(struct regent_auth_client *ac);

/* Outcome of feeding a 401/407. */
enum regent_auth_verdict {
	REGENT_AUTH_RETRY = 0, /* answer prepared: resend with regent_auth_client_headers() */
	REGENT_AUTH_FAIL,      /* give up: wrong credentials, loop, nothing usable */
};

/* Feeds a 401 or 407 response to the request (method, ruri). Chooses the
 * strongest supported challenge per realm, honours stale=true without
 * counting it as a failure, keeps nc per nonce, and bounds the retries: a
 * second non-stale challenge for a realm we already answered with the same
 * credentials is a failure. 401 and 407 in one exchange are both kept.
 * `why` (if non-NULL) gets a short reason on FAIL. */
enum regent_auth_verdict regent_auth_client_challenge(struct regent_auth_client *ac,
						      const struct regent_msg *resp, char *why,
						      size_t why_len);

/* Appends the Authorization / Proxy-Authorization headers for a new request
 * (next nc for each cached nonce; pre-emptive on refreshes). cnonce is a
 * fresh random string (required when a qop or -sess is in use). Returns 0 or errno. */
int regent_auth_client_headers(struct regent_auth_client *ac, struct regent_wbuf *wb,
			       const char *method, const char *ruri, const char *body,
			       size_t body_len, const char *cnonce);

/* A final non-401/407 response arrived: the exchange is over. 2xx keeps the
 * cache; the per-exchange loop counters are reset. */
void regent_auth_client_done(struct regent_auth_client *ac, uint16_t status);

/* Forget every cached nonce (e.g. the registrar restarted). */
void regent_auth_client_reset(struct regent_auth_client *ac);

/* Heap bytes held by the client (its allocation and each cached challenge's),
 * for the memory budget of idle registrations. */
size_t regent_auth_client_memory(const struct regent_auth_client *ac);
/* Number of cached challenges (realms). */
size_t regent_auth_client_cached(const struct regent_auth_client *ac);

#endif /* REGENT_AUTH_H */
