/*
 * The Registerer over a lossy link against a tiny scripted registrar, in
 * virtual time: 24 h, 30 % loss each way, duplicated responses, expires 60.
 * Proves the binding is held almost all the time, no minute carries a storm,
 * `waiting` never sticks, and no 0 ms loop (bounded steps).
 * Unlike the other tests here it needs no harness: the registrar is a
 * few lines below (test_sim_lossy_day runs the real registrar core).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "fake_env.h"
#include "regent.h"

#define QMAX 64
#define DAY_MS (24ull * 3600 * 1000)

struct pkt {
	uint64_t at;
	char *data;
	size_t len;
};

struct soak {
	uint64_t now;
	struct sim_rng rng; /* the link's losses and delays, and the UA's bytes */
	struct fake_env fe; /* now and rng, as the UA's regent_env */
	struct pkt q[QMAX]; /* responses in flight to the UA */
	size_t nq;
	uint64_t bound_until; /* registrar: our binding expires at */
	uint64_t held_ms, last_t;
	uint32_t per_min[24 * 60];
	uint64_t waiting_since;
	uint64_t max_waiting;
	bool waiting;
	size_t requests;
};

static uint64_t rnd(struct soak *s)
{
	return sim_rng_next(&s->rng);
}

static void enqueue(struct soak *s, const char *b, size_t l, uint64_t delay)
{
	if (s->nq == QMAX)
		return; /* a full link drops */
	s->q[s->nq].at = s->now + delay;
	s->q[s->nq].data = malloc(l);
	assert_non_null(s->q[s->nq].data);
	memcpy(s->q[s->nq].data, b, l);
	s->q[s->nq].len = l;
	s->nq++;
}

/* The registrar: answers every REGISTER with 200 and the Contact it got. */
static int s_send(void *arg, const char *buf, size_t len)
{
	struct soak *s = arg;
	struct regent_msg *m = NULL;
	struct regent_wbuf wb;
	const struct regent_hdr *h;
	uint32_t e = 0;
	char out[2048];

	s->requests++;
	if (s->now / 60000 < 24 * 60)
		s->per_min[s->now / 60000]++;
	if (rnd(s) % 100 < 30)
		return 0; /* lost on the way up */
	assert_int_equal(regent_msg_parse(&m, buf, len, NULL, NULL), 0);
	regent_wbuf_init_fixed(&wb, out, sizeof(out));
	regent_build_status_line(&wb, 200, "OK");
	for (size_t i = 0; i < regent_msg_hdr_count(m); i++) {
		h = regent_msg_hdr_at(m, i);
		if (h->id == REGENT_HDR_VIA || h->id == REGENT_HDR_FROM ||
		    h->id == REGENT_HDR_CALL_ID || h->id == REGENT_HDR_CSEQ ||
		    h->id == REGENT_HDR_CONTACT) {
			regent_wbuf_write(&wb, h->name.p, h->name.l);
			regent_wbuf_puts(&wb, ": ");
			regent_wbuf_write(&wb, h->value.p, h->value.l);
			regent_wbuf_puts(&wb, "\r\n");
		} else if (h->id == REGENT_HDR_TO) {
			regent_wbuf_puts(&wb, "To: ");
			regent_wbuf_write(&wb, h->value.p, h->value.l);
			regent_wbuf_puts(&wb, ";tag=reg\r\n");
		}
	}
	if (regent_msg_u32(m, REGENT_HDR_EXPIRES, &e) == 0) {
		uint64_t until = s->now + (uint64_t)e * 1000u;
		s->bound_until = e == 0 ? 0 : until;
	}
	assert_int_equal(regent_build_finish(&wb, NULL, 0), 0);
	regent_msg_free(m);
	if (rnd(s) % 100 >= 30)
		enqueue(s, out, wb.len, 20 + rnd(s) % 200);
	if (rnd(s) % 100 < 10)
		enqueue(s, out, wb.len, 300 + rnd(s) % 2000); /* a duplicate, late */
	return 0;
}

