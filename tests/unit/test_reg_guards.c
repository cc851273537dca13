/*
 * Guards for what worked but no test held (issue 11 §4), through the public
 * API only: a UA from regent_ua_alloc_core() with a recording sender, a fake
 * clock and a seeded random source, and responses scripted as text.
 *
 *  - GRUUs (RFC 5627 §4.2): pub-gruu and temp-gruu of each binding of a 2xx,
 *    exposed by regent_registerer_contacts(), replaced by the next 2xx and
 *    gone after the un-REGISTER;
 *  - Service-Route (RFC 3608 §6): the one of the last 2xx, replaced by the
 *    next 2xx and cleared by a 2xx without one, kept over a failure;
 *  - params.from_tag, params.from_display_name, params.to_display_name as
 *    the exact From and To header text (RFC 3261 §20.10, §25.1: a display
 *    name that is not a run of tokens is quoted, '"' and '\' escaped);
 *  - every default that regent_registerer_options_init() and
 *    regent_ua_options_init() set, against the README's tables;
 *  - the Contact parameter names the Registerer sets itself, refused in
 *    extra_contact_header_params in any case (src/reg: expires, reg-id,
 *    +sip.instance), and a harmless one accepted onto the wire.
 *
 * The message text is read here with plain string functions, not with the
 * library's parser, so that these tests hold whatever the codec becomes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "reg_fixture.h"
#include "regent.h"

#define AOR "sip:alice@example.com"

/* A UA (with display_name `ua_display`, NULL for none) whose flow is up,
 * and, when `ro` is given, a Registerer from it. */
static struct reg_fix *setup_with(const char *ua_display,
				  const struct regent_registerer_options *ro)
{
	struct reg_fix *f = reg_fix_alloc(5000000, 0x5eed6a7d5ull);
	struct regent_ua_options uo;
	struct regent_error e;

	regent_ua_options_init(&uo);
	uo.uri = AOR;
	uo.display_name = ua_display;
	uo.contact_name = "guard";
	uo.instance_id = "0b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d";
	reg_fix_ua(f, &uo, &e, REGENT_TP_UDP, "192.0.2.20", 5062, "192.0.2.1");
	if (ro != NULL) {
		e.text[0] = '\0';
		if (reg_fix_registerer(f, ro, &e) != 0)
			fail_msg("registerer_alloc: %s", e.text);
	}
	return f;
}

/* A Registerer with reg_id 1 (so the UA's instance id: outbound + gruu). */
static struct reg_fix *setup(void)
{
	struct regent_registerer_options ro;

	regent_registerer_options_init(&ro);
	ro.reg_id = 1;
	ro.log_configuration = false;
	return setup_with(NULL, &ro);
}

/* The value of the idx-th header line "Name: value" of message m (the
 * full-form names regent writes), into out. */
static bool hdr(const char *m, const char *name, size_t idx, char *out, size_t size)
{
	size_t nl = strlen(name), k = 0;
	const char *p = strstr(m, "\r\n");

	while (p != NULL && p[2] != '\r') {
		const char *line = p + 2, *end = strstr(line, "\r\n");

		if (end == NULL)
			return false;
		if ((size_t)(end - line) > nl + 1 && strncasecmp(line, name, nl) == 0 &&
		    line[nl] == ':') {
			const char *v = line + nl + 1;

			while (*v == ' ')
				v++;
			if (k++ == idx) {
				snprintf(out, size, "%.*s", (int)(end - v), v);
				return true;
			}
		}
		p = end;
	}
	return false;
}

static size_t hdr_count(const char *m, const char *name)
{
	char v[1024];
	size_t n = 0;

	while (hdr(m, name, n, v, sizeof(v)))
		n++;
	return n;
}

/* Answers request i with status and `extra` header lines (each ending in
 * CRLF), echoing Via, From, To (with a tag), Call-ID and CSeq. */
static void reply(struct reg_fix *f, size_t i, unsigned status, const char *reason,
		  const char *extra)
{
	static const char *const names[] = {"Via", "From", "Call-ID", "CSeq"};
	char buf[8192], v[1024];
	int n;
	size_t len;

	assert_true(i < f->nsent);
	len = (size_t)snprintf(buf, sizeof(buf), "SIP/2.0 %u %s\r\n", status, reason);
	for (size_t k = 0; k < 4; k++) {
		assert_true(hdr(f->sent[i], names[k], 0, v, sizeof(v)));
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s: %s\r\n", names[k], v);
	}
	assert_true(hdr(f->sent[i], "To", 0, v, sizeof(v)));
	n = snprintf(buf + len, sizeof(buf) - len, "To: %s;tag=reg1\r\n%sContent-Length: 0\r\n\r\n",
		     v, extra != NULL ? extra : "");
	assert_true(n > 0 && (size_t)n < sizeof(buf) - len);
	len += (size_t)n;
	regent_ua_recv(f->ua, buf, len);
}

