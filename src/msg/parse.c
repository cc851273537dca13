/*
 * parse — one pass over the buffer: start line, then every header line
 * indexed (memchr for LF, folds joined, RFC 3261 §7.3.1), then the framing
 * by Content-Length and the validation of the headers a registration client
 * reads. One malloc per message, none with caller storage
 * (regent_msg_parse_into); values stay slices into the buffer.
 */
#include <stdlib.h>

#include "msg/msg_int.h"

void regent_msg_limits_init(struct regent_msg_limits *lim)
{
	lim->max_size = 65536;
	lim->max_headers = 256;
	lim->max_line = 16384;
}

static const char *hdr_prefix(const struct regent_hdr *h, char *buf, size_t size)
{
	const char *c = regent_hdr_canonical_name(h->id);

	if (c)
		return c;
	regent_pl_strcpy((struct regent_pl){h->name.p, h->name.l < size ? h->name.l : size - 1},
			 buf, size);
	return buf;
}

static int fail(struct regent_msg_error *err, enum regent_msg_errc code, const char *buf,
		const char *at, const char *prefix, const char *what)
{
	regent_msgi_errorf(err, code, (size_t)(at - buf), prefix, what);
	return EBADMSG;
}

static int hfail(struct regent_msg_error *err, const char *buf, const struct regent_hdr *h,
		 const struct perr *pe)
{
	char nb[32];

	regent_msgi_error(err, pe, buf, hdr_prefix(h, nb, sizeof(nb)));
	return EBADMSG;
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is supported. */
static int version(const char *p, const char *end, struct regent_msg_error *err, const char *buf)
{
	const char *q = p;

	if (end - p == 7 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' &&
	    memcmp(p + 3, "/2.0", 4) == 0)
		return 0;
	if (end - p >= 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' &&
	    p[3] == '/') {
		q = regent_msgi_run(p + 4, end, C_DIGIT);
		if (q > p + 4 && q < end && *q == '.') {
			const char *r = regent_msgi_run(q + 1, end, C_DIGIT);

			if (r > q + 1 && r == end)
				return fail(err, REGENT_MSG_EVERSION, buf, p, "start line",
					    "unsupported SIP version");
		}
	}
	return fail(err, REGENT_MSG_ESTARTLINE, buf, p, "start line", "bad SIP version");
}

static int start_line(struct regent_msg *m, const char *p, const char *eol,
		      struct regent_msg_error *err)
{
	const char *buf = m->buf;
	const char *q;

	if (eol - p >= 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' &&
	    p[3] == '/') {
		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
		uint32_t code;

		q = memchr(p, ' ', (size_t)(eol - p));
		if (!q)
			return fail(err, REGENT_MSG_ESTARTLINE, buf, p, "status line",
				    "missing status code");
		if (version(p, q, err, buf))
			return EBADMSG;
		m->version = (struct regent_pl){p, (size_t)(q - p)};
		p = q + 1;
		if (eol - p < 4 || !ct(p[0], C_DIGIT) || !ct(p[1], C_DIGIT) || !ct(p[2], C_DIGIT) ||
		    p[3] != ' ')
			return fail(err, REGENT_MSG_ESTARTLINE, buf, p, "status line",
				    "status code is not 3 digits");
		code = (uint32_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
		if (code < 100 || code > 699)
			return fail(err, REGENT_MSG_ESTARTLINE, buf, p, "status line",
				    "status code out of range");
		m->status = (uint16_t)code;
		p += 4;
		for (q = p; q < eol; q++) {
			if (!ct(*q, C_TEXT))
				return fail(err, REGENT_MSG_ESTARTLINE, buf, q, "status line",
					    "control character in reason phrase");
		}
		m->reason = (struct regent_pl){p, (size_t)(eol - p)};
		m->request = false;
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version (single SPs) */
	q = regent_msgi_run(p, eol, C_TOKEN);
	if (q == p || q >= eol || *q != ' ')
		return fail(err, REGENT_MSG_ESTARTLINE, buf, q, "request line", "bad method");
	m->method = (struct regent_pl){p, (size_t)(q - p)};
	p = q + 1;
	q = memchr(p, ' ', (size_t)(eol - p));
	if (!q)
		q = eol;
	if (q == p || q >= eol)
		return fail(err, REGENT_MSG_ESTARTLINE, buf, q, "request line",
			    q == p ? "empty Request-URI" : "missing SIP version");
	struct perr pe = {0};

	if (regent_msgi_uri(&m->ruri, p, q, &pe)) {
		regent_msgi_error(err, &pe, buf, "Request-URI");
		return EBADMSG;
	}
	if (m->ruri.headers.p)
		return fail(err, REGENT_MSG_EURI, buf, m->ruri.headers.p - 1, "Request-URI",
			    "headers not allowed");
	p = q + 1;
	if (memchr(p, ' ', (size_t)(eol - p)))
		return fail(err, REGENT_MSG_ESTARTLINE, buf, p, "request line",
			    "extra space in request line");
	if (version(p, eol, err, buf))
		return EBADMSG;
	m->version = (struct regent_pl){p, (size_t)(eol - p)};
	m->request = true;
	return 0;
}

/* Doubles the header index (the first REGENT_MSG_INLINE_HDRS live inline). */
static __attribute__((noinline)) int grow_hdrs(struct regent_msg *m)
{
	size_t ncap = m->cap * 2;
	struct hdr_ent *n;

	if (m->hdrs == m->inl) {
		n = malloc(ncap * sizeof(*n));
		if (n)
			memcpy(n, m->inl, m->nhdr * sizeof(*n));
	} else {
		n = realloc(m->hdrs, ncap * sizeof(*n));
	}
	if (!n)
		return ENOMEM;
	m->hdrs = n;
	m->cap = ncap;
	return 0;
}

static inline int add_hdr(struct regent_msg *m, enum regent_hdr_id id, const char *ns,
			  const char *ne, const char *vs, const char *ve)
{
	struct hdr_ent *h;
	uint32_t n;

	if (m->nhdr == m->cap && grow_hdrs(m))
		return ENOMEM;
	h = &m->hdrs[m->nhdr];
	n = (uint32_t)++m->nhdr;
	h->h.id = id;
	h->h.name = (struct regent_pl){ns, (size_t)(ne - ns)};
	h->h.value = (struct regent_pl){vs, (size_t)(ve - vs)};
	h->h.offset = (size_t)(ns - m->buf);
	h->next = 0;
	if (m->last[id])
		m->hdrs[m->last[id] - 1].next = n;
	else
		m->first[id] = n;
	m->last[id] = n;
	return 0;
}

/* A header that must occur exactly once. */
static int single(const struct regent_msg *m, enum regent_hdr_id id, const struct regent_hdr **hp,
		  struct regent_msg_error *err)
{
	const struct regent_hdr *h = regent_msgi_first_hdr(m, id);

	/* the name is looked up only for an error */
	if (!h) {
		regent_msgi_errorf(err, REGENT_MSG_EMISSING, m->len, regent_hdr_canonical_name(id),
				   "missing header");
		return EBADMSG;
	}
	if (regent_msgi_next_hdr(m, h)) {
		h = regent_msgi_next_hdr(m, h);
		return fail(err, REGENT_MSG_EVALUE, m->buf, m->buf + h->offset,
			    regent_hdr_canonical_name(id), "repeated header");
	}
	*hp = h;
	return 0;
}

static int one_addr(const struct regent_msg *m, enum regent_hdr_id id, struct regent_addr *a,
		    struct regent_msg_error *err)
{
	const struct regent_hdr *h;
	struct perr pe = {0};
	const char *p, *end;

	if (single(m, id, &h, err))
		return EBADMSG;
	p = h->value.p;
	end = p + h->value.l;
	if (regent_msgi_addr(a, &p, end, NULL, NULL, &pe))
		return hfail(err, m->buf, h, &pe);
	p = regent_msgi_lws(p, end);
	if (p != end) {
		perr_set(&pe, REGENT_MSG_EVALUE, p, "trailing characters after address");
		return hfail(err, m->buf, h, &pe);
	}
	return 0;
}

/* Call-ID = word [ "@" word ] */
static int call_id(struct regent_msg *m, struct regent_msg_error *err)
{
	const struct regent_hdr *h;
	const char *p, *end, *q;

	if (single(m, REGENT_HDR_CALL_ID, &h, err))
		return EBADMSG;
	p = h->value.p;
	end = p + h->value.l;
	q = regent_msgi_run(p, end, C_WORD);
	if (q > p && q < end && *q == '@') {
		const char *r = regent_msgi_run(q + 1, end, C_WORD);

		q = r > q + 1 ? r : q;
	}
	if (q == p || q != end)
		return fail(err, REGENT_MSG_EVALUE, m->buf, q, "Call-ID", "bad Call-ID");
	m->call_id = h->value;
	return 0;
}

/* CSeq = 1*DIGIT LWS Method; 0 .. 2^32-1 (RFC 3261 §8.1.1.5) */
static int cseq(struct regent_msg *m, struct regent_msg_error *err)
{
	const struct regent_hdr *h;
	const char *p, *end, *q;
	int rc;

	if (single(m, REGENT_HDR_CSEQ, &h, err))
		return EBADMSG;
	p = h->value.p;
	end = p + h->value.l;
	rc = regent_msgi_u32(&p, end, UINT32_MAX, &m->cseq);
	if (rc == ERANGE)
		return fail(err, REGENT_MSG_ERANGE, m->buf, h->value.p, "CSeq",
			    "number out of range");
	if (rc)
		return fail(err, REGENT_MSG_EVALUE, m->buf, p, "CSeq", "bad number");
	q = regent_msgi_lws(p, end);
	if (q == p)
		return fail(err, REGENT_MSG_EVALUE, m->buf, p, "CSeq", "missing space");
	p = regent_msgi_run(q, end, C_TOKEN);
	if (p == q || p != end)
		return fail(err, REGENT_MSG_EVALUE, m->buf, p, "CSeq", "bad method");
	m->cseq_method = (struct regent_pl){q, (size_t)(p - q)};
	return 0;
}

/* One Contact value. A response's is parsed tolerantly where the strict
 * parse fails (tolerant.c: only the expires param differs), noting it. */
static int contact_value(struct regent_msg *m, struct regent_contact *c, const char **pp,
			 const char *end, struct perr *pe)
{
	const char *p = *pp;
	int rc = regent_msgi_contact(c, pp, end, false, pe);
	struct perr se;

	if (rc == 0 || m->request)
		return rc;
	se = *pe;
	*pp = p;
	if (regent_msgi_contact(c, pp, end, true, pe)) {
		*pe = se; /* the strict error comes first */
		return EBADMSG;
	}
	regent_msgi_odd_note(m, REGENT_ODD_CONTACT_EXPIRES, se.code,
			     se.at && se.at >= m->buf ? (size_t)(se.at - m->buf) : 0, "Contact",
			     se.what ? se.what : regent_msg_errc_name(se.code));
	return 0;
}

static int check_list(struct regent_msg *m, enum regent_hdr_id id, struct regent_msg_error *err)
{
	struct regent_msg_iter it = {0};
	struct regent_via vtmp;
	struct regent_contact ctmp;
	struct perr pe = {0};
	const char *p, *end;
	int rc;

	/* An empty Via or Contact value is not a list element. */
	for (const struct regent_hdr *h = regent_msgi_first_hdr(m, id); h;
	     h = regent_msgi_next_hdr(m, h)) {
		if (h->value.l == 0)
			return fail(err, REGENT_MSG_EVALUE, m->buf, m->buf + h->offset,
				    regent_hdr_canonical_name(id), "empty value");
	}
	while ((rc = regent_msgi_list_begin(m, id, &it, &p, &end)) == 0) {
		/* parsed straight into the cache while it has room: no copy */
		bool keep_via = id == REGENT_HDR_VIA && !m->has_via0;
		bool keep_ct =
		    id == REGENT_HDR_CONTACT && m->ncontacts < REGENT_MSG_CACHED_CONTACTS;
		struct regent_contact *c = keep_ct ? &m->contacts[m->ncontacts].c : &ctmp;

		if (id == REGENT_HDR_VIA)
			rc = regent_msgi_via(keep_via ? &m->via0 : &vtmp, &p, end, &pe);
		else
			rc = contact_value(m, c, &p, end, &pe);
		if (!rc && id == REGENT_HDR_CONTACT && c->star &&
		    (it.pos != 0 || p != end || regent_msgi_first_hdr(m, id) != it.hdr ||
		     regent_msgi_next_hdr(m, it.hdr)))
			rc = perr_set(&pe, REGENT_MSG_EVALUE, p, "'*' must be the only Contact");
		size_t pos = it.pos;

		if (!rc)
			rc = regent_msgi_list_advance(&it, p, &pe);
		if (rc)
			return hfail(err, m->buf, it.hdr, &pe);
		if (keep_via) {
			m->has_via0 = true;
			m->via0_hdr = it.hdr;
			m->via0_next_pos = it.pos;
		} else if (keep_ct) {
			struct contact_cache *cc = &m->contacts[m->ncontacts++];

			cc->hdr = it.hdr;
			cc->pos = pos;
			cc->next_pos = it.pos;
		}
	}
	return 0;
}

static int framing(struct regent_msg *m, const char *body, const char *end,
		   struct regent_msg_error *err)
{
	const struct regent_hdr *h = regent_msgi_first_hdr(m, REGENT_HDR_CONTENT_LENGTH);
	uint32_t cl;
	int rc;

	if (!h) {
		/* datagram: the body is the rest (RFC 3261 §18.3 makes the
		 * header mandatory only on streams) */
		m->body = (struct regent_pl){body, (size_t)(end - body)};
		m->len = (size_t)(end - m->buf);
		return 0;
	}
	if (regent_msgi_next_hdr(m, h)) /* RFC 4475 mcl01: ambiguous framing */
		return fail(err, REGENT_MSG_ELENGTH, m->buf,
			    m->buf + regent_msgi_next_hdr(m, h)->offset, "Content-Length",
			    "repeated header");
	rc = regent_pl_u32(h->value, UINT32_MAX, &cl);
	if (rc == ERANGE)
		return fail(err, REGENT_MSG_ERANGE, m->buf, h->value.p, "Content-Length",
			    "value out of range");
	if (rc)
		return fail(err, REGENT_MSG_ELENGTH, m->buf,
			    h->value.p ? h->value.p : m->buf + h->offset, "Content-Length",
			    "not a number");
	if (cl > (size_t)(end - body))
		return fail(err, REGENT_MSG_ELENGTH, m->buf, h->value.p, "Content-Length",
			    "larger than the body");
	m->body = (struct regent_pl){body, cl};
	m->len = (size_t)(body + cl - m->buf);
	return 0;
}

/* A known name in its canonical spelling and followed by ':', the way
 * nearly every peer writes it: one or two word compares instead of the
 * token run and the name lookup. Needs 20 readable bytes at p. Anything
 * else (other case, compact form, space before ':') is REGENT_HDR_OTHER
 * here and goes the general way. */
#define CANON(lit, id_)                                                                            \
	do {                                                                                       \
		if (eqb(p, lit ":", sizeof(lit))) {                                                \
			*len = sizeof(lit) - 1;                                                    \
			return id_;                                                                \
		}                                                                                  \
	} while (0)

static inline enum regent_hdr_id canon_name(const char *p, size_t *len)
{
	switch (*p) {
	case 'V':
		CANON("Via", REGENT_HDR_VIA);
		break;
	case 'F':
		CANON("From", REGENT_HDR_FROM);
		break;
	case 'T':
		CANON("To", REGENT_HDR_TO);
		break;
	case 'C':
		switch (p[1]) {
		case 'a':
			CANON("Call-ID", REGENT_HDR_CALL_ID);
			break;
		case 'S':
			CANON("CSeq", REGENT_HDR_CSEQ);
			break;
		case 'o':
			CANON("Contact", REGENT_HDR_CONTACT);
			CANON("Content-Length", REGENT_HDR_CONTENT_LENGTH);
			CANON("Content-Type", REGENT_HDR_CONTENT_TYPE);
			break;
		}
		break;
	case 'M':
		CANON("Max-Forwards", REGENT_HDR_MAX_FORWARDS);
		CANON("Min-Expires", REGENT_HDR_MIN_EXPIRES);
		break;
	case 'E':
		CANON("Expires", REGENT_HDR_EXPIRES);
		break;
	case 'A':
		CANON("Authorization", REGENT_HDR_AUTHORIZATION);
		CANON("Allow", REGENT_HDR_ALLOW);
		break;
	case 'W':
		CANON("WWW-Authenticate", REGENT_HDR_WWW_AUTHENTICATE);
		break;
	case 'S':
		CANON("Supported", REGENT_HDR_SUPPORTED);
		CANON("Server", REGENT_HDR_SERVER);
		break;
	case 'U':
		CANON("User-Agent", REGENT_HDR_USER_AGENT);
		break;
	}
	return REGENT_HDR_OTHER;
}

#undef CANON

static int index_headers(struct regent_msg *m, const char *p, const char *end,
			 const struct regent_msg_limits *lim, const char **bodyp,
			 struct regent_msg_error *err)
{
	const char *buf = m->buf;

	for (;;) {
		const char *ls = p, *q = p, *lf, *le, *ne, *vs, *ve;

		if (end - p < 2)
			return fail(err, REGENT_MSG_EINCOMPLETE, buf, end, NULL,
				    "no end of headers");
		if (p[0] == '\r' && p[1] == '\n') {
			*bodyp = p + 2;
			return 0;
		}
		for (;;) {
			lf = memchr(q, '\n', (size_t)(end - q));
			if (!lf || (size_t)(lf - ls) >= lim->max_line) {
				if ((size_t)((lf ? lf : end) - ls) >= lim->max_line)
					return fail(err, REGENT_MSG_ELINE, buf, ls, NULL,
						    "header line too long");
				return fail(err, REGENT_MSG_EINCOMPLETE, buf, end, NULL,
					    "no end of headers");
			}
			if (lf == ls || lf[-1] != '\r')
				return fail(err, REGENT_MSG_EHEADER, buf, lf, NULL,
					    "line not ended by CRLF");
			if (lf + 1 >= end)
				return fail(err, REGENT_MSG_EINCOMPLETE, buf, end, NULL,
					    "no end of headers");
			if (lf[1] != ' ' && lf[1] != '\t')
				break;
			q = lf + 1; /* folded: the line goes on */
		}
		le = lf - 1;
		if (m->nhdr >= lim->max_headers)
			return fail(err, REGENT_MSG_ETOOMANYHDRS, buf, ls, NULL,
				    "too many headers");
		size_t nl = 0;
		enum regent_hdr_id id = end - ls >= 20 ? canon_name(ls, &nl) : REGENT_HDR_OTHER;

		if (id != REGENT_HDR_OTHER) {
			ne = ls + nl;
		} else {
			ne = regent_msgi_run(ls, le, C_TOKEN);
			if (ne == ls)
				return fail(err, REGENT_MSG_EHEADER, buf, ls, NULL,
					    "missing header name");
			id = regent_msgi_hdr_id(ls, (size_t)(ne - ls));
		}
		q = ne;
		if (q < le && *q != ':') { /* the common case has no space before ':' */
			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
		}
		if (q >= le || *q != ':')
			return fail(err, REGENT_MSG_EHEADER, buf, q, NULL, "missing colon");
		vs = regent_msgi_lws(q + 1, le);
		ve = le;
		while (ve > vs && (unsigned char)ve[-1] <= ' ') { /* rare: trailing LWS */
			if (ve[-1] == ' ' || ve[-1] == '\t')
				ve--;
			else if (ve[-1] == '\n' && ve - 2 >= vs && ve[-2] == '\r')
				ve -= 2;
			else
				break;
		}
		if (add_hdr(m, id, ls, ne, vs, ve))
			return fail(err, REGENT_MSG_ENOMEM, buf, ls, NULL, "out of memory");
		p = lf + 1;
	}
}

_Static_assert(sizeof(struct regent_msg) <= REGENT_MSG_STORAGE_SIZE,
	       "REGENT_MSG_STORAGE_SIZE too small for struct regent_msg");

static int parse(union regent_msg_storage *st, struct regent_msg **msgp, const char *buf,
		 size_t len, const struct regent_msg_limits *lim, struct regent_msg_error *err);

int regent_msg_parse(struct regent_msg **msgp, const char *buf, size_t len,
		     const struct regent_msg_limits *lim, struct regent_msg_error *err)
{
	return parse(NULL, msgp, buf, len, lim, err);
}

int regent_msg_parse_into(union regent_msg_storage *st, struct regent_msg **msgp, const char *buf,
			  size_t len, const struct regent_msg_limits *lim,
			  struct regent_msg_error *err)
{
	if (!st) {
		if (msgp)
			*msgp = NULL;
		return EINVAL;
	}
	return parse(st, msgp, buf, len, lim, err);
}

/* The end of the start line (its LF, after a CR), or NULL with err set. */
static const char *first_eol(const char *buf, size_t len, const struct regent_msg_limits *lim,
			     struct regent_msg_error *err)
{
	const char *eol = len ? memchr(buf, '\n', len < lim->max_line ? len : lim->max_line) : NULL;

	if (!eol) {
		if (len >= lim->max_line)
			fail(err, REGENT_MSG_ELINE, buf, buf, "start line", "line too long");
		else
			fail(err, REGENT_MSG_EINCOMPLETE, buf, buf + len, "start line",
			     "no end of line");
		return NULL;
	}
	if (eol == buf || eol[-1] != '\r') {
		fail(err, REGENT_MSG_ESTARTLINE, buf, eol, "start line", "line not ended by CRLF");
		return NULL;
	}
	return eol;
}

/* What a registration client reads is checked now, so the accessors can
 * trust it (RFC 3261 §8.1.1: Via, From, To, Call-ID, CSeq). */
static int check_fields(struct regent_msg *m, struct regent_msg_error *err)
{
	if (!regent_msgi_first_hdr(m, REGENT_HDR_VIA)) {
		regent_msgi_errorf(err, REGENT_MSG_EMISSING, m->len, "Via", "missing header");
		return EBADMSG;
	}
	if (check_list(m, REGENT_HDR_VIA, err) || one_addr(m, REGENT_HDR_FROM, &m->from, err) ||
	    one_addr(m, REGENT_HDR_TO, &m->to, err) || call_id(m, err) || cseq(m, err) ||
	    check_list(m, REGENT_HDR_CONTACT, err) || regent_msgi_scalars(m, err))
		return EBADMSG;
	return 0;
}

static int parse(union regent_msg_storage *st, struct regent_msg **msgp, const char *buf,
		 size_t len, const struct regent_msg_limits *lim, struct regent_msg_error *err)
{
	struct regent_msg_limits dl;
	struct regent_msg *m = NULL;
	const char *end = buf + len, *eol, *body;
	int rc = EBADMSG;

	if (err) {
		err->code = REGENT_MSG_OK;
		err->offset = 0;
		err->reason[0] = '\0';
	}
	if (!msgp || (!buf && len))
		return EINVAL;
	*msgp = NULL;
	if (!lim) {
		regent_msg_limits_init(&dl);
		lim = &dl;
	}
	if (len > lim->max_size) {
		regent_msgi_errorf(err, REGENT_MSG_ETOOBIG, lim->max_size, NULL, "message too big");
		return EMSGSIZE;
	}
	m = st ? (struct regent_msg *)(void *)st->bytes : malloc(sizeof(*m));
	if (!m) {
		regent_msgi_errorf(err, REGENT_MSG_ENOMEM, 0, NULL, "out of memory");
		return ENOMEM;
	}
	/* the large cached fields are written before they are read */
	memset(m, 0, offsetof(struct regent_msg, from));
	m->buf = buf;
	m->len = len;
	m->owned = !st;
	m->hdrs = m->inl;
	m->cap = REGENT_MSG_INLINE_HDRS;

	eol = first_eol(buf, len, lim, err);
	if (!eol || start_line(m, buf, eol - 1, err) ||
	    index_headers(m, eol + 1, end, lim, &body, err) || framing(m, body, end, err) ||
	    check_fields(m, err))
		goto out;
	*msgp = m;
	m = NULL;
	rc = 0;
out:
	if (m) {
		if (err && err->code == REGENT_MSG_ENOMEM)
			rc = ENOMEM;
		else if (err) /* a response failing after a tolerated value: the
			       * strict parse stopped there (tolerant.c) */
			regent_msgi_strict_error(m, err);
		regent_msg_free(m);
	}
	return rc;
}

void regent_msg_free(struct regent_msg *msg)
{
	if (!msg)
		return;
	if (msg->hdrs != msg->inl)
		free(msg->hdrs);
	if (msg->owned)
		free(msg);
}

/* ------------------------------------------------------------ accessors */

bool regent_msg_is_request(const struct regent_msg *msg)
{
	return msg->request;
}

struct regent_pl regent_msg_method(const struct regent_msg *msg)
{
	return msg->method;
}

const struct regent_uri *regent_msg_ruri(const struct regent_msg *msg)
{
	return msg->request ? &msg->ruri : NULL;
}

uint16_t regent_msg_status(const struct regent_msg *msg)
{
	return msg->status;
}

struct regent_pl regent_msg_reason(const struct regent_msg *msg)
{
	return msg->reason;
}

struct regent_pl regent_msg_body(const struct regent_msg *msg)
{
	return msg->body;
}

struct regent_pl regent_msg_raw(const struct regent_msg *msg)
{
	return (struct regent_pl){msg->buf, msg->len};
}
