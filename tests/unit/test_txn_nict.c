/*
 * Non-INVITE client transaction (RFC 3261 §17.1.2): timer E schedule, timer F,
 * timer K, response matching, transport errors. Pure: a fake clock only.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "txn/txn.h"

static const char REQ[] = "REGISTER sip:example.com SIP/2.0\r\n\r\n";
static const struct regent_txn_timers UDP = {500, 4000, 5000, false};
static const struct regent_txn_timers TCP = {500, 4000, 5000, true};

/* Drives the timers from t0 until the transaction times out; records the
 * times at which a retransmission was asked for. */
static size_t run_to_timeout(struct regent_txn *t, uint64_t *at, size_t max, uint64_t *t_out)
{
	size_t n = 0;
	int guard = 0;

	for (;;) {
		uint64_t d = regent_txn_deadline(t);
		enum regent_txn_action a;
		assert_true(d != UINT64_MAX);
		assert_true(++guard < 100);
		a = regent_txn_timer(t, d);
		if (a == REGENT_TXN_ACT_SEND) {
			assert_true(n < max);
			at[n++] = d;
		} else if (a == REGENT_TXN_ACT_TIMEOUT) {
			*t_out = d;
			return n;
		}
	}
}

static void timer_e_doubles_from_t1_to_t2_until_timer_f(void **state)
{
	/* E at 500, then +1000, +2000, +4000 (capped at T2), ... F at 64*T1. */
	static const uint64_t want[] = {500,   1500,  3500,  7500,  11500, 15500,
					19500, 23500, 27500, 31500, 32000};
	struct regent_txn t;
	uint64_t at[32], tf = 0;
	size_t n;

	(void)state;
	assert_int_equal(
	    regent_txn_start(&t, &UDP, "z9hG4bKabc", "REGISTER", REQ, sizeof(REQ) - 1, 0), 0);
	n = run_to_timeout(&t, at, 32, &tf);
	/* the last E is clipped to F and fires together with it: F wins */
	assert_int_equal(tf, 32000);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(at[i], want[i]);
	assert_int_equal(t.retransmissions, 10);
	assert_int_equal(t.state, REGENT_TXN_TERMINATED);
	assert_null(t.req);
	assert_int_equal(regent_txn_deadline(&t), UINT64_MAX);
}

static void table_timer_f_is_64_t1_for_any_t1(void **state)
{
	static const struct {
		uint32_t t1, t2;
		bool reliable;
		uint64_t f;
		size_t retrans;
	} tab[] = {
	    {500, 4000, false, 32000, 10},
	    {500, 4000, true, 32000, 0},
	    {100, 400, false, 6400, 17}, /* 100,300,700,1100,...,6300 */
	    {1000, 1000, false, 64000, 63},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct regent_txn_timers tm = {tab[i].t1, tab[i].t2, 5000, tab[i].reliable};
		struct regent_txn t;
		uint64_t at[80], tf = 0;
		size_t n;
		assert_int_equal(
		    regent_txn_start(&t, &tm, "z9hG4bKx1", "REGISTER", REQ, sizeof(REQ) - 1, 1000),
		    0);
		n = run_to_timeout(&t, at, 80, &tf);
		assert_int_equal(tf, 1000 + tab[i].f);
		assert_int_equal(n, tab[i].retrans);
		for (size_t k = 1; k < n; k++) {
			assert_true(at[k] - at[k - 1] <= tab[i].t2);
			assert_true(at[k] > at[k - 1]);
		}
	}
}

static void provisional_moves_to_proceeding_and_e_fires_every_t2(void **state)
{
	struct regent_txn t;

	(void)state;
	assert_int_equal(
	    regent_txn_start(&t, &UDP, "z9hG4bKp", "REGISTER", REQ, sizeof(REQ) - 1, 0), 0);
	assert_int_equal(regent_txn_response(&t, 100, 200), REGENT_TXN_ACT_DELIVER);
	assert_int_equal(t.state, REGENT_TXN_PROCEEDING);
	assert_int_equal(regent_txn_deadline(&t), 4200);
	assert_int_equal(regent_txn_timer(&t, 4200), REGENT_TXN_ACT_SEND);
	assert_int_equal(regent_txn_deadline(&t), 8200);
	regent_txn_close(&t);
}

static void final_on_unreliable_completes_and_timer_k_absorbs_retransmissions(void **state)
{
	struct regent_txn t;

	(void)state;
	assert_int_equal(
	    regent_txn_start(&t, &UDP, "z9hG4bKk", "REGISTER", REQ, sizeof(REQ) - 1, 0), 0);
	assert_int_equal(regent_txn_response(&t, 200, 700), REGENT_TXN_ACT_DELIVER);
	assert_int_equal(t.state, REGENT_TXN_COMPLETED);
	assert_null(t.req); /* the request copy is dropped at once */
	assert_int_equal(regent_txn_deadline(&t), 700 + 5000);
	assert_int_equal(regent_txn_response(&t, 200, 800), REGENT_TXN_ACT_ABSORB);
	assert_int_equal(regent_txn_response(&t, 500, 900), REGENT_TXN_ACT_ABSORB);
	assert_int_equal(regent_txn_timer(&t, 5699), REGENT_TXN_ACT_NONE);
	assert_int_equal(regent_txn_timer(&t, 5700), REGENT_TXN_ACT_DONE);
	assert_int_equal(t.state, REGENT_TXN_TERMINATED);
}