/* The Contact URI of request i (between '<' and '>'). */
static void contact_uri(const struct reg_fix *f, size_t i, char *out, size_t size)
{
	char v[1024];
	char *lt, *gt;

	assert_true(hdr(f->sent[i], "Contact", 0, v, sizeof(v)));
	lt = strchr(v, '<');
	gt = strchr(v, '>');
	assert_non_null(lt);
	assert_non_null(gt);
	*gt = '\0';
	snprintf(out, size, "%s", lt + 1);
}

static const struct regent_binding *find_binding(const struct reg_fix *f, const char *uri)
{
	const struct regent_binding *b = NULL;
	size_t n = regent_registerer_contacts(f->reg, &b);

	for (size_t i = 0; i < n; i++)
		if (b[i].uri != NULL && strcmp(b[i].uri, uri) == 0)
			return &b[i];
	return NULL;
}

/* ------------------------------------------------------------------ GRUU */

#define PUB1 "sip:alice@example.com;gr=urn:uuid:0b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d"
#define TMP1 "sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@example.com;gr"
#define TMP2 "sip:tgruu.second==kq81hx2@example.com;gr"
#define PUB_B "sip:alice@example.com;gr=urn:uuid:11111111-2222-4333-8444-555555555555"
#define TMP_B "sip:tgruu.other==x1@example.com;gr"
#define OTHER "sip:desk@192.0.2.99:5060"

/* RFC 5627 §4.2: the registrar adds pub-gruu and temp-gruu to each Contact
 * of the 2xx that has an instance id; each binding keeps its own. */
static void gruus_of_each_binding_are_stored_and_exposed(void **state)
{
	struct reg_fix *f = setup();
	const struct regent_binding *b, *o;
	char ours[256], extra[2048];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(f->nsent, 1);
	contact_uri(f, 0, ours, sizeof(ours));
	snprintf(extra, sizeof(extra),
		 "Contact: <%s>;reg-id=1;+sip.instance=\"<urn:uuid:0b5c6d7e-8f90-4a1b-9c2d-"
		 "3e4f5a6b7c8d>\";pub-gruu=\"" PUB1 "\";temp-gruu=\"" TMP1 "\";expires=600\r\n"
		 "Contact: <" OTHER ">;+sip.instance=\"<urn:uuid:11111111-2222-4333-8444-"
		 "555555555555>\";pub-gruu=\"" PUB_B "\";temp-gruu=\"" TMP_B "\";expires=300\r\n",
		 ours);
	reply(f, 0, 200, "OK", extra);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	assert_int_equal(regent_registerer_contacts(f->reg, &b), 2);
	b = find_binding(f, ours);
	o = find_binding(f, OTHER);
	assert_non_null(b);
	assert_non_null(o);
	assert_true(b->ours);
	assert_false(o->ours);
	assert_int_equal(b->expires, 600);
	assert_int_equal(o->expires, 300);
	/* the values, unquoted, each with its own binding */
	assert_non_null(b->pub_gruu);
	assert_non_null(b->temp_gruu);
	assert_string_equal(b->pub_gruu, PUB1);
	assert_string_equal(b->temp_gruu, TMP1);
	assert_non_null(o->pub_gruu);
	assert_non_null(o->temp_gruu);
	assert_string_equal(o->pub_gruu, PUB_B);
	assert_string_equal(o->temp_gruu, TMP_B);
	reg_fix_free(f);
}

/* A binding without GRUUs has NULL for both, not "" (regent.h: "or NULL"). */
static void binding_without_gruu_has_null_gruus(void **state)
{
	struct reg_fix *f = setup();
	const struct regent_binding *b;
	char ours[256], extra[512];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	contact_uri(f, 0, ours, sizeof(ours));
	snprintf(extra, sizeof(extra), "Contact: <%s>;expires=600\r\n", ours);
	reply(f, 0, 200, "OK", extra);
	assert_int_equal(regent_registerer_contacts(f->reg, &b), 1);
	assert_string_equal(b[0].uri, ours);
	assert_null(b[0].pub_gruu);
	assert_null(b[0].temp_gruu);
	reg_fix_free(f);
}

