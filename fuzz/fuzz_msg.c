/*
 * libFuzzer target: the message parser. Parses the input as one datagram,
 * runs the full validation, then walks every accessor and iterator of
 * msg.h, checking that every slice lies inside the input and that every
 * iterator terminates.
 */
#include <errno.h>
#include <stdint.h>
#include <stddef.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_headers(struct fuzz_buf *fb, const struct regent_msg *msg)
{
	size_t n = regent_msg_hdr_count(msg);

	for (size_t i = 0; i < n; i++) {
		const struct regent_hdr *h = regent_msg_hdr_at(msg, i);

		if (!h)
			fuzz_fail("regent_msg_hdr_at(i < count) is NULL");
		fuzz_pl(fb, h->name, "header name");
		fuzz_pl(fb, h->value, "header value");
		if (h->offset >= fb->l)
			fuzz_fail("header offset beyond the input");
		if ((unsigned)h->id >= REGENT_HDR__COUNT)
			fuzz_fail("header id out of range");
		/* The id must be what the name says (long or compact form). */
		if (regent_hdr_id_from_name(h->name.p, h->name.l) != h->id)
			fuzz_fail("header id disagrees with its name");
		if (h->id != REGENT_HDR_OTHER && !regent_hdr_canonical_name(h->id))
			fuzz_fail("known header without a canonical name");
	}
	if (regent_msg_hdr_at(msg, n))
		fuzz_fail("regent_msg_hdr_at(count) is not NULL");

	for (int id = 0; id < REGENT_HDR__COUNT; id++) {
		const struct regent_hdr *h = NULL;
		size_t k = 0;

		while ((h = regent_msg_hdr_find(msg, (enum regent_hdr_id)id, "X-Fuzz", h))) {
			if (++k > n)
				fuzz_fail("regent_msg_hdr_find does not terminate");
			if (h->id != (enum regent_hdr_id)id)
				fuzz_fail("regent_msg_hdr_find returned another id");
		}
	}
}

static void walk_vias(struct fuzz_buf *fb, const struct regent_msg *msg)
{
	struct regent_msg_iter it = {0};
	struct regent_via v;
	size_t k = 0;
	int err;

	while ((err = regent_msg_via_next(msg, &it, &v)) == 0) {
		if (++k > FUZZ_ITER_BOUND(fb->l))
			fuzz_fail("regent_msg_via_next does not terminate");
		fuzz_pl(fb, v.protocol, "via protocol");
		fuzz_pl(fb, v.version, "via version");
		fuzz_pl(fb, v.transport, "via transport");
		fuzz_pl(fb, v.host, "via host");
		fuzz_pl(fb, v.branch, "via branch");
		fuzz_pl(fb, v.received, "via received");
		fuzz_pl(fb, v.params, "via params");
		fuzz_params(fb, v.params);
	}
	if (err != ENOENT && err != EBADMSG)
		fuzz_fail("regent_msg_via_next: unexpected return");
}

static void walk_contacts(struct fuzz_buf *fb, const struct regent_msg *msg)
{
	struct regent_msg_iter it = {0};
	struct regent_contact c;
	size_t k = 0;
	int err;

	while ((err = regent_msg_contact_next(msg, &it, &c)) == 0) {
		if (++k > FUZZ_ITER_BOUND(fb->l))
			fuzz_fail("regent_msg_contact_next does not terminate");
		if (!c.star)
			fuzz_addr(fb, &c.addr);
		fuzz_pl(fb, c.q, "contact q");
		fuzz_pl(fb, c.instance, "contact +sip.instance");
		fuzz_pl(fb, c.pub_gruu, "contact pub-gruu");
		fuzz_pl(fb, c.temp_gruu, "contact temp-gruu");
	}
	if (err != ENOENT && err != EBADMSG)
		fuzz_fail("regent_msg_contact_next: unexpected return");
}

