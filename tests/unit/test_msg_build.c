/*
 * Builder: request/status lines, headers, name-addr quoting, Content-Length,
 * fixed and growable buffers, header-injection refusal naming the field;
 * and the parse -> build -> parse round trip over every flows/ message.
 */
#include <stdio.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "test_msg_util.h"

static void builds_a_register_that_parses(void **state)
{
	struct regent_wbuf wb;
	struct regent_msg *m;
	struct regent_msg_error err;
	struct regent_addr a;

	(void)state;
	regent_wbuf_init_dynamic(&wb, 0);
	regent_build_request_line(&wb, "REGISTER", "sip:example.com");
	regent_build_header(&wb, "Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1");
	regent_wbuf_puts(&wb, "From: ");
	regent_build_name_addr(&wb, "display name", "Alice \"A\" \\ B", "sip:a@example.com");
	regent_wbuf_puts(&wb, ";tag=1\r\nTo: ");
	regent_build_name_addr(&wb, "display name", "Alice Smith", "sip:a@example.com");
	regent_wbuf_puts(&wb, "\r\n");
	regent_build_header(&wb, "Call-ID", "c1");
	regent_wbuf_printf(&wb, "CSeq: %u REGISTER\r\n", 7u);
	regent_build_header_line(&wb, "extra header", "X-Extra: yes");
	assert_int_equal(regent_build_finish(&wb, "body", 4), 0);
	assert_non_null(strstr(wb.buf, "Content-Length: 4\r\n\r\nbody"));
	assert_non_null(strstr(wb.buf, "From: \"Alice \\\"A\\\" \\\\ B\" <sip:a@example.com>"));
	assert_non_null(strstr(wb.buf, "To: Alice Smith <sip:a@example.com>"));

	assert_int_equal(regent_msg_parse(&m, wb.buf, wb.len, NULL, &err), 0);
	assert_int_equal(regent_msg_validate(m, &err), 0);
	regent_msg_from(m, &a);
	assert_true(regent_pl_eq_str(a.display, "Alice \\\"A\\\" \\\\ B"));
	assert_true(regent_pl_eq_str(regent_msg_body(m), "body"));
	regent_msg_free(m);
	regent_wbuf_release(&wb);
}

static void status_line_and_quoted(void **state)
{
	char buf[128];
	struct regent_wbuf wb;

	(void)state;
	regent_wbuf_init_fixed(&wb, buf, sizeof(buf));
	regent_build_status_line(&wb, 423, "Interval Too Brief");
	regent_wbuf_quoted(&wb, "q", "a\"b\\c", 5);
	assert_int_equal(wb.err, REGENT_MSG_OK);
	assert_string_equal(buf, "SIP/2.0 423 Interval Too Brief\r\n\"a\\\"b\\\\c\"");
	regent_wbuf_reset(&wb);
	assert_int_equal(wb.len, 0);
	regent_build_status_line(&wb, 99, "x");
	assert_int_equal(wb.err, REGENT_MSG_EINJECT);
}

/* regent_wbuf_quoted writes the same bytes whether the worst case fits in
 * the room already there (one pass into the buffer) or not (the checked
 * path, appending runs); CR, LF and NUL are refused on both, the buffer
 * left as it was. */
static void quoted_same_with_and_without_room(void **state)
{
	static const char *const in[] = {
	    "plain",	      "",      "a\"b\\c", "tab\there", "ctl\x01\x1a\x7f end",
	    "\xc3\xa9 utf-8", "cr\rx", "lf\nx",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t l = strlen(in[i]);
		char big[256], tight[64];
		struct regent_wbuf a, b;

		regent_wbuf_init_fixed(&a, big, sizeof(big));
		regent_wbuf_write(&a, "x=", 2);
		regent_wbuf_quoted(&a, "q", in[i], l);
		/* room for the output but not for 2 l + 2: the checked path */
		regent_wbuf_init_fixed(&b, tight, 2 + l + 8);
		regent_wbuf_write(&b, "x=", 2);
		regent_wbuf_quoted(&b, "q", in[i], l);
		assert_int_equal(a.err, b.err);
		if (strchr(in[i], '\r') != NULL || strchr(in[i], '\n') != NULL) {
			assert_int_equal(a.err, REGENT_MSG_EINJECT);
			assert_string_equal(big, "x=");
			assert_string_equal(tight, "x=");
			continue;
		}
		assert_int_equal(a.err, REGENT_MSG_OK);
		assert_int_equal(a.len, b.len);
		assert_string_equal(big, tight);
	}
	char big[64];
	struct regent_wbuf a;

	regent_wbuf_init_fixed(&a, big, sizeof(big));
	regent_wbuf_quoted(&a, "q", "a\x01\"\tz", 5);
	assert_string_equal(big, "\"a\\\x01\\\"\tz\"");
	regent_wbuf_reset(&a);
	regent_wbuf_quoted(&a, "q", "nul\0x", 5);
	assert_int_equal(a.err, REGENT_MSG_EINJECT);
	assert_string_equal(big, "");
}

