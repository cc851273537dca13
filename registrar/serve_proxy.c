/*
 * serve_proxy.c — `regent registrar` as a proxy for its own users over
 * UDP: a request whose Request-URI is a registered AOR is relayed to the
 * address the AOR's last successful REGISTER came from (its received/rport:
 * the NAT's public side, the flow), from the listener it came to, so that
 * it reaches a client behind a NAT or a connected UDP socket; the response
 * goes back the same way. Stateless (RFC 3261 §16.11): the relay adds its
 * own Via, whose `rgsrc` parameter carries where the request came from, so
 * the response needs nothing remembered. What `regent register
 * --check-reachability` and the NAT demo use. Flows over TCP/TLS/WS are
 * not relayed (those requests get the core's answer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "msg/msg.h"
#include "serve_int.h"

#define FLOWS_MAX 256 /* AORs whose flow is remembered; the oldest goes */
#define RELAY_MAX 65536
#define BRANCH_PREFIX "z9hG4bKrgrly"

struct flow {
	char aor[256];
	struct sockaddr_storage ss;
	socklen_t sl;
	uint64_t used;
};

struct serve_proxy {
	struct flow f[FLOWS_MAX];
	uint64_t tick;
	char out[RELAY_MAX];
};

static struct serve_proxy *proxy(struct regent_serve *s)
{
	if (s->proxy == NULL)
		s->proxy = calloc(1, sizeof(*s->proxy));
	return s->proxy;
}

void regent_serve_proxy_free(struct regent_serve *s)
{
	free(s->proxy);
	s->proxy = NULL;
}

/* "sip:user@host" of a URI (the registrar canonicalises the rest). */
static int aor_of(const struct regent_uri *u, char *out, size_t size)
{
	int n;

	if (!regent_pl_isset(u->user) || !regent_pl_isset(u->host))
		return EINVAL;
	n = snprintf(out, size, "%s:%.*s@%.*s", u->secure ? "sips" : "sip", (int)u->user.l,
		     u->user.p, (int)u->host.l, u->host.p);
	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}

static struct flow *find(struct serve_proxy *p, const char *aor)
{
	for (size_t i = 0; i < FLOWS_MAX; i++)
		if (p->f[i].sl && strcasecmp(p->f[i].aor, aor) == 0)
			return &p->f[i];
	return NULL;
}

void regent_serve_proxy_note(struct regent_serve *s, const char *req, size_t len, const char *resp,
			     size_t resp_len, const struct sockaddr *src, unsigned sl)
{
	struct serve_proxy *p = proxy(s);
	struct regent_msg *m = NULL;
	struct regent_msg_error me;
	struct regent_addr to;
	struct flow *f;
	char aor[256];

	if (p == NULL || resp_len < 12 || memcmp(resp, "SIP/2.0 2", 9) != 0 || sl > sizeof(f->ss) ||
	    regent_msg_parse(&m, req, len, NULL, &me) != 0)
		return;
	if (regent_pl_eq_str(regent_msg_method(m), "REGISTER") && regent_msg_to(m, &to) == 0 &&
	    aor_of(&to.uri, aor, sizeof(aor)) == 0) {
		f = find(p, aor);
		for (size_t i = 0; f == NULL && i < FLOWS_MAX; i++)
			if (p->f[i].sl == 0)
				f = &p->f[i];
		if (f == NULL) {
			f = &p->f[0];
			for (size_t i = 1; i < FLOWS_MAX; i++)
				if (p->f[i].used < f->used)
					f = &p->f[i];
		}
		snprintf(f->aor, sizeof(f->aor), "%s", aor);
		memcpy(&f->ss, src, sl);
		f->sl = sl;
		f->used = ++p->tick;
	}
	regent_msg_free(m);
}

/* Appends to p->out; false when it does not fit. */
static bool put(struct serve_proxy *p, size_t *n, const char *s, size_t l)
{
	if (*n + l > sizeof(p->out))
		return false;
	memcpy(p->out + *n, s, l);
	*n += l;
	return true;
}