/* RFC 5627 §4.2: each refresh's 2xx may carry a new temp-gruu; what is
 * exposed is the last 2xx's, and the un-REGISTER's 2xx (our binding gone)
 * leaves no GRUU behind. */
static void gruus_follow_the_last_2xx_and_go_with_the_unregister(void **state)
{
	struct reg_fix *f = setup();
	const struct regent_binding *b;
	char ours[256], extra[1024];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	contact_uri(f, 0, ours, sizeof(ours));
	snprintf(extra, sizeof(extra),
		 "Contact: <%s>;pub-gruu=\"" PUB1 "\";temp-gruu=\"" TMP1 "\";expires=600\r\n",
		 ours);
	reply(f, 0, 200, "OK", extra);
	b = find_binding(f, ours);
	assert_non_null(b);
	assert_non_null(b->temp_gruu);
	assert_string_equal(b->temp_gruu, TMP1);

	reg_fix_run_until_sent(f, 2, 700000); /* the refresh */
	assert_int_equal(f->nsent, 2);
	snprintf(extra, sizeof(extra),
		 "Contact: <%s>;pub-gruu=\"" PUB1 "\";temp-gruu=\"" TMP2 "\";expires=600\r\n",
		 ours);
	reply(f, 1, 200, "OK", extra);
	b = find_binding(f, ours);
	assert_non_null(b);
	assert_non_null(b->pub_gruu);
	assert_non_null(b->temp_gruu);
	assert_string_equal(b->pub_gruu, PUB1);
	assert_string_equal(b->temp_gruu, TMP2);

	assert_int_equal(regent_registerer_unregister(f->reg, false, NULL), 0);
	assert_int_equal(f->nsent, 3);
	reply(f, 2, 200, "OK", NULL); /* §10.3 step 8: no binding left to list */
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_UNREGISTERED);
	assert_int_equal(regent_registerer_contacts(f->reg, &b), 0);
	assert_null(find_binding(f, ours));
	reg_fix_free(f);
}

/* --------------------------------------------------------- Service-Route */

#define SR1 "<sip:orig@scscf1.example.com;lr>"
#define SR2 "<sip:pcscf-out@pcscf.example.com;lr>"
#define SR3 "<sip:orig@scscf2.example.com;lr>"

/* RFC 3608 §6: the route of the last successful registration, as received
 * (several headers joined in order), replaced by each 2xx, cleared by a 2xx
 * without one, and kept over a failure (it is not a successful response). */
static void service_route_is_the_last_2xx_s_and_cleared_by_one_without(void **state)
{
	struct reg_fix *f = setup();
	const char *sr;
	char ours[256], extra[1024];

	(void)state;
	assert_null(regent_registerer_service_route(f->reg));
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	contact_uri(f, 0, ours, sizeof(ours));
	snprintf(extra, sizeof(extra),
		 "Service-Route: " SR1 "\r\nService-Route: " SR2
		 "\r\nContact: <%s>;expires=600\r\n",
		 ours);
	reply(f, 0, 200, "OK", extra);
	sr = regent_registerer_service_route(f->reg);
	assert_non_null(sr);
	assert_string_equal(sr, SR1 ", " SR2);

	/* the refresh's 2xx names another route: it replaces the first */
	reg_fix_run_until_sent(f, 2, 700000);
	assert_int_equal(f->nsent, 2);
	snprintf(extra, sizeof(extra), "Service-Route: " SR3 "\r\nContact: <%s>;expires=600\r\n",
		 ours);
	reply(f, 1, 200, "OK", extra);
	sr = regent_registerer_service_route(f->reg);
	assert_non_null(sr);
	assert_string_equal(sr, SR3);

	/* a failed refresh is no successful registration: the route stays */
	reg_fix_run_until_sent(f, 3, 700000);
	assert_int_equal(f->nsent, 3);
	reply(f, 2, 500, "Server Internal Error", NULL);
	sr = regent_registerer_service_route(f->reg);
	assert_non_null(sr);
	assert_string_equal(sr, SR3);

	/* a 2xx without Service-Route clears it (§6: "MUST clear") */
	reg_fix_run_until_sent(f, 4, 700000);
	assert_int_equal(f->nsent, 4);
	snprintf(extra, sizeof(extra), "Contact: <%s>;expires=600\r\n", ours);
	reply(f, 3, 200, "OK", extra);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	assert_null(regent_registerer_service_route(f->reg));
	reg_fix_free(f);
}

