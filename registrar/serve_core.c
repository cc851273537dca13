/*
 * serve_core.c — the epoll loop of `regent registrar`, listener set-up from
 * "proto:host:port" specs, and the request → registrar core → response path
 * with its log line ("udp 127.0.0.1:40222 REGISTER sip:example.com CSeq 2
 * <sip:alice@example.com> -> 200 OK").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "base/base.h"
#include "serve_int.h"

uint64_t regent_serve_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *regent_serve_proto_name(enum regent_serve_proto p)
{
	return regent_transport_param((enum regent_transport)p);
}

void regent_serve_logf(struct regent_serve *s, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	va_list ap;

	(void)s;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	printf("%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int regent_serve_alloc(struct regent_serve **sp, struct regent_registrar *reg, bool verbose)
{
	struct regent_serve *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		int err = errno;

		free(s);
		return err;
	}
	s->reg = reg;
	s->verbose = verbose;
	regent_wbuf_init_dynamic(&s->wb, 65536);
	*sp = s;
	return 0;
}

void regent_serve_free(struct regent_serve *s)
{
	if (!s)
		return;
	regent_serve_stream_close_all(s);
	regent_serve_udp_close_all(s);
	if (s->ssl_ctx)
		SSL_CTX_free(s->ssl_ctx);
	regent_wbuf_release(&s->wb);
	close(s->epfd);
	free(s);
}

SSL_CTX *regent_serve_ssl_ctx(struct regent_serve *s)
{
	return s->ssl_ctx;
}

int regent_serve_tls(struct regent_serve *s, const char *cert_file, const char *key_file,
		     char *errbuf, size_t errsize)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		snprintf(errbuf, errsize, "TLS: cannot create a context");
		return ENOMEM;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		snprintf(errbuf, errsize, "--tls-cert: %s: %s", cert_file,
			 ERR_reason_error_string(ERR_get_error()));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(errbuf, errsize, "--tls-key: %s: %s", key_file,
			 ERR_reason_error_string(ERR_get_error()));
		goto fail;
	}
	if (s->ssl_ctx)
		SSL_CTX_free(s->ssl_ctx);
	s->ssl_ctx = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return EINVAL;
}

int regent_serve_watch(struct regent_serve *s, struct regent_serve_fd *sfd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = sfd};

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, sfd->fd, &ev) ? errno : 0;
}

int regent_serve_modify(struct regent_serve *s, struct regent_serve_fd *sfd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = sfd};

	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, sfd->fd, &ev) ? errno : 0;
}

void regent_serve_unwatch(struct regent_serve *s, struct regent_serve_fd *sfd)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, sfd->fd, NULL);
}

int regent_serve_run_once(struct regent_serve *s, int timeout_ms)
{
	struct epoll_event evs[32];
	int n, i;

	n = epoll_wait(s->epfd, evs, 32, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : errno;
	for (i = 0; i < n; i++) {
		struct regent_serve_fd *sfd = evs[i].data.ptr;

		sfd->h(sfd, evs[i].events);
	}
	return 0;
}

void regent_serve_addr(const struct sockaddr *sa, char *host, size_t host_size, uint16_t *port)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, (socklen_t)host_size);
		*port = ntohs(in6->sin6_port);
	} else {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, (socklen_t)host_size);
		*port = ntohs(in->sin_port);
	}
}

/* Parses "proto:host:port" / "proto:[v6]:port". */
static int parse_spec(const char *spec, enum regent_serve_proto *proto, char *host,
		      size_t host_size, char *port, size_t port_size)
{
	const char *rest = NULL, *colon = strchr(spec, ':');
	enum regent_transport tp;
	size_t hl;

	if (colon && regent_transport_parse(&tp, spec, (size_t)(colon - spec)) == 0) {
		*proto = (enum regent_serve_proto)tp;
		rest = colon + 1;
	}
	if (!rest)
		return EINVAL;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');

		if (!close || close[1] != ':')
			return EINVAL;
		hl = (size_t)(close - rest - 1);
		rest++;
		colon = close + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon)
			return EINVAL;
		hl = (size_t)(colon - rest);
	}
	if (!hl || hl >= host_size || strlen(colon + 1) >= port_size || !colon[1])
		return EINVAL;
	memcpy(host, rest, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

/* Socket options, bind and listen for one listener; -1 with errno. */
static int bind_listener(int fd, enum regent_serve_proto proto, const struct addrinfo *ai)
{
	int one = 1;

	/* TCP: a restart may bind while old connections sit in TIME_WAIT. Never
	 * on UDP: there it lets a second process share a port in use and take
	 * part of its traffic (Linux socket(7)). */
	if (proto != REGENT_SERVE_UDP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (proto == REGENT_SERVE_UDP) {
		/* a load test sends bursts of REGISTERs: the default receive
		 * buffer (~200 KB) overflowed at 1,000 at once; best effort,
		 * the kernel caps it at net.core.rmem_max */
		int rcvbuf = 8 << 20;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen))
		return -1;
	if (proto != REGENT_SERVE_UDP && listen(fd, 512))
		return -1;
	return 0;
}

int regent_serve_listen(struct regent_serve *s, const char *spec, char *bound, size_t bound_size,
			char *errbuf, size_t errsize)
{
	struct addrinfo hints = {0}, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	enum regent_serve_proto proto;
	char host[128], port[16], bhost[INET6_ADDRSTRLEN];
	uint16_t bport;
	int fd = -1, err;

	if (parse_spec(spec, &proto, host, sizeof(host), port, sizeof(port))) {
		snprintf(errbuf, errsize,
			 "--listen: '%s' is not proto:host:port (proto udp, tcp, tls, ws, wss)",
			 spec);
		return EINVAL;
	}
	if ((proto == REGENT_SERVE_TLS || proto == REGENT_SERVE_WSS) && !s->ssl_ctx) {
		snprintf(errbuf, errsize, "--listen %s: needs --tls-cert and --tls-key", spec);
		return EINVAL;
	}
	hints.ai_socktype = proto == REGENT_SERVE_UDP ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		snprintf(errbuf, errsize, "--listen %s: %s (a numeric address is needed)", spec,
			 gai_strerror(err));
		return EINVAL;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind_listener(fd, proto, ai))
		goto sys_fail;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		goto sys_fail;
	regent_serve_addr((struct sockaddr *)&ss, bhost, sizeof(bhost), &bport);
	if (ss.ss_family == AF_INET6)
		snprintf(bound, bound_size, "%s:[%s]:%u", regent_serve_proto_name(proto), bhost,
			 (unsigned)bport);
	else
		snprintf(bound, bound_size, "%s:%s:%u", regent_serve_proto_name(proto), bhost,
			 (unsigned)bport);
	freeaddrinfo(ai);
	ai = NULL;
	err = proto == REGENT_SERVE_UDP ? regent_serve_udp_open(s, fd)
					: regent_serve_stream_open(s, fd, proto);
	if (err) {
		snprintf(errbuf, errsize, "--listen %s: %s", spec, strerror(err));
		close(fd);
		return err;
	}
	return 0;
sys_fail:
	err = errno;
	if (err == EADDRINUSE)
		snprintf(errbuf, errsize, "--listen %s: address in use (another process has it)",
			 spec);
	else
		snprintf(errbuf, errsize, "--listen %s: %s", spec, strerror(err));
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return err;
}