static void s_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct soak *s = arg;

	(void)r;
	if (ev->type != REGENT_EV_WAITING_CHANGED)
		return;
	if (ev->waiting) {
		s->waiting = true;
		s->waiting_since = s->now;
	} else if (s->waiting) {
		s->waiting = false;
		if (s->now - s->waiting_since > s->max_waiting)
			s->max_waiting = s->now - s->waiting_since;
	}
}

static void account(struct soak *s, uint64_t t)
{
	/* time the registrar held a live binding of ours */
	uint64_t a = s->last_t, b = t;
	if (s->bound_until > a)
		s->held_ms += (s->bound_until < b ? s->bound_until : b) - a;
	s->last_t = t;
}

static void day_at_30_percent_loss_holds_binding_and_never_storms(void **state)
{
	struct soak *s = calloc(1, sizeof(*s));
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_env env;
	struct regent_sender snd = {NULL, s_send, NULL, s};
	struct regent_flow_info fi;
	struct regent_ua *ua;
	struct regent_registerer *r;
	struct regent_error e;
	uint64_t end, steps = 0;
	uint32_t worst = 0;

	(void)state;
	assert_non_null(s);
	sim_rng_seed(&s->rng, 0x2545f4914f6cdd1dull);
	fake_env_init(&s->fe, &env, &s->now, &s->rng);
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	assert_int_equal(regent_ua_alloc_core(&ua, &uo, &env, &snd, &e), 0);
	memset(&fi, 0, sizeof(fi));
	fi.transport = REGENT_TP_UDP;
	strcpy(fi.local_host, "127.0.0.1");
	fi.local_port = 5060;
	regent_ua_flow_up(ua, &fi);
	regent_registerer_options_init(&ro);
	ro.expires = 60;
	ro.log_configuration = false;
	ro.event_h = s_event;
	ro.event_arg = s;
	assert_int_equal(regent_registerer_alloc(&r, ua, &ro, &e), 0);
	assert_int_equal(regent_registerer_register(r, NULL), 0);

	end = s->now + DAY_MS;
	while (s->now < end) {
		uint64_t next = regent_ua_next_deadline(ua);
		size_t qi = QMAX;
		for (size_t i = 0; i < s->nq; i++) {
			if (s->q[i].at < next) {
				next = s->q[i].at;
				qi = i;
			}
		}
		assert_true(next != UINT64_MAX);
		assert_true(++steps < 2000000); /* no tight loop */
		if (next > end)
			next = end;
		if (next > s->now) {
			account(s, next);
			s->now = next;
		}
		if (qi != QMAX && s->q[qi].at <= s->now) {
			struct pkt p = s->q[qi];
			s->q[qi] = s->q[--s->nq];
			regent_ua_recv(ua, p.data, p.len);
			free(p.data);
		} else {
			regent_ua_process(ua);
		}
		if (s->waiting)
			assert_true(s->now - s->waiting_since <= 64u * 500u + 1000u);
	}
	for (size_t m = 0; m < 24 * 60; m++)
		if (s->per_min[m] > worst)
			worst = s->per_min[m];
	print_message("24 h at 30%% loss: binding held %.3f%% of the time, %zu REGISTER "
		      "sends (retransmissions included), worst minute %u, longest wait %" PRIu64
		      " ms, %" PRIu64 " steps\n",
		      100.0 * (double)s->held_ms / (double)DAY_MS, s->requests, worst,
		      s->max_waiting, steps);
	assert_true(s->held_ms * 100 >= DAY_MS * 99);
	assert_true(worst <= 30); /* sends incl. timer E retransmissions */
	assert_true(s->max_waiting <= 64u * 500u + 1000u);
	regent_registerer_free(r);
	regent_ua_free(ua);
	for (size_t i = 0; i < s->nq; i++)
		free(s->q[i].data);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(day_at_30_percent_loss_holds_binding_and_never_storms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
