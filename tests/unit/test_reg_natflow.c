/*
 * The Registerer's NAT learning and keep-alive choice after each 2xx
 * (src/reg/natflow.c, issue 13 items 1-2), in virtual time against scripted
 * responses: a 2xx whose top Via has received/rport (RFC 3581 §4) makes the
 * Contact the learnt address in an immediate REGISTER that also removes the
 * old Contact; the loop guard holds over a simulated day of a flapping NAT;
 * the keep-alive interval (REGENT_EV_KEEPALIVE) follows RFC 5626 §4.4.1.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_env.h"
#include "msg/msg.h"
#include "regent.h"
#include "ua/ua.h"

#define MAXMSG 512

struct fix {
	uint64_t now;
	struct sim_rng rng;
	struct fake_env fe;
	char *sent[MAXMSG];
	uint64_t sent_at[MAXMSG];
	size_t nsent;
	struct regent_ua *ua;
	struct regent_registerer *reg;
	size_t nka;		/* KEEPALIVE events */
	size_t nreach;		/* REACHABILITY events */
	uint64_t last_retry_ms; /* WILL_RETRY */
	size_t nretry;
	bool reachable;
	uint16_t reach_status;
	uint32_t last_ka; /* their last interval */
	bool last_nat;
	/* every event type in order; the last CONTACT_REWRITE and FLOW_DOWN */
	enum regent_event_type types[256];
	size_t ntypes;
	char rw_old[256], rw_new[256], rw_host[64];
	uint16_t rw_port;
	int down_err;
	char down_why[160];
};

static int f_send(void *arg, const char *buf, size_t len)
{
	struct fix *f = arg;

	assert_true(f->nsent < MAXMSG);
	f->sent[f->nsent] = strndup(buf, len);
	f->sent_at[f->nsent++] = f->now;
	return 0;
}

static void f_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct fix *f = arg;

	(void)r;
	if (f->ntypes < 256)
		f->types[f->ntypes++] = ev->type;
	if (ev->type == REGENT_EV_CONTACT_REWRITE) {
		snprintf(f->rw_old, sizeof(f->rw_old), "%s", ev->old_contact);
		snprintf(f->rw_new, sizeof(f->rw_new), "%s", ev->new_contact);
		snprintf(f->rw_host, sizeof(f->rw_host), "%s", ev->learnt_host);
		f->rw_port = ev->learnt_port;
	}
	if (ev->type == REGENT_EV_FLOW_DOWN) {
		f->down_err = ev->error;
		snprintf(f->down_why, sizeof(f->down_why), "%s", ev->why);
	}
	if (ev->type == REGENT_EV_WILL_RETRY) {
		f->nretry++;
		f->last_retry_ms = ev->retry_in_ms;
	}
	if (ev->type == REGENT_EV_REACHABILITY) {
		f->nreach++;
		f->reachable = ev->reachable;
		f->reach_status = ev->status;
	}
	if (ev->type == REGENT_EV_KEEPALIVE) {
		f->nka++;
		f->last_ka = ev->keepalive_s;
		f->last_nat = ev->nat;
	}
}

/* the transport of the first flow (tests of a stable WS Contact set it) */
static enum regent_transport setup_tp = REGENT_TP_UDP;
static uint64_t setup_seed = 0x5eedull; /* another: another instance id */

static struct fix *setup(uint32_t ka, enum regent_contact_rewrite cr, uint32_t reg_id)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_env env;
	struct regent_sender snd = {NULL, f_send, NULL, f};
	struct regent_flow_info fi;
	struct regent_error e;

	assert_non_null(f);
	f->now = 1000000;
	sim_rng_seed(&f->rng, setup_seed);
	fake_env_init(&f->fe, &env, &f->now, &f->rng);
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.contact_name = "reguser";
	uo.keepalive_interval_s = ka;
	uo.contact_rewrite = cr;
	assert_int_equal(regent_ua_alloc_core(&f->ua, &uo, &env, &snd, &e), 0);
	memset(&fi, 0, sizeof(fi));
	fi.transport = setup_tp;
	strcpy(fi.local_host, "192.0.2.10");
	fi.local_port = 5060;
	strcpy(fi.peer_host, "192.0.2.1");
	fi.peer_port = 5060;
	regent_ua_flow_up(f->ua, &fi);
	regent_registerer_options_init(&ro);
	ro.expires = 600;
	ro.reg_id = reg_id;
	ro.event_h = f_event;
	ro.event_arg = f;
	assert_int_equal(regent_registerer_alloc(&f->reg, f->ua, &ro, &e), 0);
	return f;
}

