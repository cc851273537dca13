/*
 * sim_harness — Registerer + registrar core + sim_net in virtual time
 * (see sim_harness.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg/response.h"
#include "sim_harness.h"

/* A step that does not move time forward is fine a few times (several
 * things due at once); this many in a row is a 0 ms timer loop. */
enum { SIM_MAX_STALL = 1000 };
/* Whole-run budget: 24 h of a healthy registration takes ~10^5 steps. */
enum { SIM_MAX_STEPS = 20000000 };

/* Server transactions remembered (a ring), and for how long: timer J,
 * 64*T1 on unreliable transports (RFC 3261 §17.2.2). */
enum { SIM_STX_SLOTS = 64 };
#define SIM_STX_LIFE_MS 32000

struct sim_stx_slot {
	char key[160]; /* branch, CSeq number and method */
	uint64_t until;
	char *resp; /* NULL: nothing sent (dropped) */
	size_t resp_len;
};

struct sim_stx {
	struct sim_stx_slot slot[SIM_STX_SLOTS];
	size_t next;
};

void sim_setup_init(struct sim_setup *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	regent_ua_options_init(&s->ua);
	s->ua.uri = "sip:alice@example.com";
	s->ua.authorization_password = "secret";
	s->ua.contact_name = "alice-sim";
	regent_registerer_options_init(&s->reg);
	s->reg.reg_id = 1;
	s->reg.log_configuration = false;
	regent_registrar_options_init(&s->registrar);
	s->registrar.realm = "example.com";
	s->registrar.auth = true;
	s->user = "alice";
	s->password = "secret";
	s->keep_msgs = true;
	(void)seed;
}

uint64_t sim_now(const struct sim_harness *h)
{
	return h->now - SIM_T0_MS;
}

static void count_minute(struct sim_harness *h, uint32_t **arr)
{
	size_t m = (size_t)(sim_now(h) / 60000);

	if (m >= h->n_min) {
		size_t n = m + 64;
		uint32_t *a = realloc(h->min_sends, n * sizeof(*a));
		uint32_t *b;

		if (a == NULL)
			return;
		h->min_sends = a;
		b = realloc(h->min_requests, n * sizeof(*b));
		if (b == NULL)
			return;
		h->min_requests = b;
		memset(a + h->n_min, 0, (n - h->n_min) * sizeof(*a));
		memset(b + h->n_min, 0, (n - h->n_min) * sizeof(*b));
		h->n_min = n;
	}
	(*arr)[m]++;
}

static int sender_send(void *arg, const char *buf, size_t len)
{
	struct sim_harness *h = arg;

	if (!h->flow_ok) {
		h->send_errors++;
		return ENOTCONN;
	}
	h->sends++;
	count_minute(h, &h->min_sends);
	return sim_net_send(h->net, SIM_UP, h->now, buf, len);
}

static void record(struct sim_harness *h, const struct regent_event *ev)
{
	struct sim_event *e;

	if (h->n_ev == h->cap_ev) {
		size_t n = h->cap_ev ? h->cap_ev * 2 : 256;
		struct sim_event *a = realloc(h->ev, n * sizeof(*a));

		if (a == NULL)
			return;
		h->ev = a;
		h->cap_ev = n;
	}
	e = &h->ev[h->n_ev++];
	memset(e, 0, sizeof(*e));
	e->t = sim_now(h);
	e->type = ev->type;
	e->state = ev->state;
	e->old_state = ev->old_state;
	e->waiting = ev->waiting;
	e->reason = ev->reason;
	e->cseq = ev->cseq;
	e->status = ev->status;
	e->local = ev->local;
	e->granted_expires = ev->granted_expires;
	e->retry_in_ms = ev->retry_in_ms;
	if (ev->why != NULL)
		snprintf(e->why, sizeof(e->why), "%s", ev->why);
	if (h->keep_msgs && ev->msg != NULL) {
		e->msg = malloc(ev->msg_len + 1);
		if (e->msg != NULL) {
			memcpy(e->msg, ev->msg, ev->msg_len);
			e->msg[ev->msg_len] = '\0';
			e->msg_len = ev->msg_len;
		}
	}
}