static void walk_addr_lists(struct fuzz_buf *fb, const struct regent_msg *msg)
{
	static const enum regent_hdr_id ids[] = {REGENT_HDR_PATH, REGENT_HDR_SERVICE_ROUTE,
						 REGENT_HDR_ROUTE, REGENT_HDR_RECORD_ROUTE};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct regent_msg_iter it = {0};
		struct regent_addr a;
		size_t k = 0;
		int err;

		while ((err = regent_msg_addr_next(msg, ids[i], &it, &a)) == 0) {
			if (++k > FUZZ_ITER_BOUND(fb->l))
				fuzz_fail("regent_msg_addr_next does not terminate");
			fuzz_addr(fb, &a);
		}
		if (err != ENOENT && err != EBADMSG)
			fuzz_fail("regent_msg_addr_next: unexpected return");
	}
}

static void walk_tokens(struct fuzz_buf *fb, const struct regent_msg *msg)
{
	static const enum regent_hdr_id ids[] = {REGENT_HDR_SUPPORTED, REGENT_HDR_REQUIRE,
						 REGENT_HDR_UNSUPPORTED, REGENT_HDR_ALLOW};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct regent_msg_iter it = {0};
		struct regent_pl tok;
		size_t k = 0;
		int err;

		while ((err = regent_msg_token_next(msg, ids[i], &it, &tok)) == 0) {
			if (++k > FUZZ_ITER_BOUND(fb->l))
				fuzz_fail("regent_msg_token_next does not terminate");
			fuzz_pl(fb, tok, "option tag");
		}
		if (err != ENOENT && err != EBADMSG)
			fuzz_fail("regent_msg_token_next: unexpected return");
		(void)regent_msg_has_token(msg, ids[i], "outbound");
	}
}

static void walk_auth(struct fuzz_buf *fb, const struct regent_msg *msg)
{
	static const enum regent_hdr_id chids[] = {REGENT_HDR_WWW_AUTHENTICATE,
						   REGENT_HDR_PROXY_AUTHENTICATE};
	static const enum regent_hdr_id crids[] = {REGENT_HDR_AUTHORIZATION,
						   REGENT_HDR_PROXY_AUTHORIZATION};

	for (size_t i = 0; i < 2; i++) {
		struct regent_msg_iter it = {0};
		struct regent_challenge ch;
		size_t k = 0;
		int err;

		while ((err = regent_msg_challenge_next(msg, chids[i], &it, &ch)) == 0) {
			if (++k > FUZZ_ITER_BOUND(fb->l))
				fuzz_fail("regent_msg_challenge_next does not terminate");
			fuzz_pl(fb, ch.scheme, "challenge scheme");
			fuzz_pl(fb, ch.realm, "challenge realm");
			fuzz_pl(fb, ch.nonce, "challenge nonce");
			fuzz_pl(fb, ch.opaque, "challenge opaque");
			fuzz_pl(fb, ch.algorithm, "challenge algorithm");
			fuzz_pl(fb, ch.domain, "challenge domain");
			fuzz_pl(fb, ch.charset, "challenge charset");
			fuzz_pl(fb, ch.qop, "challenge qop");
			fuzz_pl(fb, ch.params, "challenge params");
		}
		if (err != ENOENT && err != EBADMSG)
			fuzz_fail("regent_msg_challenge_next: unexpected return");
	}
	for (size_t i = 0; i < 2; i++) {
		struct regent_msg_iter it = {0};
		struct regent_credentials cr;
		size_t k = 0;
		int err;

		while ((err = regent_msg_credentials_next(msg, crids[i], &it, &cr)) == 0) {
			if (++k > FUZZ_ITER_BOUND(fb->l))
				fuzz_fail("regent_msg_credentials_next does not terminate");
			fuzz_pl(fb, cr.scheme, "credentials scheme");
			fuzz_pl(fb, cr.username, "credentials username");
			fuzz_pl(fb, cr.realm, "credentials realm");
			fuzz_pl(fb, cr.nonce, "credentials nonce");
			fuzz_pl(fb, cr.uri, "credentials uri");
			fuzz_pl(fb, cr.response, "credentials response");
			fuzz_pl(fb, cr.algorithm, "credentials algorithm");
			fuzz_pl(fb, cr.cnonce, "credentials cnonce");
			fuzz_pl(fb, cr.opaque, "credentials opaque");
			fuzz_pl(fb, cr.qop, "credentials qop");
			fuzz_pl(fb, cr.nc, "credentials nc");
			fuzz_pl(fb, cr.params, "credentials params");
		}
		if (err != ENOENT && err != EBADMSG)
			fuzz_fail("regent_msg_credentials_next: unexpected return");
	}
}