static void teardown(struct fix *f)
{
	regent_registerer_free(f->reg);
	regent_ua_free(f->ua);
	for (size_t i = 0; i < f->nsent; i++)
		free(f->sent[i]);
	free(f);
}

static void run_until(struct fix *f, uint64_t t)
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

/* Runs timer by timer (bounded) until the UA has sent n requests. */
static void run_until_sent(struct fix *f, size_t n)
{
	for (int guard = 0; guard < 1000 && f->nsent < n; guard++) {
		f->now = regent_ua_next_deadline(f->ua);
		regent_ua_process(f->ua);
	}
}

/* The i-th header `name` of message m ("" when absent). */
static void hdr(const char *m, const char *name, size_t idx, char *out, size_t size)
{
	struct regent_msg *msg = NULL;
	const struct regent_hdr *h = NULL;
	enum regent_hdr_id id = regent_hdr_id_from_name(name, strlen(name));

	out[0] = '\0';
	assert_int_equal(regent_msg_parse(&msg, m, strlen(m), NULL, NULL), 0);
	for (size_t i = 0; i <= idx; i++) {
		h = regent_msg_hdr_find(msg, id, name, h);
		if (h == NULL)
			break;
	}
	if (h != NULL)
		assert_int_equal(regent_pl_strcpy(h->value, out, size), 0);
	regent_msg_free(msg);
}

/* 200 to request i, echoing its last Contact, the top Via with `via_params`
 * appended (";received=..;rport=.." or "") and `extra` header lines. */
static void reply_200(struct fix *f, size_t i, const char *via_params, const char *extra)
{
	char buf[4096], v[1024], ct[1024], *semi;
	size_t n = 0, nct = 0;
	const char *names[] = {"From", "Call-ID", "CSeq"};

	assert_true(i < f->nsent);
	hdr(f->sent[i], "Via", 0, v, sizeof(v));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "SIP/2.0 200 OK\r\nVia: %s%s\r\n", v,
			      via_params);
	for (size_t k = 0; k < 3; k++) {
		hdr(f->sent[i], names[k], 0, v, sizeof(v));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s\r\n", names[k], v);
	}
	hdr(f->sent[i], "To", 0, v, sizeof(v));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "To: %s;tag=srv\r\n", v);
	for (;; nct++) {
		hdr(f->sent[i], "Contact", nct, v, sizeof(v));
		if (v[0] == '\0')
			break;
		strcpy(ct, v);
	}
	semi = strstr(ct, ";expires=");
	if (semi != NULL)
		*semi = '\0';
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Contact: %s;expires=600\r\n%s", ct,
			      extra != NULL ? extra : "");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Content-Length: 0\r\n\r\n");
	assert_true(n < sizeof(buf));
	regent_ua_recv(f->ua, buf, n);
}

static void rewrite_removes_old_contact_in_the_same_register(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);
	char c0[512], c1[512];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(f->nsent, 1);
	reply_200(f, 0, ";received=203.0.113.7;rport=40001", NULL);
	run_until(f, f->now + 10); /* the re-REGISTER goes at once */
	assert_int_equal(f->nsent, 2);
	hdr(f->sent[1], "Contact", 0, c0, sizeof(c0));
	hdr(f->sent[1], "Contact", 1, c1, sizeof(c1));
	assert_string_equal(c0, "<sip:reguser@192.0.2.10:5060;transport=udp>;expires=0");
	assert_true(strncmp(c1, "<sip:reguser@203.0.113.7:40001;transport=udp>", 45) == 0);
	/* the Via stays our own address (RFC 3261 §18.1.1) */
	hdr(f->sent[1], "Via", 0, c0, sizeof(c0));
	assert_true(strncmp(c0, "SIP/2.0/UDP 192.0.2.10:5060;", 28) == 0);
	/* keep-alive on by itself: UDP behind a NAT, 20-25 s */
	assert_int_equal(f->nka, 1);
	assert_true(f->last_ka >= 20 && f->last_ka <= 25);
	assert_true(f->last_nat);
	/* its 2xx: same learnt address, nothing more until the refresh */
	reply_200(f, 1, ";received=203.0.113.7;rport=40001", NULL);
	run_until(f, f->now + 60000);
	assert_int_equal(f->nsent, 2);
	hdr(f->sent[1], "Contact", 0, c0, sizeof(c0));
	/* the refresh: one Contact, the public one */
	run_until_sent(f, 3);
	assert_int_equal(f->nsent, 3);
	hdr(f->sent[2], "Contact", 0, c0, sizeof(c0));
	hdr(f->sent[2], "Contact", 1, c1, sizeof(c1));
	assert_true(strncmp(c0, "<sip:reguser@203.0.113.7:40001;", 31) == 0);
	assert_string_equal(c1, "");
	assert_int_equal(f->nka, 1); /* the interval was not drawn again */
	teardown(f);
}

