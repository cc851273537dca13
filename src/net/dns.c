/*
 * dns — RFC 3263 §4 server location with c-ares: NAPTR -> SRV -> A/AAAA,
 * giving an ordered list of targets that is also the failover list (§4.3).
 *
 * c-ares runs in the caller's loop: its sockets are tracked through the
 * socket-state callback and reported by regent_dns_fds(); nothing blocks.
 *
 * The c-ares channel exists only while a resolution runs: it is ~74 KB of
 * tables (c-ares 1.18), which every idle UA would otherwise hold. A numeric
 * host needs no channel at all.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/dns_answer.h"
#include "net/net.h"

#define MAX_SOCKS 16
#define MAX_SRVQ 4	/* SRV names per resolution (one per transport) */
#define MAX_SRV_RECS 16 /* records kept per SRV name */
#define MAX_HOSTQ 32	/* A/AAAA lookups per resolution */
#define MAX_TARGETS 64

struct sockst {
	int fd;
	bool r, w;
};

struct srvq {
	char name[300];
	enum regent_transport tp;
	struct regent_srv recs[MAX_SRV_RECS];
	size_t n;
};

struct hostq {
	char host[256];
	uint16_t port;
	enum regent_transport tp;
	struct regent_target t[8];
	size_t n;
};

struct job {
	struct regent_dns *d;
	struct job *next;
	struct regent_dest dest;
	struct regent_env rnd;
	regent_dns_h *h;
	void *arg;
	int pending;
	bool cancelled;
	struct srvq srv[MAX_SRVQ];
	size_t nsrv;
	struct hostq *hq;
	size_t nhq;
};

struct regent_dns {
	ares_channel ch; /* NULL when no resolution runs */
	int busy;	 /* inside a call into c-ares: the channel must stay */
	char *server;	 /* dns_server option, or NULL: /etc/resolv.conf */
	struct sockst socks[MAX_SOCKS];
	size_t nsocks;
	struct job *jobs;
};

struct qref {
	struct job *j;
	size_t idx;
};

static uint16_t default_port(enum regent_transport tp)
{
	switch (tp) {
	case REGENT_TP_TLS:
		return 5061;
	case REGENT_TP_WS:
		return 80;
	case REGENT_TP_WSS:
		return 443;
	default:
		return 5060;
	}
}

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct regent_dns *d = data;
	for (size_t i = 0; i < d->nsocks; i++) {
		if (d->socks[i].fd != fd)
			continue;
		if (!readable && !writable) {
			d->socks[i] = d->socks[--d->nsocks];
			return;
		}
		d->socks[i].r = readable;
		d->socks[i].w = writable;
		return;
	}
	if ((readable || writable) && d->nsocks < MAX_SOCKS)
		d->socks[d->nsocks++] = (struct sockst){fd, readable != 0, writable != 0};
}

static int channel_new(struct regent_dns *d, ares_channel *ch)
{
	struct ares_options o;
	int r;

	memset(&o, 0, sizeof(o));
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = d;
	/* files first, then DNS: /etc/hosts is honoured (RFC 3263 leaves the
	 * A/AAAA step to the resolver, and users expect hosts entries to win) */
	o.lookups = (char *)"fb";
	o.timeout = 2000;
	o.tries = 2;
	r = ares_init_options(ch, &o,
			      ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS | ARES_OPT_TIMEOUTMS |
				  ARES_OPT_TRIES);
	if (r != ARES_SUCCESS)
		return r == ARES_ENOMEM ? ENOMEM : REGENT_EDNS;
	if (d->server && ares_set_servers_ports_csv(*ch, d->server) != ARES_SUCCESS) {
		ares_destroy(*ch);
		*ch = NULL;
		return EINVAL;
	}
	return 0;
}

/* No resolution left and no c-ares frame on the stack: the channel goes
 * (with nothing pending, nothing calls back while it is destroyed). */
static void channel_drop_idle(struct regent_dns *d)
{
	if (d->ch && !d->jobs && d->busy == 0) {
		ares_destroy(d->ch);
		d->ch = NULL;
		d->nsocks = 0;
	}
}

