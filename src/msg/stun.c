/*
 * stun.c — RFC 5389 message codec: Binding request builder and parser (see
 * stun.h for what is checked and why).
 */
#include "msg/stun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* RFC 5389 §18.2 attribute types */
#define ATTR_MAPPED_ADDRESS 0x0001
#define ATTR_USERNAME 0x0006
#define ATTR_MESSAGE_INTEGRITY 0x0008
#define ATTR_ERROR_CODE 0x0009
#define ATTR_UNKNOWN_ATTRIBUTES 0x000A
#define ATTR_REALM 0x0014
#define ATTR_NONCE 0x0015
#define ATTR_XOR_MAPPED_ADDRESS 0x0020
#define ATTR_FINGERPRINT 0x8028

#define FINGERPRINT_XOR 0x5354554eu /* §15.5 */
#define FAMILY_IPV4 0x01	    /* §15.1 */
#define FAMILY_IPV6 0x02

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t regent_stun_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xFFFFFFFFu;

	/* bitwise, reflected polynomial 0xEDB88320: messages here are tiny */
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xFFFFFFFFu;
}

/* RFC 5389 §6: the message type interleaves the method's 12 bits with the
 * class bits C0 (bit 4) and C1 (bit 8). */
static uint16_t message_type(uint16_t method, enum regent_stun_class cls)
{
	return (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
			  ((cls & 1u) << 4) | ((cls & 2u) << 7));
}

int regent_stun_build_binding(void *buf, size_t size, const uint8_t *txid, unsigned flags,
			      size_t *len)
{
	uint8_t *p = buf;
	bool fp = flags & REGENT_STUN_FINGERPRINT;
	size_t need = REGENT_STUN_HEADER_LEN + (fp ? 8 : 0);

	if (!buf || !txid || !len || (flags & ~REGENT_STUN_FINGERPRINT))
		return EINVAL;
	if (size < need)
		return ENOSPC;
	put16(p, message_type(REGENT_STUN_METHOD_BINDING, REGENT_STUN_REQUEST));
	put16(p + 2, (uint16_t)(need - REGENT_STUN_HEADER_LEN));
	put32(p + 4, REGENT_STUN_COOKIE);
	memcpy(p + 8, txid, REGENT_STUN_TXID_LEN);
	if (fp) {
		/* §15.5: CRC over the message up to the attribute, whose length
		 * the header's length field already includes */
		put16(p + 20, ATTR_FINGERPRINT);
		put16(p + 22, 4);
		put32(p + 24, regent_stun_crc32(p, 20) ^ FINGERPRINT_XOR);
	}
	*len = need;
	return 0;
}

bool regent_stun_is_stun(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	return buf && len >= REGENT_STUN_HEADER_LEN && (p[0] & 0xC0) == 0 &&
	       get32(p + 4) == REGENT_STUN_COOKIE;
}

/* §15.1 / §15.2: family, port and address; XOR-ed with the cookie (and the
 * transaction id for IPv6) when `xored`. */
static int parse_address(struct regent_stun_addr *a, const uint8_t *v, size_t vlen,
			 const uint8_t *hdr, bool xored)
{
	uint8_t mask[16];
	size_t alen;

	memset(a, 0, sizeof(*a));
	if (vlen < 4)
		return EBADMSG;
	if (v[1] == FAMILY_IPV4) {
		a->family = AF_INET;
		alen = 4;
	} else if (v[1] == FAMILY_IPV6) {
		a->family = AF_INET6;
		alen = 16;
	} else {
		return EBADMSG;
	}
	if (vlen != 4 + alen)
		return EBADMSG;
	/* the cookie then the transaction id: bytes 4..19 of the header */
	memcpy(mask, hdr + 4, sizeof(mask));
	a->port = get16(v + 2);
	if (xored)
		a->port ^= (uint16_t)(REGENT_STUN_COOKIE >> 16);
	for (size_t i = 0; i < alen; i++)
		a->addr[i] = (uint8_t)(v[4 + i] ^ (xored ? mask[i] : 0));
	if (!inet_ntop(a->family, a->addr, a->host, sizeof(a->host)))
		return EBADMSG;
	return 0;
}

