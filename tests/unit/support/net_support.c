/*
 * net_support — loopback sockets, dnsmasq, conn handlers and the poll
 * bridge for the test_net_* unit tests (see net_support.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "net_support.h"

extern char **environ;

/* ------------------------------------------------------------ sockets */

int net_test_bind_lo(int type, uint16_t *port)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 4) != 0)) {
		close(fd);
		return -1;
	}
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return fd;
}

int net_test_listen_lo(int type, uint16_t *port)
{
	int fd = net_test_bind_lo(type, port);
	assert_true(fd >= 0);
	return fd;
}

void net_test_recv_timeout(int fd, int seconds)
{
	struct timeval tv = {seconds, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

unsigned net_test_free_udp_port(void)
{
	uint16_t port = 0;
	int fd = net_test_bind_lo(SOCK_DGRAM, &port);
	if (fd < 0)
		return 0;
	close(fd);
	return port;
}

bool net_test_udp_bound(unsigned port)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512], want[32];
	bool found = false;
	if (!f)
		return false;
	/* local_address column: 127.0.0.1 in host-order hex, then the port */
	snprintf(want, sizeof(want), "0100007F:%04X", port);
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, want) != NULL;
	fclose(f);
	return found;
}

int net_test_wait_bound(pid_t pid, unsigned port)
{
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1; /* it exited: port taken or bad option */
		if (net_test_udp_bound(port))
			return 0;
		usleep(50000);
	}
	return -1;
}

/* ------------------------------------------------------------ dnsmasq */

enum { DNSMASQ_MAX_ARGS = 64 };

int net_test_start_dnsmasq(struct net_test_dns *d, const char *log_facility,
			   const char *const *records)
{
	char portarg[32], logarg[128];
	const char *argv[DNSMASQ_MAX_ARGS] = {"dnsmasq",
					      "--keep-in-foreground",
					      "--conf-file=/dev/null",
					      portarg,
					      "--pid-file=", /* none: stopped by the pid we spawn */
					      logarg,
					      "--listen-address=127.0.0.1",
					      "--bind-interfaces",
					      "--no-resolv",
					      "--no-hosts",
					      "--user=root"};
	size_t n = 0;
	while (argv[n]) /* the common options above; the rest is NULL */
		n++;
	d->pid = -1;
	d->port = net_test_free_udp_port();
	if (!d->port)
		return -1;
	snprintf(d->server, sizeof(d->server), "127.0.0.1:%u", d->port);
	snprintf(portarg, sizeof(portarg), "--port=%u", d->port);
	snprintf(logarg, sizeof(logarg), "--log-facility=%s", log_facility);
	for (size_t i = 0; records[i]; i++) {
		if (n + 1 >= DNSMASQ_MAX_ARGS)
			return -1;
		argv[n++] = records[i];
	}
	argv[n] = NULL;
	if (posix_spawnp(&d->pid, "dnsmasq", NULL, NULL, (char *const *)argv, environ) != 0) {
		d->pid = -1;
		return -1;
	}
	if (net_test_wait_bound(d->pid, d->port) != 0) {
		net_test_stop_dnsmasq(d);
		return -1;
	}
	return 0;
}

void net_test_stop_dnsmasq(struct net_test_dns *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	int i = 0;
	while (waitpid(d->pid, NULL, WNOHANG) == 0 && i++ < 100)
		usleep(50000);
	if (i > 100) { /* still there after 5 s */
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	d->pid = -1;
}

/* ------------------------------------------------------------ conn flows */

static void obs_up(void *arg, const struct regent_flow_info *fi)
{
	struct net_test_obs *o = arg;
	o->up = true;
	o->fi = *fi;
}

static void obs_recv(void *arg, const char *buf, size_t len)
{
	struct net_test_obs *o = arg;
	if (o->nmsg < 8 && len < sizeof(o->msg[0])) {
		memcpy(o->msg[o->nmsg], buf, len);
		o->msglen[o->nmsg++] = len;
	}
}

static void obs_down(void *arg, int err)
{
	struct net_test_obs *o = arg;
	o->down = true;
	o->down_err = err;
}

struct regent_conn_handlers net_test_obs_handlers(struct net_test_obs *o)
{
	struct regent_conn_handlers h = {obs_up, obs_recv, obs_down, o};
	return h;
}

struct regent_target net_test_lo_target(enum regent_transport tp, const char *host, uint16_t port,
					const char *ws_path)
{
	struct regent_target t;
	memset(&t, 0, sizeof(t));
	t.tp = tp;
	struct sockaddr_in *sa = (struct sockaddr_in *)&t.addr;
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t.addrlen = sizeof(*sa);
	snprintf(t.host, sizeof(t.host), "%s", host);
	if (ws_path)
		snprintf(t.ws_path, sizeof(t.ws_path), "%s", ws_path);
	return t;
}

struct regent_conn *net_test_conn_open(const struct regent_target *t,
				       const struct regent_conn_options *co, struct net_test_obs *o,
				       uint64_t now)
{
	struct regent_conn_handlers h = net_test_obs_handlers(o);
	struct regent_conn *c = NULL;
	assert_int_equal(regent_conn_open(&c, t, co, &h, now), 0);
	return c;
}

void net_test_conn_pump(struct regent_conn *c, const bool *flag, int rounds, uint64_t now)
{
	for (int i = 0; i < rounds && !(flag && *flag); i++) {
		int ev = 0;
		int fd = regent_conn_fd(c, &ev);
		if (fd < 0)
			return;
		struct pollfd pf = {fd, net_test_poll_events(ev), 0};
		poll(&pf, 1, 10);
		regent_conn_process(c, net_test_regent_revents(pf.revents), now);
	}
}

/* ------------------------------------------------------------ poll bridge */

short net_test_poll_events(int regent_events)
{
	return (short)(((regent_events & REGENT_POLL_IN) ? POLLIN : 0) |
		       ((regent_events & REGENT_POLL_OUT) ? POLLOUT : 0));
}

int net_test_regent_revents(short revents)
{
	/* errors and hang-ups are reported as readable: the read finds them */
	return ((revents & (POLLIN | POLLERR | POLLHUP)) ? REGENT_POLL_IN : 0) |
	       ((revents & POLLOUT) ? REGENT_POLL_OUT : 0);
}

void net_test_to_pollfds(const struct regent_pollfd *rf, size_t n, struct pollfd *pf)
{
	for (size_t k = 0; k < n; k++) {
		pf[k].fd = rf[k].fd;
		pf[k].events = net_test_poll_events(rf[k].events);
		pf[k].revents = 0;
	}
}

void net_test_from_pollfds(const struct pollfd *pf, size_t n, struct regent_pollfd *rf)
{
	for (size_t k = 0; k < n; k++)
		rf[k].revents = net_test_regent_revents(pf[k].revents);
}

void net_test_header_value(const char *buf, const char *name, char *out, size_t size)
{
	const char *p = strstr(buf, name), *e;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(name);
	e = strstr(p, "\r\n");
	if (e != NULL)
		snprintf(out, size, "%.*s", (int)(e - p), p);
}
