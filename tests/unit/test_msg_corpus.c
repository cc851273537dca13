/*
 * The corpus (tests/data: RFC 4475, RFC 5118 wire form, registration flows)
 * against the verdict table tests/data/verdicts.txt, plus the specific
 * points each torture message is about.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "test_msg_util.h"

static const char *const code_names[] = {
    "OK",      "ETOOBIG",  "ETOOMANYHDRS", "ELINE",  "ESTARTLINE", "EVERSION",
    "EHEADER", "EMISSING", "EVALUE",	   "ERANGE", "ELENGTH",	   "EINCOMPLETE",
    "EURI",    "EINJECT",  "ENOMEM",	   "ENOSPC",
};

static int code_of(const char *name)
{
	for (size_t i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++) {
		if (!strcmp(code_names[i], name))
			return (int)i;
	}
	return -1;
}

struct verdict {
	char file[96];
	char verdict[24];
	char code[24];
	char reason[128];
};

static size_t load_table(struct verdict *v, size_t max)
{
	size_t len, n = 0;
	char *buf = tmu_load("verdicts.txt", &len);
	char *line, *save = NULL;

	assert_non_null(buf);
	buf = realloc(buf, len + 1);
	assert_non_null(buf);
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int off = 0;

		if (line[0] == '#' || line[0] == '\0')
			continue;
		assert_true(n < max);
		assert_int_equal(
		    sscanf(line, "%95s %23s %23s %n", v[n].file, v[n].verdict, v[n].code, &off), 3);
		snprintf(v[n].reason, sizeof(v[n].reason), "%s", line + off);
		n++;
	}
	free(buf);
	return n;
}

static void every_corpus_file_has_the_expected_verdict(void **state)
{
	static struct verdict v[128];
	size_t n = load_table(v, 128);
	int accepted = 0, rejected = 0;

	(void)state;
	assert_int_equal(n, 85);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *buf = tmu_load(v[i].file, &len);
		struct regent_msg *m = NULL;
		struct regent_msg_error err;
		int rc, vrc = -1;

		if (!buf)
			fail_msg("cannot load %s", v[i].file);
		rc = regent_msg_parse(&m, buf, len, NULL, &err);
		if (!rc) {
			vrc = regent_msg_validate(m, &err);
			regent_msg_free(m);
		}
		if (!strcmp(v[i].verdict, "accept")) {
			if (rc || vrc)
				fail_msg("%s: expected accept, got %s", v[i].file, err.reason);
			accepted++;
		} else {
			bool want_parse_fail = !strcmp(v[i].verdict, "reject-parse");

			assert_true(want_parse_fail || !strcmp(v[i].verdict, "reject-validate"));
			if (want_parse_fail ? rc == 0 : (rc != 0 || vrc == 0))
				fail_msg("%s: expected %s, parse=%d validate=%d (%s)", v[i].file,
					 v[i].verdict, rc, vrc, err.reason);
			if ((int)err.code != code_of(v[i].code))
				fail_msg("%s: expected %s, got %s (%s)", v[i].file, v[i].code,
					 code_names[err.code], err.reason);
			if (!strstr(err.reason, v[i].reason))
				fail_msg("%s: reason '%s' lacks '%s'", v[i].file, err.reason,
					 v[i].reason);
			assert_true(err.offset <= len);
			/* every reason ends in " at <offset>" */
			char at[32];

			snprintf(at, sizeof(at), " at %zu", err.offset);
			assert_non_null(strstr(err.reason, at));
			rejected++;
		}
		free(buf);
	}
	assert_int_equal(accepted + rejected, 85);
}

/* The table is complete: every .sip file in the three folders is in it. */
static void verdict_table_covers_every_file(void **state)
{
	static struct verdict v[128];
	size_t n = load_table(v, 128);
	static const char *const dirs[] = {"rfc4475", "rfc5118", "flows"};
	size_t seen = 0;

	(void)state;
	for (size_t d = 0; d < 3; d++) {
		char path[512];
		DIR *dir;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/%s", REGENT_TEST_DATA, dirs[d]);
		dir = opendir(path);
		assert_non_null(dir);
		while ((de = readdir(dir))) {
			char rel[300];
			bool found = false;
			size_t l = strlen(de->d_name);

			if (l < 5 || strcmp(de->d_name + l - 4, ".sip"))
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
			for (size_t i = 0; i < n && !found; i++)
				found = !strcmp(v[i].file, rel);
			if (!found)
				fail_msg("%s is not in verdicts.txt", rel);
			seen++;
		}
		closedir(dir);
	}
	assert_int_equal(seen, n);
}

static struct regent_msg *load_msg(const char *rel, char **bufp)
{
	size_t len;
	struct regent_msg *m = NULL;
	struct regent_msg_error err;

	*bufp = tmu_load(rel, &len);
	assert_non_null(*bufp);
	if (regent_msg_parse(&m, *bufp, len, NULL, &err))
		fail_msg("%s: %s", rel, err.reason);
	return m;
}

