/*
 * RFC 3263 resolution against a real DNS server: the test starts dnsmasq on
 * 127.0.0.1 (high port, no upstream, no hosts file) with NAPTR, SRV and A
 * records, points c-ares at it, and checks the ordered target lists. Also
 * the pure parts: destination parsing and RFC 2782 SRV ordering.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "net/net.h"
#include "support/net_support.h"

static struct net_test_dns dns;

/* the records the cases below resolve */
static const char *const records[] = {
    /* NAPTR: TCP preferred (order 10) over UDP (order 20) */
    "--naptr-record=naptr.test,10,50,s,SIP+D2T,,_sip._tcp.naptr.test",
    "--naptr-record=naptr.test,20,50,s,SIP+D2U,,_sip._udp.naptr.test",
    "--naptr-record=naptr.test,5,50,s,SIP+D2X,,_sip._xyz.naptr.test", /* unknown */
    "--srv-host=_sip._tcp.naptr.test,b.naptr.test,5072,20,0",
    "--srv-host=_sip._tcp.naptr.test,a.naptr.test,5071,10,0",
    "--srv-host=_sip._udp.naptr.test,c.naptr.test,5073,10,0",
    "--srv-host=_sips._tcp.naptr.test,a.naptr.test,5074,10,0",
    "--host-record=a.naptr.test,127.0.0.2", "--host-record=b.naptr.test,127.0.0.3",
    "--host-record=c.naptr.test,127.0.0.4",
    /* no NAPTR: SRV for each transport */
    "--srv-host=_sip._tcp.srvonly.test,d.srvonly.test,5080,10,0",
    "--host-record=d.srvonly.test,127.0.0.6",
    /* nothing but an address */
    "--host-record=plain.test,127.0.0.5,::1", NULL};

static int start_dnsmasq(void **state)
{
	(void)state;
	return net_test_start_dnsmasq(&dns, "-", records);
}

static int stop_dnsmasq(void **state)
{
	(void)state;
	net_test_stop_dnsmasq(&dns);
	return 0;
}

struct result {
	bool done;
	int err;
	struct regent_target t[16];
	size_t n;
};

static void on_done(int err, const struct regent_target *t, size_t n, void *arg)
{
	struct result *r = arg;
	r->done = true;
	r->err = err;
	r->n = n > 16 ? 16 : n;
	for (size_t i = 0; i < r->n; i++)
		r->t[i] = t[i];
}

/* drives c-ares with poll() until r is done; bounded */
static void pump_until(struct regent_dns *d, struct result *r)
{
	for (int i = 0; i < 200 && !r->done; i++) {
		struct regent_pollfd rf[16];
		struct pollfd pf[16];
		size_t n = regent_dns_fds(d, rf, 16);
		net_test_to_pollfds(rf, n, pf);
		int t = regent_dns_timeout(d);
		poll(pf, n, t < 0 || t > 100 ? 100 : t);
		net_test_from_pollfds(pf, n, rf);
		regent_dns_process(d, rf, n);
	}
	assert_true(r->done);
}

static void resolve(const char *server, const char *uri, enum regent_transport force,
		    struct result *r)
{
	struct regent_dns *d = NULL;
	struct regent_dest dest;
	struct regent_error err;
	memset(r, 0, sizeof(*r));
	assert_int_equal(regent_dest_parse(&dest, uri, force, &err), 0);
	assert_int_equal(regent_dns_alloc(&d, server), 0);
	assert_int_equal(regent_dns_resolve(d, &dest, NULL, on_done, r), 0);
	pump_until(d, r);
	regent_dns_free(d);
}

static void assert_target(const struct regent_target *t, enum regent_transport tp, const char *host,
			  uint16_t port)
{
	char h[64];
	uint16_t p = 0;
	assert_int_equal(regent_sa_format((const struct sockaddr *)&t->addr, h, sizeof(h), &p), 0);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
	assert_int_equal(t->tp, tp);
}

