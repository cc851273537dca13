/*
 * libFuzzer target: digest challenges (WWW-/Proxy-Authenticate, RFC 7616
 * §3.3, RFC 3261 §22.2) and what the auth client does with them.
 *
 * Input: one control byte, then rounds separated by an empty line ("\n\n").
 * A round's first line is the status code of the response (401, 407, or
 * anything else: a final response ending the exchange); every further line
 * is one challenge, in a Proxy-Authenticate header if it starts with "P:",
 * else in a WWW-Authenticate header. Control byte: bits 0-1 the credentials
 * (password, MD5 HA1, SHA-256 HA1, password again), bit 2 an empty cnonce.
 *
 * Each challenge line is also parsed alone (regent_challenge_parse). Each
 * round is built into a response, parsed, fed to one long-lived auth client
 * (so the per-realm cache, nc and loop bounds carry over between rounds),
 * and, when it answers RETRY, the Authorization headers are generated.
 * Invariants: every slice lies inside its input; every header the client
 * writes parses back as Digest credentials whose response is the digest of
 * what the header says (so realm, nonce and uri survived quoting); the
 * cache never holds more than its bound.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROUNDS 12
#define MAX_CACHED 4 /* AUTH_MAX_ENTRIES in src/auth/client.c */

static const char *const ha1_md5 = "939e7578ed9e3c518a452acee763bce9";
static const char *const ha1_sha256 =
    "8a8e9e0a6bd1e1bd96ab1a3a3c36a0e6a33a1f6dbb2c4b8d5e1a0cc43e2a1f07";

static void check_challenge(const char *p, size_t l)
{
	struct fuzz_buf fb = {p, l, 0};
	struct regent_challenge ch;

	if (regent_challenge_parse(&ch, p, l) != 0)
		return;
	fuzz_pl(&fb, ch.scheme, "challenge scheme");
	fuzz_pl(&fb, ch.realm, "challenge realm");
	fuzz_pl(&fb, ch.nonce, "challenge nonce");
	fuzz_pl(&fb, ch.opaque, "challenge opaque");
	fuzz_pl(&fb, ch.algorithm, "challenge algorithm");
	fuzz_pl(&fb, ch.domain, "challenge domain");
	fuzz_pl(&fb, ch.charset, "challenge charset");
	fuzz_pl(&fb, ch.qop, "challenge qop");
	fuzz_pl(&fb, ch.params, "challenge params");
	if (ch.scheme.l == 0)
		fuzz_fail("challenge parsed without a scheme");
}

/* unq() of a quoted-string's content (RFC 3261 §25.1 quoted-pair). */
static char *unq(struct regent_pl v)
{
	char *s = malloc(v.l + 1), *d = s;

	if (!s)
		fuzz_fail("out of memory");
	for (size_t i = 0; i < v.l; i++) {
		if (v.p[i] == '\\' && i + 1 < v.l)
			i++;
		*d++ = v.p[i];
	}
	*d = '\0';
	return s;
}

/* One written header: "Authorization: Digest ..." or the Proxy- one. */
static void check_credentials(const struct regent_auth_creds *cr, const char *line, size_t l,
			      const char *cnonce)
{
	static const char a[] = "Authorization: ", pa[] = "Proxy-Authorization: ";
	struct regent_credentials c;
	struct regent_digest_input in;
	char want[129], *realm, *nonce, *uri, qop[16], nc[16];
	size_t skip;

	if (l > sizeof(pa) - 1 && memcmp(line, pa, sizeof(pa) - 1) == 0)
		skip = sizeof(pa) - 1;
	else if (l > sizeof(a) - 1 && memcmp(line, a, sizeof(a) - 1) == 0)
		skip = sizeof(a) - 1;
	else
		fuzz_fail("auth client wrote a line that is not an Authorization header");
	if (getenv("FUZZ_AUTH_DEBUG"))
		fprintf(stderr, "checking: %.*s\n", (int)l, line);
	if (regent_credentials_parse(&c, line + skip, l - skip) != 0)
		fuzz_fail("auth client wrote credentials that do not parse");
	if (!regent_pl_caseeq_str(c.scheme, "Digest") || !regent_pl_isset(c.realm) ||
	    !regent_pl_isset(c.nonce) || !regent_pl_isset(c.uri) || !regent_pl_isset(c.response))
		fuzz_fail("auth client wrote incomplete credentials");
	memset(&in, 0, sizeof(in));
	in.alg = regent_digest_alg_parse(c.algorithm);
	if (in.alg == REGENT_DIGEST_NONE)
		fuzz_fail("auth client wrote an unknown algorithm");
	realm = unq(c.realm);
	nonce = unq(c.nonce);
	uri = unq(c.uri);
	in.username = cr->username;
	in.password = cr->password;
	in.ha1 = cr->ha1;
	in.realm = realm;
	in.nonce = nonce;
	in.cnonce = cnonce;
	in.method = "REGISTER";
	in.uri = uri;
	if (regent_pl_isset(c.qop)) {
		if (c.qop.l >= sizeof(qop) || !regent_pl_isset(c.nc) || c.nc.l != 8)
			fuzz_fail("auth client wrote a bad qop or nc");
		memcpy(qop, c.qop.p, c.qop.l);
		qop[c.qop.l] = '\0';
		memcpy(nc, c.nc.p, 8);
		nc[8] = '\0';
		in.qop = qop;
		in.nc = (uint32_t)strtoul(nc, NULL, 16);
		if (in.nc == 0)
			fuzz_fail("auth client wrote nc=0");
	}
	if (strcmp(uri, "sip:example.com") != 0)
		fuzz_fail("auth client wrote another uri");
	if (regent_digest_response(&in, want) != 0)
		fuzz_fail("response of written credentials cannot be computed");
	if (c.response.l != strlen(want) || memcmp(c.response.p, want, c.response.l) != 0)
		fuzz_fail("written response is not the digest of the written fields");
	free(realm);
	free(nonce);
	free(uri);
}