static void rewrite_off_keeps_contact_but_keeps_alive(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_OFF, 0);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, ";received=203.0.113.7;rport=40001", NULL);
	run_until(f, f->now + 60000);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->nka, 1);
	assert_true(f->last_ka >= 20 && f->last_ka <= 25);
	teardown(f);
}

static void no_nat_no_keepalive_no_rewrite(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, ";received=192.0.2.10;rport=5060", NULL);
	run_until(f, f->now + 60000);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->nka, 0);
	teardown(f);
}

static void user_interval_and_off(void **state)
{
	struct fix *f = setup(7, REGENT_CONTACT_REWRITE_AUTO, 0);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, "", NULL);
	assert_int_equal(f->nka, 1);
	assert_int_equal(f->last_ka, 7);
	teardown(f);
	f = setup(REGENT_KEEPALIVE_OFF, REGENT_CONTACT_REWRITE_AUTO, 0);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, ";received=203.0.113.7;rport=40001", NULL);
	assert_int_equal(f->nka, 0); /* never on: nothing to tell */
	teardown(f);
}

/* RFC 5626 §4.4.1: 80-100 % of Flow-Timer; no rewrite with outbound. */
static void outbound_flow_timer(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 1);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, ";received=203.0.113.7;rport=40001",
		  "Require: outbound\r\nFlow-Timer: 30\r\n");
	run_until(f, f->now + 60000);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->nka, 1);
	assert_true(f->last_ka >= 24 && f->last_ka <= 30);
	teardown(f);
}

/* A NAT that gives a new public port at every 2xx for a simulated day: at
 * most REGENT_REG_NAT_MAX_REWRITES (4) rewrites an hour, never a tight loop
 * (no two REGISTERs closer than the rewrite's one round trip except the
 * rewrite right after its 2xx). */
static void flapping_nat_for_a_day_is_bounded(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);
	uint64_t end = f->now + 24ull * 3600 * 1000;
	size_t answered = 0, rewrites = 0;
	char via[64], c1[512];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	while (f->now < end && f->nsent < MAXMSG) {
		uint64_t d;

		if (answered < f->nsent) {
			/* answered at once: no retransmission */
			snprintf(via, sizeof(via), ";received=203.0.113.7;rport=%u",
				 (unsigned)(40000 + answered));
			reply_200(f, answered++, via, NULL);
			continue;
		}
		d = regent_ua_next_deadline(f->ua);
		if (d > end)
			break;
		f->now = d > f->now ? d : f->now;
		regent_ua_process(f->ua);
	}
	for (size_t i = 0; i < f->nsent; i++) {
		hdr(f->sent[i], "Contact", 1, c1, sizeof(c1));
		rewrites += c1[0] != '\0';
	}
	/* refreshes every ~9.5-10 min: ~150 a day, plus <= 4 rewrites an hour */
	assert_true(rewrites <= 4 * 24 + 4);
	assert_true(rewrites >= 24); /* it does rewrite each hour */
	assert_true(f->nsent <= 160 + rewrites);
	teardown(f);
}

/* Answers request i (any method) with a bare final response. */
static void reply_status(struct fix *f, size_t i, unsigned status)
{
	char buf[2048], v[512];
	size_t n = 0;
	const char *names[] = {"Via", "From", "To", "Call-ID", "CSeq"};

	n += (size_t)snprintf(buf, sizeof(buf), "SIP/2.0 %u Whatever\r\n", status);
	for (size_t k = 0; k < 5; k++) {
		hdr(f->sent[i], names[k], 0, v, sizeof(v));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s\r\n", names[k], v);
	}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Content-Length: 0\r\n\r\n");
	regent_ua_recv(f->ua, buf, n);
}

/* The probe (issue 13 item 5): sent once idle, to our AOR with a marked
 * Call-ID; seen back: reachable; a final answer of another: NO with its
 * status; nothing: NO at the timeout; never two at once. */
