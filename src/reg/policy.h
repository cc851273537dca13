/*
 * reg/policy — the Registerer's decisions as pure functions (docs/design.md,
 * "Policies"). No state, no clock, no random source: randomness comes in as
 * an argument so every rule has a table test.
 */
#ifndef REGENT_REG_POLICY_H
#define REGENT_REG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"

/* Named bounds of every loop (docs/design.md: every loop has a named bound). */
#define REGENT_REG_MAX_AUTH_TRIES 4	     /* authenticated resends per exchange */
#define REGENT_REG_MAX_REDIRECTS 3	     /* 3xx hops per exchange */
#define REGENT_REG_REFRESH_FLOOR_MS 1000     /* never refresh sooner than this */
#define REGENT_REG_RETRY_FLOOR_MS 1000	     /* never retry sooner than this */
#define REGENT_REG_RETRY_HELD_FLOOR_MS 10000 /* failed refresh, binding still held */
#define REGENT_REG_MAX_EXPIRES 2147483647u

/* ---------------------------------------------------- our Contact */

/* How a binding was recognised as ours, strongest first. */
enum regent_reg_match {
	REGENT_REG_MATCH_NONE = 0,
	REGENT_REG_MATCH_USER,	   /* same Contact user part */
	REGENT_REG_MATCH_URI,	   /* RFC 3261 §19.1.4 equivalence */
	REGENT_REG_MATCH_INSTANCE, /* +sip.instance and reg-id (RFC 5626 §6) */
};

/* Who we are, as sent in our Contact. */
struct regent_reg_me {
	const struct regent_uri *contact; /* our Contact URI (parsed) */
	const char *instance;		  /* "<urn:uuid:...>" or NULL */
	uint32_t reg_id;		  /* 0: none */
};

enum regent_reg_match regent_reg_contact_match(const struct regent_contact *c,
					       const struct regent_reg_me *me);

/* ---------------------------------------------------- granted expiry */

/* One binding's expiry (RFC 3261 §10.2.4): its expires param, else the
 * Expires header, else what we asked for. */
uint32_t regent_reg_binding_expires(bool has_param, uint32_t param, bool has_hdr, uint32_t hdr,
				    uint32_t asked);

enum regent_reg_grant {
	REGENT_REG_GRANTED = 0, /* *granted > 0 */
	REGENT_REG_NO_CONTACT,	/* a 2xx without any Contact */
	REGENT_REG_NOT_OURS,	/* Contacts, none of them ours */
	REGENT_REG_REMOVED,	/* ours, with expiry 0: the registrar dropped it */
	REGENT_REG_BAD,		/* a Contact that does not parse */
};

/* The expiry granted by a 2xx to our REGISTER: the minimum over every binding
 * recognised as ours at the strongest match level present. */
enum regent_reg_grant regent_reg_granted(const struct regent_msg *resp,
					 const struct regent_reg_me *me, uint32_t asked,
					 uint32_t *granted);

/* The same, also writing each Contact's match level (in order, up to `cap`)
 * into levels[] and their count into *n, so the caller need not match again. */
enum regent_reg_grant regent_reg_granted_levels(const struct regent_msg *resp,
						const struct regent_reg_me *me, uint32_t asked,
						uint32_t *granted, uint8_t *levels, size_t cap,
						size_t *n);

const char *regent_reg_grant_name(enum regent_reg_grant g);

/* ---------------------------------------------------- timing */

/* The margin a refresh must leave before expiry: a whole transaction timeout
 * (timer F = 64*T1) on unreliable transports, 2*T1... on reliable ones a few
 * seconds suffice. */
uint32_t regent_reg_refresh_margin_ms(bool reliable, uint32_t t1_ms);

/* Refresh delay after a 2xx granting `expires_s`:
 *   min(E*pct/100, E - min(margin, E/2)) minus up to 5 % jitter
 *   (`rnd` 0..65535 picks it), never below REGENT_REG_REFRESH_FLOOR_MS
 *   (or E itself if E is shorter than the floor). expires_s > 0. */
uint64_t regent_reg_refresh_ms(uint32_t expires_s, uint32_t pct, uint32_t margin_ms, uint16_t rnd);

/* Retry delay after `failures` (>= 1) consecutive failures:
 *   Retry-After honoured (plus 0..10 % jitter, at least the floor);
 *   otherwise RFC 5626 §4.5: min(max, base * 2^failures) * random[0.5, 1]. */
uint64_t regent_reg_retry_ms(uint32_t failures, uint32_t base_s, uint32_t max_s,
			     bool has_retry_after, uint32_t retry_after_s, uint16_t rnd);

/* A Retry-After of `ra_s` seconds as the Registerer applies it: at most
 * `max_s` (retry_max_s; 0 = no cap), so a clamped 2^32-1 does not put the
 * next try 136 years away (RFC 3261 §20.33 leaves the bound to the
 * client). *capped says whether it was cut. */
uint32_t regent_reg_retry_after_cap(uint32_t ra_s, uint32_t max_s, bool *capped);

/* A failure that waiting will not cure: a 403, 404 or 603 from the
 * registrar (RFC 3261 §21.4.4, §21.4.5, §21.6.2), or authentication that
 * definitely failed (`cause` REGENT_EAUTH). Local failures never are. */
bool regent_reg_definitive(bool local, uint16_t status, int cause);

/* ---------------------------------------------------- 423 and 3xx */

/* RFC 3261 §10.2.8: retry with Min-Expires only if it is larger than what we
 * asked, valid, and we have not retried yet in this registration. */
bool regent_reg_423_retry(uint32_t asked, bool has_min, uint32_t min_expires, bool retried,
			  uint32_t *new_expires);

/* RFC 3261 §8.1.3.4: the target of a 3xx: the Contact with the highest q
 * (first on ties) that is a sip/sips URI. Copied into out (NUL-terminated).
 * ENOENT if none, ELOOP past REGENT_REG_MAX_REDIRECTS hops, ENOSPC. */
int regent_reg_redirect_target(const struct regent_msg *resp, unsigned hops_done, char *out,
			       size_t size);

#endif /* REGENT_REG_POLICY_H */