static void naptr_then_srv_then_a_in_order(void **state)
{
	(void)state;
	struct result r;
	resolve(dns.server, "sip:alice@naptr.test", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n, 3);
	/* order 10 (TCP, SRV priority 10 then 20), then order 20 (UDP);
	 * SIPS+D2T is not in the NAPTR set, the unknown service is skipped */
	assert_target(&r.t[0], REGENT_TP_TCP, "127.0.0.2", 5071);
	assert_target(&r.t[1], REGENT_TP_TCP, "127.0.0.3", 5072);
	assert_target(&r.t[2], REGENT_TP_UDP, "127.0.0.4", 5073);
	/* TLS/WS identity is the URI's domain (RFC 5922 §4), not the SRV target */
	assert_string_equal(r.t[0].host, "naptr.test");
}

static void sips_uses_only_tls_services(void **state)
{
	(void)state;
	struct result r;
	resolve(dns.server, "sips:alice@naptr.test", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	/* no SIPS+D2T NAPTR: falls back to the SRV query for _sips._tcp */
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], REGENT_TP_TLS, "127.0.0.2", 5074);
}

static void explicit_transport_skips_naptr(void **state)
{
	(void)state;
	struct result r;
	resolve(dns.server, "sip:naptr.test;transport=udp", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], REGENT_TP_UDP, "127.0.0.4", 5073);
}

static void forced_transport_wins_over_uri(void **state)
{
	(void)state;
	struct result r;
	resolve(dns.server, "sip:naptr.test;transport=udp", REGENT_TP_TCP, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n, 2);
	assert_target(&r.t[0], REGENT_TP_TCP, "127.0.0.2", 5071);
}

static void explicit_port_skips_naptr_and_srv(void **state)
{
	(void)state;
	struct result r;
	resolve(dns.server, "sip:naptr.test:6000", REGENT_TP_NONE, &r);
	/* naptr.test has no A record: with a port only A/AAAA is asked */
	assert_int_equal(r.err, REGENT_EDNS);
	resolve(dns.server, "sip:a.naptr.test:6000;transport=tcp", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], REGENT_TP_TCP, "127.0.0.2", 6000);
}

static void no_naptr_queries_srv_per_transport(void **state)
{
	(void)state;
	struct result r;
	resolve(dns.server, "sip:srvonly.test", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], REGENT_TP_TCP, "127.0.0.6", 5080);
}

static void no_srv_falls_back_to_a_and_aaaa_default_port(void **state)
{
	(void)state;
	struct result r;
	resolve(dns.server, "sip:plain.test", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n, 2);
	bool v4 = false, v6 = false;
	for (size_t i = 0; i < 2; i++) {
		char h[64];
		uint16_t p;
		regent_sa_format((const struct sockaddr *)&r.t[i].addr, h, sizeof(h), &p);
		assert_int_equal(p, 5060);
		assert_int_equal(r.t[i].tp, REGENT_TP_UDP);
		v4 |= strcmp(h, "127.0.0.5") == 0;
		v6 |= strcmp(h, "::1") == 0;
	}
	assert_true(v4 && v6);
	resolve(dns.server, "sips:plain.test", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.t[0].tp, REGENT_TP_TLS);
	assert_int_equal(ntohs(((struct sockaddr_in *)&r.t[0].addr)->sin_port), 5061);
}