/* ---------------------------------------------- From / To on the wire */

struct names_row {
	const char *ua_display;	  /* regent_ua_options.display_name */
	const char *from_display; /* params.from_display_name */
	const char *to_display;	  /* params.to_display_name */
	const char *from_tag;	  /* params.from_tag */
	const char *want_from;	  /* exact From value */
	const char *want_to;	  /* exact To value */
};

/* RFC 3261 §25.1: display-name = *(token LWS) / quoted-string; a name that
 * is not single-spaced tokens is quoted, with '"' and '\' escaped
 * (quoted-pair). An explicit from_display_name wins over the UA's. */
static const struct names_row names_tab[] = {
    {NULL, NULL, NULL, "t1", "<" AOR ">;tag=t1", "<" AOR ">"},
    {NULL, "Alice", NULL, "abc", "Alice <" AOR ">;tag=abc", "<" AOR ">"},
    {NULL, "Alice Smith", "Front Desk", "x-1.2!%*_+`'~", "Alice Smith <" AOR ">;tag=x-1.2!%*_+`'~",
     "Front Desk <" AOR ">"},
    {NULL, "Smith, Alice", "Desk (2)", "T", "\"Smith, Alice\" <" AOR ">;tag=T",
     "\"Desk (2)\" <" AOR ">"},
    {NULL, "Al \"the pal\" \\o/", "say \"hi\"", "q",
     "\"Al \\\"the pal\\\" \\\\o/\" <" AOR ">;tag=q", "\"say \\\"hi\\\"\" <" AOR ">"},
    {NULL, "two  spaces", " lead", "s", "\"two  spaces\" <" AOR ">;tag=s", "\" lead\" <" AOR ">"},
    {NULL, "Zo\xc3\xab", "<tag>", "u", "\"Zo\xc3\xab\" <" AOR ">;tag=u", "\"<tag>\" <" AOR ">"},
    {"Reception", NULL, NULL, "ua1", "Reception <" AOR ">;tag=ua1", "<" AOR ">"},
    {"Reception", "Night Desk", NULL, "ua2", "Night Desk <" AOR ">;tag=ua2", "<" AOR ">"},
    {"O'Neil; Jr", NULL, NULL, "ua3", "\"O'Neil; Jr\" <" AOR ">;tag=ua3", "<" AOR ">"},
};

/* The exact From and To of the REGISTER, its refresh and its un-REGISTER:
 * the tag and the names are the same on every request of the Registerer. */
static void from_tag_and_display_names_are_exact_on_the_wire(void **state)
{
	char v[512], ours[256], extra[512];

	(void)state;
	for (size_t i = 0; i < sizeof(names_tab) / sizeof(names_tab[0]); i++) {
		const struct names_row *t = &names_tab[i];
		struct regent_registerer_options ro;
		struct reg_fix *f;

		regent_registerer_options_init(&ro);
		ro.log_configuration = false;
		ro.params.from_display_name = t->from_display;
		ro.params.to_display_name = t->to_display;
		ro.params.from_tag = t->from_tag;
		f = setup_with(t->ua_display, &ro);
		assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
		assert_int_equal(f->nsent, 1);
		contact_uri(f, 0, ours, sizeof(ours));
		snprintf(extra, sizeof(extra), "Contact: <%s>;expires=600\r\n", ours);
		reply(f, 0, 200, "OK", extra);
		reg_fix_run_until_sent(f, 2, 700000);
		assert_int_equal(f->nsent, 2);
		reply(f, 1, 200, "OK", extra);
		assert_int_equal(regent_registerer_unregister(f->reg, false, NULL), 0);
		assert_int_equal(f->nsent, 3);
		for (size_t k = 0; k < f->nsent; k++) {
			assert_int_equal(hdr_count(f->sent[k], "From"), 1);
			assert_int_equal(hdr_count(f->sent[k], "To"), 1);
			assert_true(hdr(f->sent[k], "From", 0, v, sizeof(v)));
			if (strcmp(v, t->want_from) != 0)
				fail_msg("row %zu request %zu: From: %s, wanted %s", i, k, v,
					 t->want_from);
			assert_true(hdr(f->sent[k], "To", 0, v, sizeof(v)));
			if (strcmp(v, t->want_to) != 0)
				fail_msg("row %zu request %zu: To: %s, wanted %s", i, k, v,
					 t->want_to);
		}
		reg_fix_free(f);
	}
}