/* The channel, made when a resolution needs it. */
static int channel(struct regent_dns *d)
{
	return d->ch ? 0 : channel_new(d, &d->ch);
}

int regent_dns_alloc(struct regent_dns **dp, const char *server)
{
	struct regent_dns *d = NULL;
	ares_channel probe = NULL;
	int err = 0;
	if (!dp)
		return EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		free(d);
		return ENOMEM;
	}
	if (server && *server) {
		d->server = strdup(server);
		if (!d->server) {
			err = ENOMEM;
			goto out;
		}
	}
	/* one channel made and dropped now, so that an unusable dns_server or
	 * resolver set-up is refused here, by the constructor */
	err = channel_new(d, &probe);
	if (!err)
		ares_destroy(probe);
out:
	if (err) {
		ares_library_cleanup();
		free(d->server);
		free(d);
		return err;
	}
	*dp = d;
	return 0;
}

static void job_unlink(struct job *j)
{
	struct job **pp = &j->d->jobs;
	while (*pp && *pp != j)
		pp = &(*pp)->next;
	if (*pp)
		*pp = j->next;
}

static void job_free(struct job *j)
{
	free(j->hq);
	free(j);
}

void regent_dns_cancel(struct regent_dns *d)
{
	if (!d)
		return;
	for (struct job *j = d->jobs; j; j = j->next)
		j->cancelled = true;
	/* runs every callback with ARES_ECANCELLED; they free the jobs */
	if (d->ch) {
		d->busy++;
		ares_cancel(d->ch);
		d->busy--;
	}
	channel_drop_idle(d);
}

void regent_dns_free(struct regent_dns *d)
{
	if (!d)
		return;
	regent_dns_cancel(d);
	if (d->ch)
		ares_destroy(d->ch);
	/* jobs with nothing pending in c-ares (none expected) */
	while (d->jobs) {
		struct job *j = d->jobs;
		d->jobs = j->next;
		job_free(j);
	}
	ares_library_cleanup();
	free(d->server);
	free(d);
}

/* RFC 2782: lowest priority first; within a priority, pick by running sum
 * of weights against a random number in [0, total]. */
void regent_srv_sort(struct regent_srv *v, size_t n, const struct regent_env *rnd)
{
	/* insertion sort by priority (n is small and bounded) */
	for (size_t i = 1; i < n; i++) {
		struct regent_srv x = v[i];
		size_t k = i;
		while (k > 0 && v[k - 1].priority > x.priority) {
			v[k] = v[k - 1];
			k--;
		}
		v[k] = x;
	}
	for (size_t s = 0; s < n;) {
		size_t e = s;
		while (e < n && v[e].priority == v[s].priority)
			e++;
		/* weighted selection for positions s..e-1; zero weights first
		 * in the list so they keep a small chance (RFC 2782) */
		for (size_t pos = s; pos + 1 < e; pos++) {
			for (size_t i = pos + 1; i < e; i++) {
				if (v[i].weight == 0 && v[pos].weight != 0) {
					struct regent_srv t = v[pos];
					v[pos] = v[i];
					v[i] = t;
				}
			}
			uint32_t total = 0;
			for (size_t i = pos; i < e; i++)
				total += v[i].weight;
			uint32_t r = 0;
			if (rnd && rnd->random) {
				rnd->random(rnd->arg, &r, sizeof(r));
				r = total ? r % (total + 1) : 0;
			}
			uint32_t sum = 0;
			size_t pick = pos;
			for (size_t i = pos; i < e; i++) {
				sum += v[i].weight;
				if (sum >= r) {
					pick = i;
					break;
				}
			}
			struct regent_srv t = v[pos];
			v[pos] = v[pick];
			v[pick] = t;
		}
		s = e;
	}
}

