/*
 * floor.c — bench_client_floor: the socket floor of a registration client.
 * It does only the socket work of an authenticated registration (REGISTER
 * -> 401 -> REGISTER with Authorization -> 200: two datagrams out, two in,
 * of the sizes given), with at most W exchanges in flight, against a
 * responder of the same kind, over UDP on 127.0.0.1. No SIP: no message is
 * built nor parsed, no transaction, no digest. Its CPU time per exchange is
 * what no registration client can go under on this machine with the same
 * system calls (bench/client/run, BENCHMARKS.md).
 *
 *   bench_client_floor responder [-p PORT] [--spin US]  prints "port=N", serves until killed
 *   bench_client_floor client -s 127.0.0.1:PORT -n N -w W --req B --resp B [--batch]
 *
 * Each datagram carries the exchange's slot and step in its first bytes and
 * the size the answer must have; the responder answers each at once (or
 * after US microseconds of busy work with --spin: a registrar's own work
 * per message, so the client waits for it as it waits for a real one). The
 * client, like a plain event loop, waits in poll() and reads one datagram
 * per recv() (one send() per datagram); with --batch it drains the socket
 * with recvmmsg() until EAGAIN and sends a wake-up's datagrams with one
 * sendmmsg(): the floor of a batching client. CPU (getrusage user+sys)
 * and wall time around the loop only. Prints
 *
 *   floor cpu_us_per_reg=X wall_us_per_reg=Y n=N window=W batch=0|1
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXW 4096
#define MAXB 64
#define DGRAM 65536

struct hdr {
	uint32_t slot, step, answer_len;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void spin_us(unsigned us)
{
	uint64_t until = mono_us() + us;

	while (us > 0 && mono_us() < until)
		;
}

static int responder(int port, unsigned spin)
{
	static char buf[DGRAM], out[DGRAM];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_storage from;
	socklen_t fl, al = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &al)) {
		perror("bench_client_floor responder");
		return 1;
	}
	printf("port=%u\n", ntohs(a.sin_port));
	fflush(stdout);
	memset(out, 'x', sizeof(out));
	for (;;) {
		struct hdr h;
		ssize_t n;

		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < (ssize_t)sizeof(h))
			continue;
		memcpy(&h, buf, sizeof(h));
		if (h.answer_len < sizeof(h) || h.answer_len > DGRAM)
			continue;
		memcpy(out, &h, sizeof(h));
		spin_us(spin);
		sendto(fd, out, h.answer_len, 0, (struct sockaddr *)&from, fl);
	}
}

struct client {
	int fd;
	unsigned req, resp, n, w, started, done;
	bool batch;
	char out[MAXB][DGRAM / 16];
	unsigned nout;
};

/* Queues (or sends) the datagram of step `step` of the exchange in slot. */
static void put(struct client *c, uint32_t slot, uint32_t step)
{
	struct hdr h = {.slot = slot, .step = step, .answer_len = c->resp};
	char *d = c->out[c->nout];

	memcpy(d, &h, sizeof(h));
	if (!c->batch) {
		if (send(c->fd, d, c->req, 0) < 0)
			perror("send");
		return;
	}
	c->nout++;
	if (c->nout == MAXB) {
		struct mmsghdr mm[MAXB];
		struct iovec iov[MAXB];

		for (unsigned i = 0; i < c->nout; i++) {
			iov[i] = (struct iovec){.iov_base = c->out[i], .iov_len = c->req};
			mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
		}
		sendmmsg(c->fd, mm, c->nout, 0);
		c->nout = 0;
	}
}

