/*
 * msg internals: character classes, the lexer helpers shared by the
 * sub-parsers, and the layout of struct regent_msg.
 */
#ifndef REGENT_MSG_INT_H
#define REGENT_MSG_INT_H

#include <errno.h>
#include <string.h>

#include "msg/msg.h"

/* Character classes, RFC 3261 §25.1 (see ctab.c). */
enum {
	C_TOKEN = 0x0001, /* token */
	C_UNRES = 0x0002, /* unreserved = alphanum / mark */
	C_USER = 0x0004,  /* unreserved / user-unreserved */
	C_PASS = 0x0008,  /* password chars (no escapes) */
	C_PARAM = 0x0010, /* paramchar (no escapes) */
	C_HNV = 0x0020,	  /* hname / hvalue chars (no escapes) */
	C_HOST = 0x0040,  /* hostname / IPv4 chars */
	C_WORD = 0x0080,  /* word (Call-ID) */
	C_URIC = 0x0100,  /* uric of an absoluteURI, incl. '%' */
	C_DIGIT = 0x0200,
	C_ALPHA = 0x0400,
	C_HEX = 0x0800,
	C_SCHEME = 0x1000, /* scheme chars after the first ALPHA */
	C_GENV = 0x2000,   /* gen-value: token / host (incl. IPv6 '[' ']' ':') */
	C_TEXT = 0x4000,   /* HT, printable ASCII, UTF-8 bytes */
	C_QD = 0x8000,	   /* qdtext without LWS folds: C_TEXT minus '"' and '\\' */
};

extern const uint16_t regent_msg_ctab[256];

static inline bool ct(char c, uint16_t cls)
{
	return (regent_msg_ctab[(unsigned char)c] & cls) != 0;
}