static void job_finish(struct job *j)
{
	struct regent_target *out = NULL;
	size_t n = 0;
	int err = 0;

	if (j->cancelled)
		goto out;
	out = calloc(MAX_TARGETS, sizeof(*out));
	if (!out) {
		err = ENOMEM;
		goto report;
	}
	for (size_t i = 0; i < j->nhq; i++) {
		for (size_t k = 0; k < j->hq[i].n && n < MAX_TARGETS; k++) {
			/* drop duplicates (same address, port and transport) */
			bool dup = false;
			for (size_t m = 0; m < n; m++) {
				if (out[m].tp == j->hq[i].t[k].tp &&
				    out[m].addrlen == j->hq[i].t[k].addrlen &&
				    memcmp(&out[m].addr, &j->hq[i].t[k].addr, out[m].addrlen) == 0)
					dup = true;
			}
			if (!dup)
				out[n++] = j->hq[i].t[k];
		}
	}
	if (n == 0)
		err = REGENT_EDNS;
report:
	j->h(err, out, n, j->arg);
out:
	free(out);
	job_unlink(j);
	job_free(j);
}

static void fill_target(struct regent_target *t, const struct job *j, enum regent_transport tp)
{
	t->tp = tp;
	/* RFC 5922 §4: the identity to verify is the domain of the URI, not
	 * the SRV target */
	snprintf(t->host, sizeof(t->host), "%s", j->dest.host);
	if (j->dest.ws_path[0])
		snprintf(t->ws_path, sizeof(t->ws_path), "%s", j->dest.ws_path);
	else
		strcpy(t->ws_path, "/");
}

static void addr_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	(void)timeouts;
	struct qref *q = arg;
	struct job *j = q->j;
	struct hostq *hq = &j->hq[q->idx];
	free(q);
	if (status == ARES_SUCCESS && res && !j->cancelled) {
		/* IPv4 and IPv6 as c-ares ordered them */
		for (struct ares_addrinfo_node *nd = res->nodes; nd && hq->n < 8;
		     nd = nd->ai_next) {
			if (nd->ai_family != AF_INET && nd->ai_family != AF_INET6)
				continue;
			struct regent_target *t = &hq->t[hq->n];
			memset(t, 0, sizeof(*t));
			memcpy(&t->addr, nd->ai_addr, nd->ai_addrlen);
			t->addrlen = nd->ai_addrlen;
			if (nd->ai_family == AF_INET)
				((struct sockaddr_in *)&t->addr)->sin_port = htons(hq->port);
			else
				((struct sockaddr_in6 *)&t->addr)->sin6_port = htons(hq->port);
			fill_target(t, j, hq->tp);
			hq->n++;
		}
	}
	if (res)
		ares_freeaddrinfo(res);
	if (--j->pending == 0)
		job_finish(j);
}

/* A numeric host is its own address: no query (c-ares would answer it
 * at once too, but needs a channel for that). */
