/*
 * nat_stun_probe — one STUN Binding transaction over UDP with regent's codec
 * (src/msg/stun.c), for tests/nat/test-nat-stun.
 *
 *   nat_stun_probe SERVER_IP PORT [TIMEOUT_MS [LOCAL_PORT]]
 *
 * Sends a Binding request with FINGERPRINT (as a keep-alive on a SIP flow
 * would, RFC 5626 §4.4.2, RFC 5389 §7.1), retransmitted from 500 ms doubling
 * (RFC 5389 §7.2.1), and prints, for the first response with our transaction
 * id:  local=<ip>:<port> mapped=<ip>:<port> xor=<yes|no> fingerprint=<yes|no>
 * Exit 0 on a success response with a mapped address, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "msg/stun.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int answer(const uint8_t *txid, const uint8_t *b, size_t n, int fd)
{
	struct regent_stun_msg m;
	struct sockaddr_in l;
	socklen_t ll = sizeof(l);
	char lhost[INET_ADDRSTRLEN] = "?";
	int e = regent_stun_parse(&m, b, n);

	if (e) {
		fprintf(stderr, "nat_stun_probe: unparsable response: %s\n", strerror(e));
		return -1;
	}
	if (memcmp(m.txid, txid, REGENT_STUN_TXID_LEN) != 0)
		return 0; /* not ours: keep waiting */
	if (m.cls != REGENT_STUN_SUCCESS || !m.has_mapped || m.n_unknown) {
		fprintf(stderr, "nat_stun_probe: class %d, mapped %d, error %u, unknown %zu\n",
			(int)m.cls, m.has_mapped, m.error_code, m.n_unknown);
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)&l, &ll) == 0)
		inet_ntop(AF_INET, &l.sin_addr, lhost, sizeof(lhost));
	printf("local=%s:%u mapped=%s:%u xor=%s fingerprint=%s\n", lhost, ntohs(l.sin_port),
	       m.mapped.host, m.mapped.port, m.mapped_xored ? "yes" : "no",
	       m.has_fingerprint ? "yes" : "no");
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	uint8_t txid[REGENT_STUN_TXID_LEN], req[REGENT_STUN_BINDING_MAX_LEN], b[1500];
	size_t len;
	long long deadline, next, rto = 500;
	int fd, r = 0;

	if (argc < 3 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: nat_stun_probe SERVER_IP PORT [TIMEOUT_MS [LOCAL_PORT]]\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	deadline = now_ms() + (argc > 3 ? atoi(argv[3]) : 3000);
	if (getrandom(txid, sizeof(txid), 0) != (ssize_t)sizeof(txid) ||
	    regent_stun_build_binding(req, sizeof(req), txid, REGENT_STUN_FINGERPRINT, &len) != 0)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 && argc > 4) {
		/* a fixed local port: the same flow across probes (NAT rebinding) */
		struct sockaddr_in la = {.sin_family = AF_INET};

		la.sin_port = htons((uint16_t)atoi(argv[4]));
		if (bind(fd, (struct sockaddr *)&la, sizeof(la)) != 0) {
			perror("nat_stun_probe: bind");
			return 2;
		}
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("nat_stun_probe: socket");
		return 2;
	}
	next = now_ms();
	while (r == 0 && now_ms() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long t = now_ms(), wait;

		if (t >= next) {
			if (send(fd, req, len, 0) < 0 && errno != ECONNREFUSED)
				perror("nat_stun_probe: send");
			next = t + rto;
			rto *= 2;
		}
		wait = (next < deadline ? next : deadline) - t;
		if (poll(&p, 1, (int)(wait > 0 ? wait : 0)) > 0) {
			ssize_t n = recv(fd, b, sizeof(b), 0);

			if (n > 0)
				r = answer(txid, b, (size_t)n, fd);
		}
	}
	close(fd);
	if (r == 0)
		fprintf(stderr, "nat_stun_probe: no response\n");
	return r == 1 ? 0 : 1;
}
