/*
 * msg — the SIP message codec (internal API of libregent).
 *
 * Parsing is zero-copy: every value is a struct regent_pl, a pointer+length
 * slice into the caller's receive buffer, which must outlive the message.
 * Nothing here reads outside [buf, buf+len), and nothing assumes NUL
 * termination (RFC 4475 escnull). Integers are range-checked.
 *
 * Header values may contain folded lines (CRLF followed by SP/HT, RFC 3261
 * §7.3.1); every sub-parser treats such a fold as linear white space.
 */
#ifndef REGENT_MSG_H
#define REGENT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------ slices */

struct regent_pl {
	const char *p;
	size_t l;
};

#define REGENT_PL(s) ((struct regent_pl){(s), sizeof(s) - 1})
#define REGENT_PL_NULL ((struct regent_pl){NULL, 0})

static inline bool regent_pl_isset(struct regent_pl pl)
{
	return pl.p != NULL;
}

bool regent_pl_eq(struct regent_pl a, struct regent_pl b);	   /* exact */
bool regent_pl_casecmp_eq(struct regent_pl a, struct regent_pl b); /* ASCII case-insensitive */
bool regent_pl_eq_str(struct regent_pl a, const char *s);	   /* exact */
bool regent_pl_caseeq_str(struct regent_pl a, const char *s);	   /* case-insensitive */
/* Decimal 0..max with overflow check; leading zeros allowed. EINVAL / ERANGE. */
int regent_pl_u32(struct regent_pl pl, uint32_t max, uint32_t *out);
/* Copy into a NUL-terminated buffer; ENOSPC if it does not fit (dst set to ""). */
int regent_pl_strcpy(struct regent_pl pl, char *dst, size_t size);
/* snprintf(dst, size, "%s", s) without the format machinery (a few hundred
 * instructions a call): truncated, always NUL-terminated (size > 0). */
void regent_pl_strtrunc(char *dst, size_t size, const char *s);
/* malloc'ed NUL-terminated copy, or NULL. */
char *regent_pl_strdup(struct regent_pl pl);

/* ------------------------------------------------------------ errors */

enum regent_msg_errc {
	REGENT_MSG_OK = 0,
	REGENT_MSG_ETOOBIG,	 /* message larger than limits.max_size */
	REGENT_MSG_ETOOMANYHDRS, /* more headers than limits.max_headers */
	REGENT_MSG_ELINE,	 /* a line longer than limits.max_line */
	REGENT_MSG_ESTARTLINE,	 /* malformed request or status line */
	REGENT_MSG_EVERSION,	 /* not SIP/2.0 */
	REGENT_MSG_EHEADER,	 /* malformed header line (no name, no colon, bad char) */
	REGENT_MSG_EMISSING,	 /* a mandatory header is missing */
	REGENT_MSG_EVALUE,	 /* a known header's value does not parse */
	REGENT_MSG_ERANGE,	 /* an integer out of range */
	REGENT_MSG_ELENGTH,	 /* Content-Length disagrees with the bytes */
	REGENT_MSG_EINCOMPLETE,	 /* no end of headers */
	REGENT_MSG_EURI,	 /* a URI does not parse */
	REGENT_MSG_EINJECT,	 /* builder: CR, LF or NUL in a value */
	REGENT_MSG_ENOMEM,
	REGENT_MSG_ENOSPC, /* builder: fixed buffer full */
};

/* An error: code, the byte offset in the input, and a short reason such as
 * "Via: empty parameter at 212". */
struct regent_msg_error {
	enum regent_msg_errc code;
	size_t offset;
	char reason[128];
};

const char *regent_msg_errc_name(enum regent_msg_errc c);

/* ------------------------------------------------------------ URIs */

enum regent_host_type { REGENT_HOST_NAME = 0, REGENT_HOST_IPV4, REGENT_HOST_IPV6 };

struct regent_uri {
	struct regent_pl raw;	 /* the whole URI */
	struct regent_pl scheme; /* "sip", "sips", "tel", ... */
	bool is_sip;		 /* sip or sips: the fields below are parsed */
	bool secure;		 /* sips */
	struct regent_pl user;	 /* escaped, as on the wire; unset if no '@' */
	struct regent_pl password;
	struct regent_pl host; /* IPv6 without the brackets */
	enum regent_host_type host_type;
	uint16_t port; /* 0: absent */
	bool has_port;
	struct regent_pl params;  /* ";a=b;c" including the first ';', or unset */
	struct regent_pl headers; /* after '?', without it, or unset */
	struct regent_pl opaque;  /* non-sip schemes: everything after "scheme:" */
};