static void etc_hosts_is_honoured(void **state)
{
	(void)state;
	/* dnsmasq runs with --no-hosts and knows no "localhost": the answer
	 * can only come from /etc/hosts */
	struct result r;
	resolve(dns.server, "sip:localhost:5099;transport=tcp", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	assert_true(r.n >= 1);
	char h[64];
	uint16_t p;
	regent_sa_format((const struct sockaddr *)&r.t[0].addr, h, sizeof(h), &p);
	assert_true(strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0);
	assert_int_equal(p, 5099);
}

struct chain {
	struct regent_dns *d;
	struct regent_dest next;
	struct result first, second;
};

/* a handler that starts the next resolution from inside the callback, as
 * the I/O edge does on failover */
static void on_first_then_resolve(int err, const struct regent_target *t, size_t n, void *arg)
{
	struct chain *c = arg;
	on_done(err, t, n, &c->first);
	assert_int_equal(regent_dns_resolve(c->d, &c->next, NULL, on_done, &c->second), 0);
}

/* The c-ares channel (~74 KB) exists only while a name resolves: none for a
 * numeric host, one during a lookup, gone after it, made again for the next
 * one, kept when a handler starts a lookup from inside a callback, and gone
 * after a cancel. */
static void channel_only_while_resolving(void **state)
{
	struct regent_dns *d = NULL;
	struct regent_dest num, name;
	struct regent_error err;
	struct result r;
	struct chain c;

	(void)state;
	assert_int_equal(regent_dest_parse(&num, "sip:127.0.0.1:5070", REGENT_TP_NONE, &err), 0);
	assert_int_equal(regent_dest_parse(&name, "sip:a.naptr.test:5071", REGENT_TP_NONE, &err),
			 0);
	assert_int_equal(regent_dns_alloc(&d, dns.server), 0);
	assert_false(regent_dns_active(d));

	memset(&r, 0, sizeof(r));
	assert_int_equal(regent_dns_resolve(d, &num, NULL, on_done, &r), 0);
	assert_true(r.done); /* at once, with no channel */
	assert_false(regent_dns_active(d));

	for (int round = 0; round < 2; round++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(regent_dns_resolve(d, &name, NULL, on_done, &r), 0);
		assert_true(regent_dns_active(d));
		pump_until(d, &r);
		assert_int_equal(r.err, 0);
		assert_false(regent_dns_active(d));
	}

	memset(&c, 0, sizeof(c));
	c.d = d;
	c.next = name;
	assert_int_equal(regent_dns_resolve(d, &name, NULL, on_first_then_resolve, &c), 0);
	pump_until(d, &c.first);
	/* the second lookup runs on, on the same channel (it may already be
	 * answered: loopback is fast) */
	if (!c.second.done)
		assert_true(regent_dns_active(d));
	pump_until(d, &c.second);
	assert_int_equal(c.second.err, 0);
	assert_false(regent_dns_active(d));

	memset(&r, 0, sizeof(r));
	assert_int_equal(regent_dns_resolve(d, &name, NULL, on_done, &r), 0);
	regent_dns_cancel(d);
	assert_false(regent_dns_active(d));
	regent_dns_free(d);
}

static void unknown_name_is_a_dns_error(void **state)
{
	(void)state;
	struct result r;
	resolve(dns.server, "sip:nx.test", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, REGENT_EDNS);
	assert_int_equal(r.n, 0);
}

static void numeric_host_needs_no_dns(void **state)
{
	(void)state;
	/* a server nobody listens on: any query would time out */
	struct result r;
	resolve("127.0.0.1:9", "sip:[::1]:5070;transport=tcp", REGENT_TP_NONE, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], REGENT_TP_TCP, "::1", 5070);
	resolve("127.0.0.1:9", "sip:127.0.0.1", REGENT_TP_NONE, &r);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], REGENT_TP_UDP, "127.0.0.1", 5060);
	resolve("127.0.0.1:9", "wss://127.0.0.1/sip", REGENT_TP_NONE, &r);
	assert_target(&r.t[0], REGENT_TP_WSS, "127.0.0.1", 443);
	assert_string_equal(r.t[0].ws_path, "/sip");
}