static void final_on_reliable_terminates_at_once_timer_k_zero(void **state)
{
	struct regent_txn t;

	(void)state;
	assert_int_equal(
	    regent_txn_start(&t, &TCP, "z9hG4bKr", "REGISTER", REQ, sizeof(REQ) - 1, 0), 0);
	assert_int_equal(regent_txn_deadline(&t), 32000); /* no timer E */
	assert_int_equal(regent_txn_response(&t, 401, 10), REGENT_TXN_ACT_DELIVER);
	assert_int_equal(t.state, REGENT_TXN_TERMINATED);
	assert_int_equal(regent_txn_deadline(&t), UINT64_MAX);
}

static void matching_needs_branch_and_method(void **state)
{
	struct regent_txn t;

	(void)state;
	assert_int_equal(
	    regent_txn_start(&t, &UDP, "z9hG4bK1234", "REGISTER", REQ, sizeof(REQ) - 1, 0), 0);
	assert_true(regent_txn_matches(&t, REGENT_PL("z9hG4bK1234"), REGENT_PL("REGISTER")));
	assert_false(regent_txn_matches(&t, REGENT_PL("z9hG4bK1235"), REGENT_PL("REGISTER")));
	assert_false(regent_txn_matches(&t, REGENT_PL("z9hG4bK1234"), REGENT_PL("OPTIONS")));
	assert_false(regent_txn_matches(&t, REGENT_PL("z9hG4bK123"), REGENT_PL("REGISTER")));
	regent_txn_transport_error(&t);
	assert_false(regent_txn_matches(&t, REGENT_PL("z9hG4bK1234"), REGENT_PL("REGISTER")));
}

/* The record a completed transaction leaves for timer K (§17.1.2.2): the
 * deadline, and matching by branch and method as the transaction did. */
static void completed_record_keeps_deadline_branch_and_method(void **state)
{
	struct regent_txn t;
	struct regent_txn_done *d = NULL;

	(void)state;
	assert_int_equal(
	    regent_txn_start(&t, &UDP, "z9hG4bKdone1", "REGISTER", REQ, sizeof(REQ) - 1, 0), 0);
	assert_int_equal(regent_txn_done_make(&d, &t), EINVAL); /* not completed yet */
	assert_null(d);
	assert_int_equal(regent_txn_response(&t, 200, 300), REGENT_TXN_ACT_DELIVER);
	assert_int_equal(regent_txn_done_make(&d, &t), 0);
	assert_non_null(d);
	assert_int_equal(d->timer_k, 300 + 5000);
	assert_string_equal(d->key, "z9hG4bKdone1");
	assert_true(regent_txn_done_matches(d, REGENT_PL("z9hG4bKdone1"), REGENT_PL("REGISTER")));
	assert_false(regent_txn_done_matches(d, REGENT_PL("z9hG4bKdone1"), REGENT_PL("OPTIONS")));
	assert_false(regent_txn_done_matches(d, REGENT_PL("z9hG4bKdone"), REGENT_PL("REGISTER")));
	assert_false(regent_txn_done_matches(d, REGENT_PL("z9hG4bKdone12"), REGENT_PL("REGISTER")));
	assert_false(regent_txn_done_matches(d, REGENT_PL("z9hG4bKdone1"), REGENT_PL("REGISTE")));
	assert_false(
	    regent_txn_done_matches(NULL, REGENT_PL("z9hG4bKdone1"), REGENT_PL("REGISTER")));
	free(d);
	regent_txn_close(&t);
}

static void transport_error_terminates_at_once(void **state)
{
	struct regent_txn t;

	(void)state;
	assert_int_equal(
	    regent_txn_start(&t, &UDP, "z9hG4bKe", "REGISTER", REQ, sizeof(REQ) - 1, 0), 0);
	regent_txn_transport_error(&t);
	assert_int_equal(t.state, REGENT_TXN_TERMINATED);
	assert_null(t.req);
	assert_int_equal(regent_txn_deadline(&t), UINT64_MAX);
	assert_int_equal(regent_txn_response(&t, 200, 5), REGENT_TXN_ACT_ABSORB);
}

static void start_refuses_branch_without_magic_cookie(void **state)
{
	struct regent_txn t;

	(void)state;
	assert_int_equal(regent_txn_start(&t, &UDP, "abc", "REGISTER", REQ, sizeof(REQ) - 1, 0),
			 EINVAL);
	assert_int_equal(regent_txn_start(&t, &UDP, "z9hG4bK", "REGISTER", REQ, sizeof(REQ) - 1, 0),
			 EINVAL);
	assert_int_equal(regent_txn_start(&t, &UDP, "z9hG4bKa", "", REQ, sizeof(REQ) - 1, 0),
			 EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(timer_e_doubles_from_t1_to_t2_until_timer_f),
	    cmocka_unit_test(table_timer_f_is_64_t1_for_any_t1),
	    cmocka_unit_test(provisional_moves_to_proceeding_and_e_fires_every_t2),
	    cmocka_unit_test(final_on_unreliable_completes_and_timer_k_absorbs_retransmissions),
	    cmocka_unit_test(final_on_reliable_terminates_at_once_timer_k_zero),
	    cmocka_unit_test(matching_needs_branch_and_method),
	    cmocka_unit_test(completed_record_keeps_deadline_branch_and_method),
	    cmocka_unit_test(transport_error_terminates_at_once),
	    cmocka_unit_test(start_refuses_branch_without_magic_cookie),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