static void flush(struct client *c)
{
	struct mmsghdr mm[MAXB];
	struct iovec iov[MAXB];

	if (!c->nout)
		return;
	for (unsigned i = 0; i < c->nout; i++) {
		iov[i] = (struct iovec){.iov_base = c->out[i], .iov_len = c->req};
		mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	sendmmsg(c->fd, mm, c->nout, 0);
	c->nout = 0;
}

/* One answer came: the next step of its exchange, or a new exchange. */
static void answer(struct client *c, const char *buf, ssize_t n)
{
	struct hdr h;

	if (n < (ssize_t)sizeof(h))
		return;
	memcpy(&h, buf, sizeof(h));
	if (h.step == 0) {
		put(c, h.slot, 1); /* the 401: send the authenticated request */
		return;
	}
	c->done++; /* the 200 */
	if (c->started < c->n) {
		c->started++;
		put(c, h.slot, 0);
	}
}

static void receive(struct client *c)
{
	static char bufs[MAXB][2048];
	struct mmsghdr mm[MAXB];
	struct iovec iov[MAXB];
	int got;

	if (!c->batch) {
		ssize_t n = recv(c->fd, bufs[0], sizeof(bufs[0]), MSG_DONTWAIT);

		if (n > 0)
			answer(c, bufs[0], n);
		return;
	}
	do {
		for (unsigned i = 0; i < MAXB; i++) {
			iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = sizeof(bufs[i])};
			mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
		}
		got = recvmmsg(c->fd, mm, MAXB, MSG_DONTWAIT, NULL);
		for (int i = 0; i < got; i++)
			answer(c, bufs[i], mm[i].msg_len);
	} while (got == MAXB);
	flush(c);
}

static int client(struct client *c, const char *server)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	char host[64];
	unsigned port;
	uint64_t c0, c1, w0, w1, limit;

	if (sscanf(server, "%63[^:]:%u", host, &port) != 2 ||
	    inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return fprintf(stderr, "bench_client_floor: -s HOST:PORT\n"), 2;
	a.sin_port = htons((uint16_t)port);
	c->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)))
		return perror("bench_client_floor"), 1;
	w0 = mono_us();
	c0 = cpu_us();
	limit = w0 + 120000000u;
	for (c->started = 0; c->started < c->w && c->started < c->n; c->started++)
		put(c, c->started, 0);
	flush(c);
	while (c->done < c->n && mono_us() < limit) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};

		/* a lost datagram would stall a slot: the bound ends the run */
		if (poll(&p, 1, 1000) > 0)
			receive(c);
	}
	c1 = cpu_us();
	w1 = mono_us();
	printf("floor cpu_us_per_reg=%.2f wall_us_per_reg=%.2f n=%u ok=%u window=%u batch=%d\n",
	       (double)(c1 - c0) / c->n, (double)(w1 - w0) / c->n, c->n, c->done, c->w,
	       c->batch ? 1 : 0);
	return c->done == c->n ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct client c = {.req = 500, .resp = 400, .n = 10000, .w = 10};
	const char *server = NULL;
	int port = 0;

	if (argc >= 2 && !strcmp(argv[1], "responder")) {
		unsigned spin = 0;

		for (int i = 2; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "-p"))
				port = atoi(argv[i + 1]);
			else if (!strcmp(argv[i], "--spin"))
				spin = (unsigned)atoi(argv[i + 1]);
			else
				goto usage;
		}
		return responder(port, spin);
	}
	if (argc < 2 || strcmp(argv[1], "client"))
		goto usage;
	for (int i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--batch"))
			c.batch = true;
		else if (!v)
			goto usage;
		else if (!strcmp(argv[i], "-s"))
			server = v, i++;
		else if (!strcmp(argv[i], "-n"))
			c.n = (unsigned)atoi(v), i++;
		else if (!strcmp(argv[i], "-w"))
			c.w = (unsigned)atoi(v), i++;
		else if (!strcmp(argv[i], "--req"))
			c.req = (unsigned)atoi(v), i++;
		else if (!strcmp(argv[i], "--resp"))
			c.resp = (unsigned)atoi(v), i++;
		else
			goto usage;
	}
	if (!server || !c.n || !c.w || c.w > MAXW || c.req < sizeof(struct hdr) ||
	    c.req > DGRAM / 16 || c.resp < sizeof(struct hdr) || c.resp > DGRAM)
		goto usage;
	return client(&c, server);
usage:
	fputs("usage: bench_client_floor responder [-p PORT] [--spin US]\n"
	      "       bench_client_floor client -s 127.0.0.1:PORT -n N -w W --req B --resp B "
	      "[--batch]\n",
	      stderr);
	return 2;
}