static void event_h(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	(void)r;
	struct sim_harness *h = arg;

	record(h, ev);
	switch (ev->type) {
	case REGENT_EV_WAITING_CHANGED:
		if (ev->waiting) {
			h->waiting_since = h->now;
			/* The request may be reported just before waiting. */
			h->waiting_txns = h->last_request_sent == h->now ? 1 : 0;
		} else if (h->waiting_since != 0) {
			if (h->now - h->waiting_since > h->max_waiting_ms)
				h->max_waiting_ms = h->now - h->waiting_since;
			h->waiting_since = 0;
		}
		break;
	case REGENT_EV_REQUEST_SENT:
		count_minute(h, &h->min_requests);
		h->last_request_sent = h->now;
		h->waiting_txns++;
		break;
	case REGENT_EV_RESPONSE:
		if (h->last_request_sent != 0) {
			if (h->now - h->last_request_sent > h->max_txn_ms)
				h->max_txn_ms = h->now - h->last_request_sent;
			h->last_request_sent = 0;
		}
		break;
	default:
		break;
	}
	if (h->on_event != NULL)
		h->on_event(h, ev, h->on_event_arg);
}

static void format_uuid(struct sim_rng *rng, char out[37])
{
	unsigned char b[16];

	sim_rng_bytes(rng, b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

int sim_harness_alloc(struct sim_harness **hp, const struct sim_setup *s, uint64_t seed)
{
	struct sim_harness *h;
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_registrar_options rgo;
	struct regent_env env;
	struct regent_sender snd;
	struct regent_error e;
	int err;

	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return ENOMEM;
	h->seed = seed;
	h->now = SIM_T0_MS;
	h->keep_msgs = s->keep_msgs;
	sim_rng_seed(&h->ua_rng, seed);
	sim_rng_seed(&h->registrar_rng, seed ^ 0x7265676973747261ULL);

	h->stx = calloc(1, sizeof(*h->stx));
	if (h->stx == NULL) {
		err = ENOMEM;
		goto out;
	}
	err = sim_net_alloc(&h->net, seed);
	if (err)
		goto out;

	rgo = s->registrar;
	rgo.random = sim_rng_fill;
	rgo.random_arg = &h->registrar_rng;
	err = regent_registrar_alloc(&h->registrar, &rgo);
	if (err)
		goto out;
	if (s->user != NULL) {
		err = regent_registrar_add_user(h->registrar, s->user, s->password);
		if (err)
			goto out;
	}

	uo = s->ua;
	if (uo.instance_id == NULL) {
		format_uuid(&h->ua_rng, h->instance_id);
		uo.instance_id = h->instance_id;
	} else {
		snprintf(h->instance_id, sizeof(h->instance_id), "%s", uo.instance_id);
	}
	fake_env_init(&h->ua_env, &env, &h->now, &h->ua_rng);
	snd.open = NULL;
	snd.send = sender_send;
	snd.close = NULL;
	snd.arg = h;
	memset(&e, 0, sizeof(e));
	err = regent_ua_alloc_core(&h->ua, &uo, &env, &snd, &e);
	if (err) {
		fprintf(stderr, "sim: regent_ua_alloc_core: %s\n", e.text);
		goto out;
	}

	h->fi.transport = REGENT_TP_UDP;
	snprintf(h->fi.local_host, sizeof(h->fi.local_host), "127.0.0.1");
	h->fi.local_port = 5070;
	snprintf(h->fi.peer_host, sizeof(h->fi.peer_host), "127.0.0.1");
	h->fi.peer_port = 5060;
	h->flow_ok = true;
	regent_ua_flow_up(h->ua, &h->fi);

	ro = s->reg;
	ro.event_h = event_h;
	ro.event_arg = h;
	err = regent_registerer_alloc(&h->reg, h->ua, &ro, &e);
	if (err) {
		fprintf(stderr, "sim: regent_registerer_alloc: %s\n", e.text);
		goto out;
	}
	*hp = h;
	return 0;
out:
	sim_harness_free(h);
	return err;
}

void sim_harness_free(struct sim_harness *h)
{
	if (h == NULL)
		return;
	if (h->reg != NULL)
		regent_registerer_free(h->reg);
	if (h->ua != NULL)
		regent_ua_free(h->ua);
	if (h->registrar != NULL)
		regent_registrar_free(h->registrar);
	sim_net_free(h->net);
	if (h->stx != NULL) {
		for (size_t i = 0; i < SIM_STX_SLOTS; i++)
			free(h->stx->slot[i].resp);
		free(h->stx);
	}
	for (size_t i = 0; i < h->n_ev; i++)
		free(h->ev[i].msg);
	free(h->ev);
	free(h->min_sends);
	free(h->min_requests);
	free(h);
}

/* The transaction key of a request: top Via branch, CSeq number, method. */
static bool stx_key(const struct regent_msg *req, char *key, size_t size)
{
	struct regent_msg_iter it = {0};
	struct regent_via via;
	struct regent_pl method;
	uint32_t cseq;

	if (regent_msg_via_next(req, &it, &via) != 0 || !regent_pl_isset(via.branch) ||
	    regent_msg_cseq(req, &cseq, &method) != 0)
		return false;
	return snprintf(key, size, "%.*s %u %.*s", (int)via.branch.l, via.branch.p, cseq,
			(int)method.l, method.p) < (int)size;
}

static struct sim_stx_slot *stx_find(struct sim_harness *h, const char *key)
{
	for (size_t i = 0; i < SIM_STX_SLOTS; i++) {
		struct sim_stx_slot *sl = &h->stx->slot[i];

		if (sl->until > h->now && strcmp(sl->key, key) == 0)
			return sl;
	}
	return NULL;
}

static void stx_store(struct sim_harness *h, const char *key, const char *resp, size_t len)
{
	struct sim_stx_slot *sl = &h->stx->slot[h->stx->next];

	h->stx->next = (h->stx->next + 1) % SIM_STX_SLOTS;
	free(sl->resp);
	sl->resp = NULL;
	sl->resp_len = 0;
	snprintf(sl->key, sizeof(sl->key), "%s", key);
	sl->until = h->now + SIM_STX_LIFE_MS;
	if (resp != NULL && len > 0) {
		sl->resp = malloc(len);
		if (sl->resp != NULL) {
			memcpy(sl->resp, resp, len);
			sl->resp_len = len;
		}
	}
}

/* One request reaches the registrar side. */
static void registrar_deliver(struct sim_harness *h, const struct sim_packet *pk)
{
	struct regent_wbuf wb, out;
	struct regent_msg *req = NULL;
	enum sim_script_action act = SIM_PASS;
	const char *resp = NULL;
	size_t resp_len = 0;
	char key[160];
	bool have_key = false;
	int err;

	h->requests_to_registrar++;
	if (regent_msg_parse(&req, pk->data, pk->len, NULL, NULL) != 0)
		req = NULL;
	if (req != NULL && !regent_msg_is_request(req)) {
		regent_msg_free(req);
		req = NULL;
	}
	if (h->front_txn && req != NULL && stx_key(req, key, sizeof(key))) {
		struct sim_stx_slot *sl = stx_find(h, key);

		have_key = true;
		if (sl != NULL && sl->resp != NULL) {
			/* A retransmission: the transaction answers it again. */
			h->n_stx_hits++;
			(void)sim_net_send(h->net, SIM_DOWN, h->now, sl->resp, sl->resp_len);
			regent_msg_free(req);
			return;
		}
	}

	regent_wbuf_init_dynamic(&wb, 65536);
	regent_wbuf_init_dynamic(&out, 65536);
	err = regent_registrar_handle(h->registrar, pk->data, pk->len, h->now, "127.0.0.1",
				      h->fi.local_port, &wb);
	if ((err == 0 || err == EBADMSG) && wb.len > 0 && wb.err == REGENT_MSG_OK) {
		resp = wb.buf;
		resp_len = wb.len;
	}
	if (h->script != NULL && req != NULL)
		act = h->script(h, req, resp, resp_len, &out, h->script_arg);
	if (act == SIM_REPLACE) {
		resp = out.err == REGENT_MSG_OK ? out.buf : NULL;
		resp_len = out.len;
	} else if (act == SIM_DROP) {
		resp = NULL;
	}
	if (resp != NULL && resp_len > 0) {
		if (have_key)
			stx_store(h, key, resp, resp_len);
		(void)sim_net_send(h->net, SIM_DOWN, h->now, resp, resp_len);
	}
	regent_msg_free(req);
	regent_wbuf_release(&wb);
	regent_wbuf_release(&out);
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return m < c ? m : c;
}

int sim_run_until(struct sim_harness *h, uint64_t t)
{
	uint64_t end = SIM_T0_MS + t;
	unsigned stall = 0;

	if (h->tick_ms > 0 && h->next_tick == 0)
		h->next_tick = h->now + h->tick_ms;
	for (;;) {
		struct sim_packet *pk;
		uint64_t next, ua_next;

		if (++h->steps > SIM_MAX_STEPS)
			return EMLINK;
		/* Everything due now, in delivery order. */
		while ((pk = sim_net_pop(h->net, h->now)) != NULL) {
			if (pk->dir == SIM_UP) {
				registrar_deliver(h, pk);
			} else {
				h->responses_to_ua++;
				regent_ua_recv(h->ua, pk->data, pk->len);
			}
			free(pk);
		}
		if (regent_ua_next_deadline(h->ua) <= h->now)
			regent_ua_process(h->ua);
		if (h->tick_ms > 0 && h->next_tick <= h->now) {
			h->next_tick += h->tick_ms;
			if (h->on_tick != NULL)
				h->on_tick(h, h->on_tick_arg);
		}

		ua_next = regent_ua_next_deadline(h->ua);
		next =
		    min3(ua_next, sim_net_next(h->net), h->tick_ms > 0 ? h->next_tick : UINT64_MAX);
		if (next <= h->now) {
			/* Still due after being processed: only a loop does that
			 * for long. */
			if (++stall > SIM_MAX_STALL) {
				h->tight_loops++;
				return ELOOP;
			}
			continue;
		}
		stall = 0;
		if (next > end) {
			h->now = end;
			return 0;
		}
		h->now = next;
	}
}

int sim_run_for(struct sim_harness *h, uint64_t ms)
{
	return sim_run_until(h, sim_now(h) + ms);
}

void sim_flow_down(struct sim_harness *h)
{
	h->flow_ok = false;
	sim_net_link(h->net, SIM_UP)->partitioned = true;
	sim_net_link(h->net, SIM_DOWN)->partitioned = true;
	regent_ua_flow_down(h->ua, ECONNRESET);
}

void sim_flow_up(struct sim_harness *h)
{
	h->flow_ok = true;
	sim_net_link(h->net, SIM_UP)->partitioned = false;
	sim_net_link(h->net, SIM_DOWN)->partitioned = false;
	regent_ua_flow_up(h->ua, &h->fi);
}

void sim_registrar_restart(struct sim_harness *h)
{
	regent_registrar_restart(h->registrar);
	for (size_t i = 0; i < SIM_STX_SLOTS; i++) {
		free(h->stx->slot[i].resp);
		memset(&h->stx->slot[i], 0, sizeof(h->stx->slot[i]));
	}
}

struct holds_ctx {
	const char *instance;
	bool found;
};

static bool holds_cb(const struct regent_registrar_binding *b, void *arg)
{
	struct holds_ctx *c = arg;

	if (c->instance[0] == '\0' || (b->contact != NULL && strstr(b->contact, c->instance))) {
		c->found = true;
		return false;
	}
	return true;
}

bool sim_registrar_holds(struct sim_harness *h)
{
	struct holds_ctx c = {h->instance_id, false};

	regent_registrar_foreach(h->registrar, h->now, holds_cb, &c);
	return c.found;
}

size_t sim_count(const struct sim_harness *h, enum regent_event_type type, size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < h->n_ev; i++)
		if (type == 0 || h->ev[i].type == type)
			n++;
	return n;
}

long sim_find(const struct sim_harness *h, enum regent_event_type type, size_t from)
{
	for (size_t i = from; i < h->n_ev; i++)
		if (type == 0 || h->ev[i].type == type)
			return (long)i;
	return -1;
}

size_t sim_count_sent(const struct sim_harness *h, enum regent_send_reason reason, size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < h->n_ev; i++)
		if (h->ev[i].type == REGENT_EV_REQUEST_SENT && h->ev[i].reason == reason)
			n++;
	return n;
}

