/*
 * Digest computation against published vectors: RFC 7616 §3.9.1 (MD5 and
 * SHA-256), RFC 2617 §3.5, FIPS 180-4 SHA-512/256("abc"), and SHA-512-256
 * responses computed independently with Python's hashlib (RFC 7616 §3.9.2's
 * own SHA-512-256 example is known to be wrong, see its errata).
 */
#include <errno.h>
#include <setjmp.h>
#include <strings.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"

#define N7616 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define C7616 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

static struct regent_digest_input mufasa(enum regent_digest_alg alg)
{
	struct regent_digest_input in = {
	    .alg = alg,
	    .username = "Mufasa",
	    .realm = "http-auth@example.org",
	    .password = "Circle of Life",
	    .nonce = N7616,
	    .cnonce = C7616,
	    .method = "GET",
	    .uri = "/dir/index.html",
	    .qop = "auth",
	    .nc = 1,
	};
	return in;
}

static void rfc7616_md5_vector(void **state)
{
	(void)state;
	struct regent_digest_input in = mufasa(REGENT_DIGEST_MD5);
	char out[129];

	assert_int_equal(regent_digest_response(&in, out), 0);
	assert_string_equal(out, "8ca523f5e9506fed4657c9700eebdbec");
}

/* ha1_out gets the HA1 computed on the way (before the -sess step), and
 * the response is the same as without it. */
static void ha1_out_is_the_ha1(void **state)
{
	static const enum regent_digest_alg algs[] = {REGENT_DIGEST_MD5, REGENT_DIGEST_MD5_SESS,
						      REGENT_DIGEST_SHA256};

	(void)state;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct regent_digest_input in = mufasa(algs[i]);
		char plain[129], with[129], ha1[129], want[129];

		assert_int_equal(regent_digest_response(&in, plain), 0);
		memset(ha1, 'x', sizeof(ha1));
		in.ha1_out = ha1;
		assert_int_equal(regent_digest_response(&in, with), 0);
		assert_string_equal(with, plain);
		assert_int_equal(
		    regent_digest_ha1(algs[i], in.username, in.realm, in.password, want), 0);
		assert_string_equal(ha1, want);
	}
}