/* Without params.from_tag the tag is random: two Registerers differ, and
 * it is a token of at least 32 random bits (RFC 3261 §19.3). */
static void from_tag_by_default_is_random_per_registerer(void **state)
{
	struct regent_registerer_options ro;
	struct regent_registerer *r2 = NULL;
	struct regent_error e;
	struct reg_fix *f;
	char a[256], b[256];
	const char *ta, *tb;

	(void)state;
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	f = setup_with(NULL, &ro);
	assert_int_equal(regent_registerer_alloc(&r2, f->ua, &ro, &e), 0);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(regent_registerer_register(r2, NULL), 0);
	assert_int_equal(f->nsent, 2);
	assert_true(hdr(f->sent[0], "From", 0, a, sizeof(a)));
	assert_true(hdr(f->sent[1], "From", 0, b, sizeof(b)));
	ta = strstr(a, ";tag=");
	tb = strstr(b, ";tag=");
	assert_non_null(ta);
	assert_non_null(tb);
	assert_true(strlen(ta + 5) >= 8);
	assert_string_not_equal(ta, tb);
	regent_registerer_free(r2);
	reg_fix_free(f);
}

/* ------------------------------------------------------------ defaults */

/* One row per field: where it is, how big, the value README's tables give
 * (a pointer default is NULL: the README's "none", "random", "the AOR"...
 * are applied by the constructor, checked on the wire below). */
struct dflt {
	const char *field;
	size_t off, size;
	uint64_t want; /* integers, bools and enums; 0 for NULL pointers */
	bool ptr;
};

#define RO(f, v)                                                                                   \
	{                                                                                          \
#f, offsetof(struct regent_registerer_options, f),                                 \
		    sizeof(((struct regent_registerer_options *)0)->f), (uint64_t)(v), false       \
	}
#define RP(f)                                                                                      \
	{                                                                                          \
#f, offsetof(struct regent_registerer_options, f),                                 \
		    sizeof(((struct regent_registerer_options *)0)->f), 0, true                    \
	}
#define UO(f, v)                                                                                   \
	{                                                                                          \
#f, offsetof(struct regent_ua_options, f),                                         \
		    sizeof(((struct regent_ua_options *)0)->f), (uint64_t)(v), false               \
	}
#define UP(f)                                                                                      \
	{                                                                                          \
#f, offsetof(struct regent_ua_options, f),                                         \
		    sizeof(((struct regent_ua_options *)0)->f), 0, true                            \
	}

/* README "Registerer options" */
static const struct dflt reg_dflt[] = {
    RO(expires, 600),
    RP(extra_contact_header_params),
    RO(extra_contact_header_params_count, 0),
    RP(extra_headers),
    RO(extra_headers_count, 0),
    RP(instance_id),
    RO(log_configuration, true),
    RP(params.from_display_name),
    RP(params.from_tag),
    RP(params.from_uri),
    RP(params.to_display_name),
    RP(params.to_uri),
    RO(reg_id, 0),
    RP(registrar),
    RO(refresh_frequency, 99),
    RP(event_h),
    RP(event_arg),
    RO(auto_retry, true),
    RO(auto_refresh, true),
    RO(retry_base_s, 30),
    RO(retry_max_s, 1800),
    RP(authorization_username),
    RP(authorization_password),
    RP(authorization_ha1),
    RO(retry_on_reject, true),
};

/* README "UA options" */
static const struct dflt ua_dflt[] = {
    UP(uri),
    UP(authorization_username),
    UP(authorization_password),
    UP(authorization_ha1),
    UP(display_name),
    UP(contact_name),
    UP(contact_params),
    UP(via_host),
    UP(instance_id),
    UP(user_agent_string),
    UO(t1_ms, 500),
    UO(t2_ms, 4000),
    UO(t4_ms, 5000),
    UP(log_h),
    UP(log_arg),
    UO(log_level, REGENT_LOG_INFO),
    UP(server),
    UO(transport, REGENT_TP_NONE),
    UP(tls_ca_file),
    UP(tls_ca_dir),
    UO(tls_insecure, false),
    UP(dns_server),
    UO(connect_timeout_ms, 5000),
    UO(keepalive_interval_s, 0),
};

static uint64_t read_uint(const unsigned char *p, size_t size)
{
	switch (size) {
	case 1: {
		uint8_t v;
		memcpy(&v, p, 1);
		return v;
	}
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	default: {
		uint64_t v;
		assert_int_equal(size, 8);
		memcpy(&v, p, 8);
		return v;
	}
	}
}

