/*
 * The Registerer's policies as pure functions (see policy.h, docs/design.md).
 */
#include <errno.h>
#include <string.h>

#include "reg/policy.h"
#include "regent.h"

static bool plain_user_may_match(struct regent_pl a, struct regent_pl b)
{
	if (!regent_pl_isset(a) || !regent_pl_isset(b))
		return regent_pl_isset(a) == regent_pl_isset(b);
	if (memchr(a.p, '%', a.l) != NULL || memchr(b.p, '%', b.l) != NULL)
		return true; /* escapes: let the full comparison decide */
	return regent_pl_eq(a, b);
}

enum regent_reg_match regent_reg_contact_match(const struct regent_contact *c,
					       const struct regent_reg_me *me)
{
	struct regent_pl inst;

	if (c == NULL || me == NULL || c->star)
		return REGENT_REG_MATCH_NONE;
	inst = c->instance;
	if (!regent_pl_isset(inst))
		(void)regent_param_get(c->addr.params, "+sip.instance", &inst);

	/* RFC 5626 §6 / RFC 5627: the instance id (UUIDs compare without case)
	 * plus reg-id identify the binding even when an SBC rewrote the URI. */
	if (me->instance != NULL && regent_pl_isset(inst) &&
	    regent_pl_caseeq_str(inst, me->instance)) {
		if ((me->reg_id == 0 && !c->has_reg_id) ||
		    (me->reg_id != 0 && c->has_reg_id && c->reg_id == me->reg_id))
			return REGENT_REG_MATCH_INSTANCE;
	}
	if (me->contact == NULL || !c->addr.uri.is_sip)
		return REGENT_REG_MATCH_NONE;
	/* Both the URI and the user level need the same user part: a plain
	 * (unescaped) mismatch rules both out without the costly comparison. */
	if (!plain_user_may_match(c->addr.uri.user, me->contact->user))
		return REGENT_REG_MATCH_NONE;
	if (regent_uri_equal(&c->addr.uri, me->contact))
		return REGENT_REG_MATCH_URI;
	/* Last resort (a registrar that rewrites host/port): the user part, which
	 * is random unless configured. */
	if (c->addr.uri.is_sip && regent_pl_isset(c->addr.uri.user) &&
	    regent_pl_isset(me->contact->user) && me->contact->user.l > 0 &&
	    regent_pl_eq(c->addr.uri.user, me->contact->user))
		return REGENT_REG_MATCH_USER;
	return REGENT_REG_MATCH_NONE;
}

uint32_t regent_reg_binding_expires(bool has_param, uint32_t param, bool has_hdr, uint32_t hdr,
				    uint32_t asked)
{
	if (has_param)
		return param;
	if (has_hdr)
		return hdr;
	return asked;
}

enum regent_reg_grant regent_reg_granted_levels(const struct regent_msg *resp,
						const struct regent_reg_me *me, uint32_t asked,
						uint32_t *granted, uint8_t *levels, size_t cap,
						size_t *n)
{
	struct regent_msg_iter it;
	struct regent_contact c;
	enum regent_reg_match best = REGENT_REG_MATCH_NONE, m;
	uint32_t hdr = 0, minexp[REGENT_REG_MATCH_INSTANCE + 1];
	bool has_hdr;
	size_t i = 0;
	int err;

	*granted = 0;
	if (n != NULL)
		*n = 0;
	has_hdr = regent_msg_u32(resp, REGENT_HDR_EXPIRES, &hdr) == 0;
	for (size_t k = 0; k <= REGENT_REG_MATCH_INSTANCE; k++)
		minexp[k] = UINT32_MAX;

	/* One pass: each binding matched once (URI equivalence is the costly
	 * part); the minimum expiry kept per match level. */
	memset(&it, 0, sizeof(it));
	while ((err = regent_msg_contact_next(resp, &it, &c)) == 0) {
		uint32_t e;

		m = regent_reg_contact_match(&c, me);
		if (levels != NULL && i < cap)
			levels[i] = (uint8_t)m;
		i++;
		if (m == REGENT_REG_MATCH_NONE)
			continue;
		if (m > best)
			best = m;
		e = regent_reg_binding_expires(c.has_expires, c.expires, has_hdr, hdr, asked);
		if (e < minexp[m])
			minexp[m] = e;
	}
	if (n != NULL)
		*n = i;
	if (err != ENOENT)
		return REGENT_REG_BAD;
	if (i == 0)
		return REGENT_REG_NO_CONTACT;
	if (best == REGENT_REG_MATCH_NONE)
		return REGENT_REG_NOT_OURS;
	/* the minimum over our bindings at the strongest level (SIP.js took the
	 * last one: #868) */
	*granted = minexp[best] > REGENT_REG_MAX_EXPIRES ? REGENT_REG_MAX_EXPIRES : minexp[best];
	return *granted == 0 ? REGENT_REG_REMOVED : REGENT_REG_GRANTED;
}

enum regent_reg_grant regent_reg_granted(const struct regent_msg *resp,
					 const struct regent_reg_me *me, uint32_t asked,
					 uint32_t *granted)
{
	return regent_reg_granted_levels(resp, me, asked, granted, NULL, 0, NULL);
}