static void rfc7616_sha256_vector(void **state)
{
	(void)state;
	struct regent_digest_input in = mufasa(REGENT_DIGEST_SHA256);
	char out[129];

	assert_int_equal(regent_digest_response(&in, out), 0);
	assert_string_equal(out,
			    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

static void rfc2617_md5_vector(void **state)
{
	(void)state;
	struct regent_digest_input in = {
	    .alg = REGENT_DIGEST_MD5,
	    .username = "Mufasa",
	    .realm = "testrealm@host.com",
	    .password = "Circle Of Life",
	    .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
	    .cnonce = "0a4f113b",
	    .method = "GET",
	    .uri = "/dir/index.html",
	    .qop = "auth",
	    .nc = 1,
	};
	char out[129];

	assert_int_equal(regent_digest_response(&in, out), 0);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
}

static void sha512_256_fips_abc(void **state)
{
	(void)state;
	char out[129];

	assert_int_equal(regent_digest_hash_hex(REGENT_DIGEST_SHA512_256, "abc", 3, out), 0);
	assert_string_equal(out,
			    "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
}

/* Table: every algorithm and qop form over the RFC 7616 inputs. */
static void computed_table_all_forms(void **state)
{
	(void)state;
	static const struct {
		enum regent_digest_alg alg;
		const char *qop;
		uint32_t nc;
		const char *expect;
	} t[] = {
	    {REGENT_DIGEST_SHA512_256, "auth", 1,
	     "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0"},
	    {REGENT_DIGEST_MD5_SESS, "auth", 1, "e783283f46242139c486a698fec7211d"},
	    {REGENT_DIGEST_SHA256_SESS, "auth", 1,
	     "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"},
	    {REGENT_DIGEST_SHA512_256_SESS, "auth", 1,
	     "3f2a34f923c38b0fb26dce2fdfc2ce326c23cecf86fbb1444f3e51fbbc2cb92e"},
	    {REGENT_DIGEST_MD5, "auth-int", 2, "7a97d3dd3bf247ea528c950bf233d7d2"},
	    {REGENT_DIGEST_SHA256, "auth-int", 2,
	     "5191c2303a6410e727faee942d214eb33416009f26c589033b8221161223755d"},
	    {REGENT_DIGEST_SHA512_256, "auth-int", 2,
	     "3145fa6e81a4318af3966c455dad284021cdc0711fa9ed251a09c2294a2501c8"},
	    {REGENT_DIGEST_MD5, NULL, 0, "7b2cc3b30e75b4777ea31027084363fd"},
	    {REGENT_DIGEST_SHA256, NULL, 0,
	     "a1306b0595a6c7fe96c448631fb5cfbd5107bd1fe1da729d978dd7446b812363"},
	    {REGENT_DIGEST_SHA512_256, NULL, 0,
	     "93e9122020ea0624d2ca801426d5bfbeb93d10ff4cc24cb410af3920fa4730e7"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_digest_input in = mufasa(t[i].alg);
		char out[129];

		in.qop = t[i].qop;
		in.nc = t[i].nc;
		in.body = "v=0\r\n";
		in.body_len = 5;
		assert_int_equal(regent_digest_response(&in, out), 0);
		assert_string_equal(out, t[i].expect);
	}
}

/* The HA1 option gives the same response as the password, upper-case hex too. */
static void ha1_equals_password(void **state)
{
	(void)state;
	static const struct {
		enum regent_digest_alg alg;
		const char *ha1;
	} t[] = {
	    {REGENT_DIGEST_MD5, "3d78807defe7de2157e2b0b6573a855f"},
	    {REGENT_DIGEST_MD5, "3D78807DEFE7DE2157E2B0B6573A855F"},
	    {REGENT_DIGEST_SHA256,
	     "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"},
	    {REGENT_DIGEST_SHA512_256_SESS,
	     "fb174f5c3c7802721517cae13b98e2b8dae2e0118cb705d94ee29946319204ce"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_digest_input in = mufasa(t[i].alg);
		char a[129], b[129], ha1[129];

		assert_int_equal(regent_digest_ha1(t[i].alg, "Mufasa", "http-auth@example.org",
						   "Circle of Life", ha1),
				 0);
		assert_true(strcasecmp(ha1, t[i].ha1) == 0);
		assert_int_equal(regent_digest_response(&in, a), 0);
		in.password = NULL;
		in.ha1 = t[i].ha1;
		assert_int_equal(regent_digest_response(&in, b), 0);
		assert_string_equal(a, b);
	}
}

static void bad_inputs_refused(void **state)
{
	(void)state;
	struct regent_digest_input in = mufasa(REGENT_DIGEST_MD5);
	char out[129];

	in.ha1 = "3d78807defe7de2157e2b0b6573a855"; /* 31 hex */
	assert_int_equal(regent_digest_response(&in, out), EINVAL);
	in.ha1 = "3d78807defe7de2157e2b0b6573a855g";
	assert_int_equal(regent_digest_response(&in, out), EINVAL);
	in = mufasa(REGENT_DIGEST_NONE);
	assert_int_equal(regent_digest_response(&in, out), EINVAL);
	in = mufasa(REGENT_DIGEST_MD5);
	in.qop = "auth-conf";
	assert_int_equal(regent_digest_response(&in, out), EINVAL);
	in = mufasa(REGENT_DIGEST_MD5_SESS);
	in.cnonce = NULL;
	in.qop = NULL;
	assert_int_equal(regent_digest_response(&in, out), EINVAL);
}

static void alg_parse_names_strength(void **state)
{
	(void)state;
	static const struct {
		const char *tok;
		enum regent_digest_alg alg;
		int strength;
	} t[] = {
	    {"MD5", REGENT_DIGEST_MD5, 1},
	    {"md5", REGENT_DIGEST_MD5, 1},
	    {"MD5-sess", REGENT_DIGEST_MD5_SESS, 1},
	    {"SHA-256", REGENT_DIGEST_SHA256, 2},
	    {"sha-256-SESS", REGENT_DIGEST_SHA256_SESS, 2},
	    {"SHA-512-256", REGENT_DIGEST_SHA512_256, 3},
	    {"SHA-512-256-sess", REGENT_DIGEST_SHA512_256_SESS, 3},
	    {"SHA-1", REGENT_DIGEST_NONE, 0},
	    {"SHA-256x", REGENT_DIGEST_NONE, 0},
	    {"AKAv1-MD5", REGENT_DIGEST_NONE, 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_pl pl = {t[i].tok, strlen(t[i].tok)};
		enum regent_digest_alg a = regent_digest_alg_parse(pl);

		assert_int_equal(a, t[i].alg);
		assert_int_equal(regent_digest_alg_strength(a), t[i].strength);
		if (a != REGENT_DIGEST_NONE)
			assert_true(strcasecmp(regent_digest_alg_name(a), t[i].tok) == 0);
	}
	assert_int_equal(regent_digest_alg_parse(REGENT_PL_NULL), REGENT_DIGEST_MD5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc7616_md5_vector),	cmocka_unit_test(ha1_out_is_the_ha1),
	    cmocka_unit_test(rfc7616_sha256_vector),	cmocka_unit_test(rfc2617_md5_vector),
	    cmocka_unit_test(sha512_256_fips_abc),	cmocka_unit_test(computed_table_all_forms),
	    cmocka_unit_test(ha1_equals_password),	cmocka_unit_test(bad_inputs_refused),
	    cmocka_unit_test(alg_parse_names_strength),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
