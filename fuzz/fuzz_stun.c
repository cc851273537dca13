/*
 * libFuzzer target: the STUN codec (src/msg/stun.c, RFC 5389).
 *
 * The input is parsed from an exactly-sized copy (ASan sees any read past
 * it). Invariants: the result is one of the documented codes; ENOMSG exactly
 * when regent_stun_is_stun says no; on success the class and method fit
 * their bits, the transaction id is the input's, a mapped address is an
 * IPv4 or IPv6 address whose text form parses back to the same bytes, an
 * error code is 300..699, at most REGENT_STUN_MAX_UNKNOWN types are listed,
 * and parsing is deterministic. A Binding request built with the input's
 * first 12 bytes as transaction id parses back as exactly that.
 *
 * Seeds (fuzz/corpus/stun/, not made by fuzz/make-seeds): the RFC 5769
 * vectors of tests/unit/test_msg_stun.c, Binding requests with and without
 * FINGERPRINT, success and error responses, unknown attributes, and a SIP
 * request (not STUN).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "msg/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz invariant violated: %s\n", what);
	abort();
}

static void check_ok(const struct regent_stun_msg *m, const uint8_t *data)
{
	uint8_t back[16];

	if ((unsigned)m->cls > REGENT_STUN_ERROR || m->method > 0xFFF)
		fail("class or method out of range");
	if (memcmp(m->txid, data + 8, REGENT_STUN_TXID_LEN) != 0)
		fail("transaction id is not the input's");
	if (m->has_mapped) {
		size_t alen = m->mapped.family == AF_INET ? 4 : 16;

		if (m->mapped.family != AF_INET && m->mapped.family != AF_INET6)
			fail("mapped address family");
		if (!memchr(m->mapped.host, '\0', sizeof(m->mapped.host)))
			fail("mapped host not NUL-terminated");
		if (inet_pton(m->mapped.family, m->mapped.host, back) != 1 ||
		    memcmp(back, m->mapped.addr, alen) != 0)
			fail("mapped host text does not match its bytes");
	} else if (m->mapped_xored) {
		fail("mapped_xored without a mapped address");
	}
	if (m->has_error != (m->error_code != 0) ||
	    (m->has_error && (m->error_code < 300 || m->error_code > 699)))
		fail("error code");
}

static void build_round_trip(const uint8_t *txid)
{
	uint8_t b[REGENT_STUN_BINDING_MAX_LEN];
	struct regent_stun_msg m;
	size_t len;

	for (unsigned flags = 0; flags <= REGENT_STUN_FINGERPRINT; flags++) {
		if (regent_stun_build_binding(b, sizeof(b), txid, flags, &len) != 0)
			fail("building a Binding request failed");
		if (regent_stun_parse(&m, b, len) != 0 || m.cls != REGENT_STUN_REQUEST ||
		    m.method != REGENT_STUN_METHOD_BINDING || m.has_mapped || m.n_unknown ||
		    m.has_fingerprint != (flags != 0) ||
		    memcmp(m.txid, txid, REGENT_STUN_TXID_LEN) != 0)
			fail("a built Binding request does not parse back");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct regent_stun_msg m, m2;
	uint8_t *copy = malloc(size ? size : 1);
	int e, e2;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	e = regent_stun_parse(&m, copy, size);
	if (e != 0 && e != ENOMSG && e != EMSGSIZE && e != EBADMSG)
		fail("undocumented return code");
	if ((e == ENOMSG) == regent_stun_is_stun(copy, size))
		fail("ENOMSG disagrees with regent_stun_is_stun");
	e2 = regent_stun_parse(&m2, copy, size);
	if (e2 != e || (e == 0 && memcmp(&m, &m2, sizeof(m)) != 0))
		fail("parsing is not deterministic");
	if (e == 0)
		check_ok(&m, copy);
	if (size >= REGENT_STUN_TXID_LEN)
		build_round_trip(copy);
	free(copy);
	return 0;
}