static bool numeric_target(struct job *j, struct hostq *hq)
{
	struct regent_target *t = &hq->t[0];

	memset(t, 0, sizeof(*t));
	struct sockaddr_in *v4 = (struct sockaddr_in *)&t->addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&t->addr;

	if (inet_pton(AF_INET, hq->host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(hq->port);
		t->addrlen = sizeof(*v4);
	} else if (inet_pton(AF_INET6, hq->host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(hq->port);
		t->addrlen = sizeof(*v6);
	} else {
		return false;
	}
	fill_target(t, j, hq->tp);
	hq->n = 1;
	return true;
}

static int start_hosts(struct job *j)
{
	for (size_t i = 0; i < j->nhq; i++) {
		if (j->hq[i].n == 0 && numeric_target(j, &j->hq[i]))
			continue;
		int e = channel(j->d);
		if (e)
			return e;
		struct qref *q = malloc(sizeof(*q));
		if (!q)
			return ENOMEM;
		*q = (struct qref){j, i};
		struct ares_addrinfo_hints hints;
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		j->pending++;
		ares_getaddrinfo(j->d->ch, j->hq[i].host, NULL, &hints, addr_cb, q);
	}
	return 0;
}

static int add_host(struct job *j, const char *host, uint16_t port, enum regent_transport tp)
{
	if (j->nhq >= MAX_HOSTQ)
		return 0;
	struct hostq *hq = &j->hq[j->nhq++];
	memset(hq, 0, sizeof(*hq));
	snprintf(hq->host, sizeof(hq->host), "%s", host);
	hq->port = port;
	hq->tp = tp;
	return 0;
}

static enum regent_transport fallback_tp(const struct job *j)
{
	if (j->dest.tp != REGENT_TP_NONE)
		return j->dest.tp;
	return j->dest.secure ? REGENT_TP_TLS : REGENT_TP_UDP;
}

/* All SRV answers are in: the targets of each, in order, then A/AAAA. */
static void srv_done(struct job *j)
{
	if (j->cancelled) {
		job_finish(j);
		return;
	}
	for (size_t i = 0; i < j->nsrv; i++) {
		regent_srv_sort(j->srv[i].recs, j->srv[i].n, &j->rnd);
		for (size_t k = 0; k < j->srv[i].n; k++) {
			/* "." as target: the service is decidedly not available */
			if (strcmp(j->srv[i].recs[k].host, ".") == 0 || !j->srv[i].recs[k].host[0])
				continue;
			add_host(j, j->srv[i].recs[k].host, j->srv[i].recs[k].port, j->srv[i].tp);
		}
	}
	/* §4.2: no SRV records: A/AAAA on the domain, default port */
	if (j->nhq == 0) {
		enum regent_transport tp = fallback_tp(j);
		add_host(j, j->dest.host, default_port(tp), tp);
	}
	j->pending++; /* hold the job while starting the lookups */
	if (start_hosts(j))
		j->cancelled = true; /* ENOMEM: report nothing rather than half */
	if (--j->pending == 0)
		job_finish(j);
}

static void srv_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	struct qref *q = arg;
	struct job *j = q->j;
	struct srvq *sq = &j->srv[q->idx];
	free(q);
	if (status == ARES_SUCCESS && !j->cancelled && alen > 0)
		regent_dns_srv_answer(abuf, (size_t)alen, sq->recs, &sq->n, MAX_SRV_RECS);
	if (--j->pending == 0)
		srv_done(j);
}

static const char *srv_prefix(enum regent_transport tp)
{
	switch (tp) {
	case REGENT_TP_UDP:
		return "_sip._udp.";
	case REGENT_TP_TCP:
		return "_sip._tcp.";
	case REGENT_TP_TLS:
		return "_sips._tcp.";
	default:
		return NULL;
	}
}

static void add_srv(struct job *j, const char *name, enum regent_transport tp)
{
	if (j->nsrv >= MAX_SRVQ)
		return;
	for (size_t i = 0; i < j->nsrv; i++) {
		if (j->srv[i].tp == tp && strcasecmp(j->srv[i].name, name) == 0)
			return;
	}
	struct srvq *sq = &j->srv[j->nsrv++];
	memset(sq, 0, sizeof(*sq));
	snprintf(sq->name, sizeof(sq->name), "%s", name);
	sq->tp = tp;
}

static void start_srv(struct job *j)
{
	j->pending++;
	for (size_t i = 0; i < j->nsrv; i++) {
		struct qref *q = malloc(sizeof(*q));
		if (!q) {
			j->cancelled = true;
			break;
		}
		*q = (struct qref){j, i};
		j->pending++;
		ares_query(j->d->ch, j->srv[i].name, ns_c_in, ns_t_srv, srv_cb, q);
	}
	if (--j->pending == 0)
		srv_done(j);
}

static void add_default_srv(struct job *j)
{
	/* §4.1: no NAPTR: SRV for every transport we support, in our order of
	 * preference; sips only over TLS */
	static const enum regent_transport order[] = {REGENT_TP_UDP, REGENT_TP_TCP, REGENT_TP_TLS};
	char name[300];
	for (size_t i = 0; i < 3; i++) {
		if (j->dest.secure && order[i] != REGENT_TP_TLS)
			continue;
		snprintf(name, sizeof(name), "%s%s", srv_prefix(order[i]), j->dest.host);
		add_srv(j, name, order[i]);
	}
}

static void naptr_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	struct job *j = arg;
	j->pending--;
	if (j->cancelled) {
		job_finish(j);
		return;
	}
	if (status == ARES_SUCCESS && alen > 0) {
		struct regent_srv_name v[MAX_SRVQ];
		size_t n = 0;
		regent_dns_naptr_answer(abuf, (size_t)alen, j->dest.secure, v, &n, MAX_SRVQ);
		for (size_t a = 0; a < n; a++)
			add_srv(j, v[a].name, v[a].tp);
	}
	if (j->nsrv == 0)
		add_default_srv(j);
	start_srv(j);
}

