/*
 * Non-INVITE client transaction, RFC 3261 §17.1.2 (figure 6).
 *
 *  Trying:     timer E fires at T1, then doubles up to T2 (unreliable only);
 *              timer F = 64*T1 ends it with a timeout.
 *  Proceeding: a 1xx arrived; timer E keeps firing at T2 (§17.1.2.2).
 *  Completed:  a final response arrived; timer K = T4 (unreliable) or 0
 *              (reliable) absorbs retransmitted responses, then Terminated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "txn/txn.h"

#define NEVER UINT64_MAX

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int regent_txn_start(struct regent_txn *t, const struct regent_txn_timers *tm, const char *branch,
		     const char *method, const char *req, size_t len, uint64_t now)
{
	size_t bl, ml;

	if (t == NULL || tm == NULL || branch == NULL || method == NULL || req == NULL || len == 0)
		return EINVAL;
	bl = strlen(branch);
	ml = strlen(method);
	/* RFC 3261 §8.1.1.7: the magic cookie marks a unique branch. */
	if (bl < 8 || bl >= sizeof(t->branch) || strncmp(branch, "z9hG4bK", 7) != 0 || ml == 0 ||
	    ml >= sizeof(t->method) || tm->t1_ms == 0 || tm->t2_ms < tm->t1_ms)
		return EINVAL;

	memset(t, 0, sizeof(*t));
	t->req = malloc(len);
	if (t->req == NULL)
		return ENOMEM;
	memcpy(t->req, req, len);
	t->req_len = len;
	memcpy(t->branch, branch, bl + 1);
	memcpy(t->method, method, ml + 1);
	t->tm = *tm;
	t->state = REGENT_TXN_TRYING;
	t->interval_e = tm->t1_ms;
	t->timer_e = tm->reliable ? NEVER : now + tm->t1_ms;
	t->timer_f = now + 64ull * tm->t1_ms;
	t->timer_k = NEVER;
	return 0;
}

void regent_txn_close(struct regent_txn *t)
{
	if (t == NULL)
		return;
	free(t->req);
	t->req = NULL;
	t->req_len = 0;
}

bool regent_txn_matches(const struct regent_txn *t, struct regent_pl branch,
			struct regent_pl method)
{
	if (t == NULL || t->state == REGENT_TXN_TERMINATED)
		return false;
	/* §17.1.3: branch compared exactly; method case-sensitive. */
	return regent_pl_eq_str(branch, t->branch) && regent_pl_eq_str(method, t->method);
}

static void complete(struct regent_txn *t, uint64_t now)
{
	free(t->req);
	t->req = NULL;
	t->req_len = 0;
	t->timer_e = NEVER;
	t->timer_f = NEVER;
	if (t->tm.reliable) {
		t->state = REGENT_TXN_TERMINATED;
		t->timer_k = NEVER;
	} else {
		t->state = REGENT_TXN_COMPLETED;
		t->timer_k = now + t->tm.t4_ms;
	}
}

enum regent_txn_action regent_txn_response(struct regent_txn *t, uint16_t status, uint64_t now)
{
	switch (t->state) {
	case REGENT_TXN_TRYING:
	case REGENT_TXN_PROCEEDING:
		if (status < 100 || status > 699)
			return REGENT_TXN_ACT_ABSORB;
		if (status < 200) {
			if (t->state == REGENT_TXN_TRYING && !t->tm.reliable) {
				/* §17.1.2.2: in Proceeding, E fires every T2. */
				t->interval_e = t->tm.t2_ms;
				t->timer_e = now + t->tm.t2_ms;
			}
			t->state = REGENT_TXN_PROCEEDING;
			return REGENT_TXN_ACT_DELIVER;
		}
		complete(t, now);
		return REGENT_TXN_ACT_DELIVER;
	case REGENT_TXN_COMPLETED:
	case REGENT_TXN_TERMINATED:
	default:
		return REGENT_TXN_ACT_ABSORB;
	}
}

enum regent_txn_action regent_txn_timer(struct regent_txn *t, uint64_t now)
{
	switch (t->state) {
	case REGENT_TXN_TRYING:
	case REGENT_TXN_PROCEEDING:
		if (now >= t->timer_f) {
			regent_txn_close(t);
			t->state = REGENT_TXN_TERMINATED;
			t->timer_e = t->timer_f = t->timer_k = NEVER;
			return REGENT_TXN_ACT_TIMEOUT;
		}
		if (now >= t->timer_e) {
			if (t->state == REGENT_TXN_TRYING) {
				uint32_t next = t->interval_e * 2;
				t->interval_e = next < t->tm.t2_ms ? next : t->tm.t2_ms;
			} else {
				t->interval_e = t->tm.t2_ms;
			}
			/* Never schedule past timer F. */
			t->timer_e = min_u64(now + t->interval_e, t->timer_f);
			t->retransmissions++;
			return REGENT_TXN_ACT_SEND;
		}
		return REGENT_TXN_ACT_NONE;
	case REGENT_TXN_COMPLETED:
		if (now >= t->timer_k) {
			t->state = REGENT_TXN_TERMINATED;
			t->timer_k = NEVER;
			return REGENT_TXN_ACT_DONE;
		}
		return REGENT_TXN_ACT_NONE;
	case REGENT_TXN_TERMINATED:
	default:
		return REGENT_TXN_ACT_DONE;
	}
}

void regent_txn_transport_error(struct regent_txn *t)
{
	regent_txn_close(t);
	t->state = REGENT_TXN_TERMINATED;
	t->timer_e = t->timer_f = t->timer_k = NEVER;
}

uint64_t regent_txn_deadline(const struct regent_txn *t)
{
	switch (t->state) {
	case REGENT_TXN_TRYING:
	case REGENT_TXN_PROCEEDING:
		return min_u64(t->timer_e, t->timer_f);
	case REGENT_TXN_COMPLETED:
		return t->timer_k;
	case REGENT_TXN_TERMINATED:
	default:
		return NEVER;
	}
}

void regent_txn_bound(struct regent_txn *t, uint32_t ms, uint64_t now)
{
	if (ms == 0 || t->state != REGENT_TXN_TRYING)
		return;
	t->timer_f = now + ms;
	t->timer_e = min_u64(t->timer_e, t->timer_f);
}

int regent_txn_done_make(struct regent_txn_done **dp, const struct regent_txn *t)
{
	size_t bl, ml;
	struct regent_txn_done *d;

	*dp = NULL;
	if (t->state != REGENT_TXN_COMPLETED)
		return EINVAL;
	bl = strlen(t->branch) + 1;
	ml = strlen(t->method) + 1;
	d = malloc(sizeof(*d) + bl + ml);
	if (d == NULL)
		return ENOMEM;
	d->timer_k = t->timer_k;
	memcpy(d->key, t->branch, bl);
	memcpy(d->key + bl, t->method, ml);
	*dp = d;
	return 0;
}

bool regent_txn_done_matches(const struct regent_txn_done *d, struct regent_pl branch,
			     struct regent_pl method)
{
	if (d == NULL || !regent_pl_eq_str(branch, d->key))
		return false;
	return regent_pl_eq_str(method, d->key + strlen(d->key) + 1);
}
