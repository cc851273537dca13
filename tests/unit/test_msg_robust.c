/*
 * Robustness: deterministic mutations (byte flips, truncations, insertions
 * of separators) of every corpus message never crash the parser, the
 * validator, the accessors or the framer, and every error has a reason and
 * an offset inside the input. Each input is an exact-size heap block so
 * ASan catches any read past the end. Bounded: a fixed count per file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "test_msg_util.h"

#define MUTATIONS 2000

static uint32_t rnd(uint32_t *s)
{
	/* xorshift32: fixed seed, same run every time */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void touch_everything(const struct regent_msg *m)
{
	struct regent_msg_iter it = {0};
	struct regent_via v;
	struct regent_contact c;
	struct regent_addr a;
	struct regent_challenge ch;
	struct regent_credentials cr;
	struct regent_retry_after ra;
	struct regent_pl tok;
	uint32_t u;
	int guard;

	regent_msg_validate(m, NULL);
	for (guard = 0; guard < 1000 && regent_msg_via_next(m, &it, &v) == 0; guard++)
		;
	memset(&it, 0, sizeof(it));
	for (guard = 0; guard < 1000 && regent_msg_contact_next(m, &it, &c) == 0; guard++)
		;
	memset(&it, 0, sizeof(it));
	for (guard = 0; guard < 1000 && regent_msg_addr_next(m, REGENT_HDR_ROUTE, &it, &a) == 0;
	     guard++)
		;
	memset(&it, 0, sizeof(it));
	for (guard = 0; guard < 1000 &&
			regent_msg_challenge_next(m, REGENT_HDR_WWW_AUTHENTICATE, &it, &ch) == 0;
	     guard++)
		;
	memset(&it, 0, sizeof(it));
	for (guard = 0; guard < 1000 &&
			regent_msg_credentials_next(m, REGENT_HDR_AUTHORIZATION, &it, &cr) == 0;
	     guard++)
		;
	memset(&it, 0, sizeof(it));
	for (guard = 0;
	     guard < 1000 && regent_msg_token_next(m, REGENT_HDR_SUPPORTED, &it, &tok) == 0;
	     guard++)
		;
	regent_msg_retry_after(m, &ra);
	regent_msg_u32(m, REGENT_HDR_EXPIRES, &u);
	regent_msg_from(m, &a);
	regent_msg_to(m, &a);
}

static void check_one(const char *p, size_t l)
{
	char *b = malloc(l ? l : 1);
	struct regent_msg *m = NULL;
	struct regent_msg_error err;
	size_t skip, mlen;
	bool pong;

	assert_non_null(b);
	memcpy(b, p, l);
	if (regent_msg_parse(&m, b, l, NULL, &err) == 0) {
		assert_true(regent_msg_raw(m).l <= l);
		touch_everything(m);
		regent_msg_free(m);
	} else {
		assert_null(m);
		assert_true(err.offset <= l);
		assert_true(err.reason[0] != '\0');
	}
	if (regent_frame_stream(b, l, 65536, &skip, &mlen, &pong) == 0)
		assert_true(skip + mlen <= l);
	free(b);
}

static void mutated_corpus_never_crashes(void **state)
{
	static const char *const files[] = {
	    "flows/rfc3665-2.1-F2-401.sip",
	    "flows/derived-outbound-F2-200.sip",
	    "flows/derived-udp-typical-F1-REGISTER.sip",
	    "flows/rfc3665-2.2-F2-200.sip",
	    "flows/derived-503-F2-503.sip",
	    "rfc4475/wsinv.sip",
	    "rfc4475/intmeth.sip",
	    "rfc4475/esc01.sip",
	    "rfc4475/longreq.sip",
	    "rfc4475/mpart01.sip",
	    "rfc5118/mult-ip-in-header.sip",
	    "rfc4475/regaut01.sip",
	};
	static const char seps[] = ";,:<>\"\\@[]=% \t\r\n()?&/";
	uint32_t seed = 0x2545f491;

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len;
		char *orig = tmu_load(files[f], &len);
		char *work;

		assert_non_null(orig);
		work = malloc(len + 8);
		assert_non_null(work);
		for (int i = 0; i < MUTATIONS; i++) {
			size_t l = len, pos = rnd(&seed) % len;

			memcpy(work, orig, len);
			switch (rnd(&seed) % 4) {
			case 0: /* a byte becomes a separator */
				work[pos] = seps[rnd(&seed) % (sizeof(seps) - 1)];
				break;
			case 1: /* a byte becomes anything */
				work[pos] = (char)rnd(&seed);
				break;
			case 2: /* truncate */
				l = pos;
				break;
			case 3: /* insert a separator */
				memmove(work + pos + 1, work + pos, len - pos);
				work[pos] = seps[rnd(&seed) % (sizeof(seps) - 1)];
				l = len + 1;
				break;
			}
			check_one(work, l);
		}
		free(work);
		free(orig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mutated_corpus_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