static int resolve(struct regent_dns *d, const struct regent_dest *dest,
		   const struct regent_env *rnd, regent_dns_h *h, void *arg)
{
	if (!dest->numeric) { /* a name: the channel, now */
		int e = channel(d);
		if (e)
			return e;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	j->hq = calloc(MAX_HOSTQ, sizeof(*j->hq));
	if (!j->hq) {
		free(j);
		return ENOMEM;
	}
	j->d = d;
	j->dest = *dest;
	if (rnd)
		j->rnd = *rnd;
	j->h = h;
	j->arg = arg;
	j->next = d->jobs;
	d->jobs = j;

	bool ws = dest->tp == REGENT_TP_WS || dest->tp == REGENT_TP_WSS;
	if (dest->numeric || dest->port || ws) {
		/* §4.1/§4.2: a numeric host or an explicit port: no NAPTR, no SRV */
		enum regent_transport tp = fallback_tp(j);
		uint16_t port = dest->port ? dest->port : default_port(tp);
		add_host(j, dest->host, port, tp);
		j->pending++;
		int e = start_hosts(j);
		if (e)
			j->cancelled = true;
		if (--j->pending == 0)
			job_finish(j);
		return 0;
	}
	if (dest->tp != REGENT_TP_NONE) {
		/* §4.1: transport given: SRV for it, skipping NAPTR */
		char name[300];
		snprintf(name, sizeof(name), "%s%s", srv_prefix(dest->tp), dest->host);
		add_srv(j, name, dest->tp);
		start_srv(j);
		return 0;
	}
	j->pending++;
	ares_query(d->ch, dest->host, ns_c_in, ns_t_naptr, naptr_cb, j);
	return 0;
}

int regent_dns_resolve(struct regent_dns *d, const struct regent_dest *dest,
		       const struct regent_env *rnd, regent_dns_h *h, void *arg)
{
	int e;

	if (!d || !dest || !h)
		return EINVAL;
	/* a name answered at once (hosts file) ends its job in here */
	d->busy++;
	e = resolve(d, dest, rnd, h, arg);
	d->busy--;
	channel_drop_idle(d);
	return e;
}

bool regent_dns_active(const struct regent_dns *d)
{
	return d && d->ch;
}

size_t regent_dns_fds(struct regent_dns *d, struct regent_pollfd *fds, size_t max)
{
	if (!d)
		return 0;
	for (size_t i = 0; i < d->nsocks && i < max; i++) {
		fds[i].fd = d->socks[i].fd;
		fds[i].events =
		    (d->socks[i].r ? REGENT_POLL_IN : 0) | (d->socks[i].w ? REGENT_POLL_OUT : 0);
		fds[i].revents = 0;
	}
	return d->nsocks;
}

int regent_dns_timeout(struct regent_dns *d)
{
	if (!d || !d->jobs || !d->ch)
		return -1;
	struct timeval tv, *tvp = ares_timeout(d->ch, NULL, &tv);
	if (!tvp)
		return -1;
	long ms = tvp->tv_sec * 1000L + (tvp->tv_usec + 999) / 1000;
	return ms > 60000 ? 60000 : (int)ms;
}

void regent_dns_process(struct regent_dns *d, const struct regent_pollfd *fds, size_t n)
{
	if (!d || !d->ch)
		return;
	d->busy++;
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		bool ours = false;
		for (size_t k = 0; k < d->nsocks; k++)
			ours |= d->socks[k].fd == fds[i].fd;
		if (!ours || !fds[i].revents)
			continue;
		any = true;
		ares_process_fd(d->ch,
				(fds[i].revents & REGENT_POLL_IN) ? fds[i].fd : ARES_SOCKET_BAD,
				(fds[i].revents & REGENT_POLL_OUT) ? fds[i].fd : ARES_SOCKET_BAD);
	}
	if (!any) /* timeouts and retransmissions */
		ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	d->busy--;
	channel_drop_idle(d);
}
