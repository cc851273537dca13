/*
 * libFuzzer target: the bytes a WebSocket server sends to regent (RFC 6455,
 * RFC 7118), through the real connection code of src/net/conn.c: the
 * upgrade response check, the input buffer, the frame reader (libwslay as
 * conn.c drives it), delivery of SIP messages, pong/close replies.
 *
 * No socket is made: the fuzz binary is linked with --wrap for socket,
 * connect, setsockopt, getsockopt, getsockname, send and recv (see
 * fuzz/CMakeLists.txt), and the wrappers play the server on a /dev/null
 * descriptor: connect "succeeds", send collects what regent writes (the GET
 * upgrade request, then frames), recv hands out the peer's bytes.
 *
 * Input: a control byte (bit 0: the fuzz bytes are the whole server output,
 * upgrade response included, with the first "@A" replaced by the right
 * Sec-WebSocket-Accept; else a valid 101 response is sent first and the fuzz
 * bytes are the frames), a byte choosing the read sizes of the second run,
 * a byte choosing max_msg (65536, 16384 or 8192), then the bytes.
 *
 * Every input runs twice, once with all bytes readable at once and once
 * arriving in small reads. Framing depends on the bytes only, so both runs
 * must deliver the same messages and end the same way. Also: every message
 * is at most max_msg and is read in full (ASan), up() comes once and before
 * any message, nothing is called after down(), and every frame regent
 * writes is masked (RFC 6455 §5.3) and well-formed (control frames: FIN,
 * payload <= 125, §5.5).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "base/base.h"
#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------ fake peer */

#define OUT_CAP (1024 * 1024)

static struct peer {
	int fd;		   /* the conn's descriptor (/dev/null), -1: none */
	const uint8_t *in; /* what the server sends */
	size_t in_len, in_off;
	size_t chunk;	  /* max bytes per read, 0: all */
	unsigned pattern; /* varies the read sizes */
	bool gave;	  /* the last read returned bytes: the next says EAGAIN */
	uint8_t *out;	  /* what regent wrote */
	size_t out_len;
} peer = {.fd = -1};

int __real_socket(int domain, int type, int protocol);
int __real_connect(int fd, const struct sockaddr *sa, socklen_t sl);
int __real_setsockopt(int fd, int level, int name, const void *v, socklen_t vl);
int __real_getsockopt(int fd, int level, int name, void *v, socklen_t *vl);
int __real_getsockname(int fd, struct sockaddr *sa, socklen_t *sl);
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
int __wrap_socket(int domain, int type, int protocol);
int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t sl);
int __wrap_setsockopt(int fd, int level, int name, const void *v, socklen_t vl);
int __wrap_getsockopt(int fd, int level, int name, void *v, socklen_t *vl);
int __wrap_getsockname(int fd, struct sockaddr *sa, socklen_t *sl);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);

int __wrap_socket(int domain, int type, int protocol)
{
	(void)domain;
	(void)type;
	(void)protocol;
	if (peer.fd >= 0)
		fuzz_fail("a second socket in one run");
	peer.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	return peer.fd;
}

int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t sl)
{
	if (fd != peer.fd)
		return __real_connect(fd, sa, sl);
	errno = EINPROGRESS;
	return -1;
}

int __wrap_setsockopt(int fd, int level, int name, const void *v, socklen_t vl)
{
	return fd == peer.fd ? 0 : __real_setsockopt(fd, level, name, v, vl);
}

int __wrap_getsockopt(int fd, int level, int name, void *v, socklen_t *vl)
{
	if (fd != peer.fd)
		return __real_getsockopt(fd, level, name, v, vl);
	if (level != SOL_SOCKET || name != SO_ERROR || *vl < sizeof(int))
		fuzz_fail("unexpected getsockopt");
	*(int *)v = 0;
	*vl = sizeof(int);
	return 0;
}

int __wrap_getsockname(int fd, struct sockaddr *sa, socklen_t *sl)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(40000)};

	if (fd != peer.fd)
		return __real_getsockname(fd, sa, sl);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*sl < sizeof(a))
		fuzz_fail("getsockname: short buffer");
	memcpy(sa, &a, sizeof(a));
	*sl = sizeof(a);
	return 0;
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	if (fd != peer.fd)
		return __real_send(fd, buf, len, flags);
	if (len > OUT_CAP - peer.out_len)
		fuzz_fail("regent wrote more than 1 MiB");
	memcpy(peer.out + peer.out_len, buf, len);
	peer.out_len += len;
	return (ssize_t)len;
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	size_t n;

	if (fd != peer.fd)
		return __real_recv(fd, buf, len, flags);
	if (peer.in_off == peer.in_len || (peer.chunk && peer.gave)) {
		peer.gave = false;
		errno = EAGAIN;
		return -1;
	}
	n = peer.in_len - peer.in_off;
	if (n > len)
		n = len;
	if (peer.chunk) {
		size_t c = 1 + (peer.pattern = peer.pattern * 33 + 7) % peer.chunk;

		if (n > c)
			n = c;
		peer.gave = true;
	}
	memcpy(buf, peer.in + peer.in_off, n);
	peer.in_off += n;
	return (ssize_t)n;
}