static void check_headers(const struct regent_auth_creds *cr, const struct regent_wbuf *wb,
			  const char *cnonce)
{
	const char *p = wb->buf, *end;

	if (wb->len == 0)
		return; /* nothing cached: nothing written (and buf may be NULL) */
	end = wb->buf + wb->len;
	while (p < end) {
		const char *e = strstr(p, "\r\n");

		if (!e)
			fuzz_fail("auth client wrote an unterminated header");
		check_credentials(cr, p, (size_t)(e - p), cnonce);
		if (getenv("FUZZ_AUTH_DEBUG"))
			fprintf(stderr, "checked: %.*s\n", (int)(e - p), p);
		p = e + 2;
	}
}

/* Builds round [p, end) into a response in wb. Returns the status code. */
static unsigned build_round(struct regent_wbuf *wb, const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	unsigned code = 0;

	for (const char *q = p; q < (nl ? nl : end) && q < p + 3; q++)
		code = code * 10 + (unsigned)(*q >= '0' && *q <= '9' ? *q - '0' : 0);
	if (code < 100)
		code = 401;
	regent_wbuf_reset(wb);
	regent_wbuf_printf(wb, "SIP/2.0 %u X\r\n", code);
	regent_wbuf_puts(wb, "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKfz\r\n"
			     "From: <sip:alice@example.com>;tag=f\r\n"
			     "To: <sip:alice@example.com>;tag=t\r\n"
			     "Call-ID: fz\r\nCSeq: 1 REGISTER\r\n");
	while (nl && nl < end) {
		const char *s = nl + 1, *e;

		nl = memchr(s, '\n', (size_t)(end - s));
		e = nl ? nl : end;
		check_challenge(s, (size_t)(e - s));
		if (e - s >= 2 && s[0] == 'P' && s[1] == ':') {
			regent_wbuf_puts(wb, "Proxy-Authenticate: ");
			s += 2;
		} else {
			regent_wbuf_puts(wb, "WWW-Authenticate: ");
		}
		regent_wbuf_write(wb, s, (size_t)(e - s));
		regent_wbuf_puts(wb, "\r\n");
	}
	regent_wbuf_puts(wb, "Content-Length: 0\r\n\r\n");
	return code;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct regent_auth_creds cr = {"alice", "secret", NULL};
	struct regent_auth_client *ac = NULL;
	struct regent_wbuf wb, out;
	const char *p, *end;
	const char *cnonce;
	char why[128];

	if (size < 1 || size > 16384)
		return 0;
	switch (data[0] & 3) {
	case 1:
		cr.ha1 = ha1_md5;
		break;
	case 2:
		cr.ha1 = ha1_sha256;
		break;
	default:
		break;
	}
	if (cr.ha1)
		cr.password = NULL;
	cnonce = (data[0] & 4) ? "" : "0a4f113b";
	if (regent_auth_client_alloc(&ac, &cr) != 0)
		fuzz_fail("regent_auth_client_alloc failed");
	regent_wbuf_init_dynamic(&wb, 65536);
	regent_wbuf_init_dynamic(&out, 65536);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (int round = 0; round < MAX_ROUNDS && p < end; round++) {
		const char *sep = memmem(p, (size_t)(end - p), "\n\n", 2);
		const char *re = sep ? sep : end;
		struct regent_msg *msg = NULL;
		struct regent_msg_error err;
		unsigned code = build_round(&wb, p, re);

		p = sep ? sep + 2 : end;
		if (wb.err || regent_msg_parse(&msg, wb.buf, wb.len, NULL, &err) != 0)
			continue;
		if (code == 401 || code == 407) {
			enum regent_auth_verdict v;

			why[0] = '\0';
			v = regent_auth_client_challenge(ac, msg, why, sizeof(why));
			if (v == REGENT_AUTH_FAIL && !memchr(why, '\0', sizeof(why)))
				fuzz_fail("why not NUL-terminated");
			if (v == REGENT_AUTH_FAIL && why[0] == '\0')
				fuzz_fail("FAIL without a reason");
			if (v != REGENT_AUTH_RETRY && v != REGENT_AUTH_FAIL)
				fuzz_fail("unknown verdict");
		} else {
			regent_auth_client_done(ac, (uint16_t)code);
		}
		if (regent_auth_client_cached(ac) > MAX_CACHED)
			fuzz_fail("auth cache over its bound");
		/* The request that follows (a retry, or the next refresh). */
		regent_wbuf_reset(&out);
		if (regent_auth_client_headers(ac, &out, "REGISTER", "sip:example.com", NULL, 0,
					       cnonce) == 0)
			check_headers(&cr, &out, cnonce);
		regent_msg_free(msg);
	}
	if (regent_auth_client_memory(ac) < sizeof(void *))
		fuzz_fail("auth client memory below its own size");
	regent_auth_client_free(ac);
	regent_wbuf_release(&wb);
	regent_wbuf_release(&out);
	return 0;
}