/* Parses an absolute URI. sip/sips fully (RFC 3261 §19.1.1, §25.1), any other
 * scheme as opaque. EINVAL on a malformed URI, with err filled if non-NULL. */
int regent_uri_parse(struct regent_uri *uri, const char *p, size_t l, struct regent_msg_error *err);

/* RFC 3261 §19.1.4 equivalence (user/password case-sensitive after
 * unescaping, host case-insensitive, params rules, headers). */
bool regent_uri_equal(const struct regent_uri *a, const struct regent_uri *b);

/* Looks up a URI param (case-insensitive name). Returns true if present;
 * *val is its value, unset (p==NULL) for a flag param. */
bool regent_uri_param(const struct regent_uri *uri, const char *name, struct regent_pl *val);

/* ------------------------------------------------- generic params */

/* `params` is a ";a=b;c=\"q\"" string (first ';' optional). Case-insensitive
 * name lookup; quoted values are returned without quotes (escapes kept). */
bool regent_param_get(struct regent_pl params, const char *name, struct regent_pl *val);

/* Iterates params: *pos starts at 0. Returns false at the end. */
bool regent_param_next(struct regent_pl params, size_t *pos, struct regent_pl *name,
		       struct regent_pl *val);

/* ------------------------------------------------------------ headers */

enum regent_hdr_id {
	REGENT_HDR_OTHER = 0,
	REGENT_HDR_VIA,
	REGENT_HDR_FROM,
	REGENT_HDR_TO,
	REGENT_HDR_CALL_ID,
	REGENT_HDR_CSEQ,
	REGENT_HDR_CONTACT,
	REGENT_HDR_EXPIRES,
	REGENT_HDR_MIN_EXPIRES,
	REGENT_HDR_RETRY_AFTER,
	REGENT_HDR_WWW_AUTHENTICATE,
	REGENT_HDR_PROXY_AUTHENTICATE,
	REGENT_HDR_AUTHORIZATION,
	REGENT_HDR_PROXY_AUTHORIZATION,
	REGENT_HDR_PATH,
	REGENT_HDR_SERVICE_ROUTE,
	REGENT_HDR_SUPPORTED,
	REGENT_HDR_REQUIRE,
	REGENT_HDR_UNSUPPORTED,
	REGENT_HDR_FLOW_TIMER,
	REGENT_HDR_MAX_FORWARDS,
	REGENT_HDR_CONTENT_LENGTH,
	REGENT_HDR_CONTENT_TYPE,
	REGENT_HDR_ROUTE,
	REGENT_HDR_RECORD_ROUTE,
	REGENT_HDR_ALLOW,
	REGENT_HDR_USER_AGENT,
	REGENT_HDR_SERVER,
	REGENT_HDR_DATE,
	REGENT_HDR_SUBJECT,
	REGENT_HDR_EVENT,
	REGENT_HDR__COUNT
};

/* Header id from a name, long or compact form (i m e l f t v k s c u o),
 * case-insensitive. */
enum regent_hdr_id regent_hdr_id_from_name(const char *name, size_t len);
const char *regent_hdr_canonical_name(enum regent_hdr_id id); /* "Call-ID"; NULL for OTHER */

struct regent_hdr {
	enum regent_hdr_id id;
	struct regent_pl name;	/* as written */
	struct regent_pl value; /* trimmed; may contain folds */
	size_t offset;		/* of the header line in the buffer */
};

/* ------------------------------------------------------------ messages */

struct regent_msg_limits {
	size_t max_size;    /* default 65536 */
	size_t max_headers; /* default 256 */
	size_t max_line;    /* default 16384 (one header line incl. folds) */
};

void regent_msg_limits_init(struct regent_msg_limits *lim);

struct regent_msg; /* opaque; points into the parsed buffer */

/* Parses one message in buf[0..len). Trailing bytes after Content-Length are
 * ignored (datagram semantics, RFC 4475 dblreq); a body shorter than
 * Content-Length is an error. Mandatory headers (Via, From, To, Call-ID,
 * CSeq; Max-Forwards not required) and the well-known headers the registration
 * client reads are validated; *msgp is allocated with malloc.
 * lim may be NULL for defaults. */
int regent_msg_parse(struct regent_msg **msgp, const char *buf, size_t len,
		     const struct regent_msg_limits *lim, struct regent_msg_error *err);