/* Checks each row on a struct that was filled with 0xA5 before the init
 * (so a field the init forgets shows), then every byte no row covers must
 * be zero: a field added later defaults to 0/NULL/false, or gets a row. */
static void check_defaults(const char *what, const unsigned char *s, size_t size,
			   const struct dflt *tab, size_t n)
{
	unsigned char *covered = calloc(1, size);

	assert_non_null(covered);
	for (size_t i = 0; i < n; i++) {
		const struct dflt *d = &tab[i];
		uint64_t got;

		if (d->ptr) {
			void *pv;

			assert_int_equal(d->size, sizeof(void *));
			memcpy(&pv, s + d->off, sizeof(pv));
			if (pv != NULL)
				fail_msg("%s.%s: %p, README says none (NULL)", what, d->field, pv);
		} else {
			got = read_uint(s + d->off, d->size);
			if (got != d->want)
				fail_msg("%s.%s: %llu, README says %llu", what, d->field,
					 (unsigned long long)got, (unsigned long long)d->want);
		}
		memset(covered + d->off, 1, d->size);
	}
	for (size_t i = 0; i < size; i++)
		if (!covered[i] && s[i] != 0)
			fail_msg("%s: byte %zu (no row in the table) is 0x%02x after _init", what,
				 i, s[i]);
	free(covered);
}

static void registerer_options_init_sets_the_readme_defaults(void **state)
{
	struct regent_registerer_options o;

	(void)state;
	memset(&o, 0xA5, sizeof(o));
	regent_registerer_options_init(&o);
	check_defaults("regent_registerer_options", (const unsigned char *)&o, sizeof(o), reg_dflt,
		       sizeof(reg_dflt) / sizeof(reg_dflt[0]));
	regent_registerer_options_init(NULL); /* harmless */
}

static void ua_options_init_sets_the_readme_defaults(void **state)
{
	struct regent_ua_options o;

	(void)state;
	memset(&o, 0xA5, sizeof(o));
	regent_ua_options_init(&o);
	check_defaults("regent_ua_options", (const unsigned char *)&o, sizeof(o), ua_dflt,
		       sizeof(ua_dflt) / sizeof(ua_dflt[0]));
	regent_ua_options_init(NULL);
}

/* What the defaults mean once a Registerer is made from them (README's
 * tables): Expires 600 on the wire, the registrar is the AOR without its
 * user part, no reg-id / +sip.instance (reg_id 0, no instance id), To
 * without a display name, log_configuration prints the configuration
 * with refresh_frequency 99 and the back-off 30/1800, and the refresh
 * comes at most at 99 % of the granted expiry. */
static void defaults_as_a_registerer_uses_them(void **state)
{
	struct regent_registerer_options ro;
	struct reg_fix *f;
	char v[512], ours[256], extra[512];
	uint64_t t0;

	(void)state;
	regent_registerer_options_init(&ro);
	f = setup_with(NULL, &ro);
	assert_non_null(strstr(f->log, "configuration of registerer"));
	assert_non_null(strstr(f->log, "  expires: 600\n"));
	assert_non_null(strstr(f->log, "  refresh_frequency: 99\n"));
	assert_non_null(strstr(f->log, "  auto_retry: true, auto_refresh: true\n"));
	assert_non_null(strstr(f->log, "  retry_base_s: 30, retry_max_s: 1800\n"));
	assert_non_null(strstr(f->log, "  t1_ms: 500, t2_ms: 4000, t4_ms: 5000\n"));
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(f->nsent, 1);
	assert_true(strncmp(f->sent[0], "REGISTER sip:example.com SIP/2.0\r\n", 34) == 0);
	assert_true(hdr(f->sent[0], "Expires", 0, v, sizeof(v)));
	assert_string_equal(v, "600");
	assert_true(hdr(f->sent[0], "Contact", 0, v, sizeof(v)));
	assert_string_equal(v, "<sip:guard@192.0.2.20:5062;transport=udp>;expires=600");
	assert_true(hdr(f->sent[0], "To", 0, v, sizeof(v)));
	assert_string_equal(v, "<" AOR ">");
	contact_uri(f, 0, ours, sizeof(ours));
	snprintf(extra, sizeof(extra), "Contact: <%s>;expires=1000\r\n", ours);
	t0 = f->now;
	reply(f, 0, 200, "OK", extra);
	reg_fix_run_until_sent(f, 2, 2000000);
	assert_int_equal(f->nsent, 2);
	/* 99 % of 1000 s, up to 5 % earlier (docs/design.md, Refresh) */
	assert_true(f->now - t0 <= 990000);
	assert_true(f->now - t0 >= 990000 - 990000 / 20);
	reg_fix_free(f);
}

