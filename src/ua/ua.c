/*
 * ua — the core part of struct regent_ua: identity, the flow as the core sees
 * it, dispatch of responses to registerers, the clock and random source it
 * was given (no clock read, no socket here: DESIGN.md "sans-I/O core").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "msg/msg.h"
#include "reg/reg.h"
#include "ua/ua.h"

/* ------------------------------------------------------------ environment */

static uint64_t sys_now(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sys_random(void *arg, void *buf, size_t len)
{
	unsigned char *p = buf;

	(void)arg;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			abort(); /* no entropy: refuse to make guessable branches/tags */
		}
		p += n;
		len -= (size_t)n;
	}
}

void regent_env_system(struct regent_env *env)
{
	if (env == NULL)
		return;
	env->now_ms = sys_now;
	env->random = sys_random;
	env->arg = NULL;
}

/* ------------------------------------------------------------ names */

const char *regent_strerror(int err)
{
	switch (err) {
	case REGENT_EAUTH:
		return "authentication failed";
	case REGENT_ETLSVERIFY:
		return "TLS peer verification failed";
	case REGENT_EDNS:
		return "DNS resolution failed";
	case REGENT_ETIMEOUT:
		return "transaction timeout";
	case REGENT_EREJECTED:
		return "rejected by the registrar";
	default:
		return strerror(err);
	}
}

const char *regent_transport_name(enum regent_transport tp)
{
	switch (tp) {
	case REGENT_TP_UDP:
		return "UDP";
	case REGENT_TP_TCP:
		return "TCP";
	case REGENT_TP_TLS:
		return "TLS";
	case REGENT_TP_WS:
		return "WS";
	case REGENT_TP_WSS:
		return "WSS";
	case REGENT_TP_NONE:
		break;
	}
	return "UDP";
}

bool regent_transport_reliable(enum regent_transport tp)
{
	return tp == REGENT_TP_TCP || tp == REGENT_TP_TLS || tp == REGENT_TP_WS ||
	       tp == REGENT_TP_WSS;
}

/* ------------------------------------------------------------ helpers */