/* Caller-owned storage for one parsed message: a receive loop that parses,
 * handles and frees one message at a time can keep one (on its stack, in its
 * own struct) and parse without a malloc. */
#define REGENT_MSG_STORAGE_SIZE 4096
union regent_msg_storage {
	max_align_t align;
	unsigned char bytes[REGENT_MSG_STORAGE_SIZE];
};

/* regent_msg_parse() into *st instead of malloc'd memory; *msgp points into
 * *st. regent_msg_free() must still be called (it frees the header index of
 * a message with more than 24 headers, and never st itself); st must not be
 * reused or go out of scope before that. */
int regent_msg_parse_into(union regent_msg_storage *st, struct regent_msg **msgp, const char *buf,
			  size_t len, const struct regent_msg_limits *lim,
			  struct regent_msg_error *err);

/* Full validation of every header regent knows (used by `regent parse`):
 * also checks the less common headers the fast path does not need. */
int regent_msg_validate(const struct regent_msg *msg, struct regent_msg_error *err);

void regent_msg_free(struct regent_msg *msg);

bool regent_msg_is_request(const struct regent_msg *msg);
struct regent_pl regent_msg_method(const struct regent_msg *msg);	/* request */
const struct regent_uri *regent_msg_ruri(const struct regent_msg *msg); /* request */
uint16_t regent_msg_status(const struct regent_msg *msg);		/* response */
struct regent_pl regent_msg_reason(const struct regent_msg *msg);	/* response */
struct regent_pl regent_msg_body(const struct regent_msg *msg);
struct regent_pl regent_msg_raw(const struct regent_msg *msg); /* the bytes parsed, framed */

size_t regent_msg_hdr_count(const struct regent_msg *msg);
const struct regent_hdr *regent_msg_hdr_at(const struct regent_msg *msg, size_t i);
/* First header with this id after `after` (NULL: from the start). For
 * REGENT_HDR_OTHER, `name` selects it (case-insensitive); otherwise name is ignored. */
const struct regent_hdr *regent_msg_hdr_find(const struct regent_msg *msg, enum regent_hdr_id id,
					     const char *name, const struct regent_hdr *after);

/* ---- Via (RFC 3261 §20.42): every value of every Via header in order. */
struct regent_via {
	struct regent_pl protocol;  /* "SIP" */
	struct regent_pl version;   /* "2.0" */
	struct regent_pl transport; /* "UDP", "TCP", "TLS", "WS", "WSS", ... */
	struct regent_pl host;	    /* IPv6 without brackets */
	enum regent_host_type host_type;
	uint16_t port; /* 0: absent */
	struct regent_pl branch;
	struct regent_pl received;
	bool has_rport;
	uint16_t rport;		 /* 0: flag only */
	struct regent_pl params; /* all params, ";a=b..." */
};

/* Iterator over comma lists and repeated headers; *it starts zeroed. Returns
 * 0 and fills *out, ENOENT at the end, EBADMSG on a malformed value. */
struct regent_msg_iter {
	const struct regent_hdr *hdr;
	size_t pos;
};

int regent_msg_via_next(const struct regent_msg *msg, struct regent_msg_iter *it,
			struct regent_via *out);

/* ---- name-addr / addr-spec with params (From, To, Contact, Path, Route...) */
struct regent_addr {
	struct regent_pl display; /* without quotes (escapes kept), unset if none */
	bool display_quoted;
	struct regent_pl uri_raw;
	struct regent_uri uri;
	struct regent_pl params; /* header params after the URI, ";a=b..." */
	struct regent_pl tag;	 /* From/To tag param */
};

int regent_addr_parse(struct regent_addr *addr, const char *p, size_t l,
		      struct regent_msg_error *err);

int regent_msg_from(const struct regent_msg *msg, struct regent_addr *out);
int regent_msg_to(const struct regent_msg *msg, struct regent_addr *out);
struct regent_pl regent_msg_call_id(const struct regent_msg *msg);
int regent_msg_cseq(const struct regent_msg *msg, uint32_t *num, struct regent_pl *method);

/* ---- Contact (RFC 3261 §20.10, RFC 5626, RFC 5627) */
struct regent_contact {
	bool star; /* "Contact: *" */
	struct regent_addr addr;
	bool has_expires;
	uint32_t expires;
	struct regent_pl q;
	struct regent_pl instance; /* +sip.instance value without quotes: "<urn:uuid:...>" */
	bool has_reg_id;
	uint32_t reg_id;
	struct regent_pl pub_gruu; /* without quotes */
	struct regent_pl temp_gruu;
};