static inline char lc(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* n bytes of p against a literal, by words: each byte of p is ORed with
 * the matching byte of `fold` first (0: exact; 0x20 in every byte: the
 * case fold of lceq below). Inline, with n and fold constants, it is a few
 * loads and compares, where a memcmp of an odd length would be a call. */
static inline bool wordeq(const char *p, const char *lit, size_t n, uint64_t fold)
{
	uint64_t a8, b8;
	uint32_t a4, b4;
	uint16_t a2, b2;

	for (; n >= 8; p += 8, lit += 8, n -= 8) {
		memcpy(&a8, p, 8);
		memcpy(&b8, lit, 8);
		if ((a8 | fold) != b8)
			return false;
	}
	if (n >= 4) {
		memcpy(&a4, p, 4);
		memcpy(&b4, lit, 4);
		if ((a4 | (uint32_t)fold) != b4)
			return false;
		p += 4;
		lit += 4;
		n -= 4;
	}
	if (n >= 2) {
		memcpy(&a2, p, 2);
		memcpy(&b2, lit, 2);
		if ((uint16_t)(a2 | (uint16_t)fold) != b2)
			return false;
		p += 2;
		lit += 2;
		n -= 2;
	}
	return n == 0 || (char)(*p | (char)(fold & 0xff)) == *lit;
}

/* Exact compare of n bytes. */
static inline bool eqb(const char *p, const char *lit, size_t n)
{
	return wordeq(p, lit, n, 0);
}

/* Case-insensitive compare of n bytes of a token against a lowercase
 * literal. No token character other than a letter maps onto a lowercase
 * letter, digit, '-', '+' or '.' with |0x20, so the cheap fold is exact for
 * tokens. */
static inline bool lceq(const char *p, const char *lit, size_t n)
{
	return wordeq(p, lit, n, 0x2020202020202020ull);
}

#define PL_IS(pl, lit) ((pl).l == sizeof(lit) - 1 && lceq((pl).p, lit, sizeof(lit) - 1))

/* A parse error before it is formatted: code, where, what. */
struct perr {
	enum regent_msg_errc code;
	const char *at;
	const char *what;
};

static inline int perr_set(struct perr *e, enum regent_msg_errc code, const char *at,
			   const char *what)
{
	if (e) {
		e->code = code;
		e->at = at;
		e->what = what;
	}
	return EBADMSG;
}

/* Formats "<prefix>: <what> at <offset>" into err (offset from base). */
void regent_msgi_error(struct regent_msg_error *err, const struct perr *pe, const char *base,
		       const char *prefix);
void regent_msgi_errorf(struct regent_msg_error *err, enum regent_msg_errc code, size_t offset,
			const char *prefix, const char *what);

/* Skips linear white space: SP, HT and folds (CRLF followed by SP/HT). */
static inline const char *regent_msgi_lws(const char *p, const char *end)
{
	/* the common cases first: no white space here at all, or one SP
	 * before a token (the rest of the value is at least that byte) */
	if (p >= end || (unsigned char)*p > ' ')
		return p;
	if (*p == ' ' && end - p >= 2 && (unsigned char)p[1] > ' ')
		return p + 1;
	for (;;) {
		if (p < end && (*p == ' ' || *p == '\t')) {
			p++;
		} else if (end - p >= 3 && p[0] == '\r' && p[1] == '\n' &&
			   (p[2] == ' ' || p[2] == '\t')) {
			p += 3;
		} else {
			return p;
		}
	}
}

/* The hot loop of the parser: four bytes per round while they last. */
static inline const char *regent_msgi_run(const char *p, const char *end, uint16_t cls)
{
	while (end - p >= 4) {
		if (!ct(p[0], cls))
			return p;
		if (!ct(p[1], cls))
			return p + 1;
		if (!ct(p[2], cls))
			return p + 2;
		if (!ct(p[3], cls))
			return p + 3;
		p += 4;
	}
	while (p < end && ct(*p, cls))
		p++;
	return p;
}

/* quoted-string at *pp (which points at '"'): inner is the text between
 * the quotes, escapes kept. Stops at the end of the value, never beyond. */
int regent_msgi_quoted(const char **pp, const char *end, struct regent_pl *inner, struct perr *e);

/* 1*DIGIT at *pp with overflow check against max: 0, EINVAL (no digit) or
 * ERANGE. *pp is moved past the digits. */
int regent_msgi_u32(const char **pp, const char *end, uint32_t max, uint32_t *out);

/* host (hostname / IPv4address / IPv6reference) at *pp. */
int regent_msgi_host(const char **pp, const char *end, struct regent_pl *host,
		     enum regent_host_type *type, struct perr *e);

/* One `SEMI generic-param` at *pp (after optional LWS). 0: got one;
 * ENOENT: no ';' here (*pp unchanged); EBADMSG: malformed. */
int regent_msgi_param(const char **pp, const char *end, struct regent_pl *name,
		      struct regent_pl *val, bool *quoted, struct perr *e);

/* Whole-range URI parse (no trailing bytes allowed). */
int regent_msgi_uri(struct regent_uri *uri, const char *p, const char *end, struct perr *e);

/* Called for each header param of an address; non-zero rejects it. */
typedef int (*regent_msgi_param_fn)(void *arg, struct regent_pl name, struct regent_pl val,
				    bool quoted, struct perr *e);

/* name-addr / addr-spec followed by params at *pp; stops before a ',' or at
 * the end. fn (may be NULL) sees every param. */
int regent_msgi_addr(struct regent_addr *a, const char **pp, const char *end,
		     regent_msgi_param_fn fn, void *arg, struct perr *e);

int regent_msgi_via(struct regent_via *v, const char **pp, const char *end, struct perr *e);
/* tolerant: a Contact expires param that is out of range is taken as
 * 2^32-1, a malformed one is ignored (RFC 3261 §10.2.1.1, see tolerant.c). */
int regent_msgi_contact(struct regent_contact *c, const char **pp, const char *end, bool tolerant,
			struct perr *e);
int regent_msgi_challenge(struct regent_challenge *ch, const char *p, const char *end,
			  struct perr *e);
int regent_msgi_credentials(struct regent_credentials *cr, const char *p, const char *end,
			    struct perr *e);
int regent_msgi_retry_after(struct regent_retry_after *ra, const char *p, const char *end,
			    struct perr *e);

/* ------------------------------------------------------------ message */

struct hdr_ent {
	struct regent_hdr h;
	uint32_t next; /* index+1 of the next header with the same id, 0: none */
};

#define REGENT_MSG_INLINE_HDRS 24
#define REGENT_MSG_CACHED_CONTACTS 4

struct regent_msg {
	const char *buf;
	size_t len; /* framed length */
	bool owned; /* malloc'd by regent_msg_parse, not caller storage */
	bool request;
	struct regent_pl method, reason, version;
	uint16_t status;
	struct regent_uri ruri;
	struct regent_pl body;

	uint32_t first[REGENT_HDR__COUNT]; /* index+1 of the first header of an id */
	uint32_t last[REGENT_HDR__COUNT];
	size_t nhdr, cap;
	struct hdr_ent *hdrs;
	bool has_via0;	  /* via0 below is set */
	size_t ncontacts; /* contacts[] below */
	/* Tolerant receiving of a response (tolerant.c): REGENT_ODD_* bits, the
	 * values clamped or ignored, and the first error the strict checker
	 * reports for them (regent_msg_validate; prefix and what are literals). */
	uint32_t odd;
	uint32_t nodd;
	struct {
		enum regent_msg_errc code; /* REGENT_MSG_OK: none */
		size_t offset;
		const char *prefix, *what;
	} strict;

	/* (from here on not zeroed) validated at parse time and cached for the accessors */
	struct regent_addr from, to;
	struct regent_pl call_id;
	uint32_t cseq;
	struct regent_pl cseq_method;

	/* the first Via and the first Contacts, parsed while validating */
	const struct regent_hdr *via0_hdr;
	size_t via0_next_pos;
	struct regent_via via0;
	struct contact_cache {
		const struct regent_hdr *hdr;
		size_t pos, next_pos;
		struct regent_contact c;
	} contacts[REGENT_MSG_CACHED_CONTACTS];

	struct hdr_ent inl[REGENT_MSG_INLINE_HDRS];
};

/* The first header of an id, and the next one of the same id (NULL: none). */
static inline const struct regent_hdr *regent_msgi_first_hdr(const struct regent_msg *m,
							     enum regent_hdr_id id)
{
	return m->first[id] ? &m->hdrs[m->first[id] - 1].h : NULL;
}

static inline const struct regent_hdr *regent_msgi_next_hdr(const struct regent_msg *m,
							    const struct regent_hdr *h)
{
	const struct hdr_ent *e = (const struct hdr_ent *)(const void *)h;

	return e->next ? &m->hdrs[e->next - 1].h : NULL;
}

/* Comma-list iteration over every header of an id: positions *pp and *end on
 * the current element, or ENOENT. */
int regent_msgi_list_begin(const struct regent_msg *msg, enum regent_hdr_id id,
			   struct regent_msg_iter *it, const char **pp, const char **end);
/* After an element ending at stop: expects LWS then ',' or the end. */
int regent_msgi_list_advance(struct regent_msg_iter *it, const char *stop, struct perr *e);

/* tolerant.c: the checks of the headers a response is used with even when
 * their values are odd (Expires, Min-Expires, Max-Forwards, Retry-After).
 * A request fails on the first bad value (the strict verdict, as before);
 * a response records it (regent_msgi_odd_note) and is kept. */
int regent_msgi_scalars(struct regent_msg *m, struct regent_msg_error *err);
/* Records one oddity of a response: its bit, and the error the strict
 * checker reports if it is the first. */
void regent_msgi_odd_note(struct regent_msg *m, uint32_t bit, enum regent_msg_errc code,
			  size_t offset, const char *prefix, const char *what);
/* The first recorded strict error into err (regent_msg_validate); false if none. */
bool regent_msgi_strict_error(const struct regent_msg *m, struct regent_msg_error *err);

/* Header id of a name already known to be a token. */
enum regent_hdr_id regent_msgi_hdr_id(const char *name, size_t len);

/* Name lookup when id is OTHER: handles the compact forms e/u/o etc. */
bool regent_msgi_name_eq(struct regent_pl hname, const char *name);

#endif /* REGENT_MSG_INT_H */