/* ---------------------------------------------------------------- text */

/* Start of the line after the start line, or NULL. */
static const char *first_header(const char *msg)
{
	const char *p = strstr(msg, "\r\n");

	return p != NULL ? p + 2 : NULL;
}

/* Walks header lines until the blank line; calls back with name/value. */
static bool hdr_walk(const char *msg, const char *name, unsigned n, char *out, size_t size,
		     unsigned *count)
{
	const char *p = first_header(msg);
	size_t nl = strlen(name);
	unsigned seen = 0;

	while (p != NULL && *p != '\0' && strncmp(p, "\r\n", 2) != 0) {
		const char *eol = strstr(p, "\r\n");
		const char *colon = memchr(p, ':', eol != NULL ? (size_t)(eol - p) : strlen(p));

		if (eol == NULL)
			eol = p + strlen(p);
		if (colon != NULL) {
			const char *ne = colon;

			while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			if ((size_t)(ne - p) == nl && strncasecmp(p, name, nl) == 0) {
				if (seen == n && out != NULL) {
					const char *v = colon + 1;
					size_t l;

					while (v < eol && (*v == ' ' || *v == '\t'))
						v++;
					l = (size_t)(eol - v);
					if (l >= size)
						l = size - 1;
					memcpy(out, v, l);
					out[l] = '\0';
					return true;
				}
				seen++;
			}
		}
		p = *eol != '\0' ? eol + 2 : eol;
	}
	if (count != NULL)
		*count = seen;
	return false;
}