/* regent_pl_strtrunc is snprintf(dst, size, "%s", s): truncated, always
 * terminated. */
static void strtrunc_is_snprintf_s(void **state)
{
	static const char *const in[] = {"", "a", "abcd", "abcde", "abcdefghij"};

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		for (size_t size = 1; size <= 7; size++) {
			char a[8], b[8];

			memset(a, 'x', sizeof(a));
			memset(b, 'x', sizeof(b));
			regent_pl_strtrunc(a, size, in[i]);
			snprintf(b, size, "%s", in[i]);
			assert_memory_equal(a, b, sizeof(a));
		}
	}
}

/* regent_wbuf_u64 writes what "%llu" writes, at every digit count. */
static void u64_is_decimal(void **state)
{
	uint64_t v[] = {0,   1,	   9,	 10,	11,   99,     100,	   101,
			999, 1000, 5060, 65535, 3600, 100000, 4294967295u, UINT64_MAX};

	(void)state;
	for (uint64_t x = 1; x < UINT64_MAX / 10; x = x * 10 + 7) {
		char want[32], buf[64];
		struct regent_wbuf wb;

		regent_wbuf_init_fixed(&wb, buf, sizeof(buf));
		regent_wbuf_u64(&wb, x);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)x);
		assert_string_equal(buf, want);
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char want[32], buf[64];
		struct regent_wbuf wb;

		regent_wbuf_init_fixed(&wb, buf, sizeof(buf));
		regent_wbuf_u64(&wb, v[i]);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v[i]);
		assert_string_equal(buf, want);
	}
}

