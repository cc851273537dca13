/*
 * auth_server — the digest server of the test registrar: issuing challenges
 * and verifying credentials (RFC 7616 §3.3, §3.4; RFC 3261 §22.4). Built on
 * the hashes of libregent (src/auth/auth.h), which the client shares; not
 * part of libregent. Needs src/ on the include path (the tests have it).
 */
#ifndef REGENT_REGISTRAR_AUTH_SERVER_H
#define REGENT_REGISTRAR_AUTH_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"

struct regent_auth_server; /* realm, nonce secret, users, nc tracking */

struct regent_auth_server_options {
	const char *realm;
	enum regent_digest_alg algs[4]; /* offered, in order; NONE-terminated; default MD5 */
	bool qop_auth;			/* offer qop=auth (default true) */
	uint32_t nonce_lifetime_s;	/* default 300; older nonces answered stale=true */
	const unsigned char *secret;	/* nonce HMAC key */
	size_t secret_len;
	uint32_t nc_slots; /* nc replay tracking slots (default 4096, 8 bytes each) */
};

void regent_auth_server_options_init(struct regent_auth_server_options *o);
int regent_auth_server_alloc(struct regent_auth_server **asp,
			     const struct regent_auth_server_options *o);
void regent_auth_server_free(struct regent_auth_server *as);
int regent_auth_server_add_user(struct regent_auth_server *as, const char *user,
				const char *password);

enum regent_auth_check {
	REGENT_AUTH_OK = 0,
	REGENT_AUTH_MISSING, /* no credentials for our realm: challenge */
	REGENT_AUTH_STALE,   /* nonce expired: challenge with stale=true */
	REGENT_AUTH_BAD,     /* wrong response / unknown user / replayed nc: challenge */
};

/* Verifies the request's Authorization (hdr AUTHORIZATION) at time now_s. */
enum regent_auth_check regent_auth_server_check(struct regent_auth_server *as,
						const struct regent_msg *req, uint64_t now_s,
						struct regent_pl *user);

/* Why credentials were refused, for a log that helps debug a client. */
enum regent_auth_fault {
	REGENT_AUTH_FAULT_NONE = 0,
	REGENT_AUTH_FAULT_USERNAME,	/* malformed: empty, a URI/AOR, spaces (RFC 3261 §25.1) */
	REGENT_AUTH_FAULT_UNKNOWN_USER, /* well-formed, not one of ours */
	REGENT_AUTH_FAULT_PASSWORD,	/* our user and nonce, wrong digest: wrong password */
	REGENT_AUTH_FAULT_NONCE,	/* a nonce we did not issue (e.g. before a restart) */
	REGENT_AUTH_FAULT_OTHER,	/* algorithm, uri, qop, nc, cnonce, userhash */
};

struct regent_auth_why {
	enum regent_auth_fault fault; /* set when the check returns BAD */
	char detail[160];	      /* one line for a log; "" when nothing to say */
};

/* regent_auth_server_check() that also says why (v may be NULL). */
enum regent_auth_check regent_auth_server_check_detail(struct regent_auth_server *as,
						       const struct regent_msg *req, uint64_t now_s,
						       struct regent_pl *user,
						       struct regent_auth_why *v);

/* New nonce key: every nonce issued so far becomes invalid and the nc
 * tracking is cleared (a restart). secret_len 1..64. */
int regent_auth_server_rekey(struct regent_auth_server *as, const unsigned char *secret,
			     size_t secret_len);

/* Appends WWW-Authenticate header(s) with fresh nonces. */
int regent_auth_server_challenge(struct regent_auth_server *as, struct regent_wbuf *wb,
				 uint64_t now_s, bool stale);

#endif /* REGENT_REGISTRAR_AUTH_SERVER_H */