/* §15.6: 21 reserved bits, class (3..6), number (0..99), reason phrase. */
static int parse_error_code(struct regent_stun_msg *m, const uint8_t *v, size_t vlen)
{
	unsigned cls, num;

	if (vlen < 4)
		return EBADMSG;
	cls = v[2] & 0x07;
	num = v[3];
	if (cls < 3 || cls > 6 || num > 99)
		return EBADMSG;
	m->has_error = true;
	m->error_code = (uint16_t)(cls * 100 + num);
	return 0;
}

static bool understood(uint16_t type)
{
	switch (type) {
	case ATTR_MAPPED_ADDRESS:
	case ATTR_USERNAME:
	case ATTR_MESSAGE_INTEGRITY:
	case ATTR_ERROR_CODE:
	case ATTR_UNKNOWN_ATTRIBUTES:
	case ATTR_REALM:
	case ATTR_NONCE:
	case ATTR_XOR_MAPPED_ADDRESS:
		return true;
	default:
		return false;
	}
}

/* One attribute before FINGERPRINT: recorded, checked or ignored. */
static int parse_attr(struct regent_stun_msg *m, uint16_t type, const uint8_t *v, size_t vlen,
		      const uint8_t *hdr)
{
	struct regent_stun_addr a;
	int e;

	switch (type) {
	case ATTR_XOR_MAPPED_ADDRESS:
	case ATTR_MAPPED_ADDRESS:
		e = parse_address(&a, v, vlen, hdr, type == ATTR_XOR_MAPPED_ADDRESS);
		if (e)
			return e;
		/* XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS (§15.2: a NAT
		 * that rewrites addresses in payloads cannot touch it) */
		if (!m->has_mapped || (type == ATTR_XOR_MAPPED_ADDRESS && !m->mapped_xored)) {
			m->mapped = a;
			m->has_mapped = true;
			m->mapped_xored = type == ATTR_XOR_MAPPED_ADDRESS;
		}
		return 0;
	case ATTR_ERROR_CODE:
		return parse_error_code(m, v, vlen);
	case ATTR_MESSAGE_INTEGRITY:
		if (vlen != 20) /* HMAC-SHA1, §15.4 */
			return EBADMSG;
		m->has_integrity = true;
		return 0;
	default:
		if (type < 0x8000 && !understood(type) && m->n_unknown < REGENT_STUN_MAX_UNKNOWN)
			m->unknown[m->n_unknown++] = type;
		else if (type < 0x8000 && !understood(type))
			m->n_unknown++; /* counted beyond the listed ones */
		return 0;
	}
}

/* FINGERPRINT (§15.5): 4 bytes, the last attribute, CRC-32 of everything
 * before it XOR 0x5354554e. */
static int check_fingerprint(const uint8_t *p, size_t off, size_t vlen, size_t end)
{
	if (vlen != 4 || off + 8 != end)
		return EBADMSG;
	if (get32(p + off + 4) != (regent_stun_crc32(p, off) ^ FINGERPRINT_XOR))
		return EBADMSG;
	return 0;
}

int regent_stun_parse(struct regent_stun_msg *out, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t mlen, off;
	uint16_t type;
	bool after_integrity = false;

	if (!out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	if (!regent_stun_is_stun(buf, len))
		return ENOMSG;
	mlen = get16(p + 2);
	if (mlen % 4 != 0 || REGENT_STUN_HEADER_LEN + mlen != len)
		return EMSGSIZE;
	type = get16(p);
	out->method = (uint16_t)((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
	out->cls = (enum regent_stun_class)(((type >> 4) & 1u) | ((type >> 7) & 2u));
	memcpy(out->txid, p + 8, REGENT_STUN_TXID_LEN);
	for (off = REGENT_STUN_HEADER_LEN; off < len;) {
		uint16_t at;
		size_t vlen, padded;
		int e;

		if (len - off < 4)
			return EBADMSG;
		at = get16(p + off);
		vlen = get16(p + off + 2);
		padded = (vlen + 3) & ~(size_t)3; /* §15: padded to 4, padding ignored */
		if (padded > len - off - 4)
			return EBADMSG;
		if (at == ATTR_FINGERPRINT) {
			e = check_fingerprint(p, off, vlen, len);
			if (e)
				return e;
			out->has_fingerprint = true;
		} else if (!after_integrity) {
			e = parse_attr(out, at, p + off + 4, vlen, p);
			if (e)
				return e;
			after_integrity = at == ATTR_MESSAGE_INTEGRITY;
		}
		off += 4 + padded;
	}
	return 0;
}