static void baddn_with_terminator_is_rejected_for_the_display_name(void **state)
{
	size_t len;
	char *buf = tmu_load("rfc4475/baddn.sip", &len);
	struct regent_msg *m = NULL;
	struct regent_msg_error err;

	(void)state;
	assert_non_null(buf);
	buf = realloc(buf, len + 2);
	assert_non_null(buf);
	memcpy(buf + len, "\r\n", 2);
	assert_int_equal(regent_msg_parse(&m, buf, len + 2, NULL, &err), EBADMSG);
	assert_int_equal(err.code, REGENT_MSG_EVALUE);
	assert_non_null(strstr(err.reason, "From: bad display name"));
	free(buf);
}

static void esc01_escaped_uris_compare_after_unescaping(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc4475/esc01.sip", &buf);
	struct regent_addr to;
	struct regent_uri plain;
	struct regent_contact c;
	struct regent_msg_iter it = {0};
	static const char user[] = "sip:user@example.com";
	static const char caller[] = "sip:caller@host5.example.net;lr;name=value%41";

	(void)state;
	/* Request-URI user keeps its escapes exactly */
	assert_true(regent_pl_eq_str(regent_msg_ruri(m)->user, "sips%3Auser%40example.com"));
	regent_msg_to(m, &to);
	assert_true(regent_pl_eq_str(to.uri.user, "%75se%72"));
	assert_int_equal(regent_uri_parse(&plain, user, sizeof(user) - 1, NULL), 0);
	assert_true(regent_uri_equal(&to.uri, &plain));
	assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
	assert_int_equal(regent_uri_parse(&plain, caller, sizeof(caller) - 1, NULL), 0);
	/* ;%6C%72 is ;lr, and value%25%34%31 unescapes to "value%41" */
	assert_false(regent_uri_equal(&c.addr.uri, &plain));
	static const char caller2[] = "sip:caller@host5.example.net;lr;name=value%2541";

	assert_int_equal(regent_uri_parse(&plain, caller2, sizeof(caller2) - 1, NULL), 0);
	assert_true(regent_uri_equal(&c.addr.uri, &plain));
	regent_msg_free(m);
	free(buf);
}

static void escnull_keeps_the_nul_escape_and_its_length(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc4475/escnull.sip", &buf);
	struct regent_contact c;
	struct regent_msg_iter it = {0};
	struct regent_addr a;

	(void)state;
	regent_msg_to(m, &a);
	assert_true(regent_pl_eq_str(a.uri.user, "null-%00-null"));
	assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
	assert_true(regent_pl_eq_str(c.addr.uri.user, "%00"));
	assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
	assert_true(regent_pl_eq_str(c.addr.uri.user, "%00%00"));
	assert_int_equal(regent_msg_contact_next(m, &it, &c), ENOENT);
	regent_msg_free(m);
	free(buf);
}

static void semiuri_semicolon_before_at_belongs_to_the_user(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc4475/semiuri.sip", &buf);
	const struct regent_uri *u = regent_msg_ruri(m);

	(void)state;
	assert_true(regent_pl_eq_str(u->user, "user;par=u%40example.net"));
	assert_true(regent_pl_eq_str(u->host, "example.com"));
	assert_false(regent_pl_isset(u->params));
	regent_msg_free(m);
	free(buf);
}

static void cparam_unknownparam_is_header_param_without_brackets(void **state)
{
	char *buf1, *buf2;
	struct regent_msg *m1 = load_msg("rfc4475/cparam01.sip", &buf1);
	struct regent_msg *m2 = load_msg("rfc4475/cparam02.sip", &buf2);
	struct regent_contact c;
	struct regent_msg_iter it = {0};

	(void)state;
	assert_int_equal(regent_msg_contact_next(m1, &it, &c), 0);
	assert_false(regent_pl_isset(c.addr.uri.params));
	assert_true(regent_param_get(c.addr.params, "unknownparam", NULL));
	memset(&it, 0, sizeof(it));
	assert_int_equal(regent_msg_contact_next(m2, &it, &c), 0);
	assert_true(regent_uri_param(&c.addr.uri, "unknownparam", NULL));
	assert_false(regent_pl_isset(c.addr.params));
	regent_msg_free(m1);
	regent_msg_free(m2);
	free(buf1);
	free(buf2);
}

static void unksm2_non_sip_uris_stay_opaque(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc4475/unksm2.sip", &buf);
	struct regent_addr a;
	struct regent_contact c;
	struct regent_msg_iter it = {0};

	(void)state;
	regent_msg_to(m, &a);
	assert_false(a.uri.is_sip);
	assert_true(regent_pl_eq_str(a.uri.scheme, "isbn"));
	assert_true(regent_pl_eq_str(a.uri.opaque, "2983792873"));
	regent_msg_from(m, &a);
	assert_true(regent_pl_eq_str(a.uri_raw, "http://www.example.com"));
	assert_true(regent_pl_eq_str(a.tag, "3234233"));
	assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
	assert_true(regent_pl_eq_str(c.addr.uri.scheme, "name"));
	regent_msg_free(m);
	free(buf);
}

static void regescrt_escaped_uri_headers_are_kept(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc4475/regescrt.sip", &buf);
	struct regent_contact c;
	struct regent_msg_iter it = {0};

	(void)state;
	assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
	assert_true(regent_pl_eq_str(c.addr.uri.headers, "Route=%3Csip:sip.example.com%3E"));
	regent_msg_free(m);
	free(buf);
}