/* The README's UA defaults that the constructor applies, seen on the wire
 * of a UA given only its uri and a password: Contact user part 8 random
 * characters, Contact params transport=<tp>, Via and Contact host the
 * local address, an instance id that is a random v4 UUID (RFC 4122 §4.4),
 * User-Agent regent/REGENT_VERSION, no display name, and the
 * authorization username the user part of the AOR. */
static void ua_defaults_as_a_ua_uses_them(void **state)
{
	struct reg_fix *f = reg_fix_alloc(5000000, 0xdefa17ull);
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_error e;
	char v[1024], user[64], inst[64];
	const char *at, *u;

	(void)state;
	regent_ua_options_init(&uo);
	uo.uri = AOR;
	uo.authorization_password = "pw";
	reg_fix_ua(f, &uo, &e, REGENT_TP_TCP, "192.0.2.30", 40123, "192.0.2.1");
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.reg_id = 1; /* the UA's instance id on the wire */
	assert_int_equal(reg_fix_registerer(f, &ro, &e), 0);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(f->nsent, 1);

	assert_true(hdr(f->sent[0], "Via", 0, v, sizeof(v)));
	assert_true(strncmp(v, "SIP/2.0/TCP 192.0.2.30:40123;rport;branch=z9hG4bK", 48) == 0);
	assert_true(hdr(f->sent[0], "User-Agent", 0, v, sizeof(v)));
	assert_string_equal(v, "regent/" REGENT_VERSION);
	assert_true(hdr(f->sent[0], "From", 0, v, sizeof(v)));
	assert_true(strncmp(v, "<" AOR ">;tag=", strlen(AOR) + 7) == 0);
	assert_true(hdr(f->sent[0], "Contact", 0, v, sizeof(v)));
	/* <sip:XXXXXXXX@192.0.2.30:40123;transport=tcp>;reg-id=1;+sip.instance=... */
	assert_true(strncmp(v, "<sip:", 5) == 0);
	at = strchr(v, '@');
	assert_non_null(at);
	assert_int_equal(at - (v + 5), 8);
	snprintf(user, sizeof(user), "%.8s", v + 5);
	for (u = user; *u != '\0'; u++)
		assert_true((*u >= 'a' && *u <= 'z') || (*u >= '0' && *u <= '9') ||
			    (*u >= 'A' && *u <= 'Z'));
	assert_true(
	    strncmp(
		at, "@192.0.2.30:40123;transport=tcp>;reg-id=1;+sip.instance=\"<urn:uuid:",
		strlen("@192.0.2.30:40123;transport=tcp>;reg-id=1;+sip.instance=\"<urn:uuid:")) ==
	    0);
	snprintf(
	    inst, sizeof(inst), "%.36s",
	    at + strlen("@192.0.2.30:40123;transport=tcp>;reg-id=1;+sip.instance=\"<urn:uuid:"));
	assert_int_equal(strlen(inst), 36);
	assert_int_equal(inst[8], '-');
	assert_int_equal(inst[14], '4');	   /* version 4 */
	assert_non_null(strchr("89ab", inst[19])); /* RFC 4122 variant */
	assert_true(strstr(v, ";expires=600") != NULL);

	/* the username of the digest answer: the AOR's user part */
	reply(f, 0, 401, "Unauthorized",
	      "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc123\", "
	      "algorithm=MD5, qop=\"auth\"\r\n");
	assert_int_equal(f->nsent, 2);
	assert_true(hdr(f->sent[1], "Authorization", 0, v, sizeof(v)));
	assert_non_null(strstr(v, "username=\"alice\""));
	reg_fix_free(f);
}

/* -------------------------------------- reserved Contact parameter names */

/* The names the Registerer writes itself (src/reg: expires, reg-id,
 * +sip.instance): one of each on the wire (defect 9), so none may come in
 * extra_contact_header_params, in any case, with or without a value. */