void regent_ua_log(const struct regent_ua *ua, enum regent_log_level level, const char *fmt, ...)
{
	char line[512], *big = NULL;
	va_list ap;
	int n;

	if (ua == NULL || ua->log_h == NULL || level > ua->log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* whole messages at TRACE: a longer line gets its own buffer */
	if (n >= (int)sizeof(line) && n < 70000 && (big = malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	ua->log_h(level, big != NULL ? big : line, ua->log_arg);
	free(big);
}

uint64_t regent_ua_now(const struct regent_ua *ua)
{
	return ua->env.now_ms(ua->env.arg);
}

void regent_ua_random_hex(struct regent_ua *ua, char *out, size_t nchars)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[32];
	size_t i;

	while (nchars > 0) {
		size_t n = nchars > 2 * sizeof(b) ? 2 * sizeof(b) : nchars;
		ua->env.random(ua->env.arg, b, (n + 1) / 2);
		for (i = 0; i < n; i++)
			out[i] = hex[(b[i / 2] >> ((i & 1) ? 0 : 4)) & 15];
		out += n;
		nchars -= n;
	}
	*out = '\0';
}

void regent_ua_random_token(struct regent_ua *ua, char *out, size_t nchars)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char b[32];
	size_t i;

	while (nchars > 0) {
		size_t n = nchars > sizeof(b) ? sizeof(b) : nchars;
		ua->env.random(ua->env.arg, b, n);
		for (i = 0; i < n; i++)
			out[i] = al[b[i] % 36];
		out += n;
		nchars -= n;
	}
	*out = '\0';
}

uint32_t regent_ua_random_u32(struct regent_ua *ua)
{
	uint32_t v = 0;

	ua->env.random(ua->env.arg, &v, sizeof(v));
	return v;
}

int regent_ua_send(struct regent_ua *ua, const char *buf, size_t len)
{
	int err;

	if (!ua->flow_up || ua->sender.send == NULL)
		return ENOTCONN;
	regent_ua_log(ua, REGENT_LOG_TRACE, "send %zu bytes:\n%.*s", len, (int)len, buf);
	err = ua->sender.send(ua->sender.arg, buf, len);
	if (err)
		return err < 0 ? EIO : err;
	ua->stats.msgs_sent++;
	ua->stats.bytes_sent += len;
	return 0;
}

void regent_ua_want_flow(struct regent_ua *ua)
{
	int err;

	if (ua->flow_up || ua->flow_opening || ua->sender.open == NULL)
		return;
	ua->flow_opening = true;
	err = ua->sender.open(ua->sender.arg);
	if (err && ua->flow_opening) {
		ua->flow_opening = false;
		regent_ua_log(ua, REGENT_LOG_WARN, "cannot open the flow: %s",
			      regent_strerror(err));
	}
}

/* ------------------------------------------------------------ life cycle */

void regent_ua_options_init(struct regent_ua_options *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->t1_ms = 500;
	o->t2_ms = 4000;
	o->t4_ms = 5000;
	o->log_level = REGENT_LOG_INFO;
	o->connect_timeout_ms = 5000;
}

static void destroy(struct regent_ua *ua)
{
	struct regent_registerer *r;

	/* the UA goes: nothing to unlink, each Registerer just goes too */
	for (r = ua->regs; r != NULL;) {
		struct regent_registerer *n = regent_reg_next(r);
		regent_reg_destroy(r);
		r = n;
	}
	ua->regs = NULL;
	ua->dead = NULL;
	regent_ua_heap_release(&ua->timers);
	regent_ua_txmap_release(&ua->txns);
	if (ua->sender.close != NULL && (ua->flow_up || ua->flow_opening))
		ua->sender.close(ua->sender.arg);
	if (ua->edge_free != NULL)
		ua->edge_free(ua->edge);
	free(ua->aor);
	free(ua->auth_user);
	if (ua->password != NULL)
		explicit_bzero(ua->password, strlen(ua->password));
	free(ua->password);
	if (ua->ha1 != NULL)
		explicit_bzero(ua->ha1, strlen(ua->ha1));
	free(ua->ha1);
	free(ua->display_name);
	free(ua->contact_name);
	free(ua->contact_params);
	free(ua->via_host);
	free(ua->instance_id);
	free(ua->user_agent);
	free(ua);
}

int regent_ua_alloc_core(struct regent_ua **uap, const struct regent_ua_options *o,
			 const struct regent_env *env, const struct regent_sender *sender,
			 struct regent_error *err)
{
	struct regent_ua *ua = NULL;
	struct regent_uri u;
	char uuid[37];
	unsigned char b[16];
	int e = 0;

	if (err != NULL) {
		err->code = 0;
		err->text[0] = '\0';
	}
	if (uap == NULL || o == NULL || env == NULL || sender == NULL)
		return regent_error_set(err, EINVAL, "ua: NULL argument");
	*uap = NULL;
	if (env->now_ms == NULL || env->random == NULL)
		return regent_error_set(err, EINVAL, "env: now_ms and random are required");
	if (sender->send == NULL)
		return regent_error_set(err, EINVAL, "sender: send is required");
	if (o->uri == NULL)
		return regent_error_set(err, EINVAL, "uri: required");
	e = regent_check_uri(err, "uri", o->uri, true);
	if (e)
		return e;
	e = regent_check_uuid(err, "instance_id", o->instance_id);
	if (e)
		return e;
	if (o->t1_ms == 0 || o->t2_ms < o->t1_ms || o->t4_ms == 0)
		return regent_error_set(err, EINVAL,
					"t1_ms/t2_ms/t4_ms: %u/%u/%u (need T1 > 0, T2 >= T1, "
					"T4 > 0)",
					o->t1_ms, o->t2_ms, o->t4_ms);
	if (regent_check_ha1(err, "authorization_ha1", o->authorization_ha1) != 0)
		return EINVAL;
	if (o->contact_name != NULL) {
		for (const char *p = o->contact_name; *p; p++) {
			if (strchr(" \t<>@:;?\"\r\n", *p) != NULL)
				return regent_error_set(err, EINVAL,
							"contact_name: \"%.40s\" is not a URI "
							"user part",
							o->contact_name);
		}
	}
	if (o->contact_params != NULL && strpbrk(o->contact_params, " <>\"\r\n") != NULL)
		return regent_error_set(err, EINVAL, "contact_params: \"%.60s\" is not URI params",
					o->contact_params);
	if (o->via_host != NULL &&
	    (o->via_host[0] == '\0' || strpbrk(o->via_host, " ;,<>\"\r\n") != NULL))
		return regent_error_set(err, EINVAL, "via_host: \"%.60s\" is not a host",
					o->via_host);

	ua = calloc(1, sizeof(*ua));
	if (ua == NULL)
		return regent_error_set(err, ENOMEM, "ua: out of memory");
	ua->env = *env;
	ua->sender = *sender;
	ua->t1_ms = o->t1_ms;
	ua->t2_ms = o->t2_ms;
	ua->t4_ms = o->t4_ms;
	ua->log_h = o->log_h;
	ua->log_arg = o->log_arg;
	ua->log_level = o->log_level;
	ua->transport = o->transport;
	ua->fi.transport = o->transport != REGENT_TP_NONE ? o->transport : REGENT_TP_UDP;

	e = regent_dup_string(&ua->aor, o->uri, "uri", err);
	if (!e)
		e = regent_dup_string(&ua->password, o->authorization_password,
				      "authorization_password", err);
	if (!e)
		e = regent_dup_string(&ua->ha1, o->authorization_ha1, "authorization_ha1", err);
	if (!e)
		e = regent_dup_string(&ua->display_name, o->display_name, "display_name", err);
	if (!e)
		e = regent_dup_string(&ua->contact_name, o->contact_name, "contact_name", err);
	if (!e)
		e = regent_dup_string(&ua->contact_params, o->contact_params, "contact_params",
				      err);
	if (!e)
		e = regent_dup_string(&ua->via_host, o->via_host, "via_host", err);
	if (!e)
		e = regent_dup_string(&ua->user_agent,
				      o->user_agent_string ? o->user_agent_string
							   : "regent/" REGENT_VERSION,
				      "user_agent_string", err);
	if (!e)
		e = regent_dup_string(&ua->auth_user, o->authorization_username,
				      "authorization_username", err);
	if (e)
		goto out;

	if (ua->auth_user == NULL) {
		/* default: the user part of the AOR */
		if (regent_uri_parse(&u, ua->aor, strlen(ua->aor), NULL) == 0 &&
		    regent_pl_isset(u.user) && u.user.l > 0)
			ua->auth_user = regent_pl_strdup(u.user);
		else
			ua->auth_user = strdup("");
		if (ua->auth_user == NULL) {
			e = regent_error_set(err, ENOMEM, "authorization_username: out of memory");
			goto out;
		}
	}
	if (ua->contact_name == NULL) {
		ua->contact_name = malloc(9);
		if (ua->contact_name == NULL) {
			e = regent_error_set(err, ENOMEM, "contact_name: out of memory");
			goto out;
		}
		regent_ua_random_token(ua, ua->contact_name, 8);
	}
	if (o->instance_id != NULL) {
		e = regent_dup_string(&ua->instance_id, o->instance_id, "instance_id", err);
	} else {
		/* RFC 4122 §4.4: a random (v4) UUID */
		ua->env.random(ua->env.arg, b, sizeof(b));
		b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
		b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
		snprintf(uuid, sizeof(uuid),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
			 b[12], b[13], b[14], b[15]);
		e = regent_dup_string(&ua->instance_id, uuid, "instance_id", err);
	}
out:
	if (e) {
		destroy(ua);
		return e;
	}
	*uap = ua;
	return 0;
}

int regent_ua_reserve(struct regent_ua *ua, size_t nregs)
{
	/* at most two transactions per Registerer: the one in flight and the
	 * completed one absorbing retransmissions (timer K) */
	if (regent_ua_heap_reserve(&ua->timers, nregs) != 0 ||
	    regent_ua_txmap_reserve(&ua->txns, 2 * nregs) != 0)
		return ENOMEM;
	return 0;
}

void regent_ua_cb_enter(struct regent_ua *ua)
{
	ua->cb_depth++;
}

void regent_ua_cb_leave(struct regent_ua *ua)
{
	if (--ua->cb_depth > 0)
		return;
	regent_reg_sweep(ua);
	if (ua->free_pending)
		destroy(ua);
}

void regent_ua_free(struct regent_ua *ua)
{
	struct regent_registerer *r;

	if (ua == NULL || ua->free_pending)
		return;
	if (ua->cb_depth > 0) {
		/* called from a callback: every registerer stops now, the
		 * memory goes when the outermost call returns */
		ua->free_pending = true;
		for (r = ua->regs; r != NULL; r = regent_reg_next(r))
			regent_registerer_free(r);
		return;
	}
	destroy(ua);
}

/* ------------------------------------------------------------ core entry points */

void regent_ua_recv(struct regent_ua *ua, const char *buf, size_t len)
{
	struct regent_msg *m = NULL;
	struct regent_msg_iter it;
	struct regent_via via;
	struct regent_pl method;
	struct regent_registerer *r;
	uint32_t cseq;
	bool taken = false;

	if (ua == NULL || ua->free_pending || buf == NULL)
		return;
	ua->stats.msgs_recv++;
	ua->stats.bytes_recv += len;
	if (regent_msg_parse(&m, buf, len, NULL, NULL) != 0) {
		ua->stats.malformed_dropped++;
		return;
	}
	memset(&it, 0, sizeof(it));
	if (regent_msg_is_request(m) || regent_msg_via_next(m, &it, &via) != 0 ||
	    regent_msg_cseq(m, &cseq, &method) != 0) {
		/* requests are the edge's business (OPTIONS keep-alive etc.) */
		ua->stats.unmatched_dropped++;
		regent_msg_free(m);
		return;
	}
	regent_ua_log(ua, REGENT_LOG_TRACE, "recv %zu bytes:\n%.*s", len, (int)len, buf);
	regent_ua_cb_enter(ua);
	/* the candidates by branch, not every Registerer (RFC 3261 §17.1.3
	 * matching is done by the transaction) */
	for (size_t k = 0; !taken && !ua->free_pending &&
			   (r = regent_ua_txmap_find(&ua->txns, via.branch, &k)) != NULL;) {
		taken = regent_reg_recv(r, m, via.branch, method);
	}
	if (!taken)
		ua->stats.unmatched_dropped++;
	regent_msg_free(m);
	regent_ua_cb_leave(ua);
}

void regent_ua_flow_up(struct regent_ua *ua, const struct regent_flow_info *fi)
{
	struct regent_registerer *r;

	if (ua == NULL || ua->free_pending)
		return;
	if (fi != NULL) {
		ua->fi = *fi;
		if (ua->fi.transport == REGENT_TP_NONE)
			ua->fi.transport = REGENT_TP_UDP;
	}
	ua->flow_up = true;
	ua->flow_opening = false;
	regent_ua_log(ua, REGENT_LOG_INFO, "flow up: %s %s:%u -> %s:%u",
		      regent_transport_name(ua->fi.transport), ua->fi.local_host, ua->fi.local_port,
		      ua->fi.peer_host, ua->fi.peer_port);
	regent_ua_cb_enter(ua);
	for (r = ua->regs; r != NULL && !ua->free_pending; r = regent_reg_next(r))
		regent_reg_flow_up(r);
	regent_ua_cb_leave(ua);
}

void regent_ua_flow_down(struct regent_ua *ua, int err)
{
	struct regent_registerer *r;

	if (ua == NULL || ua->free_pending)
		return;
	ua->flow_up = false;
	ua->flow_opening = false;
	regent_ua_log(ua, REGENT_LOG_WARN, "flow down: %s", regent_strerror(err));
	regent_ua_cb_enter(ua);
	for (r = ua->regs; r != NULL && !ua->free_pending; r = regent_reg_next(r))
		regent_reg_flow_down(r, err ? err : ECONNRESET);
	regent_ua_cb_leave(ua);
}

void regent_ua_network_changed(struct regent_ua *ua)
{
	struct regent_registerer *r;

	if (ua == NULL || ua->free_pending)
		return;
	regent_ua_log(ua, REGENT_LOG_INFO, "network changed: re-registering");
	regent_ua_cb_enter(ua);
	if (ua->sender.open != NULL) {
		/* drop the flow; the next request opens a new one */
		if (ua->sender.close != NULL && (ua->flow_up || ua->flow_opening))
			ua->sender.close(ua->sender.arg);
		ua->flow_up = false;
		ua->flow_opening = false;
	}
	for (r = ua->regs; r != NULL && !ua->free_pending; r = regent_reg_next(r))
		regent_reg_flow_down(r, 0);
	/* a flow that is always up (no open()) is usable again at once; with
	 * open() the retry timer brings it back */
	for (r = ua->regs; r != NULL && !ua->free_pending; r = regent_reg_next(r))
		regent_reg_flow_up(r);
	if (!ua->free_pending && ua->sender.open != NULL)
		regent_ua_want_flow(ua);
	regent_ua_cb_leave(ua);
}

void regent_ua_process(struct regent_ua *ua)
{
	size_t n;
	uint64_t now;

	/* a call from inside one of our callbacks: the outer call goes on */
	if (ua == NULL || ua->free_pending || ua->processing)
		return;
	now = regent_ua_now(ua);
	regent_ua_cb_enter(ua);
	ua->processing = true;
	/* Everything due leaves the heap first, so each Registerer runs once
	 * per call even if it stays due, and none waits behind it. The list
	 * is read through ua->timers each time: a callback that makes a new
	 * Registerer may move it (realloc keeps what it held). */
	n = regent_ua_heap_take_due(&ua->timers, now);
	for (size_t i = 0; i < n && !ua->free_pending; i++)
		regent_reg_process(regent_reg_of_timer(ua->timers.due[i]), now);
	ua->processing = false;
	regent_ua_cb_leave(ua);
}

uint64_t regent_ua_next_deadline(struct regent_ua *ua)
{
	const struct regent_ua_heap_node *top;

	if (ua == NULL || ua->free_pending)
		return UINT64_MAX;
#ifdef REGENT_CHECK_INVARIANTS
	/* the sanitizer build of `make test` proves at every quiet point that
	 * the heap holds exactly every Registerer's deadline, with the earliest
	 * on top. O(n) a call: never in a build anyone ships. */
	if (ua->cb_depth == 0) {
		size_t in_heap = 0;
		uint64_t min = UINT64_MAX;

		for (const struct regent_registerer *r = ua->regs; r != NULL;
		     r = regent_reg_next(r)) {
			uint64_t d = regent_reg_deadline(r);

			in_heap += regent_reg_timer_checked(r);
			min = d < min ? d : min;
		}
		top = regent_ua_heap_top(&ua->timers);
		if (in_heap != ua->timers.n || min != (top != NULL ? top->key : UINT64_MAX))
			abort();
	}
#endif
	top = regent_ua_heap_top(&ua->timers);
	return top != NULL ? top->key : UINT64_MAX;
}

void regent_ua_stats(const struct regent_ua *ua, struct regent_ua_stats *st)
{
	if (st == NULL)
		return;
	if (ua == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = ua->stats;
}
