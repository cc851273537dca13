/*
 * Table tests for the Registerer's pure policies (src/reg/policy.h):
 * refresh delay, retry back-off, 423 rule, per-binding expiry, our-Contact
 * matching and the granted expiry of a 2xx, 3xx target.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reg/policy.h"
/* the CLI repeats two of these declarations: both must agree */
#include "../../tools/regent/internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void refresh_delay_table(void **state)
{
	static const struct {
		uint32_t e, pct, margin;
		uint16_t rnd;
		uint64_t want;
	} tab[] = {
	    /* long grant: pct wins over E - margin */
	    {3600, 50, 34000, 0, 1800000},
	    /* 99 % of 600 s leaves 6 s; the 34 s margin wins */
	    {600, 99, 34000, 0, 566000},
	    /* 60 s at 99 %: margin capped at E/2 */
	    {60, 99, 34000, 0, 30000},
	    /* reliable margin 4 s */
	    {60, 99, 4000, 0, 56000},
	    {60, 50, 4000, 0, 30000},
	    /* jitter: at most 5 % earlier */
	    {3600, 50, 34000, 65535, 1710002},
	    {600, 99, 34000, 32768, 551850},
	    /* tiny grants: never below the floor, never above E */
	    {1, 99, 34000, 0, 1000},
	    {2, 99, 34000, 65535, 1000},
	    {3, 99, 34000, 0, 1500},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++) {
		uint64_t d = regent_reg_refresh_ms(tab[i].e, tab[i].pct, tab[i].margin, tab[i].rnd);
		if (d != tab[i].want)
			fail_msg("row %zu: E=%u pct=%u margin=%u rnd=%u: %llu, want %llu", i,
				 tab[i].e, tab[i].pct, tab[i].margin, tab[i].rnd,
				 (unsigned long long)d, (unsigned long long)tab[i].want);
	}
}

static void refresh_is_never_zero_and_never_after_expiry(void **state)
{
	(void)state;
	for (uint32_t e = 1; e < 5000; e += 7) {
		for (uint32_t pct = 50; pct <= 99; pct += 49) {
			uint64_t lo = regent_reg_refresh_ms(e, pct, 34000, 65535);
			uint64_t hi = regent_reg_refresh_ms(e, pct, 34000, 0);
			assert_true(lo >= 1000 || lo == (uint64_t)e * 1000);
			assert_true(lo > 0);
			assert_true(hi <= (uint64_t)e * 1000);
			assert_true(lo <= hi);
		}
	}
}

static void margin_covers_timer_f_on_unreliable(void **state)
{
	(void)state;
	assert_true(regent_reg_refresh_margin_ms(false, 500) >= 64 * 500);
	assert_true(regent_reg_refresh_margin_ms(true, 500) < 64 * 500);
}

static void retry_backoff_table(void **state)
{
	static const struct {
		uint32_t n, base, max;
		bool has_ra;
		uint32_t ra;
		uint16_t rnd;
		uint64_t want;
	} tab[] = {
	    /* RFC 5626 §4.5: min(max, base*2^n) * [0.5, 1] */
	    {1, 30, 1800, false, 0, 0, 30000},
	    {1, 30, 1800, false, 0, 65535, 60000},
	    {2, 30, 1800, false, 0, 0, 60000},
	    {3, 30, 1800, false, 0, 65535, 240000},
	    {6, 30, 1800, false, 0, 65535, 1800000},
	    {6, 30, 1800, false, 0, 0, 900000},
	    {40, 30, 1800, false, 0, 65535, 1800000}, /* no overflow */
	    {1, 90, 1800, false, 0, 0, 90000},	      /* all flows failed: base 90 */
	    /* Retry-After honoured, never earlier, at most 10 % later */
	    {1, 30, 1800, true, 40, 0, 40000},
	    {5, 30, 1800, true, 40, 65535, 43999},
	    {1, 30, 1800, true, 3600, 0, 3600000},
	    /* Retry-After: 0 is not a tight loop */
	    {1, 30, 1800, true, 0, 0, 30000},
	    {1, 1, 1, false, 0, 0, 1000},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++) {
		uint64_t d = regent_reg_retry_ms(tab[i].n, tab[i].base, tab[i].max, tab[i].has_ra,
						 tab[i].ra, tab[i].rnd);
		if (d != tab[i].want)
			fail_msg("row %zu: %llu, want %llu", i, (unsigned long long)d,
				 (unsigned long long)tab[i].want);
	}
}

static void rule_423_table(void **state)
{
	static const struct {
		uint32_t asked;
		bool has_min;
		uint32_t min;
		bool retried, want;
		uint32_t want_exp;
	} tab[] = {
	    {30, true, 60, false, true, 60},
	    {30, true, 60, true, false, 0},   /* once per registration */
	    {60, true, 60, false, false, 0},  /* not larger */
	    {600, true, 60, false, false, 0}, /* smaller */
	    {30, false, 0, false, false, 0},  /* no Min-Expires */
	    {30, true, 4294967295u, false, false, 0},
	    {30, true, 2147483647u, false, true, 2147483647u},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++) {
		uint32_t e = 0;
		bool r = regent_reg_423_retry(tab[i].asked, tab[i].has_min, tab[i].min,
					      tab[i].retried, &e);
		assert_int_equal(r, tab[i].want);
		if (r)
			assert_int_equal(e, tab[i].want_exp);
	}
}