static void reachability_probe(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);
	char v[256];

	(void)state;
	assert_int_equal(regent_registerer_check_reachability(f->reg, 1000), ENOTCONN);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, "", NULL);
	assert_int_equal(regent_registerer_check_reachability(f->reg, 1000), 0);
	assert_int_equal(regent_registerer_check_reachability(f->reg, 1000), EBUSY);
	run_until(f, f->now + 1);
	assert_int_equal(f->nsent, 2);
	assert_true(strncmp(f->sent[1], "OPTIONS sip:alice@example.com SIP/2.0\r\n", 39) == 0);
	hdr(f->sent[1], "Call-ID", 0, v, sizeof(v));
	assert_true(strncmp(v, "regent-reach-", 13) == 0);
	/* it comes back over our flow 40 ms later */
	run_until(f, f->now + 40);
	regent_ua_edge_probe_seen(f->ua, 0, "regent-reach-not-ours");
	assert_int_equal(f->nreach, 0);
	regent_ua_edge_probe_seen(f->ua, 0, v);
	assert_int_equal(f->nreach, 1);
	assert_true(f->reachable);
	reply_status(f, 1, 200); /* our own 200 relayed back: absorbed */
	assert_int_equal(f->nreach, 1);
	/* a second probe answered 477 by the proxy: NO with that status */
	assert_int_equal(regent_registerer_check_reachability(f->reg, 1000), 0);
	run_until(f, f->now + 1);
	assert_int_equal(f->nsent, 3);
	reply_status(f, 2, 477);
	assert_int_equal(f->nreach, 2);
	assert_false(f->reachable);
	assert_int_equal(f->reach_status, 477);
	/* a third: nothing at all, NO at the timeout, not before */
	assert_int_equal(regent_registerer_check_reachability(f->reg, 1000), 0);
	run_until(f, f->now + 999);
	assert_int_equal(f->nreach, 2);
	run_until(f, f->now + 2);
	assert_int_equal(f->nreach, 3);
	assert_false(f->reachable);
	assert_int_equal(f->reach_status, 0);
	teardown(f);
}

/* Issue 13: a flow that drops under a held registration is reopened and
 * re-registered at once (under 0.5 s), once; a second drop in a row gets
 * the RFC 5626 §4.5 back-off. */
static void dropped_flow_reregisters_at_once_once(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);
	struct regent_flow_info fi;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, "", NULL);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	regent_ua_flow_down(f->ua, ECONNRESET);
	assert_int_equal(f->nretry, 1);
	assert_true(f->last_retry_ms < 500);
	memset(&fi, 0, sizeof(fi));
	fi.transport = REGENT_TP_UDP;
	strcpy(fi.local_host, "192.0.2.10");
	fi.local_port = 5062;
	regent_ua_flow_up(f->ua, &fi);
	run_until(f, f->now + 500);
	assert_int_equal(f->nsent, 2); /* the re-REGISTER, at once */
	/* dropped again before its answer: now the back-off */
	regent_ua_flow_down(f->ua, ECONNRESET);
	assert_true(f->nretry >= 2);
	assert_true(f->last_retry_ms >= 5000);
	teardown(f);
}

/* A 200 to request i listing exactly `contact` (none when NULL). */
static void reply_200_ct(struct fix *f, size_t i, const char *contact)
{
	char buf[4096], v[1024];
	size_t n = 0;
	const char *names[] = {"Via", "From", "Call-ID", "CSeq"};

	n += (size_t)snprintf(buf, sizeof(buf), "SIP/2.0 200 OK\r\n");
	for (size_t k = 0; k < 4; k++) {
		hdr(f->sent[i], names[k], 0, v, sizeof(v));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s\r\n", names[k], v);
	}
	hdr(f->sent[i], "To", 0, v, sizeof(v));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "To: %s;tag=srv\r\n", v);
	if (contact != NULL)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Contact: <%s>;expires=600\r\n",
				      contact);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Content-Length: 0\r\n\r\n");
	assert_true(n < sizeof(buf));
	regent_ua_recv(f->ua, buf, n);
}

static void new_flow(struct fix *f, enum regent_transport tp, uint16_t port)
{
	struct regent_flow_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.transport = tp;
	strcpy(fi.local_host, "192.0.2.10");
	fi.local_port = port;
	strcpy(fi.peer_host, "192.0.2.1");
	fi.peer_port = 5060;
	regent_ua_flow_up(f->ua, &fi);
}