int regent_msg_contact_next(const struct regent_msg *msg, struct regent_msg_iter *it,
			    struct regent_contact *out);

/* Path, Service-Route, Route, Record-Route: name-addr lists. */
int regent_msg_addr_next(const struct regent_msg *msg, enum regent_hdr_id id,
			 struct regent_msg_iter *it, struct regent_addr *out);

/* ---- integers: Expires, Min-Expires, Max-Forwards, Flow-Timer, Content-Length.
 * ENOENT if absent. The first usable value of the header: one beyond the
 * largest (2^32-1; Max-Forwards 255) is taken as the largest (RFC 3261
 * §10.2.1.1); malformed ones are skipped; EBADMSG if none is usable.
 * regent_msg_parse refuses a request with such values (Flow-Timer aside,
 * which it does not read) and flags a response (regent_msg_odd);
 * Content-Length is always exact (framing). */
int regent_msg_u32(const struct regent_msg *msg, enum regent_hdr_id id, uint32_t *out);

/* ---- Retry-After (RFC 3261 §20.33) */
struct regent_retry_after {
	uint32_t seconds;
	struct regent_pl comment; /* without parentheses, unset if none */
	bool has_duration;
	uint32_t duration;
	struct regent_pl params;
};
/* ENOENT if absent. The first Retry-After with seconds: beyond 2^32-1 they
 * are 2^32-1; a bad comment or parameter is dropped (comment and params
 * unset, no duration), the seconds kept. EBADMSG if none has seconds. */
int regent_msg_retry_after(const struct regent_msg *msg, struct regent_retry_after *out);

/* ---- tolerant receiving (src/msg/tolerant.c)
 * A response is kept when only headers the transaction does not match on
 * are odd: out-of-range values (clamped), malformed ones (ignored), repeated
 * single-value headers. regent_msg_odd() says which (REGENT_ODD_* bits) and
 * how many values (*count), for the layer above to log once;
 * regent_msg_validate() still refuses such a message (the strict checker).
 * Requests are never odd: regent_msg_parse refuses them as before. */
enum {
	REGENT_ODD_EXPIRES = 1u << 0,
	REGENT_ODD_MIN_EXPIRES = 1u << 1,
	REGENT_ODD_MAX_FORWARDS = 1u << 2,
	REGENT_ODD_RETRY_AFTER = 1u << 3,
	REGENT_ODD_CONTACT_EXPIRES = 1u << 4,
	REGENT_ODD_FLOW_TIMER = 1u << 5,
};
uint32_t regent_msg_odd(const struct regent_msg *msg, uint32_t *count);
/* "Expires, Retry-After": the header names of `odd`, for a log line. */
int regent_msg_odd_names(uint32_t odd, char *buf, size_t size);

/* ---- option tags: Supported, Require, Unsupported, Allow (tokens) */
int regent_msg_token_next(const struct regent_msg *msg, enum regent_hdr_id id,
			  struct regent_msg_iter *it, struct regent_pl *tok);
bool regent_msg_has_token(const struct regent_msg *msg, enum regent_hdr_id id, const char *tok);

/* ---- WWW-Authenticate / Proxy-Authenticate (RFC 3261 §20.44, RFC 7616 §3.3).
 * One value per challenge; several headers give several challenges. */
struct regent_challenge {
	struct regent_pl scheme; /* "Digest" */
	struct regent_pl realm, nonce, opaque, algorithm, domain, charset;
	struct regent_pl qop; /* the quoted list without quotes: "auth,auth-int" */
	bool stale;
	bool userhash;
	struct regent_pl params; /* the whole auth-param list */
};

int regent_msg_challenge_next(const struct regent_msg *msg, enum regent_hdr_id id,
			      struct regent_msg_iter *it, struct regent_challenge *out);
int regent_challenge_parse(struct regent_challenge *ch, const char *p, size_t l);

/* ---- Authorization / Proxy-Authorization (RFC 7616 §3.4) */
struct regent_credentials {
	struct regent_pl scheme;
	struct regent_pl username, realm, nonce, uri, response, algorithm, cnonce, opaque;
	struct regent_pl qop, nc;
	bool userhash;
	struct regent_pl params;
};

int regent_msg_credentials_next(const struct regent_msg *msg, enum regent_hdr_id id,
				struct regent_msg_iter *it, struct regent_credentials *out);
int regent_credentials_parse(struct regent_credentials *cr, const char *p, size_t l);