/* The next header line of buf from *pos: [*ls, *le) without CRLF; false at
 * the blank line or the end. */
static bool next_line(const char *buf, size_t len, size_t *pos, size_t *ls, size_t *le)
{
	const char *nl = memchr(buf + *pos, '\n', len - *pos);

	if (nl == NULL)
		return false;
	*ls = *pos;
	*le = (size_t)(nl - buf);
	*pos = *le + 1;
	if (*le > *ls && buf[*le - 1] == '\r')
		(*le)--;
	return *le > *ls;
}

static bool is_hdr(const char *l, size_t n, const char *name, const char *compact)
{
	size_t k = strlen(name);

	if (n > k && strncasecmp(l, name, k) == 0 && (l[k] == ':' || l[k] == ' '))
		return true;
	return compact != NULL && n > 1 && strncasecmp(l, compact, 1) == 0 &&
	       (l[1] == ':' || l[1] == ' ');
}

/* RFC 3261 §16.6: the request with our Via on top and Max-Forwards
 * decremented (70 when absent). n: its length; false: Max-Forwards 0 or
 * too big. */
static bool build_relay(struct serve_proxy *p, const char *buf, size_t len, const char *via,
			size_t *n)
{
	size_t pos = 0, ls, le, body;
	bool mf = false;
	char line[64];

	*n = 0;
	if (!next_line(buf, len, &pos, &ls, &le) || !put(p, n, buf + ls, le - ls) ||
	    !put(p, n, "\r\n", 2) || !put(p, n, via, strlen(via)))
		return false;
	while (next_line(buf, len, &pos, &ls, &le)) {
		if (is_hdr(buf + ls, le - ls, "Max-Forwards", NULL)) {
			const char *v = memchr(buf + ls, ':', le - ls);
			long k = v != NULL ? strtol(v + 1, NULL, 10) : 70;

			if (k <= 0)
				return false;
			snprintf(line, sizeof(line), "Max-Forwards: %ld\r\n", k - 1);
			mf = true;
			if (!put(p, n, line, strlen(line)))
				return false;
			continue;
		}
		if (!put(p, n, buf + ls, le - ls) || !put(p, n, "\r\n", 2))
			return false;
	}
	if (!mf && !put(p, n, "Max-Forwards: 70\r\n", 18))
		return false;
	body = pos; /* after the blank line */
	return put(p, n, "\r\n", 2) && put(p, n, buf + body, len - body);
}

bool regent_serve_proxy_request(struct regent_serve *s, int fd, const char *buf, size_t len,
				const char *src_host, uint16_t src_port, const char *my_host,
				uint16_t my_port)
{
	struct serve_proxy *p = proxy(s);
	struct regent_msg *m = NULL;
	struct regent_msg_error me;
	struct regent_msg_iter it = {0};
	struct regent_via v;
	struct flow *f;
	char aor[256], via[512];
	size_t n = 0;
	bool relayed = false;

	if (p == NULL || regent_msg_parse(&m, buf, len, NULL, &me) != 0)
		return false;
	if (regent_pl_eq_str(regent_msg_method(m), "REGISTER") ||
	    aor_of(regent_msg_ruri(m), aor, sizeof(aor)) != 0 || (f = find(p, aor)) == NULL ||
	    regent_registrar_count(s->reg, aor, regent_serve_now_ms()) == 0 ||
	    regent_msg_via_next(m, &it, &v) != 0)
		goto out;
	/* our branch is derived from theirs (§16.11: the same for a
	 * retransmission); rgsrc says where the response goes */
	snprintf(via, sizeof(via),
		 "Via: SIP/2.0/UDP %s:%u;branch=" BRANCH_PREFIX "%.*s;rgsrc=%s-%u\r\n", my_host,
		 my_port, (int)(v.branch.l > 200 ? 200 : v.branch.l), v.branch.p, src_host,
		 src_port);
	if (!build_relay(p, buf, len, via, &n)) {
		regent_serve_logf(s, "proxy: %s not relayed (Max-Forwards 0 or too big)", aor);
		goto out; /* the core answers it */
	}
	relayed = sendto(fd, p->out, n, 0, (struct sockaddr *)&f->ss, f->sl) >= 0;
	regent_serve_logf(s, "proxy: %.*s %s from %s:%u relayed to its flow: %s",
			  (int)regent_msg_method(m).l, regent_msg_method(m).p, aor, src_host,
			  (unsigned)src_port, relayed ? "sent" : strerror(errno));
out:
	regent_msg_free(m);
	return relayed;
}