/* Issue 13: a new TCP connection has a new local port, hence a new
 * Contact; the first REGISTER over it removes the lost flow's Contact
 * (expires=0 in the same request, RFC 3261 §10.2.2), after our own, so
 * the registrar is left with one binding; the removal is sent until a
 * 2xx, and not again after it. */
static void new_flow_removes_the_lost_flows_contact(void **state)
{
	struct fix *f;
	char c0[512], c1[512];

	(void)state;
	setup_tp = REGENT_TP_TCP;
	f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);
	setup_tp = REGENT_TP_UDP;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200_ct(f, 0, "sip:reguser@192.0.2.10:5060;transport=tcp");
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	regent_ua_flow_down(f->ua, ECONNRESET);
	new_flow(f, REGENT_TP_TCP, 40123);
	run_until(f, f->now + 600);
	assert_int_equal(f->nsent, 2);
	hdr(f->sent[1], "Contact", 0, c0, sizeof(c0));
	hdr(f->sent[1], "Contact", 1, c1, sizeof(c1));
	assert_string_equal(c0, "<sip:reguser@192.0.2.10:40123;transport=tcp>;expires=600");
	assert_string_equal(c1, "<sip:reguser@192.0.2.10:5060;transport=tcp>;expires=0");
	/* unanswered (the flow drops again): the next try still removes it */
	regent_ua_flow_down(f->ua, ECONNRESET);
	new_flow(f, REGENT_TP_TCP, 40124);
	run_until_sent(f, 3);
	assert_int_equal(f->nsent, 3);
	hdr(f->sent[2], "Contact", 0, c0, sizeof(c0));
	hdr(f->sent[2], "Contact", 1, c1, sizeof(c1));
	assert_string_equal(c0, "<sip:reguser@192.0.2.10:40124;transport=tcp>;expires=600");
	assert_string_equal(c1, "<sip:reguser@192.0.2.10:5060;transport=tcp>;expires=0");
	reply_200_ct(f, 2, "sip:reguser@192.0.2.10:40124;transport=tcp");
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	/* the refresh: our Contact only */
	run_until_sent(f, 4);
	assert_int_equal(f->nsent, 4);
	hdr(f->sent[3], "Contact", 0, c0, sizeof(c0));
	hdr(f->sent[3], "Contact", 1, c1, sizeof(c1));
	assert_string_equal(c0, "<sip:reguser@192.0.2.10:40124;transport=tcp>;expires=600");
	assert_string_equal(c1, "");
	teardown(f);
}

/* Issue 13 / RFC 7118 §5: on WS the Contact host is a stable
 * "<12 chars>.invalid", the same over every connection of the UA (SIP.js
 * does this), never rewritten from received/rport; a reconnect sends the
 * same single Contact; another UA (another instance id) gets another. */
static void ws_contact_is_stable_across_flows(void **state)
{
	struct fix *f, *g;
	char c0[512], c1[512], other[512];

	(void)state;
	setup_tp = REGENT_TP_WS;
	f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);
	setup_seed = 0xfeedull;
	g = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);
	setup_seed = 0x5eedull;
	setup_tp = REGENT_TP_UDP;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	hdr(f->sent[0], "Contact", 0, c0, sizeof(c0));
	assert_true(strncmp(c0, "<sip:reguser@", 13) == 0);
	assert_int_equal(strspn(c0 + 13, "abcdefghijklmnopqrstuvwxyz0123456789"), 12);
	assert_string_equal(c0 + 25, ".invalid;transport=ws>;expires=600");
	/* a NAT seen: no rewrite of a WS Contact */
	reply_200(f, 0, ";received=203.0.113.7;rport=40001", NULL);
	run_until(f, f->now + 10);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	/* the connection drops; the next one has another local port */
	regent_ua_flow_down(f->ua, ECONNRESET);
	new_flow(f, REGENT_TP_WS, 40555);
	run_until(f, f->now + 600);
	assert_int_equal(f->nsent, 2);
	hdr(f->sent[1], "Contact", 0, c1, sizeof(c1));
	assert_string_equal(c1, c0);
	hdr(f->sent[1], "Contact", 1, c1, sizeof(c1));
	assert_string_equal(c1, "");
	/* another UA: another host */
	assert_int_equal(regent_registerer_register(g->reg, NULL), 0);
	hdr(g->sent[0], "Contact", 0, other, sizeof(other));
	assert_string_not_equal(other, c0);
	teardown(f);
	teardown(g);
}