/* The first line of a message, for the log. */
static int first_line_len(const char *p, size_t l)
{
	const char *e = memchr(p, '\r', l);

	if (!e)
		e = memchr(p, '\n', l);
	return (int)(e ? (size_t)(e - p) : (l > 120 ? 120 : l));
}

/* "REGISTER sip:example.com CSeq 2 <sip:alice@example.com> with credentials
 * Expires 0", or the first line when the bytes do not parse. */
static void describe(const char *buf, size_t len, char *what, size_t size)
{
	struct regent_msg *m = NULL;

	if (regent_msg_parse(&m, buf, len, NULL, NULL) || !regent_msg_is_request(m)) {
		snprintf(what, size, "%.*s", first_line_len(buf, len), buf);
		regent_msg_free(m);
		return;
	}
	struct regent_pl meth = regent_msg_method(m);
	const struct regent_uri *ruri = regent_msg_ruri(m);
	struct regent_addr to;
	uint32_t cseq = 0, exp = 0;
	struct regent_pl cm;
	bool has_exp = !regent_msg_u32(m, REGENT_HDR_EXPIRES, &exp);
	bool has_auth = regent_msg_hdr_find(m, REGENT_HDR_AUTHORIZATION, NULL, NULL) != NULL ||
			regent_msg_hdr_find(m, REGENT_HDR_PROXY_AUTHORIZATION, NULL, NULL) != NULL;
	size_t w;

	regent_msg_cseq(m, &cseq, &cm);
	if (regent_msg_to(m, &to))
		to.uri_raw = REGENT_PL("?");
	snprintf(what, size, "%.*s %.*s CSeq %u <%.*s>%s%s", (int)meth.l, meth.p,
		 ruri ? (int)ruri->raw.l : 1, ruri ? ruri->raw.p : "?", (unsigned)cseq,
		 (int)to.uri_raw.l, to.uri_raw.p, has_auth ? " with credentials" : "",
		 regent_msg_hdr_find(m, REGENT_HDR_CONTACT, NULL, NULL) ? "" : " (no Contact)");
	w = strlen(what);
	if (has_exp && w < size)
		snprintf(what + w, size - w, " Expires %u", (unsigned)exp);
	regent_msg_free(m);
}