static void injection_is_refused_naming_the_field(void **state)
{
	static const struct {
		int what;
		const char *a, *b;
		const char *field;
	} t[] = {
	    {0, "Subject", "hi\r\nVia: evil", "Subject"},
	    {0, "Bad Name", "x", "Bad Name"},
	    {0, "X", "a\nb", "X"},
	    {1, "REGISTER", "sip:a@b.com\r\nX: y", "request-uri"},
	    {1, "REG ISTER", "sip:a@b.com", "method"},
	    {2, "user agent", "X-UA: a\rb", "user agent"},
	    {2, "user agent", "NoColon", "user agent"},
	    {2, "user agent", ": novalue", "user agent"},
	    {3, "display", "Eve\r\nVia: x", "display"},
	    {4, "contact uri", "sip:a@b.com>\r\n", "contact uri"},
	    {5, "reason", "OK\r\nX: y", "reason"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_wbuf wb;

		regent_wbuf_init_dynamic(&wb, 4096);
		switch (t[i].what) {
		case 0:
			regent_build_header(&wb, t[i].a, t[i].b);
			break;
		case 1:
			regent_build_request_line(&wb, t[i].a, t[i].b);
			break;
		case 2:
			regent_build_header_line(&wb, t[i].a, t[i].b);
			break;
		case 3:
			regent_build_name_addr(&wb, t[i].a, t[i].b, "sip:a@b.com");
			break;
		case 4:
			regent_build_name_addr(&wb, t[i].a, NULL, t[i].b);
			break;
		case 5:
			regent_build_status_line(&wb, 200, t[i].b);
			break;
		}
		/* sticky: later writes are no-ops and finish reports it */
		regent_build_header(&wb, "X-After", "ok");
		assert_int_equal(regent_build_finish(&wb, NULL, 0), EINVAL);
		assert_int_equal(wb.err, REGENT_MSG_EINJECT);
		if (strcmp(wb.err_field, t[i].field))
			fail_msg("case %zu: field '%s', wanted '%s'", i, wb.err_field, t[i].field);
		assert_true(wb.buf == NULL || strstr(wb.buf, "X-After") == NULL);
		regent_wbuf_release(&wb);
	}
	assert_int_equal(regent_check_value("fine value"), 0);
	assert_int_equal(regent_check_value("a\rb"), EINVAL);
	assert_int_equal(regent_check_value(NULL), EINVAL);
	struct regent_wbuf wb;

	regent_wbuf_init_dynamic(&wb, 4096);
	regent_wbuf_value(&wb, "nul value", "a\0b", 3);
	assert_int_equal(wb.err, REGENT_MSG_EINJECT);
	assert_string_equal(wb.err_field, "nul value");
	regent_wbuf_release(&wb);
}

static void buffer_limits(void **state)
{
	char small[16];
	struct regent_wbuf wb;
	char big[3000];

	(void)state;
	regent_wbuf_init_fixed(&wb, small, sizeof(small));
	regent_wbuf_puts(&wb, "0123456789");
	assert_int_equal(wb.err, REGENT_MSG_OK);
	regent_wbuf_puts(&wb, "0123456789");
	assert_int_equal(wb.err, REGENT_MSG_ENOSPC);
	assert_int_equal(regent_build_finish(&wb, NULL, 0), ENOSPC);
	assert_int_equal(wb.len, 10);

	memset(big, 'x', sizeof(big));
	regent_wbuf_init_dynamic(&wb, 2048);
	regent_wbuf_write(&wb, big, 2000);
	assert_int_equal(wb.err, REGENT_MSG_OK);
	assert_int_equal(wb.len, 2000);
	regent_wbuf_write(&wb, big, 100);
	assert_int_equal(wb.err, REGENT_MSG_ENOSPC);
	regent_wbuf_release(&wb);

	regent_wbuf_init_dynamic(&wb, 0);
	regent_wbuf_printf(&wb, "%.*s", 1000, big); /* longer than printf's stack buffer */
	assert_int_equal(wb.len, 1000);
	assert_int_equal(wb.err, REGENT_MSG_OK);
	regent_wbuf_release(&wb);
}

/* ---------------------------------------------------- round trip */

/* A header value without its folds (RFC 3261 §7.3.1: a fold is LWS), the
 * form a user-level caller hands the builder. */
static char *unfold(struct regent_pl v)
{
	char *s = malloc(v.l + 1);
	size_t n = 0;

	assert_non_null(s);
	for (size_t i = 0; i < v.l; i++) {
		if (v.p[i] == '\r' && i + 1 < v.l && v.p[i + 1] == '\n') {
			i++;
			continue;
		}
		s[n++] = v.p[i];
	}
	s[n] = '\0';
	return s;
}

static bool pl_same(struct regent_pl a, struct regent_pl b)
{
	if (!regent_pl_isset(a) || !regent_pl_isset(b))
		return regent_pl_isset(a) == regent_pl_isset(b);
	return regent_pl_eq(a, b);
}

/* Same text once folds are removed. */
static bool pl_same_unfolded(struct regent_pl a, struct regent_pl b)
{
	if (!regent_pl_isset(a) || !regent_pl_isset(b))
		return regent_pl_isset(a) == regent_pl_isset(b);
	char *x = unfold(a), *y = unfold(b);
	bool r = !strcmp(x, y);

	free(x);
	free(y);
	return r;
}

static void same_uri(const struct regent_uri *a, const struct regent_uri *b)
{
	assert_true(pl_same(a->raw, b->raw));
	assert_true(regent_uri_equal(a, b));
	assert_true(pl_same(a->user, b->user) && pl_same(a->host, b->host));
	assert_int_equal(a->port, b->port);
	assert_true(pl_same(a->params, b->params) && pl_same(a->headers, b->headers));
}

static void same_addr(const struct regent_addr *a, const struct regent_addr *b)
{
	assert_true(pl_same_unfolded(a->display, b->display));
	assert_int_equal(a->display_quoted, b->display_quoted);
	same_uri(&a->uri, &b->uri);
	assert_true(pl_same_unfolded(a->params, b->params));
	assert_true(pl_same(a->tag, b->tag));
}

static void same_message(const struct regent_msg *a, const struct regent_msg *b)
{
	struct regent_msg_iter ia = {0}, ib = {0};
	struct regent_via va, vb;
	struct regent_contact ca, cb;
	struct regent_challenge cha, chb;
	struct regent_addr aa, ab;
	uint32_t na, nb;
	struct regent_pl ma, mb;
	int ra, rb;

	assert_int_equal(regent_msg_is_request(a), regent_msg_is_request(b));
	if (regent_msg_is_request(a)) {
		assert_true(pl_same(regent_msg_method(a), regent_msg_method(b)));
		same_uri(regent_msg_ruri(a), regent_msg_ruri(b));
	} else {
		assert_int_equal(regent_msg_status(a), regent_msg_status(b));
		assert_true(pl_same(regent_msg_reason(a), regent_msg_reason(b)));
	}
	regent_msg_from(a, &aa);
	regent_msg_from(b, &ab);
	same_addr(&aa, &ab);
	regent_msg_to(a, &aa);
	regent_msg_to(b, &ab);
	same_addr(&aa, &ab);
	assert_true(pl_same(regent_msg_call_id(a), regent_msg_call_id(b)));
	regent_msg_cseq(a, &na, &ma);
	regent_msg_cseq(b, &nb, &mb);
	assert_int_equal(na, nb);
	assert_true(pl_same(ma, mb));
	do {
		ra = regent_msg_via_next(a, &ia, &va);
		rb = regent_msg_via_next(b, &ib, &vb);
		assert_int_equal(ra, rb);
		if (ra)
			break;
		assert_true(pl_same(va.transport, vb.transport) && pl_same(va.host, vb.host));
		assert_int_equal(va.port, vb.port);
		assert_true(pl_same(va.branch, vb.branch) && pl_same(va.received, vb.received));
		assert_int_equal(va.has_rport, vb.has_rport);
		assert_int_equal(va.rport, vb.rport);
		assert_true(pl_same_unfolded(va.params, vb.params));
	} while (1);
	assert_int_equal(ra, ENOENT);
	memset(&ia, 0, sizeof(ia));
	memset(&ib, 0, sizeof(ib));
	do {
		ra = regent_msg_contact_next(a, &ia, &ca);
		rb = regent_msg_contact_next(b, &ib, &cb);
		assert_int_equal(ra, rb);
		if (ra)
			break;
		assert_int_equal(ca.star, cb.star);
		same_addr(&ca.addr, &cb.addr);
		assert_int_equal(ca.has_expires, cb.has_expires);
		assert_int_equal(ca.expires, cb.expires);
		assert_true(pl_same(ca.q, cb.q) && pl_same(ca.instance, cb.instance));
		assert_int_equal(ca.has_reg_id, cb.has_reg_id);
		assert_int_equal(ca.reg_id, cb.reg_id);
		assert_true(pl_same(ca.pub_gruu, cb.pub_gruu) &&
			    pl_same(ca.temp_gruu, cb.temp_gruu));
	} while (1);
	assert_int_equal(ra, ENOENT);
	memset(&ia, 0, sizeof(ia));
	memset(&ib, 0, sizeof(ib));
	do {
		ra = regent_msg_challenge_next(a, REGENT_HDR_WWW_AUTHENTICATE, &ia, &cha);
		rb = regent_msg_challenge_next(b, REGENT_HDR_WWW_AUTHENTICATE, &ib, &chb);
		assert_int_equal(ra, rb);
		if (ra)
			break;
		assert_true(pl_same(cha.realm, chb.realm) && pl_same(cha.nonce, chb.nonce));
		assert_true(pl_same(cha.opaque, chb.opaque) && pl_same(cha.qop, chb.qop));
		assert_true(pl_same(cha.algorithm, chb.algorithm));
		assert_int_equal(cha.stale, chb.stale);
	} while (1);
	static const enum regent_hdr_id ints[] = {REGENT_HDR_EXPIRES, REGENT_HDR_MIN_EXPIRES,
						  REGENT_HDR_MAX_FORWARDS};

	for (size_t i = 0; i < 3; i++) {
		ra = regent_msg_u32(a, ints[i], &na);
		rb = regent_msg_u32(b, ints[i], &nb);
		assert_int_equal(ra, rb);
		if (!ra)
			assert_int_equal(na, nb);
	}
	/* every header, in order, same name and same unfolded value; the
	 * builder writes Content-Length last, so it is left out */
	size_t i = 0, j = 0;

	for (;;) {
		const struct regent_hdr *ha = regent_msg_hdr_at(a, i),
					*hb = regent_msg_hdr_at(b, j);

		if (ha && ha->id == REGENT_HDR_CONTENT_LENGTH) {
			i++;
			continue;
		}
		if (hb && hb->id == REGENT_HDR_CONTENT_LENGTH) {
			j++;
			continue;
		}
		if (!ha || !hb) {
			assert_true(!ha && !hb);
			break;
		}
		assert_int_equal(ha->id, hb->id);
		assert_true(regent_pl_eq(ha->name, hb->name));
		assert_true(pl_same_unfolded(ha->value, hb->value));
		i++;
		j++;
	}
	assert_true(pl_same(regent_msg_body(a), regent_msg_body(b)));
}

static const char *const flows[] = {
    "derived-403-F2-403.sip",
    "derived-423-F1-REGISTER.sip",
    "derived-423-F2-423.sip",
    "derived-503-F2-503.sip",
    "derived-outbound-F1-REGISTER.sip",
    "derived-outbound-F2-200.sip",
    "derived-udp-typical-F1-REGISTER.sip",
    "derived-udp-typical-F2-401.sip",
    "derived-udp-typical-F3-200.sip",
    "rfc3665-2.1-F1-REGISTER.sip",
    "rfc3665-2.1-F2-401.sip",
    "rfc3665-2.1-F3-REGISTER.sip",
    "rfc3665-2.1-F4-200.sip",
    "rfc3665-2.2-F1-REGISTER.sip",
    "rfc3665-2.2-F2-200.sip",
    "rfc3665-2.3-F1-REGISTER.sip",
    "rfc3665-2.3-F2-200.sip",
    "rfc3665-2.4-F1-REGISTER.sip",
    "rfc3665-2.4-F2-200.sip",
    "rfc3665-2.5-F1-REGISTER.sip",
    "rfc3665-2.5-F2-401.sip",
    "rfc3665-2.5-F3-REGISTER.sip",
    "rfc3665-2.5-F4-401.sip",
};

static void flows_round_trip_keeps_every_field(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(flows) / sizeof(flows[0]); f++) {
		char rel[128];
		size_t len;
		char *buf;
		struct regent_msg *a, *b;
		struct regent_msg_error err;
		struct regent_wbuf wb;

		snprintf(rel, sizeof(rel), "flows/%s", flows[f]);
		buf = tmu_load(rel, &len);
		assert_non_null(buf);
		if (regent_msg_parse(&a, buf, len, NULL, &err))
			fail_msg("%s: %s", rel, err.reason);

		regent_wbuf_init_dynamic(&wb, 0);
		if (regent_msg_is_request(a)) {
			char *meth = regent_pl_strdup(regent_msg_method(a));
			char *ruri = regent_pl_strdup(regent_msg_ruri(a)->raw);

			regent_build_request_line(&wb, meth, ruri);
			free(meth);
			free(ruri);
		} else {
			char *reason = regent_pl_strdup(regent_msg_reason(a));

			regent_build_status_line(&wb, regent_msg_status(a), reason);
			free(reason);
		}
		for (size_t i = 0; i < regent_msg_hdr_count(a); i++) {
			const struct regent_hdr *h = regent_msg_hdr_at(a, i);
			char *name, *value;

			if (h->id == REGENT_HDR_CONTENT_LENGTH)
				continue; /* the builder writes its own */
			name = regent_pl_strdup(h->name);
			value = unfold(h->value);
			regent_build_header(&wb, name, value);
			free(name);
			free(value);
		}
		assert_int_equal(
		    regent_build_finish(&wb, regent_msg_body(a).p, regent_msg_body(a).l), 0);
		if (regent_msg_parse(&b, wb.buf, wb.len, NULL, &err))
			fail_msg("%s rebuilt: %s\n%s", rel, err.reason, wb.buf);
		same_message(a, b);
		regent_msg_free(a);
		regent_msg_free(b);
		regent_wbuf_release(&wb);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(builds_a_register_that_parses),
	    cmocka_unit_test(status_line_and_quoted),
	    cmocka_unit_test(quoted_same_with_and_without_room),
	    cmocka_unit_test(strtrunc_is_snprintf_s),
	    cmocka_unit_test(u64_is_decimal),
	    cmocka_unit_test(injection_is_refused_naming_the_field),
	    cmocka_unit_test(buffer_limits),
	    cmocka_unit_test(flows_round_trip_keeps_every_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