/* ------------------------------------------------------------ one run */

#define MAX_MSGS 1024

struct run {
	size_t max_msg;
	bool up, down;
	int down_err;
	size_t n;		 /* messages */
	size_t len[MAX_MSGS];	 /* their lengths */
	uint64_t hash[MAX_MSGS]; /* FNV-1a of each */
	unsigned sum;
};

static void h_up(void *arg, const struct regent_flow_info *fi)
{
	struct run *r = arg;

	if (r->up || r->down)
		fuzz_fail("up() twice or after down()");
	if (fi->transport != REGENT_TP_WS)
		fuzz_fail("up() with another transport");
	r->up = true;
}

static void h_recv(void *arg, const char *buf, size_t len)
{
	struct run *r = arg;
	uint64_t h = 14695981039346656037ull;

	if (!r->up || r->down)
		fuzz_fail("message before up() or after down()");
	if (len > r->max_msg)
		fuzz_fail("message larger than max_msg");
	for (size_t i = 0; i < len; i++) {
		h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
		r->sum += (unsigned char)buf[i];
	}
	if (r->n < MAX_MSGS) {
		r->len[r->n] = len;
		r->hash[r->n] = h;
	}
	r->n++;
}

static void h_down(void *arg, int err)
{
	struct run *r = arg;

	if (r->down)
		fuzz_fail("down() twice");
	r->down = true;
	r->down_err = err;
}

static void h_log(enum regent_log_level lvl, const char *line, void *arg)
{
	(void)lvl;
	(void)arg;
	if (!line || strlen(line) >= 512)
		fuzz_fail("log line unterminated or too long");
}

/* RFC 6455 §4.2.2: base64(SHA-1(key + GUID)), from the GET regent wrote. */
static bool accept_of(char *out, size_t size)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	const char *k = memmem(peer.out, peer.out_len, "Sec-WebSocket-Key: ", 19), *e;
	unsigned char dig[SHA_DIGEST_LENGTH];
	char cat[128];
	size_t kl;

	if (!k)
		return false;
	k += 19;
	e = memmem(k, peer.out_len - (size_t)(k - (const char *)peer.out), "\r\n", 2);
	if (!e || (kl = (size_t)(e - k)) + sizeof(guid) > sizeof(cat))
		return false;
	memcpy(cat, k, kl);
	memcpy(cat + kl, guid, sizeof(guid));
	SHA1((const unsigned char *)cat, kl + sizeof(guid) - 1, dig);
	if (size < 4 * ((sizeof(dig) + 2) / 3) + 1)
		return false;
	EVP_EncodeBlock((unsigned char *)out, dig, (int)sizeof(dig));
	return true;
}

/* Every frame regent wrote after its upgrade request [from, out_len). */
static void check_frames(size_t from)
{
	size_t p = from;

	while (p < peer.out_len) {
		const uint8_t *f = peer.out + p;
		size_t have = peer.out_len - p, hl = 2, pl;
		unsigned op;

		if (have < 2)
			fuzz_fail("regent wrote a truncated frame header");
		op = f[0] & 0x0F;
		if (f[0] & 0x70)
			fuzz_fail("regent set a reserved bit");
		if (!(f[1] & 0x80))
			fuzz_fail("regent wrote an unmasked frame (RFC 6455 §5.3)");
		pl = f[1] & 0x7F;
		if (pl == 126) {
			if (have < 4)
				fuzz_fail("truncated frame length");
			pl = (size_t)f[2] << 8 | f[3];
			hl = 4;
		} else if (pl == 127) {
			if (have < 10)
				fuzz_fail("truncated frame length");
			pl = 0;
			for (int i = 0; i < 8; i++)
				pl = pl << 8 | f[2 + i];
			hl = 10;
		}
		hl += 4; /* masking key */
		if (op >= 8 && (!(f[0] & 0x80) || pl > 125))
			fuzz_fail("regent wrote a fragmented or long control frame");
		if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 && op != 10)
			fuzz_fail("regent wrote a reserved opcode");
		if (pl > have || hl > have - pl)
			fuzz_fail("regent wrote a truncated frame");
		p += hl + pl;
	}
}

static const char ok_head[] = "HTTP/1.1 101 Switching Protocols\r\n"
			      "Upgrade: websocket\r\n"
			      "Connection: Upgrade\r\n"
			      "Sec-WebSocket-Accept: @A\r\n"
			      "Sec-WebSocket-Protocol: sip\r\n\r\n";

static const char sip_msg[] = "OPTIONS sip:ws.test SIP/2.0\r\nContent-Length: 0\r\n\r\n";