bool sim_hdr(const char *msg, const char *name, unsigned n, char *out, size_t size)
{
	if (msg == NULL || size == 0)
		return false;
	return hdr_walk(msg, name, n, out, size, NULL);
}

unsigned sim_hdr_count(const char *msg, const char *name)
{
	unsigned c = 0;

	if (msg == NULL)
		return 0;
	hdr_walk(msg, name, UINT32_MAX, NULL, 0, &c);
	return c;
}

unsigned sim_strcount(const char *hay, const char *needle)
{
	unsigned n = 0;
	size_t l = strlen(needle);

	if (hay == NULL || l == 0)
		return 0;
	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + l, needle))
		n++;
	return n;
}

/* The one response-from-request builder (src/msg/response.c), with a fixed
 * To tag: a scripted answer. */
int sim_reply(struct regent_wbuf *out, const struct regent_msg *req, uint16_t status,
	      const char *reason, const char *extra)
{
	struct regent_resp_options o = {
	    .to_tag_rule = REGENT_RESP_TO_TAG_GIVEN,
	    .to_tag = "simscript",
	};
	int err;

	regent_wbuf_reset(out);
	err = regent_build_response(out, req, status, reason, &o);
	if (err)
		return err;
	if (extra != NULL)
		regent_wbuf_puts(out, extra);
	return regent_build_finish(out, NULL, 0);
}

