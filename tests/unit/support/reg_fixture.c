/*
 * reg_fixture — see reg_fixture.h: the Registerer fixture of the test_reg_*
 * unit tests (recording sender, fake clock and random source, event, log
 * and drop recorders, scripted responses).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "reg_fixture.h"

static int reg_fix_send(void *arg, const char *buf, size_t len)
{
	struct reg_fix *f = arg;

	if (f->send_fail)
		return f->send_fail;
	assert_true(f->nsent < REG_FIX_MAXMSG);
	f->sent[f->nsent] = strndup(buf, len);
	assert_non_null(f->sent[f->nsent]);
	f->sent_at[f->nsent] = f->now;
	f->nsent++;
	return 0;
}

static void f_log(enum regent_log_level level, const char *line, void *arg)
{
	struct reg_fix *f = arg;
	size_t l = strlen(line);

	if (f->loglen + l + 8 >= sizeof(f->log))
		return;
	if (f->log_levels)
		f->loglen += (size_t)snprintf(f->log + f->loglen, sizeof(f->log) - f->loglen,
					      "%d %s\n", (int)level, line);
	else
		f->loglen +=
		    (size_t)snprintf(f->log + f->loglen, sizeof(f->log) - f->loglen, "%s\n", line);
}

static void f_drop(const struct regent_drop *d, void *arg)
{
	struct reg_fix *f = arg;

	f->ndrops++;
	if (d->malformed)
		f->nmalformed++;
	snprintf(f->drop_reason, sizeof(f->drop_reason), "%s", d->reason);
	snprintf(f->drop_peer, sizeof(f->drop_peer), "%s", d->peer_host);
	f->drop_port = d->peer_port;
}

static void record(struct reg_fix *f, const struct regent_event *ev)
{
	struct reg_fix_ev *r = &f->ev[f->nev++];

	r->ev = *ev;
	r->ev.msg = NULL;
	r->ev.phrase = NULL;
	r->ev.why = NULL;
	r->ev.flow_peer_host = NULL;
	snprintf(r->why, sizeof(r->why), "%s", ev->why != NULL ? ev->why : "");
	snprintf(r->peer, sizeof(r->peer), "%s",
		 ev->flow_peer_host != NULL ? ev->flow_peer_host : "(null)");
	r->t = f->now;
}

static void f_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct reg_fix *f = arg;
	bool response = ev->type == REGENT_EV_RESPONSE;
	bool idle = ev->type == REGENT_EV_WAITING_CHANGED && !ev->waiting;

	if (f->nev < REG_FIX_MAXEV)
		record(f, ev);
	if (response && f->free_on_response) {
		regent_registerer_free(r);
		f->reg = NULL;
	}
	if (response && f->free_ua_on_response) {
		regent_ua_free(f->ua);
		f->ua = NULL;
		f->reg = NULL;
		return;
	}
	if (response && f->dispose_on_response)
		f->reentrant_rc = regent_registerer_dispose(r, 0);
	if (idle && f->query_on_waiting_false) {
		f->query_on_waiting_false = false;
		f->reentrant_rc = regent_registerer_query(r);
	}
	if (idle && f->register_on_waiting_false) {
		f->register_on_waiting_false = false;
		f->reentrant_rc = regent_registerer_register(r, NULL);
	}
}

struct reg_fix *reg_fix_alloc(uint64_t start_ms, uint64_t seed)
{
	struct reg_fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->now = start_ms;
	sim_rng_seed(&f->rng, seed);
	return f;
}

void reg_fix_ua(struct reg_fix *f, struct regent_ua_options *uo, struct regent_error *e,
		enum regent_transport tp, const char *local_host, uint16_t local_port,
		const char *peer_host)
{
	struct regent_env env;
	struct regent_sender snd = {NULL, reg_fix_send, NULL, f};
	struct regent_flow_info fi;

	fake_env_init(&f->fe, &env, &f->now, &f->rng);
	uo->log_h = f_log;
	uo->log_arg = f;
	uo->drop_h = f_drop;
	uo->drop_arg = f;
	e->text[0] = '\0';
	if (regent_ua_alloc_core(&f->ua, uo, &env, &snd, e) != 0)
		fail_msg("ua_alloc_core: %s", e->text);
	memset(&fi, 0, sizeof(fi));
	fi.transport = tp;
	snprintf(fi.local_host, sizeof(fi.local_host), "%s", local_host);
	fi.local_port = local_port;
	snprintf(fi.peer_host, sizeof(fi.peer_host), "%s", peer_host);
	fi.peer_port = 5060;
	regent_ua_flow_up(f->ua, &fi);
}

int reg_fix_ua_alloc(struct regent_ua **ua, struct reg_fix *f, const struct regent_ua_options *uo,
		     struct regent_error *e)
{
	struct regent_env env;
	struct regent_sender snd = {NULL, reg_fix_send, NULL, f};

	fake_env_init(&f->fe, &env, &f->now, &f->rng);
	return regent_ua_alloc_core(ua, uo, &env, &snd, e);
}

int reg_fix_registerer(struct reg_fix *f, const struct regent_registerer_options *ro,
		       struct regent_error *e)
{
	struct regent_registerer_options o = *ro;

	o.event_h = f_event;
	o.event_arg = f;
	return regent_registerer_alloc(&f->reg, f->ua, &o, e);
}

void reg_fix_free(struct reg_fix *f)
{
	if (f->reg != NULL)
		regent_registerer_free(f->reg);
	if (f->ua != NULL)
		regent_ua_free(f->ua);
	for (size_t i = 0; i < f->nsent; i++)
		free(f->sent[i]);
	free(f);
}

void reg_fix_run_until(struct reg_fix *f, uint64_t t)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d = regent_ua_next_deadline(f->ua);

		if (d > t)
			break;
		if (d > f->now)
			f->now = d;
		regent_ua_process(f->ua);
	}
	f->now = t;
}

void reg_fix_run_for(struct reg_fix *f, uint64_t ms)
{
	reg_fix_run_until(f, f->now + ms);
}

/* Fires due timers, at most `limit` ms ahead, while *count < n. */
static void run_while_below(struct reg_fix *f, size_t (*count)(const struct reg_fix *), size_t n,
			    uint64_t limit)
{
	uint64_t end = f->now + limit;

	for (int guard = 0; guard < 100000 && count(f) < n; guard++) {
		uint64_t d = regent_ua_next_deadline(f->ua);

		if (d > end)
			break;
		if (d > f->now)
			f->now = d;
		regent_ua_process(f->ua);
	}
}

