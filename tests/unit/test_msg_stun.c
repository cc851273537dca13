/*
 * STUN codec (RFC 5389): the RFC 5769 test vectors, Binding requests built
 * and parsed back, and malformed messages, each with the error it must get.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "msg/stun.h"

/* ------------------------------------------------------------ RFC 5769 */

static const uint8_t rfc_txid[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
				     0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

/* §2.1 Sample Request: SOFTWARE, PRIORITY (ICE, 0x0024), ICE-CONTROLLED,
 * USERNAME, MESSAGE-INTEGRITY, FINGERPRINT */
static const uint8_t rfc_request[108] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

/* §2.2 Sample IPv4 Response: 192.0.2.1 port 32853 (SOFTWARE padded with
 * spaces, not zeros: padding content must be ignored) */
static const uint8_t rfc_ipv4[80] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

/* §2.3 Sample IPv6 Response: 2001:db8:1234:5678:11:2233:4455:6677 port 32853 */
static const uint8_t rfc_ipv6[92] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

/* §2.4 Sample Request with Long-Term Authentication: USERNAME, NONCE, REALM,
 * MESSAGE-INTEGRITY, no FINGERPRINT */
static const uint8_t rfc_longterm[116] = {
    0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72,
    0xc0, 0x29, 0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88,
    0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00, 0x00,
    0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39, 0x35, 0x34, 0x64, 0x36,
    0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79, 0x36, 0x34, 0x73,
    0x41, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72,
    0x67, 0x00, 0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02,
    0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66};

struct vector_case {
	const char *name;
	const uint8_t *msg;
	size_t len;
	enum regent_stun_class cls;
	const char *mapped; /* NULL: none */
	int family;
	uint16_t port;
	bool fingerprint;
	size_t n_unknown;
	uint16_t unknown0;
};

static const struct vector_case vectors[] = {
    {"RFC 5769 2.1 request", rfc_request, sizeof(rfc_request), REGENT_STUN_REQUEST, NULL, 0, 0,
     true, 1, 0x0024 /* PRIORITY (RFC 5245), unknown to a keep-alive codec */},
    {"RFC 5769 2.2 IPv4 response", rfc_ipv4, sizeof(rfc_ipv4), REGENT_STUN_SUCCESS, "192.0.2.1",
     AF_INET, 32853, true, 0, 0},
    {"RFC 5769 2.3 IPv6 response", rfc_ipv6, sizeof(rfc_ipv6), REGENT_STUN_SUCCESS,
     "2001:db8:1234:5678:11:2233:4455:6677", AF_INET6, 32853, true, 0, 0},
    {"RFC 5769 2.4 long-term request", rfc_longterm, sizeof(rfc_longterm), REGENT_STUN_REQUEST,
     NULL, 0, 0, false, 0, 0},
};

/* Parses from an exact-size heap copy, so ASan sees any read past the end. */
static int parse_copy(struct regent_stun_msg *m, const uint8_t *msg, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	int e;

	assert_non_null(b);
	memcpy(b, msg, len);
	e = regent_stun_parse(m, b, len);
	free(b);
	return e;
}

static void rfc5769_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector_case *v = &vectors[i];
		struct regent_stun_msg m;

		print_message("%s\n", v->name);
		assert_int_equal(parse_copy(&m, v->msg, v->len), 0);
		assert_int_equal(m.cls, v->cls);
		assert_int_equal(m.method, REGENT_STUN_METHOD_BINDING);
		assert_memory_equal(m.txid, v->msg + 8, 12);
		assert_true(m.has_integrity);
		assert_int_equal(m.has_fingerprint, v->fingerprint);
		assert_int_equal(m.n_unknown, v->n_unknown);
		if (v->n_unknown)
			assert_int_equal(m.unknown[0], v->unknown0);
		assert_int_equal(m.has_mapped, v->mapped != NULL);
		if (v->mapped) {
			assert_true(m.mapped_xored);
			assert_string_equal(m.mapped.host, v->mapped);
			assert_int_equal(m.mapped.family, v->family);
			assert_int_equal(m.mapped.port, v->port);
		}
		assert_false(m.has_error);
	}
	assert_memory_equal(rfc_request + 8, rfc_txid, 12);
}