static size_t index_of(const struct fix *f, enum regent_event_type t)
{
	for (size_t i = 0; i < f->ntypes; i++)
		if (f->types[i] == t)
			return i;
	return SIZE_MAX;
}

/* Issue 13: a contact rewrite and a failed flow are events, not only log
 * lines: CONTACT_REWRITE with the old and new Contact and the learnt
 * address; FLOW_DOWN with the flow's error, before the loss it causes. */
static void rewrite_and_flow_down_are_events(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, ";received=203.0.113.7;rport=40001", NULL);
	assert_int_not_equal(index_of(f, REGENT_EV_CONTACT_REWRITE), SIZE_MAX);
	assert_string_equal(f->rw_old, "sip:reguser@192.0.2.10:5060;transport=udp");
	assert_string_equal(f->rw_new, "sip:reguser@203.0.113.7:40001;transport=udp");
	assert_string_equal(f->rw_host, "203.0.113.7");
	assert_int_equal(f->rw_port, 40001);
	assert_string_equal(regent_event_type_name(REGENT_EV_CONTACT_REWRITE), "contact_rewrite");
	run_until(f, f->now + 10);
	reply_200(f, 1, ";received=203.0.113.7;rport=40001", NULL);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	/* the keep-alive went unanswered (src/net/conn_ka.c: ETIMEDOUT) */
	f->ntypes = 0;
	regent_ua_flow_down(f->ua, ETIMEDOUT);
	assert_int_equal(f->types[0], REGENT_EV_FLOW_DOWN);
	assert_int_equal(f->down_err, ETIMEDOUT);
	assert_non_null(strstr(f->down_why, "keep-alive not answered"));
	assert_true(index_of(f, REGENT_EV_REGISTRATION_LOST) > 0);
	assert_string_equal(regent_event_type_name(REGENT_EV_FLOW_DOWN), "flow_down");
	assert_string_equal(regent_event_type_name((enum regent_event_type)999), "unknown");
	/* a reset connection: its own error */
	new_flow(f, REGENT_TP_UDP, 5070);
	f->ntypes = 0;
	regent_ua_flow_down(f->ua, ECONNRESET);
	assert_int_equal(f->types[0], REGENT_EV_FLOW_DOWN);
	assert_int_equal(f->down_err, ECONNRESET);
	teardown(f);
}

/* RFC 3608 §6.1: the probe, a request after the registration, carries the
 * Service-Route of the 2xx as its Route, after the preloaded route set. */
static void reachability_probe_follows_the_service_route(void **state)
{
	struct fix *f = setup(0, REGENT_CONTACT_REWRITE_AUTO, 0);
	char v[256];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	hdr(f->sent[0], "Route", 0, v, sizeof(v));
	assert_string_equal(v, ""); /* none before */
	reply_200(f, 0, "",
		  "Service-Route: <sip:orig@sr1.example.com;lr>\r\n"
		  "Service-Route: <sip:sr2.example.com;lr>\r\n");
	assert_int_equal(regent_registerer_check_reachability(f->reg, 1000), 0);
	run_until(f, f->now + 1);
	assert_int_equal(f->nsent, 2);
	assert_true(strncmp(f->sent[1], "OPTIONS ", 8) == 0);
	hdr(f->sent[1], "Route", 0, v, sizeof(v));
	assert_string_equal(v, "<sip:orig@sr1.example.com;lr>, <sip:sr2.example.com;lr>");
	teardown(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rewrite_removes_old_contact_in_the_same_register),
	    cmocka_unit_test(rewrite_off_keeps_contact_but_keeps_alive),
	    cmocka_unit_test(no_nat_no_keepalive_no_rewrite),
	    cmocka_unit_test(user_interval_and_off),
	    cmocka_unit_test(outbound_flow_timer),
	    cmocka_unit_test(flapping_nat_for_a_day_is_bounded),
	    cmocka_unit_test(reachability_probe),
	    cmocka_unit_test(dropped_flow_reregisters_at_once_once),
	    cmocka_unit_test(new_flow_removes_the_lost_flows_contact),
	    cmocka_unit_test(ws_contact_is_stable_across_flows),
	    cmocka_unit_test(rewrite_and_flow_down_are_events),
	    cmocka_unit_test(reachability_probe_follows_the_service_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