static size_t count_sent(const struct reg_fix *f)
{
	return f->nsent;
}

static size_t count_requests(const struct reg_fix *f)
{
	return reg_fix_count_ev(f, REGENT_EV_REQUEST_SENT);
}

void reg_fix_run_until_sent(struct reg_fix *f, size_t n, uint64_t limit)
{
	run_while_below(f, count_sent, n, limit);
}

void reg_fix_run_until_requests(struct reg_fix *f, size_t n, uint64_t limit)
{
	run_while_below(f, count_requests, n, limit);
}

bool reg_fix_hdr(const char *m, const char *name, size_t idx, char *out, size_t size)
{
	struct regent_msg *msg = NULL;
	const struct regent_hdr *h = NULL;
	enum regent_hdr_id id = regent_hdr_id_from_name(name, strlen(name));
	bool ok = false;

	assert_int_equal(regent_msg_parse(&msg, m, strlen(m), NULL, NULL), 0);
	for (size_t i = 0; i <= idx; i++) {
		h = regent_msg_hdr_find(msg, id, name, h);
		if (h == NULL)
			break;
	}
	if (h != NULL)
		ok = regent_pl_strcpy(h->value, out, size) == 0;
	regent_msg_free(msg);
	return ok;
}

size_t reg_fix_hdr_count(const char *m, const char *name)
{
	char v[1024];
	size_t n = 0;

	while (reg_fix_hdr(m, name, n, v, sizeof(v)))
		n++;
	return n;
}

void reg_fix_reply_ids(struct reg_fix *f, size_t i, uint16_t status, const char *reason,
		       const char *extra, const char *callid, const char *ftag)
{
	char buf[4096], v[1024];
	size_t n = 0;

	assert_true(i < f->nsent);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "SIP/2.0 %u %s\r\n", status, reason);
	assert_true(reg_fix_hdr(f->sent[i], "Via", 0, v, sizeof(v)));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Via: %s\r\n", v);
	assert_true(reg_fix_hdr(f->sent[i], "From", 0, v, sizeof(v)));
	if (ftag != NULL)
		*strstr(v, ";tag=") = '\0';
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "From: %s%s%s\r\n", v,
			      ftag != NULL ? ";tag=" : "", ftag != NULL ? ftag : "");
	assert_true(reg_fix_hdr(f->sent[i], "Call-ID", 0, v, sizeof(v)));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Call-ID: %s\r\n",
			      callid != NULL ? callid : v);
	assert_true(reg_fix_hdr(f->sent[i], "CSeq", 0, v, sizeof(v)));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "CSeq: %s\r\n", v);
	assert_true(reg_fix_hdr(f->sent[i], "To", 0, v, sizeof(v)));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "To: %s;tag=srv\r\n", v);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%sContent-Length: 0\r\n\r\n",
			      extra != NULL ? extra : "");
	assert_true(n < sizeof(buf));
	regent_ua_recv(f->ua, buf, n);
}

void reg_fix_reply(struct reg_fix *f, size_t i, uint16_t status, const char *reason,
		   const char *extra)
{
	reg_fix_reply_ids(f, i, status, reason, extra, NULL, NULL);
}

void reg_fix_reply_200(struct reg_fix *f, size_t i, uint32_t e)
{
	char ct[1024], extra[1200], *semi;

	assert_true(reg_fix_hdr(f->sent[i], "Contact", 0, ct, sizeof(ct)));
	semi = strstr(ct, ";expires=");
	if (semi != NULL)
		*semi = '\0';
	snprintf(extra, sizeof(extra), "Contact: %s;expires=%u\r\n", ct, e);
	reg_fix_reply(f, i, 200, "OK", extra);
}

long reg_fix_find_ev(const struct reg_fix *f, enum regent_event_type t, size_t from)
{
	for (size_t i = from; i < f->nev; i++)
		if (f->ev[i].ev.type == t)
			return (long)i;
	return -1;
}

size_t reg_fix_count_ev(const struct reg_fix *f, enum regent_event_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nev; i++)
		n += f->ev[i].ev.type == t;
	return n;
}