/* Where rgsrc=HOST-PORT says the response goes. */
static bool rgsrc(struct regent_pl params, struct sockaddr_storage *ss, socklen_t *sl)
{
	const char *k = memmem(params.p, params.l, ";rgsrc=", 7);
	char tmp[80];
	size_t l = 0;
	char *dash;
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	if (k == NULL)
		return false;
	k += 7;
	while (k + l < params.p + params.l && k[l] != ';' && l + 1 < sizeof(tmp))
		l++;
	memcpy(tmp, k, l);
	tmp[l] = '\0';
	dash = strrchr(tmp, '-');
	if (dash == NULL)
		return false;
	*dash = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, tmp, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)atoi(dash + 1));
		*sl = sizeof(*a);
		return true;
	}
	if (inet_pton(AF_INET6, tmp, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)atoi(dash + 1));
		*sl = sizeof(*a6);
		return true;
	}
	return false;
}

/* The response without its first Via value (ours). */
static bool strip_top_via(struct serve_proxy *p, const char *buf, size_t len, size_t *n)
{
	size_t pos = 0, ls, le;
	bool done = false;

	*n = 0;
	if (!next_line(buf, len, &pos, &ls, &le) || !put(p, n, buf + ls, le - ls) ||
	    !put(p, n, "\r\n", 2))
		return false;
	while (next_line(buf, len, &pos, &ls, &le)) {
		if (!done && is_hdr(buf + ls, le - ls, "Via", "v")) {
			const char *comma = memchr(buf + ls, ',', le - ls);

			done = true;
			if (comma == NULL)
				continue; /* the line held our Via alone */
			comma++;
			while (comma < buf + le && (*comma == ' ' || *comma == '\t'))
				comma++;
			if (!put(p, n, "Via: ", 5) ||
			    !put(p, n, comma, (size_t)(buf + le - comma)) || !put(p, n, "\r\n", 2))
				return false;
			continue;
		}
		if (!put(p, n, buf + ls, le - ls) || !put(p, n, "\r\n", 2))
			return false;
	}
	return done && put(p, n, "\r\n", 2) && put(p, n, buf + pos, len - pos);
}

bool regent_serve_proxy_response(struct regent_serve *s, int fd, const char *buf, size_t len)
{
	struct serve_proxy *p = proxy(s);
	struct regent_msg *m = NULL;
	struct regent_msg_error me;
	struct regent_msg_iter it = {0};
	struct regent_via v;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	size_t n = 0;
	bool sent = false;

	if (p == NULL || len < 8 || memcmp(buf, "SIP/2.0 ", 8) != 0 ||
	    regent_msg_parse(&m, buf, len, NULL, &me) != 0)
		return false;
	if (regent_msg_via_next(m, &it, &v) != 0 || v.branch.l < strlen(BRANCH_PREFIX) ||
	    memcmp(v.branch.p, BRANCH_PREFIX, strlen(BRANCH_PREFIX)) != 0 ||
	    !rgsrc(v.params, &ss, &sl) || !strip_top_via(p, buf, len, &n))
		goto out;
	sent = sendto(fd, p->out, n, 0, (struct sockaddr *)&ss, sl) >= 0;
	regent_serve_logf(s, "proxy: response %u relayed back: %s", regent_msg_status(m),
			  sent ? "sent" : strerror(errno));
out:
	regent_msg_free(m);
	return sent;
}