/* Removes ";expires=<digits>" (any case) from one Contact line. */
static void strip_expires(struct regent_wbuf *out, const char *p, size_t l)
{
	size_t i = 0;

	while (i < l) {
		if (p[i] == ';' && l - i > 9 && strncasecmp(p + i + 1, "expires", 7) == 0) {
			size_t j = i + 8;

			while (j < l && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j < l && p[j] == '=') {
				j++;
				while (j < l && (p[j] == ' ' || p[j] == '\t'))
					j++;
				while (j < l && isdigit((unsigned char)p[j]))
					j++;
				i = j;
				continue;
			}
		}
		regent_wbuf_write(out, p + i, 1);
		i++;
	}
}

int sim_edit(struct regent_wbuf *out, const char *resp, size_t len, const char *drop,
	     bool strip_contact_expires, const char *add)
{
	const char *p = resp, *end = resp + len;
	bool in_headers = false;

	regent_wbuf_reset(out);
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		size_t l = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
		const char *colon = memchr(p, ':', l);
		size_t nl = colon != NULL ? (size_t)(colon - p) : 0;

		if (!in_headers) {
			in_headers = true;
		} else if (l == 0) {
			/* End of headers: copy the rest (blank line and body). */
			regent_wbuf_write(out, p, (size_t)(end - p));
			return out->err == REGENT_MSG_OK ? 0 : EINVAL;
		} else {
			while (nl > 0 && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
				nl--;
			if (drop != NULL && colon != NULL && nl == strlen(drop) &&
			    strncasecmp(p, drop, nl) == 0)
				goto next;
			if (add != NULL && colon != NULL && nl == 14 &&
			    strncasecmp(p, "Content-Length", 14) == 0)
				regent_wbuf_puts(out, add);
			if (strip_contact_expires && colon != NULL &&
			    ((nl == 7 && strncasecmp(p, "Contact", 7) == 0) ||
			     (nl == 1 && (*p == 'm' || *p == 'M')))) {
				strip_expires(out, p, l);
				regent_wbuf_puts(out, "\r\n");
				goto next;
			}
		}
		regent_wbuf_write(out, p, l);
		regent_wbuf_puts(out, "\r\n");
	next:
		if (eol == NULL)
			break;
		p = eol + 2;
	}
	return out->err == REGENT_MSG_OK ? 0 : EINVAL;
}

bool sim_contact_of(const struct regent_msg *req, char *out, size_t size)
{
	const struct regent_hdr *hd = regent_msg_hdr_find(req, REGENT_HDR_CONTACT, NULL, NULL);
	struct regent_wbuf wb;

	if (hd == NULL || size == 0)
		return false;
	regent_wbuf_init_fixed(&wb, out, size);
	strip_expires(&wb, hd->value.p, hd->value.l);
	regent_wbuf_write(&wb, "", 1);
	return wb.err == REGENT_MSG_OK;
}

uint16_t sim_status_of(const char *resp, size_t len)
{
	unsigned v = 0;

	if (resp == NULL || len < 12 || strncmp(resp, "SIP/2.0 ", 8) != 0)
		return 0;
	for (size_t i = 8; i < 11; i++) {
		if (!isdigit((unsigned char)resp[i]))
			return 0;
		v = v * 10 + (unsigned)(resp[i] - '0');
	}
	return (uint16_t)v;
}