static void walk_scalars(struct fuzz_buf *fb, const struct regent_msg *msg)
{
	static const enum regent_hdr_id ids[] = {REGENT_HDR_EXPIRES, REGENT_HDR_MIN_EXPIRES,
						 REGENT_HDR_MAX_FORWARDS, REGENT_HDR_FLOW_TIMER,
						 REGENT_HDR_CONTENT_LENGTH};
	struct regent_retry_after ra;
	struct regent_addr a;
	struct regent_pl method;
	uint32_t u;

	if (regent_msg_is_request(msg)) {
		const struct regent_uri *ruri = regent_msg_ruri(msg);

		fuzz_pl(fb, regent_msg_method(msg), "method");
		if (!ruri)
			fuzz_fail("request without a Request-URI");
		fuzz_uri(fb, ruri);
	} else {
		uint16_t st = regent_msg_status(msg);

		/* RFC 3261 §25.1: Status-Code is 3DIGIT. */
		if (st > 999)
			fuzz_fail("status code has more than 3 digits");
		fuzz_pl(fb, regent_msg_reason(msg), "reason phrase");
	}
	fuzz_pl(fb, regent_msg_body(msg), "body");
	fuzz_pl(fb, regent_msg_raw(msg), "raw");
	fuzz_pl(fb, regent_msg_call_id(msg), "Call-ID");
	if (regent_msg_from(msg, &a) == 0)
		fuzz_addr(fb, &a);
	if (regent_msg_to(msg, &a) == 0)
		fuzz_addr(fb, &a);
	if (regent_msg_cseq(msg, &u, &method) == 0)
		fuzz_pl(fb, method, "CSeq method");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int err = regent_msg_u32(msg, ids[i], &u);

		if (err && err != ENOENT && err != EBADMSG && err != ERANGE)
			fuzz_fail("regent_msg_u32: unexpected return");
	}
	if (regent_msg_retry_after(msg, &ra) == 0) {
		fuzz_pl(fb, ra.comment, "Retry-After comment");
		fuzz_pl(fb, ra.params, "Retry-After params");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_buf fb = {(const char *)data, size, 0};
	struct regent_msg *msg = NULL;
	struct regent_msg_error err;

	memset(&err, 0, sizeof(err));
	if (regent_msg_parse(&msg, fb.p, size, NULL, &err) != 0) {
		if (msg)
			fuzz_fail("regent_msg_parse failed but set *msgp");
		fuzz_err(&fb, &err);
		return 0;
	}
	if (!msg)
		fuzz_fail("regent_msg_parse succeeded without a message");

	memset(&err, 0, sizeof(err));
	if (regent_msg_validate(msg, &err) != 0) {
		fuzz_err(&fb, &err);
	} else if (regent_msg_odd(msg, NULL) != 0) {
		/* the tolerant receiver keeps only what the strict checker refuses */
		fuzz_fail("an odd message passes the strict checker");
	}
	if (regent_msg_is_request(msg) && regent_msg_odd(msg, NULL) != 0)
		fuzz_fail("a request kept with oddities");
	{
		uint32_t count;
		char names[128];

		if ((regent_msg_odd(msg, &count) != 0) != (count != 0))
			fuzz_fail("oddity bits and count disagree");
		if (regent_msg_odd_names(regent_msg_odd(msg, NULL), names, sizeof(names)) != 0)
			fuzz_fail("oddity names do not fit 128 bytes");
	}

	walk_headers(&fb, msg);
	walk_scalars(&fb, msg);
	walk_vias(&fb, msg);
	walk_contacts(&fb, msg);
	walk_addr_lists(&fb, msg);
	walk_tokens(&fb, msg);
	walk_auth(&fb, msg);

	regent_msg_free(msg);
	return 0;
}