static void binding_expiry_table(void **state)
{
	static const struct {
		bool hp;
		uint32_t p;
		bool hh;
		uint32_t h, asked, want;
	} tab[] = {
	    {true, 300, true, 900, 600, 300}, /* Contact param first */
	    {false, 0, true, 900, 600, 900},  /* then the Expires header */
	    {false, 0, false, 0, 600, 600},   /* then what we asked */
	    {true, 0, true, 900, 600, 0},     /* 0 stays 0: removed, handled */
	    {false, 0, true, 0, 600, 0},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++)
		assert_int_equal(regent_reg_binding_expires(tab[i].hp, tab[i].p, tab[i].hh,
							    tab[i].h, tab[i].asked),
				 tab[i].want);
}

/* ---- 2xx parsing tables */

#define OURS "sip:abcd1234@192.0.2.10:5060;transport=udp"
#define INST "<urn:uuid:3f2c1a7e-9b4d-4c2a-8e1f-5a6b7c8d9e0f>"

static int grant_of(const char *contacts, const char *extra, bool with_instance, uint32_t asked,
		    uint32_t *granted)
{
	char buf[2048];
	struct regent_msg *m = NULL;
	struct regent_uri u;
	struct regent_reg_me me;
	int n, g;

	n = snprintf(buf, sizeof(buf),
		     "SIP/2.0 200 OK\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKabc\r\n"
		     "From: <sip:alice@example.com>;tag=1\r\n"
		     "To: <sip:alice@example.com>;tag=2\r\n"
		     "Call-ID: c1\r\n"
		     "CSeq: 1 REGISTER\r\n"
		     "%s%s"
		     "Content-Length: 0\r\n\r\n",
		     contacts, extra);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(regent_msg_parse(&m, buf, (size_t)n, NULL, NULL), 0);
	assert_int_equal(regent_uri_parse(&u, OURS, strlen(OURS), NULL), 0);
	memset(&me, 0, sizeof(me));
	me.contact = &u;
	if (with_instance) {
		me.instance = INST;
		me.reg_id = 1;
	}
	g = (int)regent_reg_granted(m, &me, asked, granted);
	regent_msg_free(m);
	return g;
}

static void granted_expiry_table(void **state)
{
	static const struct {
		const char *contacts, *extra;
		bool inst;
		int want;
		uint32_t want_e;
	} tab[] = {
	    /* param wins */
	    {"Contact: <" OURS ">;expires=300\r\n", "Expires: 900\r\n", false, REGENT_REG_GRANTED,
	     300},
	    /* no param: the Expires header (SIP.js: NaN loop, defect 1) */
	    {"Contact: <" OURS ">\r\n", "Expires: 900\r\n", false, REGENT_REG_GRANTED, 900},
	    /* neither: what we asked */
	    {"Contact: <" OURS ">\r\n", "", false, REGENT_REG_GRANTED, 600},
	    /* 0: removed, an explicit outcome */
	    {"Contact: <" OURS ">;expires=0\r\n", "", false, REGENT_REG_REMOVED, 0},
	    /* no Contact at all (defect 2) */
	    {"", "", false, REGENT_REG_NO_CONTACT, 0},
	    /* only foreign bindings */
	    {"Contact: <sip:bob@192.0.2.99>;expires=60\r\n", "", false, REGENT_REG_NOT_OURS, 0},
	    /* minimum over ours, foreign ignored (defect 4, #868) */
	    {"Contact: <" OURS ">;expires=3600, <sip:abcd1234@198.51.100.7:1234>;expires=200\r\n"
	     "Contact: <sip:other@192.0.2.99>;expires=10\r\n",
	     "", false, REGENT_REG_GRANTED, 3600},
	    /* host rewritten by an SBC: user part match */
	    {"Contact: <sip:abcd1234@198.51.100.7:1234>;expires=200\r\n", "", false,
	     REGENT_REG_GRANTED, 200},
	    /* instance + reg-id beats URI: a rewritten URI with our instance
	     * sets the timing, the stale same-URI binding without it does not */
	    {"Contact: <sip:zz@198.51.100.7>;+sip.instance=\"" INST "\";reg-id=1;expires=120\r\n"
	     "Contact: <" OURS ">;expires=3000\r\n",
	     "", true, REGENT_REG_GRANTED, 120},
	    /* instance matches, reg-id differs: not ours by instance; URI still */
	    {"Contact: <sip:zz@198.51.100.7>;+sip.instance=\"" INST "\";reg-id=2;expires=120\r\n"
	     "Contact: <" OURS ">;expires=3000\r\n",
	     "", true, REGENT_REG_GRANTED, 3000},
	    /* two of ours by instance: the minimum */
	    {"Contact: <sip:a@h1>;+sip.instance=\"" INST "\";reg-id=1;expires=500, "
	     "<sip:b@h2>;+sip.instance=\"" INST "\";reg-id=1;expires=400\r\n",
	     "", true, REGENT_REG_GRANTED, 400},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++) {
		uint32_t e = 12345;
		int g = grant_of(tab[i].contacts, tab[i].extra, tab[i].inst, 600, &e);
		if (g != tab[i].want || (g == REGENT_REG_GRANTED && e != tab[i].want_e))
			fail_msg("row %zu: grant %d e %u, want %d e %u", i, g, e, tab[i].want,
				 tab[i].want_e);
	}
}

