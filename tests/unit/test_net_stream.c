/*
 * TCP and TLS flows against in-test servers on loopback:
 *  - TCP: pipelined messages in one segment and a message split across
 *    reads are framed by Content-Length; a reset is reported at once;
 *    CRLF keep-alive (RFC 5626 §3.5.1) is sent when due (virtual time).
 *  - TLS: the peer certificate and host name are verified by default
 *    (certificates made with the openssl CLI at test time); a certificate
 *    for another host fails with REGENT_ETLSVERIFY unless tls_insecure; an
 *    unknown CA fails too; SNI carries the host name.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/net.h"
#include "support/net_support.h"

static char tmpdir[64];

static struct regent_conn *open_to(enum regent_transport tp, const char *host, uint16_t port,
				   struct regent_tls *tls, uint32_t keepalive,
				   struct net_test_obs *o)
{
	struct regent_target t = net_test_lo_target(tp, host, port, NULL);
	struct regent_conn_options co = {
	    .connect_timeout_ms = 5000, .tls = tls, .keepalive_interval_s = keepalive};
	return net_test_conn_open(&t, &co, o, 0);
}

/* one round: poll the client once */
static void pump1(struct regent_conn *c, uint64_t now)
{
	net_test_conn_pump(c, NULL, 1, now);
}

/* a TCP flow to a new listener (*lfd), pumped until up (bounded) */
static struct regent_conn *tcp_flow(int *lfd, uint32_t keepalive, uint64_t now,
				    struct net_test_obs *o)
{
	uint16_t port;
	*lfd = net_test_listen_lo(SOCK_STREAM, &port);
	struct regent_conn *c = open_to(REGENT_TP_TCP, "127.0.0.1", port, NULL, keepalive, o);
	net_test_conn_pump(c, &o->up, 100, now);
	return c;
}

static const char m1[] = "SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
static const char m2[] = "SIP/2.0 200 OK\r\nCSeq: 2 REGISTER\r\nContent-Length: 4\r\n\r\nbody";
static const char m3[] = "SIP/2.0 401 Unauthorized\r\nCSeq: 3 REGISTER\r\nl: 0\r\n\r\n";

static void tcp_framing_pipelined_and_split(void **state)
{
	(void)state;
	int lfd;
	struct net_test_obs o = {0};
	struct regent_conn *c = tcp_flow(&lfd, 0, 0, &o);
	assert_true(o.up);
	assert_int_equal(o.fi.transport, REGENT_TP_TCP);
	int s = accept(lfd, NULL, NULL);
	/* keep-alive CRLFs, two messages in one write, half of the third */
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "\r\n\r\n%s%s%.20s", m1, m2, m3);
	assert_int_equal(send(s, buf, (size_t)n, 0), n);
	for (int i = 0; i < 100 && o.nmsg < 2; i++)
		pump1(c, 0);
	assert_int_equal(o.nmsg, 2);
	pump1(c, 0);
	assert_int_equal(o.nmsg, 2); /* the third is not whole yet */
	assert_int_equal(send(s, m3 + 20, strlen(m3) - 20, 0), (ssize_t)(strlen(m3) - 20));
	for (int i = 0; i < 100 && o.nmsg < 3; i++)
		pump1(c, 0);
	assert_int_equal(o.nmsg, 3);
	assert_int_equal(o.msglen[0], strlen(m1));
	assert_memory_equal(o.msg[0], m1, strlen(m1));
	assert_int_equal(o.msglen[1], strlen(m2));
	assert_memory_equal(o.msg[1], m2, strlen(m2));
	assert_memory_equal(o.msg[2], m3, strlen(m3));

	/* the client's message arrives whole */
	assert_int_equal(regent_conn_send(c, m1, strlen(m1)), 0);
	net_test_recv_timeout(s, 2);
	size_t got = 0;
	while (got < strlen(m1)) {
		ssize_t r = recv(s, buf + got, sizeof(buf) - got, 0);
		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_memory_equal(buf, m1, strlen(m1));

	/* the peer resets: reported at once, not after a timer */
	struct linger lg = {1, 0};
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	net_test_conn_pump(c, &o.down, 100, 0);
	assert_true(o.down);
	assert_int_equal(o.down_err, ECONNRESET);
	regent_conn_free(c);
	close(lfd);
}