/* One line per request: what came, what went back, and why (the core's
 * note: which credential check failed, an un-REGISTER, a malformed part). */
static void log_request(struct regent_serve *s, enum regent_serve_proto proto, const char *buf,
			size_t len, const char *src_host, uint16_t src_port, const char *out,
			size_t out_len)
{
	const char *why = regent_registrar_note(s->reg);
	char what[512];

	describe(buf, len, what, sizeof(what));
	if (out)
		regent_serve_logf(s, "%s %s:%u %s -> %.*s%s%s", regent_serve_proto_name(proto),
				  src_host, (unsigned)src_port, what,
				  first_line_len(out, out_len) - 8, out + 8, *why ? ": " : "", why);
	else
		regent_serve_logf(s, "%s %s:%u %s -> (no answer)%s%s",
				  regent_serve_proto_name(proto), src_host, (unsigned)src_port,
				  what, *why ? ": " : "", why);
	if (s->verbose) {
		printf("----- received\n%.*s\n", (int)len, buf);
		if (out)
			printf("----- sent\n%.*s\n", (int)out_len, out);
		fflush(stdout);
	}
}

int regent_serve_handle(struct regent_serve *s, enum regent_serve_proto proto, const char *buf,
			size_t len, const char *src_host, uint16_t src_port, const char **out,
			size_t *out_len)
{
	uint64_t now = regent_serve_now_ms();
	int rc;

	regent_wbuf_reset(&s->wb);
	rc = regent_registrar_handle(s->reg, buf, len, now, src_host, src_port, &s->wb);
	if (rc == EBADMSG) {
		/* RFC 3261 §8.2: a 400 naming the problem, when there is a Via */
		regent_wbuf_reset(&s->wb);
		rc =
		    regent_registrar_reject_malformed(s->reg, buf, len, src_host, src_port, &s->wb);
	}
	if (rc == 0 && s->wb.len > 8 && !s->wb.err) {
		*out = s->wb.buf;
		*out_len = s->wb.len;
		log_request(s, proto, buf, len, src_host, src_port, *out, *out_len);
		return 0;
	}
	log_request(s, proto, buf, len, src_host, src_port, NULL, 0);
	return ENOMSG;
}