static void reserved_contact_params_are_refused_in_any_case(void **state)
{
	static const char *const refused[] = {
	    "expires",
	    "expires=60",
	    "EXPIRES=60",
	    "Expires",
	    "reg-id",
	    "reg-id=2",
	    "REG-ID=2",
	    "Reg-Id",
	    "+sip.instance",
	    "+sip.instance=\"<urn:uuid:0b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d>\"",
	    "+SIP.INSTANCE=\"<urn:uuid:0b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d>\"",
	    "+Sip.Instance",
	};
	struct reg_fix *f = setup_with(NULL, NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *const ok_then_bad[] = {"foo=bar", refused[i]};
		struct regent_registerer_options ro;
		struct regent_registerer *r = (struct regent_registerer *)1;
		struct regent_error e;
		int rc;

		regent_registerer_options_init(&ro);
		ro.log_configuration = false;
		ro.extra_contact_header_params = ok_then_bad;
		ro.extra_contact_header_params_count = 2;
		memset(&e, 0, sizeof(e));
		rc = regent_registerer_alloc(&r, f->ua, &ro, &e);
		if (rc != EINVAL)
			fail_msg("\"%s\": alloc returned %d, wanted EINVAL", refused[i], rc);
		assert_null(r);
		assert_int_equal(e.code, EINVAL);
		if (strncmp(e.text, "extra_contact_header_params", 27) != 0)
			fail_msg("\"%s\": error \"%s\" does not start with the field", refused[i],
				 e.text);
	}
	reg_fix_free(f);
}

/* Harmless params (and ones that only look like ours) go onto the Contact
 * as given, after ours, once each. */
static void harmless_contact_params_are_accepted_onto_the_wire(void **state)
{
	static const char *const xp[] = {"foo=bar", "+sip.ice", "q=0.7", "expiry-hint=5", "Video"};
	struct regent_registerer_options ro;
	struct reg_fix *f;
	char v[512];

	(void)state;
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.reg_id = 1;
	ro.extra_contact_header_params = xp;
	ro.extra_contact_header_params_count = sizeof(xp) / sizeof(xp[0]);
	f = setup_with(NULL, &ro);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(hdr(f->sent[0], "Contact", 0, v, sizeof(v)));
	assert_string_equal(v, "<sip:guard@192.0.2.20:5062;transport=udp>;reg-id=1;"
			       "+sip.instance=\"<urn:uuid:0b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d>\";"
			       "foo=bar;+sip.ice;q=0.7;expiry-hint=5;Video;expires=600");
	reg_fix_free(f);
}

/* A name that only begins like a reserved one is another parameter
 * (RFC 3261 §25.1: the name is the whole token): "expiresx", "reg-idx",
 * "+sip.instances" are not ours. (src/reg once compared only the first
 * strlen(reserved) characters and refused them.) */
static void param_names_only_prefixed_like_ours_are_accepted(void **state)
{
	static const char *const names[] = {"expiresx=1", "reg-idx", "+sip.instances=2"};
	struct reg_fix *f;

	(void)state;
	f = setup_with(NULL, NULL);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *const one[] = {names[i]};
		struct regent_registerer_options ro;
		struct regent_registerer *r = NULL;
		struct regent_error e;
		int rc;

		regent_registerer_options_init(&ro);
		ro.log_configuration = false;
		ro.extra_contact_header_params = one;
		ro.extra_contact_header_params_count = 1;
		rc = regent_registerer_alloc(&r, f->ua, &ro, &e);
		if (rc != 0)
			fail_msg("\"%s\": refused (%s)", names[i], e.text);
		regent_registerer_free(r);
	}
	reg_fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gruus_of_each_binding_are_stored_and_exposed),
	    cmocka_unit_test(binding_without_gruu_has_null_gruus),
	    cmocka_unit_test(gruus_follow_the_last_2xx_and_go_with_the_unregister),
	    cmocka_unit_test(service_route_is_the_last_2xx_s_and_cleared_by_one_without),
	    cmocka_unit_test(from_tag_and_display_names_are_exact_on_the_wire),
	    cmocka_unit_test(from_tag_by_default_is_random_per_registerer),
	    cmocka_unit_test(registerer_options_init_sets_the_readme_defaults),
	    cmocka_unit_test(ua_options_init_sets_the_readme_defaults),
	    cmocka_unit_test(defaults_as_a_registerer_uses_them),
	    cmocka_unit_test(ua_defaults_as_a_ua_uses_them),
	    cmocka_unit_test(reserved_contact_params_are_refused_in_any_case),
	    cmocka_unit_test(harmless_contact_params_are_accepted_onto_the_wire),
	    cmocka_unit_test(param_names_only_prefixed_like_ours_are_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