const char *regent_reg_grant_name(enum regent_reg_grant g)
{
	switch (g) {
	case REGENT_REG_GRANTED:
		return "granted";
	case REGENT_REG_NO_CONTACT:
		return "2xx without Contact";
	case REGENT_REG_NOT_OURS:
		return "no Contact in the 2xx is ours";
	case REGENT_REG_REMOVED:
		return "our binding granted 0 s";
	case REGENT_REG_BAD:
		return "malformed Contact in the 2xx";
	}
	return "?";
}

uint32_t regent_reg_refresh_margin_ms(bool reliable, uint32_t t1_ms)
{
	/* Unreliable: a refresh may need all of timer F (64*T1) to get through
	 * retransmissions. Reliable: no retransmission; 8*T1 covers a slow
	 * round trip plus one auth challenge. */
	return reliable ? 8u * t1_ms : 64u * t1_ms + 2000u;
}

uint64_t regent_reg_refresh_ms(uint32_t expires_s, uint32_t pct, uint32_t margin_ms, uint16_t rnd)
{
	uint64_t e = (uint64_t)expires_s * 1000u;
	uint64_t a, b, margin, d, floor_ms;

	if (pct < 1 || pct > 100)
		pct = 99;
	/* Short grants: never spend more than half of E on the margin. */
	margin = margin_ms < e / 2 ? margin_ms : e / 2;
	a = e * pct / 100u;
	b = e - margin;
	d = a < b ? a : b;
	/* Jitter: up to 5 % earlier, so many registrations spread out. */
	d -= d * rnd / 65536u / 20u;
	floor_ms = REGENT_REG_REFRESH_FLOOR_MS < e ? REGENT_REG_REFRESH_FLOOR_MS : e;
	if (d < floor_ms)
		d = floor_ms;
	return d;
}

uint64_t regent_reg_retry_ms(uint32_t failures, uint32_t base_s, uint32_t max_s,
			     bool has_retry_after, uint32_t retry_after_s, uint16_t rnd)
{
	uint64_t up, d;

	if (has_retry_after && retry_after_s > 0) {
		d = (uint64_t)retry_after_s * 1000u;
		d += d * rnd / 65536u / 10u; /* up to 10 % later, never earlier */
	} else {
		if (base_s == 0)
			base_s = 30;
		if (max_s < base_s)
			max_s = base_s;
		if (failures > 20)
			failures = 20; /* 2^20 * base is far past any max */
		up = (uint64_t)base_s << failures;
		if (up > max_s)
			up = max_s;
		up *= 1000u;
		/* RFC 5626 §4.5: uniformly between 50 and 100 % of the bound. */
		d = up / 2 + (up / 2) * rnd / 65535u;
	}
	if (d < REGENT_REG_RETRY_FLOOR_MS)
		d = REGENT_REG_RETRY_FLOOR_MS;
	return d;
}

uint32_t regent_reg_retry_after_cap(uint32_t ra_s, uint32_t max_s, bool *capped)
{
	bool cut = max_s > 0 && ra_s > max_s;

	if (capped != NULL)
		*capped = cut;
	return cut ? max_s : ra_s;
}

bool regent_reg_definitive(bool local, uint16_t status, int cause)
{
	if (local)
		return false;
	return cause == REGENT_EAUTH || status == 403 || status == 404 || status == 603;
}

bool regent_reg_423_retry(uint32_t asked, bool has_min, uint32_t min_expires, bool retried,
			  uint32_t *new_expires)
{
	if (retried || !has_min || min_expires <= asked || min_expires > REGENT_REG_MAX_EXPIRES)
		return false;
	*new_expires = min_expires;
	return true;
}

/* q-value (RFC 3261 §20.10) in thousandths; absent = 1000. */
static unsigned qvalue(struct regent_pl q)
{
	unsigned v = 0, scale = 1000;
	size_t i = 0;

	if (!regent_pl_isset(q) || q.l == 0)
		return 1000;
	if (q.p[0] == '1')
		return 1000;
	if (q.p[0] != '0')
		return 0;
	for (i = 1; i < q.l && q.p[i] != '.'; i++)
		;
	for (i++; i < q.l && scale > 1; i++) {
		if (q.p[i] < '0' || q.p[i] > '9')
			break;
		scale /= 10;
		v += (unsigned)(q.p[i] - '0') * scale;
	}
	return v;
}

int regent_reg_redirect_target(const struct regent_msg *resp, unsigned hops_done, char *out,
			       size_t size)
{
	struct regent_msg_iter it;
	struct regent_contact c, best;
	unsigned bq = 0;
	bool found = false;

	if (hops_done >= REGENT_REG_MAX_REDIRECTS)
		return ELOOP;
	memset(&it, 0, sizeof(it));
	while (regent_msg_contact_next(resp, &it, &c) == 0) {
		unsigned q;

		if (c.star || !c.addr.uri.is_sip)
			continue;
		q = qvalue(c.q);
		if (!found || q > bq) {
			best = c;
			bq = q;
			found = true;
		}
	}
	if (!found)
		return ENOENT;
	return regent_pl_strcpy(best.addr.uri.raw, out, size);
}