/* ------------------------------------------------------------ a test builder */

struct tattr {
	uint16_t type;
	const char *val; /* bytes, length vlen */
	uint16_t vlen;
	uint16_t padlen; /* 0: round vlen up to 4 */
};

/* Header + attributes (padding bytes 0xEE, to prove they are ignored) +
 * optional FINGERPRINT computed the RFC 5389 §15.5 way. Returns the length. */
static size_t tbuild(uint8_t *b, uint16_t mtype, const struct tattr *a, size_t n, bool fp)
{
	size_t off = 20;
	uint32_t crc;

	memset(b, 0, 20);
	b[0] = (uint8_t)(mtype >> 8);
	b[1] = (uint8_t)mtype;
	b[4] = 0x21, b[5] = 0x12, b[6] = 0xa4, b[7] = 0x42;
	memcpy(b + 8, rfc_txid, 12);
	for (size_t i = 0; i < n; i++) {
		size_t pad = a[i].padlen ? a[i].padlen : ((a[i].vlen + 3u) & ~3u);

		b[off] = (uint8_t)(a[i].type >> 8), b[off + 1] = (uint8_t)a[i].type;
		b[off + 2] = (uint8_t)(a[i].vlen >> 8), b[off + 3] = (uint8_t)a[i].vlen;
		memset(b + off + 4, 0xEE, pad);
		memcpy(b + off + 4, a[i].val, a[i].vlen);
		off += 4 + pad;
	}
	if (fp)
		off += 8;
	b[2] = (uint8_t)((off - 20) >> 8), b[3] = (uint8_t)(off - 20);
	if (fp) {
		crc = regent_stun_crc32(b, off - 8) ^ 0x5354554eu;
		b[off - 8] = 0x80, b[off - 7] = 0x28, b[off - 6] = 0, b[off - 5] = 4;
		b[off - 4] = (uint8_t)(crc >> 24), b[off - 3] = (uint8_t)(crc >> 16);
		b[off - 2] = (uint8_t)(crc >> 8), b[off - 1] = (uint8_t)crc;
	}
	return off;
}

/* 10.77.2.1:40516 plain and XOR-ed with the cookie (§15.1, §15.2) */
#define MAPPED_V4 "\x00\x01\x9e\x44\x0a\x4d\x02\x01"
#define XMAPPED_V4 "\x00\x01\xbf\x56\x2b\x5f\xa6\x43"
#define MI20 "01234567890123456789"

struct built_case {
	const char *name;
	uint16_t mtype;
	struct tattr a[12];
	size_t n;
	bool fp;
	int err; /* expected return */
	/* checked when err == 0 */
	const char *mapped;
	bool xored;
	uint16_t error_code;
	size_t n_unknown;
};

