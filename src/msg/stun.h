/*
 * stun — the STUN message codec (RFC 5389), for the keep-alives of RFC 5626
 * §4.4.2 (a Binding request on the registration flow; its response tells
 * the mapped address, so a NAT rebinding is seen, issue 13).
 *
 * Pure: no I/O, no allocation, no clock. The caller supplies the buffer and
 * the transaction id (from its own random source).
 *
 * What is checked on parse (RFC 5389 §6, §7.3, §15): the two leading zero
 * bits, the magic cookie, the length field (a multiple of 4 that matches the
 * datagram), every attribute inside the message with its padding to 4 bytes,
 * the layout of (XOR-)MAPPED-ADDRESS and ERROR-CODE, and FINGERPRINT when
 * present (it must be last and its CRC-32 must match). MESSAGE-INTEGRITY is
 * recognised but not verified (keep-alives use no credentials, RFC 5626
 * §4.4.2); attributes after it other than FINGERPRINT are ignored (§15.4).
 * Unknown comprehension-optional attributes (0x8000-0xFFFF) are ignored;
 * unknown comprehension-required ones (0x0000-0x7FFF) are listed in
 * `unknown[]`: a request carrying them is answered 420 and a response
 * carrying them is discarded (§7.3.1, §7.3.3), which is the caller's call.
 */
#ifndef REGENT_STUN_H
#define REGENT_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGENT_STUN_COOKIE 0x2112A442u
#define REGENT_STUN_HEADER_LEN 20
#define REGENT_STUN_TXID_LEN 12
/* a Binding request with FINGERPRINT (the largest thing we build) */
#define REGENT_STUN_BINDING_MAX_LEN 28
#define REGENT_STUN_METHOD_BINDING 0x001
#define REGENT_STUN_MAX_UNKNOWN 8 /* unknown required attributes listed */

/* RFC 5389 §6: the class bits C1 C0 of the message type */
enum regent_stun_class {
	REGENT_STUN_REQUEST = 0,
	REGENT_STUN_INDICATION = 1,
	REGENT_STUN_SUCCESS = 2,
	REGENT_STUN_ERROR = 3,
};

/* flags of regent_stun_build_binding */
#define REGENT_STUN_FINGERPRINT 0x1u /* add FINGERPRINT (§15.5; SIP multiplexing, §7.1) */

struct regent_stun_addr {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; 4 bytes used for AF_INET */
	uint16_t port;	  /* host order */
	char host[46];	  /* textual address, NUL-terminated (INET6_ADDRSTRLEN) */
};

struct regent_stun_msg {
	enum regent_stun_class cls;
	uint16_t method; /* 12 bits, REGENT_STUN_METHOD_BINDING for keep-alives */
	uint8_t txid[REGENT_STUN_TXID_LEN];
	bool has_mapped;   /* mapped set: from XOR-MAPPED-ADDRESS if present */
	bool mapped_xored; /* ... true when it came from XOR-MAPPED-ADDRESS */
	struct regent_stun_addr mapped;
	bool has_error;				   /* ERROR-CODE present (error responses) */
	uint16_t error_code;			   /* 300..699 (§15.6) */
	bool has_integrity;			   /* MESSAGE-INTEGRITY present (not verified) */
	bool has_fingerprint;			   /* FINGERPRINT present and correct */
	size_t n_unknown;			   /* unknown comprehension-required attributes */
	uint16_t unknown[REGENT_STUN_MAX_UNKNOWN]; /* the first of them */
};

/* Builds a Binding request (RFC 5389 §7.1) into buf with the given
 * transaction id; *len gets its length (20, or 28 with FINGERPRINT).
 * 0, EINVAL (NULL argument, unknown flag) or ENOSPC. */
int regent_stun_build_binding(void *buf, size_t size, const uint8_t *txid, unsigned flags,
			      size_t *len);

/* Parses one STUN message (a whole UDP datagram, or one framed message on a
 * stream). 0 on success (out filled; see n_unknown), and otherwise:
 *   ENOMSG    not STUN: shorter than a header, leading bits set, or no magic
 *             cookie (RFC 5389 §6: how STUN is told apart from SIP, §7.3)
 *   EMSGSIZE  the length field is not a multiple of 4 or not the datagram's
 *   EBADMSG   an attribute runs past the end, a known attribute is malformed,
 *             or FINGERPRINT is not last or does not match
 * out is zeroed first; on error its contents are unspecified. */
int regent_stun_parse(struct regent_stun_msg *out, const void *buf, size_t len);

/* Whether buf starts like a STUN message (leading bits zero, magic cookie):
 * the demultiplexing test for a flow that also carries SIP (§7.3). */
bool regent_stun_is_stun(const void *buf, size_t len);

/* RFC 5389 §15.5: CRC-32 (ISO/IEC 3309, as in zlib) of buf, before the XOR
 * with 0x5354554e. Exposed for tests. */
uint32_t regent_stun_crc32(const void *buf, size_t len);

#endif /* REGENT_STUN_H */