/* ------------------------------------------------------------ framing */

/* Stream framing for TCP/TLS (RFC 3261 §18.3): looks at buf[0..len).
 *  - Leading CRLFs (keep-alive, RFC 5626 §3.5.1) are skipped: *skip says how
 *    many bytes; *pong is set if a CRLF (not a CRLFCRLF ping) was seen.
 *  - Returns 0 and *msg_len (from *skip) when a whole message is there,
 *    EAGAIN if more bytes are needed, EMSGSIZE beyond max_size, EBADMSG when
 *    the headers carry no usable Content-Length (mandatory on streams).
 * Handles the compact form `l`. */
int regent_frame_stream(const char *buf, size_t len, size_t max_size, size_t *skip, size_t *msg_len,
			bool *pong);

/* ------------------------------------------------------------ builder */

/* A write buffer: fixed (caller-owned) or growable (malloc). Errors are
 * sticky: after the first failure every write is a no-op, and
 * regent_wbuf_finish / err report it, naming the offending field. */
struct regent_wbuf {
	char *buf;
	size_t len, cap;
	bool dynamic;
	size_t max; /* growable: hard cap (default 65536) */
	enum regent_msg_errc err;
	char err_field[64];
};

void regent_wbuf_init_fixed(struct regent_wbuf *wb, char *buf, size_t cap);
void regent_wbuf_init_dynamic(struct regent_wbuf *wb, size_t max);
void regent_wbuf_reset(struct regent_wbuf *wb);
void regent_wbuf_release(struct regent_wbuf *wb); /* frees a dynamic buffer */

/* Raw appends (trusted text, no checks). */
void regent_wbuf_write_slow(struct regent_wbuf *wb, const char *p, size_t l);
/* The common append inline: room already there (cap never exceeds max + 1,
 * so no limit can be crossed on this path), else the checked slow path. */
static inline void regent_wbuf_write(struct regent_wbuf *wb, const char *p, size_t l)
{
	if (wb->err == REGENT_MSG_OK && l < wb->cap - wb->len) {
		memcpy(wb->buf + wb->len, p, l);
		wb->len += l;
		wb->buf[wb->len] = '\0';
		return;
	}
	regent_wbuf_write_slow(wb, p, l);
}
static inline void regent_wbuf_puts(struct regent_wbuf *wb, const char *s)
{
	regent_wbuf_write(wb, s, strlen(s));
}
void regent_wbuf_printf(struct regent_wbuf *wb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An unsigned integer in decimal, and in lowercase hex zero-padded to at
 * least `width` digits (nc=%08x): the hot build path without printf. */
void regent_wbuf_u64(struct regent_wbuf *wb, uint64_t v);
void regent_wbuf_hex(struct regent_wbuf *wb, uint64_t v, unsigned width);

/* Checked appends: `field` names the value in the error if it carries CR, LF
 * or NUL (header injection). */
void regent_wbuf_value(struct regent_wbuf *wb, const char *field, const char *p, size_t l);
/* quoted-string with '"' and '\' escaped (RFC 3261 §25.1) */
void regent_wbuf_quoted(struct regent_wbuf *wb, const char *field, const char *p, size_t l);

void regent_build_request_line(struct regent_wbuf *wb, const char *method, const char *ruri);
void regent_build_status_line(struct regent_wbuf *wb, uint16_t code, const char *reason);
/* "Name: value\r\n" with both checked. */
void regent_build_header(struct regent_wbuf *wb, const char *name, const char *value);
/* A user-supplied whole header line "Name: value": checks the name is a
 * token, the colon is there and the value has no CR/LF/NUL. */
void regent_build_header_line(struct regent_wbuf *wb, const char *field, const char *line);
/* `["Display Name"] <uri>` — display quoted when needed. */
void regent_build_name_addr(struct regent_wbuf *wb, const char *field, const char *display,
			    const char *uri);
/* Ends the headers: "Content-Length: N\r\n\r\n" and the body. Returns 0 or
 * the sticky error code as an errno (EINVAL injection, ENOSPC, ENOMEM). */
int regent_build_finish(struct regent_wbuf *wb, const char *body, size_t body_len);
/* The buffer's sticky error as an errno: 0, EINVAL (injection), ENOSPC or
 * ENOMEM. */
int regent_wbuf_errno(const struct regent_wbuf *wb);

/* Checks a user string for CR, LF, NUL: 0 or EINVAL. */
int regent_check_value(const char *s);

#endif /* REGENT_MSG_H */