static void dest_parse_rules(void **state)
{
	(void)state;
	struct regent_dest d;
	struct regent_error e;
	assert_int_equal(regent_dest_parse(&d, "sip:alice@Example.COM", REGENT_TP_NONE, &e), 0);
	assert_string_equal(d.host, "Example.COM");
	assert_int_equal(d.port, 0);
	assert_int_equal(d.tp, REGENT_TP_NONE);
	assert_false(d.numeric);
	assert_int_equal(regent_dest_parse(&d, "sips:[2001:db8::1]:5071;lr", REGENT_TP_NONE, &e),
			 0);
	assert_true(d.secure && d.numeric);
	assert_string_equal(d.host, "2001:db8::1");
	assert_int_equal(d.port, 5071);
	assert_int_equal(regent_dest_parse(&d, "ws://h.test:8080/ws?x=1", REGENT_TP_NONE, &e), 0);
	assert_int_equal(d.tp, REGENT_TP_WS);
	assert_int_equal(d.port, 8080);
	assert_string_equal(d.ws_path, "/ws?x=1");
	assert_int_equal(regent_dest_parse(&d, "sip:h;transport=TLS", REGENT_TP_NONE, &e), 0);
	assert_int_equal(d.tp, REGENT_TP_TLS);
	/* refused, with the reason named */
	assert_int_equal(regent_dest_parse(&d, "http://h", REGENT_TP_NONE, &e), EINVAL);
	assert_non_null(strstr(e.text, "server"));
	assert_int_equal(regent_dest_parse(&d, "sip:h:99999", REGENT_TP_NONE, &e), EINVAL);
	assert_int_equal(regent_dest_parse(&d, "sip:h;transport=sctp", REGENT_TP_NONE, &e), EINVAL);
	assert_int_equal(regent_dest_parse(&d, "sips:h;transport=udp", REGENT_TP_NONE, &e), EINVAL);
	assert_int_equal(regent_dest_parse(&d, "sip:[::1", REGENT_TP_NONE, &e), EINVAL);
	assert_int_equal(regent_dest_parse(&d, "ws://h/a b", REGENT_TP_NONE, &e), EINVAL);
	assert_int_equal(regent_dest_parse(&d, "ws://h", REGENT_TP_TCP, &e), EINVAL);
}

static uint32_t fixed_r;
static void fixed_rand(void *arg, void *buf, size_t len)
{
	(void)arg;
	memcpy(buf, &fixed_r, len < sizeof(fixed_r) ? len : sizeof(fixed_r));
}

static void srv_sort_by_priority_then_weight(void **state)
{
	(void)state;
	struct regent_srv v[4] = {
	    {20, 0, 1, "p20"}, {10, 10, 2, "w10"}, {10, 90, 3, "w90"}, {5, 0, 4, "p5"}};
	struct regent_env rnd = {NULL, fixed_rand, NULL};
	/* r = 5 of total 100: the running sum reaches it at the first record
	 * (w10), so w10 is picked first */
	fixed_r = 5;
	regent_srv_sort(v, 4, &rnd);
	assert_string_equal(v[0].host, "p5");
	assert_string_equal(v[1].host, "w10");
	assert_string_equal(v[2].host, "w90");
	assert_string_equal(v[3].host, "p20");
	/* r = 50: past w10's 10, so w90 comes first */
	struct regent_srv u[2] = {{10, 10, 2, "w10"}, {10, 90, 3, "w90"}};
	fixed_r = 50;
	regent_srv_sort(u, 2, &rnd);
	assert_string_equal(u[0].host, "w90");
	assert_string_equal(u[1].host, "w10");
}

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(dest_parse_rules),
	    cmocka_unit_test(srv_sort_by_priority_then_weight),
	    cmocka_unit_test(numeric_host_needs_no_dns),
	};
	const struct CMUnitTest live[] = {
	    cmocka_unit_test(naptr_then_srv_then_a_in_order),
	    cmocka_unit_test(sips_uses_only_tls_services),
	    cmocka_unit_test(explicit_transport_skips_naptr),
	    cmocka_unit_test(forced_transport_wins_over_uri),
	    cmocka_unit_test(explicit_port_skips_naptr_and_srv),
	    cmocka_unit_test(no_naptr_queries_srv_per_transport),
	    cmocka_unit_test(no_srv_falls_back_to_a_and_aaaa_default_port),
	    cmocka_unit_test(etc_hosts_is_honoured),
	    cmocka_unit_test(unknown_name_is_a_dns_error),
	    cmocka_unit_test(channel_only_while_resolving),
	};
	int f = cmocka_run_group_tests(pure, NULL, NULL);
	f += cmocka_run_group_tests(live, start_dnsmasq, stop_dnsmasq);
	return f;
}