static void one_run(struct run *r, const uint8_t *body, size_t blen, bool raw_head, size_t chunk)
{
	struct regent_target t;
	/* every log line goes through the UA's sink (src/base/log.c) */
	struct regent_log lg = {h_log, r, REGENT_LOG_TRACE};
	struct regent_conn_options o = {
	    .connect_timeout_ms = 1000, .max_msg = r->max_msg, .log = &lg};
	struct regent_conn_handlers h = {h_up, h_recv, h_down, r};
	struct sockaddr_in *sin = (struct sockaddr_in *)&t.addr;
	struct regent_conn *c = NULL;
	char acc[64];
	uint8_t *in;
	size_t head_end, il = 0, last_off;
	uint64_t now = 1;
	const char *src = raw_head ? (const char *)body : ok_head;
	size_t sl = raw_head ? blen : sizeof(ok_head) - 1;
	const char *at;

	memset(&t, 0, sizeof(t));
	t.tp = REGENT_TP_WS;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(8080);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t.addrlen = sizeof(*sin);
	strcpy(t.host, "127.0.0.1");
	strcpy(t.ws_path, "/");
	peer.out_len = 0;
	peer.in_off = peer.in_len = 0;
	peer.chunk = chunk;
	peer.pattern = (unsigned)chunk;
	peer.gave = false;
	if (regent_conn_open(&c, &t, &o, &h, now) != 0)
		fuzz_fail("regent_conn_open failed");
	regent_conn_process(c, REGENT_POLL_OUT, ++now);
	if (r->down || !accept_of(acc, sizeof(acc)))
		fuzz_fail("no upgrade request");
	head_end = peer.out_len;

	/* The server's bytes: a head with "@A" replaced, then (with a valid
	 * head) the fuzz bytes. */
	in = malloc(sl + blen + 64);
	if (!in)
		fuzz_fail("out of memory");
	at = memmem(src, sl, "@A", 2);
	if (at) {
		memcpy(in, src, (size_t)(at - src));
		il = (size_t)(at - src);
		memcpy(in + il, acc, strlen(acc));
		il += strlen(acc);
		memcpy(in + il, at + 2, sl - (size_t)(at - src) - 2);
		il += sl - (size_t)(at - src) - 2;
	} else {
		memcpy(in, src, sl);
		il = sl;
	}
	if (!raw_head) {
		memcpy(in + il, body, blen);
		il += blen;
	}
	peer.in = in;
	peer.in_len = il;

	/* Read until everything is taken or the flow is down; a call that
	 * takes nothing more ends it (one extra call sees EAGAIN). */
	last_off = SIZE_MAX;
	for (size_t i = 0; i < il + 16 && !r->down; i++) {
		if (peer.in_off == last_off && peer.in_off == il)
			break;
		last_off = peer.in_off;
		regent_conn_process(c, REGENT_POLL_IN | REGENT_POLL_OUT, now);
		/* one message of ours, so that data frames are written too */
		if (r->up && !r->down && i == 0)
			(void)regent_conn_send(c, sip_msg, strlen(sip_msg));
	}
	regent_conn_free(c);
	free(in);
	if (peer.fd >= 0)
		close(peer.fd);
	peer.fd = -1;
	peer.in = NULL;
	check_frames(head_end);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run a, b;
	/* The UA always uses 65536 (src/ua/io.c). Below ~2048, conn.c's input
	 * buffer (it reads only with 4096 bytes free, up to 2 * max_msg + 4096)
	 * cannot take an upgrade head that arrives in pieces, an unreachable
	 * set-up that would make the two runs differ. */
	static const size_t max_msgs[] = {65536, 16384, 8192, 65536};
	bool raw;

	if (size < 3 || size > 256 * 1024)
		return 0;
	if (!peer.out && !(peer.out = malloc(OUT_CAP)))
		return 0;
	raw = data[0] & 1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.max_msg = b.max_msg = max_msgs[data[2] & 3];
	one_run(&a, data + 3, size - 3, raw, 0);
	one_run(&b, data + 3, size - 3, raw, 1 + data[1] % 97);
	if (getenv("FUZZ_WS_DEBUG"))
		fprintf(stderr,
			"one read: up %d n %zu down %d/%d; small reads: up %d n %zu down %d/%d\n",
			a.up, a.n, a.down, a.down_err, b.up, b.n, b.down, b.down_err);
	/* conn.c bounds the upgrade head at 8 KiB only while its end is not in
	 * the buffer: a longer head is refused (EPROTO) when it arrives in
	 * pieces and judged on its content when read at once. Such inputs are
	 * run (sanitizers) but not compared. */
	if (raw) {
		const uint8_t *e = memmem(data + 3, size - 3, "\r\n\r\n", 4);

		if ((e ? (size_t)(e - data - 3) : size - 3) > 8000)
			return 0;
	}
	if (a.up != b.up || a.n != b.n)
		fuzz_fail("delivery depends on how the bytes arrived");
	for (size_t i = 0; i < a.n && i < MAX_MSGS; i++) {
		if (a.len[i] != b.len[i] || a.hash[i] != b.hash[i])
			fuzz_fail("a message differs with how the bytes arrived");
	}
	/* How the flow ends is compared only when both runs ended it: after a
	 * protocol error (or bytes after a close frame) conn.c leaves the flow
	 * up with reading stopped, or ends it with ECONNRESET when the close
	 * came alone in its read (reported; RFC 6455 §7.1.7 wants it closed). */
	if (a.down && b.down && a.down_err != b.down_err)
		fuzz_fail("the end of the flow depends on how the bytes arrived");
	return 0;
}