static void tcp_keepalive_crlf_when_due(void **state)
{
	(void)state;
	int lfd;
	struct net_test_obs o = {0};
	struct regent_conn *c = tcp_flow(&lfd, 30, 1000, &o);
	assert_true(o.up);
	int s = accept(lfd, NULL, NULL);
	pump1(c, 1000);
	assert_int_equal(regent_conn_deadline(c), 31000);
	regent_conn_process(c, 0, 31000);
	net_test_recv_timeout(s, 2);
	char buf[8];
	assert_int_equal(recv(s, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "\r\n\r\n", 4);
	assert_int_equal(regent_conn_deadline(c), 61000);
	regent_conn_free(c);
	close(s);
	close(lfd);
}

static void tcp_message_too_big_drops_the_flow(void **state)
{
	(void)state;
	int lfd;
	struct net_test_obs o = {0};
	struct regent_conn *c = tcp_flow(&lfd, 0, 0, &o);
	int s = accept(lfd, NULL, NULL);
	const char big[] = "SIP/2.0 200 OK\r\nContent-Length: 999999\r\n\r\n";
	send(s, big, strlen(big), 0);
	net_test_conn_pump(c, &o.down, 100, 0);
	assert_true(o.down);
	assert_int_equal(o.nmsg, 0);
	regent_conn_free(c);
	close(s);
	close(lfd);
}

/* ------------------------------------------------------------ TLS */

static int make_certs(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/regent-tls.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char cmd[2048];
	snprintf(
	    cmd, sizeof(cmd),
	    "(cd %s && "
	    "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
	    "-subj '/CN=regent test CA' && "
	    "for n in good bad; do "
	    " if [ $n = good ]; then cn=localhost; san='subjectAltName=DNS:localhost,IP:127.0.0.1';"
	    " else cn=wrong.example; san='subjectAltName=DNS:wrong.example'; fi; "
	    " openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj /CN=$cn && "
	    " echo $san > $n.ext && "
	    " openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
	    "  -extfile $n.ext -out $n.pem || exit 1; "
	    "done && mkdir cadir && cp ca.pem cadir/ && openssl rehash cadir) >/dev/null 2>&1",
	    tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int remove_certs(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

struct tls_srv {
	SSL_CTX *ctx;
	SSL *ssl;
	int lfd, fd;
	bool done;
	char sni[256];
};

static int sni_cb(SSL *ssl, int *al, void *arg)
{
	(void)al;
	struct tls_srv *s = arg;
	const char *n = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	snprintf(s->sni, sizeof(s->sni), "%s", n ? n : "");
	return SSL_TLSEXT_ERR_OK;
}

static void tls_srv_init(struct tls_srv *s, const char *which, uint16_t *port)
{
	char crt[128], key[128];
	memset(s, 0, sizeof(*s));
	snprintf(crt, sizeof(crt), "%s/%s.pem", tmpdir, which);
	snprintf(key, sizeof(key), "%s/%s.key", tmpdir, which);
	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_int_equal(SSL_CTX_use_certificate_file(s->ctx, crt, SSL_FILETYPE_PEM), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM), 1);
	SSL_CTX_set_tlsext_servername_callback(s->ctx, sni_cb);
	SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
	s->lfd = net_test_listen_lo(SOCK_STREAM, port);
	s->fd = -1;
}

static void tls_srv_step(struct tls_srv *s)
{
	if (s->fd < 0) {
		struct pollfd pf = {s->lfd, POLLIN, 0};
		if (poll(&pf, 1, 0) <= 0)
			return;
		s->fd = accept(s->lfd, NULL, NULL);
		fcntl(s->fd, F_SETFL, O_NONBLOCK);
		s->ssl = SSL_new(s->ctx);
		SSL_set_fd(s->ssl, s->fd);
	}
	if (!s->done && SSL_accept(s->ssl) == 1)
		s->done = true;
	ERR_clear_error();
}

static void tls_srv_free(struct tls_srv *s)
{
	if (s->ssl)
		SSL_free(s->ssl);
	if (s->fd >= 0)
		close(s->fd);
	close(s->lfd);
	SSL_CTX_free(s->ctx);
}

/* use_ca: 0 system store, 1 CA file, 2 CA directory (hashed) */
static void tls_case(const char *cert, const char *host, int use_ca, bool insecure, int want_err,
		     struct tls_srv *s, struct net_test_obs *o)
{
	uint16_t port;
	char ca[128], cadir[128];
	snprintf(ca, sizeof(ca), "%s/ca.pem", tmpdir);
	snprintf(cadir, sizeof(cadir), "%s/cadir", tmpdir);
	tls_srv_init(s, cert, &port);
	struct regent_tls *tls = NULL;
	struct regent_tls_options to = {use_ca == 1 ? ca : NULL, use_ca == 2 ? cadir : NULL,
					insecure};
	struct regent_error e;
	assert_int_equal(regent_tls_alloc(&tls, &to, &e), 0);
	memset(o, 0, sizeof(*o));
	struct regent_conn *c = open_to(REGENT_TP_TLS, host, port, tls, 0, o);
	for (int i = 0; i < 300 && !o->up && !o->down; i++) {
		pump1(c, 0);
		tls_srv_step(s);
	}
	if (want_err) {
		assert_true(o->down);
		assert_int_equal(o->down_err, want_err);
	} else {
		assert_true(o->up);
		assert_int_equal(o->fi.transport, REGENT_TP_TLS);
		/* application data both ways */
		assert_int_equal(regent_conn_send(c, m1, strlen(m1)), 0);
		char buf[256];
		int got = 0;
		for (int i = 0; i < 200 && got <= 0; i++) {
			pump1(c, 0);
			got = SSL_read(s->ssl, buf, sizeof(buf));
			ERR_clear_error();
		}
		assert_int_equal(got, (int)strlen(m1));
		assert_memory_equal(buf, m1, strlen(m1));
		assert_int_equal(SSL_write(s->ssl, m2, (int)strlen(m2)), (int)strlen(m2));
		for (int i = 0; i < 200 && o->nmsg == 0; i++)
			pump1(c, 0);
		assert_int_equal(o->nmsg, 1);
		assert_memory_equal(o->msg[0], m2, strlen(m2));
	}
	regent_conn_free(c);
	regent_tls_free(tls);
}

static void tls_verified_by_name_with_sni(void **state)
{
	(void)state;
	struct tls_srv s;
	struct net_test_obs o;
	tls_case("good", "localhost", 1, false, 0, &s, &o);
	assert_string_equal(s.sni, "localhost");
	tls_srv_free(&s);
}

static void tls_verified_by_ip_without_sni_with_ca_dir(void **state)
{
	(void)state;
	struct tls_srv s;
	struct net_test_obs o;
	tls_case("good", "127.0.0.1", 2, false, 0, &s, &o);
	assert_string_equal(s.sni, ""); /* RFC 6066 §3: no literal in SNI */
	tls_srv_free(&s);
}

static void tls_wrong_host_fails_verification(void **state)
{
	(void)state;
	struct tls_srv s;
	struct net_test_obs o;
	tls_case("bad", "localhost", 1, false, REGENT_ETLSVERIFY, &s, &o);
	tls_srv_free(&s);
}

static void tls_unknown_ca_fails_verification(void **state)
{
	(void)state;
	struct tls_srv s;
	struct net_test_obs o;
	tls_case("good", "localhost", 0, false, REGENT_ETLSVERIFY, &s, &o);
	tls_srv_free(&s);
}

static void tls_insecure_accepts_wrong_host(void **state)
{
	(void)state;
	struct tls_srv s;
	struct net_test_obs o;
	tls_case("bad", "localhost", 0, true, 0, &s, &o);
	tls_srv_free(&s);
}

static void tls_bad_ca_file_is_refused_by_name(void **state)
{
	(void)state;
	struct regent_tls *tls = NULL;
	struct regent_tls_options to = {"/nonexistent/ca.pem", NULL, false};
	struct regent_error e;
	assert_int_equal(regent_tls_alloc(&tls, &to, &e), EINVAL);
	assert_non_null(strstr(e.text, "tls_ca_file"));
}

int main(void)
{
	const struct CMUnitTest tcp[] = {
	    cmocka_unit_test(tcp_framing_pipelined_and_split),
	    cmocka_unit_test(tcp_keepalive_crlf_when_due),
	    cmocka_unit_test(tcp_message_too_big_drops_the_flow),
	};
	const struct CMUnitTest tls[] = {
	    cmocka_unit_test(tls_verified_by_name_with_sni),
	    cmocka_unit_test(tls_verified_by_ip_without_sni_with_ca_dir),
	    cmocka_unit_test(tls_wrong_host_fails_verification),
	    cmocka_unit_test(tls_unknown_ca_fails_verification),
	    cmocka_unit_test(tls_insecure_accepts_wrong_host),
	    cmocka_unit_test(tls_bad_ca_file_is_refused_by_name),
	};
	int f = cmocka_run_group_tests(tcp, NULL, NULL);
	f += cmocka_run_group_tests(tls, make_certs, remove_certs);
	return f;
}