static void contact_match_levels(void **state)
{
	static const struct {
		const char *c;
		bool inst;
		enum regent_reg_match want;
	} tab[] = {
	    {"<" OURS ">", false, REGENT_REG_MATCH_URI},
	    {"<sip:abcd1234@192.0.2.10:5060;transport=UDP>", false, REGENT_REG_MATCH_URI},
	    {"<sip:abcd1234@192.0.2.10:5070;transport=udp>", false, REGENT_REG_MATCH_USER},
	    {"<sip:ABCD1234@192.0.2.10:5060;transport=udp>", false, REGENT_REG_MATCH_NONE},
	    {"<sip:x@h>;+sip.instance=\"" INST "\";reg-id=1", true, REGENT_REG_MATCH_INSTANCE},
	    {"<sip:x@h>;+sip.instance=\"<urn:uuid:3F2C1A7E-9B4D-4C2A-8E1F-5A6B7C8D9E0F>\";reg-id=1",
	     true, REGENT_REG_MATCH_INSTANCE},
	    {"<sip:x@h>;+sip.instance=\"" INST "\"", true, REGENT_REG_MATCH_NONE},
	    {"<sip:x@h>;+sip.instance=\"" INST "\";reg-id=1", false, REGENT_REG_MATCH_NONE},
	};
	struct regent_uri u;

	(void)state;
	assert_int_equal(regent_uri_parse(&u, OURS, strlen(OURS), NULL), 0);
	for (size_t i = 0; i < N(tab); i++) {
		char line[512];
		struct regent_msg *m = NULL;
		struct regent_msg_iter it;
		struct regent_contact c;
		struct regent_reg_me me = {&u, tab[i].inst ? INST : NULL, tab[i].inst ? 1u : 0u};
		int n = snprintf(line, sizeof(line),
				 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				 "From: <sip:a@h>;tag=1\r\nTo: <sip:a@h>\r\nCall-ID: x\r\n"
				 "CSeq: 1 REGISTER\r\nContact: %s\r\nContent-Length: 0\r\n\r\n",
				 tab[i].c);
		assert_int_equal(regent_msg_parse(&m, line, (size_t)n, NULL, NULL), 0);
		memset(&it, 0, sizeof(it));
		assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
		if (regent_reg_contact_match(&c, &me) != tab[i].want)
			fail_msg("row %zu: %s: %d, want %d", i, tab[i].c,
				 regent_reg_contact_match(&c, &me), tab[i].want);
		regent_msg_free(m);
	}
}

static void redirect_target_table(void **state)
{
	static const struct {
		const char *contacts;
		unsigned hops;
		int want;
		const char *target;
	} tab[] = {
	    {"Contact: <sip:reg2.example.com>\r\n", 0, 0, "sip:reg2.example.com"},
	    {"Contact: <sip:a.example.com>;q=0.5, <sip:b.example.com>;q=0.9\r\n", 0, 0,
	     "sip:b.example.com"},
	    {"Contact: <tel:+1555>, <sip:c.example.com>\r\n", 1, 0, "sip:c.example.com"},
	    {"Contact: <sip:reg2.example.com>\r\n", REGENT_REG_MAX_REDIRECTS, ELOOP, NULL},
	    {"", 0, ENOENT, NULL},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++) {
		char buf[1024], out[256];
		struct regent_msg *m = NULL;
		int n = snprintf(buf, sizeof(buf),
				 "SIP/2.0 302 Moved\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				 "From: <sip:a@h>;tag=1\r\nTo: <sip:a@h>\r\nCall-ID: x\r\n"
				 "CSeq: 1 REGISTER\r\n%sContent-Length: 0\r\n\r\n",
				 tab[i].contacts);
		assert_int_equal(regent_msg_parse(&m, buf, (size_t)n, NULL, NULL), 0);
		assert_int_equal(regent_reg_redirect_target(m, tab[i].hops, out, sizeof(out)),
				 tab[i].want);
		if (tab[i].target != NULL)
			assert_string_equal(out, tab[i].target);
		regent_msg_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(refresh_delay_table),
	    cmocka_unit_test(refresh_is_never_zero_and_never_after_expiry),
	    cmocka_unit_test(margin_covers_timer_f_on_unreliable),
	    cmocka_unit_test(retry_backoff_table),
	    cmocka_unit_test(rule_423_table),
	    cmocka_unit_test(binding_expiry_table),
	    cmocka_unit_test(granted_expiry_table),
	    cmocka_unit_test(contact_match_levels),
	    cmocka_unit_test(redirect_target_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