static void transports_every_via_transport_is_a_token(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc4475/transports.sip", &buf);
	static const char *const want[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
	struct regent_msg_iter it = {0};
	struct regent_via v;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(regent_msg_via_next(m, &it, &v), 0);
		assert_true(regent_pl_eq_str(v.transport, want[i]));
	}
	assert_int_equal(regent_msg_via_next(m, &it, &v), ENOENT);
	regent_msg_free(m);
	free(buf);
}

static void port_ambiguous_keeps_the_port_inside_the_brackets(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc5118/port-ambiguous.sip", &buf);
	const struct regent_uri *u = regent_msg_ruri(m);
	struct regent_msg_iter it = {0};
	struct regent_via v;

	(void)state;
	assert_int_equal(u->host_type, REGENT_HOST_IPV6);
	assert_true(regent_pl_eq_str(u->host, "2001:db8::10:5070"));
	assert_false(u->has_port);
	assert_int_equal(regent_msg_via_next(m, &it, &v), 0);
	assert_true(regent_pl_eq_str(v.host, "2001:db8::9:1"));
	regent_msg_free(m);
	free(buf);
}

static void via_received_with_and_without_brackets(void **state)
{
	static const char *const files[] = {"rfc5118/via-received-param-with-delim.sip",
					    "rfc5118/via-received-param-no-delim.sip"};
	static const char *const want[] = {"[2001:db8::9:255]", "2001:db8::9:255"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char *buf;
		struct regent_msg *m = load_msg(files[i], &buf);
		struct regent_msg_iter it = {0};
		struct regent_via v;

		assert_int_equal(regent_msg_via_next(m, &it, &v), 0);
		assert_true(regent_pl_eq_str(v.received, want[i]));
		regent_msg_free(m);
		free(buf);
	}
}

static void dblreq_first_message_framed_by_content_length(void **state)
{
	char *buf;
	size_t len;
	struct regent_msg *m = load_msg("rfc4475/dblreq.sip", &buf);

	(void)state;
	free(tmu_load("rfc4475/dblreq.sip", &len));
	assert_true(regent_pl_eq_str(regent_msg_method(m), "REGISTER"));
	assert_true(regent_msg_raw(m).l < len);
	assert_int_equal(regent_msg_body(m).l, 0);
	regent_msg_free(m);
	free(buf);
}

static void mpart01_binary_body_is_sized_by_content_length(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc4475/mpart01.sip", &buf);
	uint32_t cl;

	(void)state;
	assert_int_equal(regent_msg_u32(m, REGENT_HDR_CONTENT_LENGTH, &cl), 0);
	assert_int_equal(regent_msg_body(m).l, cl);
	assert_non_null(memchr(regent_msg_body(m).p, '\0', regent_msg_body(m).l));
	regent_msg_free(m);
	free(buf);
}

static void wsinv_folds_and_leading_zeros(void **state)
{
	char *buf;
	struct regent_msg *m = load_msg("rfc4475/wsinv.sip", &buf);
	uint32_t n;
	struct regent_addr a;

	(void)state;
	assert_int_equal(regent_msg_cseq(m, &n, NULL), 0);
	assert_int_equal(n, 9);
	assert_int_equal(regent_msg_u32(m, REGENT_HDR_MAX_FORWARDS, &n), 0);
	assert_int_equal(n, 68);
	regent_msg_to(m, &a);
	assert_true(regent_pl_eq_str(a.uri_raw, "sip:vivekg@chair-dnrc.example.com"));
	assert_true(regent_pl_eq_str(a.tag, "1918181833n"));
	regent_msg_from(m, &a);
	assert_true(a.display_quoted);
	assert_true(regent_pl_eq_str(a.display, "J Rosenberg \\\\\\\""));
	regent_msg_free(m);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_corpus_file_has_the_expected_verdict),
	    cmocka_unit_test(verdict_table_covers_every_file),
	    cmocka_unit_test(baddn_with_terminator_is_rejected_for_the_display_name),
	    cmocka_unit_test(esc01_escaped_uris_compare_after_unescaping),
	    cmocka_unit_test(escnull_keeps_the_nul_escape_and_its_length),
	    cmocka_unit_test(semiuri_semicolon_before_at_belongs_to_the_user),
	    cmocka_unit_test(cparam_unknownparam_is_header_param_without_brackets),
	    cmocka_unit_test(unksm2_non_sip_uris_stay_opaque),
	    cmocka_unit_test(regescrt_escaped_uri_headers_are_kept),
	    cmocka_unit_test(transports_every_via_transport_is_a_token),
	    cmocka_unit_test(port_ambiguous_keeps_the_port_inside_the_brackets),
	    cmocka_unit_test(via_received_with_and_without_brackets),
	    cmocka_unit_test(dblreq_first_message_framed_by_content_length),
	    cmocka_unit_test(mpart01_binary_body_is_sized_by_content_length),
	    cmocka_unit_test(wsinv_folds_and_leading_zeros),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