static const struct built_case built[] = {
    {"MAPPED-ADDRESS only",
     0x0101,
     {{0x0001, MAPPED_V4, 8, 0}},
     1,
     false,
     0,
     "10.77.2.1",
     false,
     0,
     0},
    {"XOR-MAPPED-ADDRESS with fingerprint",
     0x0101,
     {{0x0020, XMAPPED_V4, 8, 0}},
     1,
     true,
     0,
     "10.77.2.1",
     true,
     0,
     0},
    {"XOR wins, MAPPED first",
     0x0101,
     {{0x0001, "\x00\x01\x00\x01\x01\x02\x03\x04", 8, 0}, {0x0020, XMAPPED_V4, 8, 0}},
     2,
     false,
     0,
     "10.77.2.1",
     true,
     0,
     0},
    {"XOR wins, MAPPED last",
     0x0101,
     {{0x0020, XMAPPED_V4, 8, 0}, {0x0001, "\x00\x01\x00\x01\x01\x02\x03\x04", 8, 0}},
     2,
     false,
     0,
     "10.77.2.1",
     true,
     0,
     0},
    {"unknown optional ignored",
     0x0101,
     {{0x8050, "abc", 3, 0},
      {0x8020, "\x00\x01\x00\x00\x00\x00\x00\x00", 8, 0},
      {0x0020, XMAPPED_V4, 8, 0}},
     3,
     true,
     0,
     "10.77.2.1",
     true,
     0,
     0},
    {"unknown required reported",
     0x0101,
     {{0x0030, "", 0, 0}, {0x0020, XMAPPED_V4, 8, 0}},
     2,
     false,
     0,
     "10.77.2.1",
     true,
     0,
     1},
    {"ten unknown required counted",
     0x0101,
     {{0x0031, "", 0, 0},
      {0x0032, "", 0, 0},
      {0x0033, "", 0, 0},
      {0x0034, "", 0, 0},
      {0x0035, "", 0, 0},
      {0x0036, "", 0, 0},
      {0x0037, "", 0, 0},
      {0x0038, "", 0, 0},
      {0x0039, "", 0, 0},
      {0x003a, "", 0, 0}},
     10,
     false,
     0,
     NULL,
     false,
     0,
     10},
    {"error response 420",
     0x0111,
     {{0x0009, "\x00\x00\x04\x14Unknown", 11, 0}},
     1,
     true,
     0,
     NULL,
     false,
     420,
     0},
    {"attribute after MESSAGE-INTEGRITY ignored",
     0x0101,
     {{0x0008, MI20, 20, 0}, {0x0020, XMAPPED_V4, 8, 0}, {0x0030, "", 0, 0}},
     3,
     true,
     0,
     NULL,
     false,
     0,
     0},
    {"odd length, garbage padding",
     0x0101,
     {{0x8022, "x", 1, 0}, {0x0020, XMAPPED_V4, 8, 0}},
     2,
     true,
     0,
     "10.77.2.1",
     true,
     0,
     0},
    {"indication", 0x0011, {{0x8022, "x", 1, 0}}, 1, false, 0, NULL, false, 0, 0},
    /* malformed */
    {"XOR-MAPPED family 3",
     0x0101,
     {{0x0020, "\x00\x03\x00\x01\x01\x02\x03\x04", 8, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"XOR-MAPPED IPv4 too long",
     0x0101,
     {{0x0020, "\x00\x01\x00\x01\x01\x02\x03\x04\x00\x00\x00\x00", 12, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"XOR-MAPPED IPv6 too short",
     0x0101,
     {{0x0020, "\x00\x02\x00\x01\x01\x02\x03\x04", 8, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"MAPPED-ADDRESS 3 bytes",
     0x0101,
     {{0x0001, "\x00\x01\x00", 3, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"ERROR-CODE class 7",
     0x0111,
     {{0x0009, "\x00\x00\x07\x00", 4, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"ERROR-CODE number 100",
     0x0111,
     {{0x0009, "\x00\x00\x04\x64", 4, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"ERROR-CODE 3 bytes",
     0x0111,
     {{0x0009, "\x00\x00\x04", 3, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"MESSAGE-INTEGRITY 16 bytes",
     0x0101,
     {{0x0008, MI20, 16, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"attribute padding missing",
     0x0101,
     {{0x8022, "abcde", 5, 5}, {0x8022, "abc", 3, 3}},
     2,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"FINGERPRINT not last",
     0x0101,
     {{0x8028, "\x00\x00\x00\x00", 4, 0}, {0x0020, XMAPPED_V4, 8, 0}},
     2,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"FINGERPRINT wrong",
     0x0101,
     {{0x8028, "\x12\x34\x56\x78", 4, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
    {"FINGERPRINT 8 bytes",
     0x0101,
     {{0x8028, "\x00\x00\x00\x00\x00\x00\x00\x00", 8, 0}},
     1,
     false,
     EBADMSG,
     NULL,
     false,
     0,
     0},
};

static void built_messages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(built) / sizeof(built[0]); i++) {
		const struct built_case *c = &built[i];
		struct regent_stun_msg m;
		uint8_t b[512];
		size_t len;

		print_message("%s\n", c->name);
		len = tbuild(b, c->mtype, c->a, c->n, c->fp);
		assert_int_equal(parse_copy(&m, b, len), c->err);
		if (c->err)
			continue;
		assert_int_equal(m.method, REGENT_STUN_METHOD_BINDING);
		assert_int_equal(m.has_fingerprint, c->fp);
		assert_int_equal(m.has_mapped, c->mapped != NULL);
		if (c->mapped) {
			assert_string_equal(m.mapped.host, c->mapped);
			assert_int_equal(m.mapped.port, 40516);
			assert_int_equal(m.mapped_xored, c->xored);
		}
		assert_int_equal(m.has_error, c->error_code != 0);
		assert_int_equal(m.error_code, c->error_code);
		assert_int_equal(m.n_unknown, c->n_unknown);
	}
}

/* The class and method bits are interleaved in the type (§6). */
static void message_types(void **state)
{
	static const struct {
		uint16_t type;
		enum regent_stun_class cls;
		uint16_t method;
	} t[] = {
	    {0x0001, REGENT_STUN_REQUEST, 0x001}, {0x0011, REGENT_STUN_INDICATION, 0x001},
	    {0x0101, REGENT_STUN_SUCCESS, 0x001}, {0x0111, REGENT_STUN_ERROR, 0x001},
	    {0x3EEF, REGENT_STUN_REQUEST, 0xFFF}, {0x3FFF, REGENT_STUN_ERROR, 0xFFF},
	    {0x0003, REGENT_STUN_REQUEST, 0x003}, {0x0020, REGENT_STUN_REQUEST, 0x010},
	    {0x0200, REGENT_STUN_REQUEST, 0x080},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_stun_msg m;
		uint8_t b[64];
		size_t len = tbuild(b, t[i].type, NULL, 0, false);

		assert_int_equal(parse_copy(&m, b, len), 0);
		assert_int_equal(m.cls, t[i].cls);
		assert_int_equal(m.method, t[i].method);
	}
}

/* Mutations of the RFC 5769 IPv4 response: each one error, and which. */
static void malformed_headers(void **state)
{
	struct regent_stun_msg m;
	uint8_t b[96];

	(void)state;
	for (size_t l = 0; l < 20; l++) /* shorter than a header */
		assert_int_equal(parse_copy(&m, rfc_ipv4, l), ENOMSG);
	for (size_t l = 20; l < sizeof(rfc_ipv4); l++) /* truncated datagrams */
		assert_int_equal(parse_copy(&m, rfc_ipv4, l), EMSGSIZE);

	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	b[0] |= 0x40; /* leading bits: SIP and other protocols, §6 */
	assert_int_equal(parse_copy(&m, b, sizeof(rfc_ipv4)), ENOMSG);
	assert_false(regent_stun_is_stun(b, sizeof(rfc_ipv4)));
	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	b[7] ^= 1; /* magic cookie */
	assert_int_equal(parse_copy(&m, b, sizeof(rfc_ipv4)), ENOMSG);
	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	b[3] = 0x3d; /* length not a multiple of 4 */
	assert_int_equal(parse_copy(&m, b, sizeof(rfc_ipv4)), EMSGSIZE);
	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	b[3] = 0x40; /* length beyond the datagram */
	assert_int_equal(parse_copy(&m, b, sizeof(rfc_ipv4)), EMSGSIZE);
	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	memset(b + sizeof(rfc_ipv4), 0, 4); /* trailing bytes after the message */
	assert_int_equal(parse_copy(&m, b, sizeof(rfc_ipv4) + 4), EMSGSIZE);
	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	b[25] ^= 0x20; /* a byte of SOFTWARE: the FINGERPRINT no longer matches */
	assert_int_equal(parse_copy(&m, b, sizeof(rfc_ipv4)), EBADMSG);
	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	b[79] ^= 1; /* the FINGERPRINT itself */
	assert_int_equal(parse_copy(&m, b, sizeof(rfc_ipv4)), EBADMSG);
	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	b[23] = 0x40; /* SOFTWARE runs past the end */
	assert_int_equal(parse_copy(&m, b, sizeof(rfc_ipv4)), EBADMSG);
	memcpy(b, rfc_ipv4, sizeof(rfc_ipv4));
	b[2] = 0x00, b[3] = 0x02 * 4; /* length ends inside SOFTWARE */
	assert_int_equal(parse_copy(&m, b, 20 + 8), EBADMSG);
	assert_int_equal(regent_stun_parse(NULL, rfc_ipv4, sizeof(rfc_ipv4)), EINVAL);
	assert_int_equal(regent_stun_parse(&m, NULL, 0), ENOMSG);
}

/* ------------------------------------------------------------ building */

static void build_binding(void **state)
{
	static const uint8_t plain[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4,
					  0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
					  0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
	struct regent_stun_msg m;
	uint8_t b[64];
	size_t len = 0;

	(void)state;
	assert_int_equal(regent_stun_build_binding(b, sizeof(b), rfc_txid, 0, &len), 0);
	assert_int_equal(len, 20);
	assert_memory_equal(b, plain, 20);
	assert_true(regent_stun_is_stun(b, len));
	assert_int_equal(parse_copy(&m, b, len), 0);
	assert_int_equal(m.cls, REGENT_STUN_REQUEST);
	assert_int_equal(m.method, REGENT_STUN_METHOD_BINDING);
	assert_memory_equal(m.txid, rfc_txid, 12);
	assert_false(m.has_fingerprint);

	assert_int_equal(
	    regent_stun_build_binding(b, sizeof(b), rfc_txid, REGENT_STUN_FINGERPRINT, &len), 0);
	assert_int_equal(len, REGENT_STUN_BINDING_MAX_LEN);
	assert_int_equal(b[3], 8);
	assert_int_equal(b[20], 0x80);
	assert_int_equal(b[21], 0x28);
	assert_int_equal(parse_copy(&m, b, len), 0);
	assert_true(m.has_fingerprint);
	b[27] ^= 0x80;
	assert_int_equal(parse_copy(&m, b, len), EBADMSG);

	assert_int_equal(regent_stun_build_binding(b, 19, rfc_txid, 0, &len), ENOSPC);
	assert_int_equal(regent_stun_build_binding(b, 27, rfc_txid, REGENT_STUN_FINGERPRINT, &len),
			 ENOSPC);
	assert_int_equal(regent_stun_build_binding(b, sizeof(b), rfc_txid, 0x2, &len), EINVAL);
	assert_int_equal(regent_stun_build_binding(NULL, 64, rfc_txid, 0, &len), EINVAL);
	assert_int_equal(regent_stun_build_binding(b, sizeof(b), NULL, 0, &len), EINVAL);
	assert_int_equal(regent_stun_build_binding(b, sizeof(b), rfc_txid, 0, NULL), EINVAL);
}

/* The CRC-32 check value of the ISO-HDLC CRC (the zlib one, §15.5). */
static void crc32_check_value(void **state)
{
	(void)state;
	assert_int_equal(regent_stun_crc32("123456789", 9), 0xCBF43926u);
	assert_int_equal(regent_stun_crc32("", 0), 0);
}

/* SIP on the same flow is never taken for STUN (§7.3, RFC 5626 §4.4.2). */
static void sip_is_not_stun(void **state)
{
	static const char *sip[] = {
	    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n\r\n",
	    "OPTIONS sip:a@b SIP/2.0\r\n\r\n",
	    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
	};
	struct regent_stun_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(sip) / sizeof(sip[0]); i++) {
		assert_false(regent_stun_is_stun(sip[i], strlen(sip[i])));
		assert_int_equal(parse_copy(&m, (const uint8_t *)sip[i], strlen(sip[i])), ENOMSG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc5769_vectors), cmocka_unit_test(built_messages),
	    cmocka_unit_test(message_types),   cmocka_unit_test(malformed_headers),
	    cmocka_unit_test(build_binding),   cmocka_unit_test(crc32_check_value),
	    cmocka_unit_test(sip_is_not_stun),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
