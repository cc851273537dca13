/*
 * regent.h — the one public header of libregent, a SIP registration agent.
 *
 * The API mirrors SIP.js's Registerer: RegistererOptions.refreshFrequency is
 * struct regent_registerer_options.refresh_frequency, Registerer.register() is
 * regent_registerer_register(), and so on (README has the full table).
 *
 * Conventions
 *  - Functions return 0 or a positive errno value (EINVAL, ENOMEM, EBUSY, ...);
 *    the output pointer comes first.
 *  - Objects are opaque; options structs are filled with defaults by an _init()
 *    function, then changed field by field.
 *  - Strings passed in options are copied; the caller may free them afterwards.
 *  - Single-threaded by contract: every call on one regent_ua and everything
 *    attached to it (registerers, I/O, loop) must come from one thread. regent
 *    starts no threads of its own.
 *  - Callbacks may call any API function, including dispose/free of the object
 *    that raised them.
 */
#ifndef REGENT_H
#define REGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The one definition of the version: CMakeLists.txt reads its project
 * VERSION from this line. */
#define REGENT_VERSION "0.1.0"

/* ------------------------------------------------------------------ errors */

/* A construction error: the errno code and a message naming the bad field,
 * e.g. "refresh_frequency: 120 is outside 50..99". */
struct regent_error {
	int code;
	char text[256];
};

/* Like strerror(), plus regent's own codes below. */
const char *regent_strerror(int err);

/* regent-specific error codes (beyond errno's range). */
enum {
	REGENT_EAUTH = 1000,   /* authentication failed: a challenge that could not be
	                        * answered (no or refused credentials, auth loop) */
	REGENT_ETLSVERIFY,     /* TLS peer certificate or host name verification failed */
	REGENT_EDNS,           /* DNS resolution failed */
	REGENT_ETIMEOUT,       /* transaction timeout (timer F) */
	REGENT_EREJECTED,      /* final negative response from the registrar, or a 2xx
	                        * that does not keep our binding */
};

/* ----------------------------------------------------------------- logging */

enum regent_log_level {
	REGENT_LOG_ERROR = 0,
	REGENT_LOG_WARN,
	REGENT_LOG_INFO,
	REGENT_LOG_DEBUG,
	REGENT_LOG_TRACE, /* full SIP messages */
};

typedef void(regent_log_h)(enum regent_log_level level, const char *line, void *arg);

/* ------------------------------------------------------------- environment */

/* The core never reads a clock nor a random source itself: both are injected.
 * regent_env_system() fills in CLOCK_MONOTONIC and getrandom(); tests and
 * simulations give a virtual clock and a seeded generator. */
struct regent_env {
	uint64_t (*now_ms)(void *arg);                    /* monotonic milliseconds */
	void (*random)(void *arg, void *buf, size_t len); /* unpredictable bytes */
	void *arg;
};

void regent_env_system(struct regent_env *env);

/* --------------------------------------------------------------- transport */

enum regent_transport {
	REGENT_TP_NONE = 0, /* not chosen: from the URI / RFC 3263 */
	REGENT_TP_UDP,
	REGENT_TP_TCP,
	REGENT_TP_TLS,
	REGENT_TP_WS,
	REGENT_TP_WSS,
};

const char *regent_transport_name(enum regent_transport tp); /* "UDP", "TCP", ... */
bool regent_transport_reliable(enum regent_transport tp);
/* The transport named by the `len` chars at s, as in a URI's ;transport=
 * param, any case: "udp", "tcp", "tls", "ws", "wss". 0, or EINVAL (then
 * *tp is REGENT_TP_NONE). */
int regent_transport_parse(enum regent_transport *tp, const char *s, size_t len);

/* A received message the UA dropped unused (regent_ua_options.drop_h). */
struct regent_drop {
	bool malformed;    /* else: well-formed but unmatched (or a request) */
	const char *reason; /* the parser's error ("Via: empty parameter at 217"),
	                     * or why it matched nothing */
	enum regent_transport transport; /* the flow it came on */
	const char *peer_host;           /* numeric; "" unknown */
	uint16_t peer_port;
	const char *msg; /* the bytes (not NUL-terminated) */
	size_t msg_len;
};

/* What the core must know of a flow once it is up: Via sent-by and the Contact
 * host/port come from the socket actually used (RFC 3261 §18.1.1). */
struct regent_flow_info {
	enum regent_transport transport;
	char local_host[64]; /* numeric address; IPv6 without brackets */
	uint16_t local_port;
	char peer_host[64];
	uint16_t peer_port;
};

/* The boundary between the sans-I/O core and a transport. The I/O edge of
 * libregent (src/net) implements it; tests and simulations implement their own.
 *
 *  open():  bring the flow up. The edge calls regent_ua_flow_up() when it is up,
 *           or regent_ua_flow_down() when it failed. NULL means always up
 *           (regent_ua_flow_up() must then be called once before sending).
 *  send():  send one whole SIP message. Non-zero return = the flow cannot take
 *           it; the pending transaction fails at once (no 32 s wait).
 *  close(): take the flow down (on regent_ua_free or when asked). May be NULL. */
struct regent_sender {
	int (*open)(void *arg);
	int (*send)(void *arg, const char *buf, size_t len);
	void (*close)(void *arg);
	void *arg;
};

/* ---------------------------------------------------------------- the UA */

struct regent_ua;

/* A request that reached the UA over its flow (RFC 5626 §5: the registrar
 * relays requests for the AOR over the flow the REGISTER used). Valid only
 * during the regent_request_h call that hands it over. */
struct regent_request;
typedef void(regent_request_h)(struct regent_request *req, void *arg);

/* The method ("INVITE") and the whole message as received. */
const char *regent_request_method(const struct regent_request *req);
const char *regent_request_data(const struct regent_request *req, size_t *len);

/* Answers req over the flow it came on, during the handler call: code
 * 100..699 (a 1xx may come before the final answer), reason (NULL: a
 * default), header lines "Name: value" without CRLF (NULL-ended array, may
 * be NULL), and a body (Content-Type among the headers). The final answer
 * is kept for the request's retransmissions (RFC 3261 §17.2.2). A request
 * the handler leaves without a final answer gets 480. 0, EINVAL (bad code,
 * a CR/LF in reason or a header, an ACK), EALREADY (already answered
 * finally), ENOTCONN (the flow is gone), ENOMEM. */
int regent_request_respond(struct regent_request *req, uint16_t code, const char *reason,
			   const char *const *headers, const char *body, size_t body_len);

/* SIP.js UserAgentOptions that shape a REGISTER, plus the transport settings. */
struct regent_ua_options {
	const char *uri;                    /* the AOR, e.g. "sip:alice@example.com" (required) */
	const char *authorization_username; /* default: user part of uri */
	const char *authorization_password;
	const char *authorization_ha1; /* precomputed HA1 (hex); wins over the password */
	const char *display_name;      /* From display name */
	const char *contact_name;      /* Contact user part; default: 8 random chars */
	const char *contact_params;    /* Contact URI params "a=b;c"; default: transport=<tp> */
	const char *via_host;          /* Via sent-by and Contact host; default: local socket */
	const char *instance_id;       /* UUID; default: a random v4 UUID */
	const char *user_agent_string; /* default "regent/" REGENT_VERSION */

	uint32_t t1_ms; /* RFC 3261 timer T1, default 500 */
	uint32_t t2_ms; /* T2, default 4000 */
	uint32_t t4_ms; /* T4, default 5000 */

	regent_log_h *log_h; /* NULL: no logging */
	void *log_arg;
	enum regent_log_level log_level; /* default REGENT_LOG_INFO */

	/* Used by the I/O edge only (regent_ua_alloc), ignored by regent_ua_alloc_core. */
	const char *server;              /* outbound proxy: sip:/sips: URI with optional
	                                  * ;transport=, or a ws:// / wss:// URL (SIP.js
	                                  * transportOptions.server): every request goes
	                                  * there. NULL: to each Registerer's registrar
	                                  * (RFC 3263; default: the AOR's domain). */
	enum regent_transport transport; /* force a transport; NONE: from URI/DNS */
	const char *tls_ca_file;         /* NULL: system store */
	const char *tls_ca_dir;
	bool tls_insecure;             /* turn off peer verification (logged loudly) */
	const char *dns_server;        /* "127.0.0.1:5353"; NULL: /etc/resolv.conf */
	uint32_t connect_timeout_ms;   /* default 5000 */
	uint32_t keepalive_interval_s; /* keep-alives (RFC 5626 §4.4): 0 auto (default: on
	                                * where needed, see REGENT_KEEPALIVE_OFF), N seconds,
	                                * or REGENT_KEEPALIVE_OFF */

	/* Appended (issue 11 §3, SIP.js parity). */
	/* SIP.js preloadedRouteSet: a Route header per URI on every REGISTER
	 * (RFC 3261 §8.1.2). sip:/sips: URIs without <>; the first must be a
	 * loose router (;lr, RFC 3261 §16.12): strict routing is refused.
	 * Without `server`, every request is sent to the first route (RFC
	 * 3261 §8.1.2), the Request-URI staying the registrar; with `server`,
	 * to the server. At most 16. */
	const char *const *preloaded_route_set;
	size_t preloaded_route_set_count;
	/* SIP.js sipExtensionExtraSupported: option tags added to Supported
	 * (RFC 3261 §20.37), each an RFC 3261 token; path, outbound and gruu
	 * are regent's own (sent when they apply) and refused here. SIP.js's
	 * sipExtension100rel / sipExtensionReplaces have no flag of their
	 * own: they concern INVITE dialogs, which regent does not make; list
	 * "100rel" or "replaces" here to advertise them as SIP.js does. */
	const char *const *extra_supported;
	size_t extra_supported_count;

	/* Appended (issue 13). */
	/* Requests that reach the UA over its flow (regent_ua_alloc only). The
	 * UA answers OPTIONS itself (200 with Allow, Accept, Supported, RFC
	 * 3261 §11.2) and never answers ACK. request_h gets every other request
	 * whose method is listed in request_methods (NULL: every method), and
	 * answers it with regent_request_respond(). Without a handler, or for a
	 * method not listed: 405 with Allow, 501 for a method SIP does not
	 * define (RFC 3261 §8.2.1); never silence. */
	regent_request_h *request_h;
	void *request_arg;
	const char *request_methods; /* "INVITE, MESSAGE": what request_h answers (Allow) */
	const char *request_accept;  /* Accept of the OPTIONS answer; NULL: "application/sdp"
	                              * with a handler, none (empty Accept) without */

	/* Appended (issue 12). */
	/* Bound of one client transaction in ms, used instead of timer F
	 * (64*T1, RFC 3261 §17.1.2.2) when not 0 (default 0: timer F). It
	 * also bounds the wait for a flow before the first send. */
	uint32_t transaction_timeout_ms;
	/* Local address to bind before connecting, "HOST" or "HOST:PORT"
	 * ("[v6]:PORT"), numeric; NULL: the system chooses (I/O edge only). */
	const char *local_address;
	/* Each response dropped unused (malformed, or matching no transaction),
	 * after it was counted in regent_ua_stats; NULL: none. The library also
	 * logs each at DEBUG (rate-limited). */
	void (*drop_h)(const struct regent_drop *d, void *arg);
	void *drop_arg;

	/* Appended (issue 13). */
	/* NAT learning (RFC 3581 §4): when a 2xx's top Via received/rport show
	 * that the registrar sees us from another address and outbound is not
	 * in use, re-register at once with that address in the Contact and the
	 * old Contact removed (expires=0) in the same REGISTER; at most once
	 * per learnt address and 4 times an hour. REGENT_CONTACT_REWRITE_AUTO
	 * (0) by default. */
	enum regent_contact_rewrite {
		REGENT_CONTACT_REWRITE_AUTO = 0,
		REGENT_CONTACT_REWRITE_OFF,
	} contact_rewrite;
	/* Watch the kernel's address and route changes (rtnetlink; Linux) and
	 * call regent_ua_network_changed() once per burst (regent_ua_alloc
	 * only; its fd is among regent_ua_io_fds()). Off by default in the
	 * library, on in the CLI (--no-watch-network). */
	bool watch_network;
};

/* keepalive_interval_s: no keep-alives at all. 0 (the default) is "auto":
 * after each 2xx the Registerer picks the interval (RFC 5626 §4.4.1): 80-100 %
 * of Flow-Timer; the §4.4.1 defaults with outbound; 20-25 s on a UDP flow
 * behind a NAT (the 2xx's Via received/rport differs from our address),
 * 95-120 s on a stream behind one; none when both sides see the same
 * address. UDP keep-alives are STUN Binding requests (CRLF when the peer
 * never answers STUN), streams CRLF ping/pong, WS ping frames; an answer
 * is due within 10 s or the flow is failed and re-registered. */
#define REGENT_KEEPALIVE_OFF UINT32_MAX

void regent_ua_options_init(struct regent_ua_options *o);

/* A UA whose messages go through `sender` (sans-I/O: the caller owns the
 * transport and the clock through `env`). */
int regent_ua_alloc_core(struct regent_ua **uap, const struct regent_ua_options *o,
			 const struct regent_env *env, const struct regent_sender *sender,
			 struct regent_error *err);

/* A UA with regent's own I/O: UDP/TCP/TLS/WS/WSS, RFC 3263 DNS, system clock.
 * Drive it with regent_loop_* or with the embedding calls below. */
int regent_ua_alloc(struct regent_ua **uap, const struct regent_ua_options *o,
		    struct regent_error *err);

/* Frees the UA, its registerers and its I/O at once, sending nothing. Use
 * regent_registerer_dispose() first for a graceful un-REGISTER. */
void regent_ua_free(struct regent_ua *ua);

/* Core entry points, for a custom transport (regent_ua_alloc_core). Such a
 * UA has one flow, the sender's, for every Registerer: the sender decides
 * where a request goes (the Request-URI is in the message). */
void regent_ua_recv(struct regent_ua *ua, const char *buf, size_t len); /* one message */
void regent_ua_flow_up(struct regent_ua *ua, const struct regent_flow_info *fi);
void regent_ua_flow_down(struct regent_ua *ua, int err);
void regent_ua_process(struct regent_ua *ua);          /* run due timers (env clock) */
uint64_t regent_ua_next_deadline(struct regent_ua *ua); /* absolute ms; UINT64_MAX none */

/* The network changed (new address, wake from sleep): drop the flow and
 * re-register every registerer that should be registered. */
void regent_ua_network_changed(struct regent_ua *ua);

/* SIP.js UserAgent.stop() with gracefulShutdown: disposes every Registerer
 * of the UA (an un-REGISTER where registered), each bounded by
 * `deadline_ms` (0: 5000), then calls done(ua, arg) once, when the last is
 * TERMINATED (at once, from this call, if none is to wait for). Registerers
 * made afterwards are not included; one freed meanwhile counts as done.
 * done may free the UA. EBUSY while a stop is in progress, EINVAL, ENOMEM.
 * The UA itself stays until regent_ua_free(). */
typedef void(regent_ua_stopped_h)(struct regent_ua *ua, void *arg);
int regent_ua_stop(struct regent_ua *ua, uint32_t deadline_ms, regent_ua_stopped_h *done,
		   void *arg);

/* Counters, for monitoring and tests. */
struct regent_ua_stats {
	uint64_t msgs_sent, msgs_recv, bytes_sent, bytes_recv;
	uint64_t retransmissions, malformed_dropped, unmatched_dropped;
	/* Appended (issue 11 §2): responses used although values in headers
	 * not matched on were clamped or ignored (regent_msg_odd), and
	 * responses dropped because their branch is ours but their Call-ID or
	 * From tag is not (a confused proxy's answer). */
	uint64_t odd_responses, mismatched_dropped;
};
void regent_ua_stats(const struct regent_ua *ua, struct regent_ua_stats *st);

/* ---------------------------------------------- embedding (c-ares style) */

/* For programs that own their event loop: ask which fds to watch and the next
 * deadline, then hand back readiness. Only for UAs from regent_ua_alloc(). */
enum { REGENT_POLL_IN = 1, REGENT_POLL_OUT = 2 };

struct regent_pollfd {
	int fd;
	int events;  /* REGENT_POLL_IN | REGENT_POLL_OUT wanted */
	int revents; /* filled in by the caller for regent_ua_io_process() */
};

/* Writes up to `max` fds; returns how many there are (may exceed max). */
size_t regent_ua_io_fds(struct regent_ua *ua, struct regent_pollfd *fds, size_t max);
/* Milliseconds until regent needs regent_ua_io_process() again; -1: no deadline. */
int regent_ua_io_timeout(struct regent_ua *ua);
/* Handle readiness (fds may be NULL/0 on a pure timeout) and due timers. */
void regent_ua_io_process(struct regent_ua *ua, const struct regent_pollfd *fds, size_t n);

/* ------------------------------------------------------------- event loop */

/* A default poll(2) loop for the CLI and simple programs. */
struct regent_loop;

int regent_loop_alloc(struct regent_loop **lp);
void regent_loop_free(struct regent_loop *l);
int regent_loop_add_ua(struct regent_loop *l, struct regent_ua *ua);
void regent_loop_remove_ua(struct regent_loop *l, struct regent_ua *ua);
/* Runs until regent_loop_stop() or until `timeout_ms` passes (-1: no limit).
 * A stop requested before the run (after the last run ended) ends it at
 * once: the request is not lost. */
int regent_loop_run(struct regent_loop *l, int timeout_ms);
void regent_loop_stop(struct regent_loop *l);
/* Extra fds/timers for the host program (the CLI uses it for signals). */
typedef void(regent_loop_fd_h)(int fd, int revents, void *arg);
int regent_loop_watch_fd(struct regent_loop *l, int fd, int events, regent_loop_fd_h *h, void *arg);
void regent_loop_unwatch_fd(struct regent_loop *l, int fd);

/* -------------------------------------------------------- the Registerer */

struct regent_registerer;

enum regent_registerer_state {
	REGENT_REG_INITIAL = 0,
	REGENT_REG_REGISTERED,
	REGENT_REG_UNREGISTERED,
	REGENT_REG_TERMINATED,
};

const char *regent_registerer_state_name(enum regent_registerer_state s);

/* RegistererOptions.params */
struct regent_registerer_params {
	const char *from_display_name; /* default: ua display_name */
	const char *from_tag;          /* default: random */
	const char *from_uri;          /* default: ua uri */
	const char *to_display_name;   /* default: none */
	const char *to_uri;            /* default: ua uri */
};

enum regent_event_type {
	REGENT_EV_STATE_CHANGED = 1,
	REGENT_EV_WAITING_CHANGED,
	REGENT_EV_REQUEST_SENT, /* every REGISTER put on the wire (not retransmissions) */
	REGENT_EV_RESPONSE,     /* every final response (including local 408/503) */
	REGENT_EV_WILL_RETRY,   /* a retry is scheduled in retry_in_ms */
	REGENT_EV_REFRESHED,    /* a refresh succeeded (state stays REGISTERED) */
	REGENT_EV_REGISTRATION_LOST, /* binding expired, removed, or the flow died */
	REGENT_EV_PROVISIONAL,       /* every 1xx to a REGISTER (status, phrase, msg);
				      * appended (issue 11 §3) */
	REGENT_EV_KEEPALIVE,         /* the flow's keep-alive interval changed after a 2xx:
				      * keepalive_s (0: off), why = mechanism ("stun",
				      * "crlf", "ws-ping") and the reason; appended (issue 13) */
	REGENT_EV_REACHABILITY,      /* the outcome of regent_registerer_check_reachability():
				      * reachable, rtt_ms, status (a final answer to the
				      * probe other than ours, 0 none), why; appended */
	REGENT_EV_FLOW_DOWN,         /* the Registerer's flow failed or was dropped: error
				      * (ETIMEDOUT: an up flow's keep-alive went unanswered,
				      * RFC 5626 §4.4, or a connect timed out; ECONNRESET;
				      * ENETRESET: the network changed; ...), why in words,
				      * the flow_* fields; before what it does to the
				      * registration; appended (issue 13) */
	REGENT_EV_CONTACT_REWRITE,   /* RFC 3581 §4: the Contact becomes the address the
				      * registrar saw (old_contact, new_contact, learnt_host,
				      * learnt_port, why); the re-REGISTER that carries it
				      * (and the old one's removal) follows; appended */
};

/* A short lower-case name of an event type ("state", "response",
 * "flow_down", ...; "unknown" for a value this library does not know), as
 * the CLI's JSON output names them. */
const char *regent_event_type_name(enum regent_event_type t);

enum regent_send_reason {
	REGENT_SEND_INITIAL = 1,
	REGENT_SEND_REFRESH,
	REGENT_SEND_AUTH_RETRY,
	REGENT_SEND_INTERVAL_RETRY, /* after 423 Interval Too Brief */
	REGENT_SEND_RETRY,          /* after a failure, on the back-off timer */
	REGENT_SEND_REDIRECT,       /* after a 3xx */
	REGENT_SEND_UNREGISTER,
	REGENT_SEND_QUERY,          /* REGISTER without Contact */
};

const char *regent_send_reason_name(enum regent_send_reason r);

struct regent_event {
	enum regent_event_type type;
	enum regent_registerer_state state;     /* current */
	enum regent_registerer_state old_state; /* STATE_CHANGED */
	bool waiting;                           /* current */

	/* REQUEST_SENT */
	enum regent_send_reason reason;
	uint32_t cseq;

	/* RESPONSE */
	uint16_t status;          /* e.g. 200, 401, 408 */
	const char *phrase;       /* reason phrase */
	bool local;               /* synthesized here: timeout (408) or transport error (503) */
	uint32_t granted_expires; /* 2xx to REGISTER: the expiry applied, seconds */

	/* WILL_RETRY */
	uint64_t retry_in_ms;
	const char *why; /* also for REGISTRATION_LOST */

	/* the raw message for REQUEST_SENT / RESPONSE (not NUL-terminated) */
	const char *msg;
	size_t msg_len;

	/* RESPONSE with `local` set, and REGISTRATION_LOST: the local cause, an
	 * errno value or a REGENT_E* code (regent_strerror() names it), e.g.
	 * REGENT_ETLSVERIFY, REGENT_EDNS, REGENT_ETIMEOUT (timer F), ENOTCONN
	 * (no flow in time), ENETRESET (regent_ua_network_changed()). 0 for a
	 * response from the network and for a loss without a local cause
	 * (expiry, a registrar's answer).
	 * WILL_RETRY: why the exchange failed: REGENT_EAUTH (a challenge that
	 * could not be answered), REGENT_EREJECTED (another final negative
	 * response, or a 2xx without our binding), the local cause as above,
	 * or 0 when the registration just expired.
	 * Appended: older fields keep their place. */
	int error;

	/* Appended (issue 12). Every event: the flow, as far as it got (for
	 * a local failure, the one that failed): its transport, the peer
	 * tried ("" and 0 before any address was known), the DNS name asked
	 * (the registrar's or the outbound proxy's host; "" if numeric), and
	 * with REGENT_ETLSVERIFY what failed (OpenSSL's verify error, e.g. the
	 * host name mismatch, and the name checked; "" otherwise). Strings
	 * valid during the callback, never NULL. */
	enum regent_transport flow_transport;
	const char *flow_peer_host; /* numeric, IPv6 without brackets */
	uint16_t flow_peer_port;
	const char *dns_name;
	const char *detail;
	/* KEEPALIVE: the interval now in force on the flow, seconds (0: none);
	 * nat: the 2xx's Via received/rport showed a NAT (RFC 3581 §4).
	 * Appended (issue 13). */
	uint32_t keepalive_s;
	bool nat;
	/* REACHABILITY: the probe came back to us over our flow, and when */
	bool reachable;
	uint32_t rtt_ms;
	/* RESPONSE (a 2xx to a REGISTER) and KEEPALIVE: the 2xx carried
	 * Require: outbound (RFC 5626 §4.2.1, §6), i.e. the registrar took the
	 * binding as an outbound flow (only when we asked for it: an instance
	 * and a reg_id). See regent_registerer_outbound(). Appended (issue 13
	 * item 3). */
	bool outbound;
	/* CONTACT_REWRITE (appended, issue 13): the Contact URI replaced and
	 * its successor, the address the registrar saw (numeric host, IPv6
	 * without brackets). Valid during the callback; NULL otherwise. */
	const char *old_contact;
	const char *new_contact;
	const char *learnt_host;
	uint16_t learnt_port;
};

/* Ordering guarantee. Every follow-up to a final response is emitted
 * synchronously, from inside the call that delivered the response
 * (regent_ua_recv, regent_ua_process, regent_ua_io_process, ...), after its
 * RESPONSE event and before the WAITING_CHANGED(false) that ends the
 * exchange: the authenticated retry after 401/407, the retry after 423, the
 * request to a 3xx target (each a REQUEST_SENT, with `waiting` staying
 * true), and WILL_RETRY when the failure is to be retried later. So when
 * WAITING_CHANGED(false) arrives after a failed RESPONSE with no
 * REQUEST_SENT or WILL_RETRY in between, nothing is scheduled after that
 * failure: it is the outcome (unless the application calls again). */
typedef void(regent_registerer_event_h)(struct regent_registerer *r, const struct regent_event *ev,
					void *arg);

struct regent_registerer_options {
	uint32_t expires; /* seconds, default 600; 1 .. 2^31-1 */
	const char *const *extra_contact_header_params; /* "name" or "name=value" */
	size_t extra_contact_header_params_count;
	const char *const *extra_headers; /* whole lines "Name: value" */
	size_t extra_headers_count;
	const char *instance_id; /* UUID; with reg_id rules as SIP.js */
	bool log_configuration;  /* default true; secrets masked */
	struct regent_registerer_params params;
	uint32_t reg_id;         /* 0 = none */
	const char *registrar;   /* Request-URI; default: AOR without user part.
	                          * Also where the REGISTER goes when the UA has
	                          * no `server` (RFC 3261 §8.1.2): a UA from
	                          * regent_ua_alloc gives each registrar a flow,
	                          * shared by the Registerers naming it. */
	uint32_t refresh_frequency; /* percent, default 99, allowed 50..99 */

	/* regent additions */
	regent_registerer_event_h *event_h;
	void *event_arg;
	bool auto_retry;   /* default true: retry with back-off / Retry-After */
	bool auto_refresh; /* default true: refresh before expiry */
	uint32_t retry_base_s;     /* RFC 5626 §4.5 base, default 30; tripled (90) while
	                            * another reg-id of the instance is registered */
	uint32_t retry_max_s;      /* cap, default 1800 */
	/* Credentials of this Registerer's account, for a gateway or trunk that
	 * registers many accounts on one UA (one socket). NULL: the UA's. With
	 * a password or HA1 of its own, the username defaults to the user part
	 * of params.to_uri (else the UA's). A username of its own with the
	 * UA's HA1 is refused: an HA1 belongs to one username. */
	const char *authorization_username;
	const char *authorization_password;
	const char *authorization_ha1;
	/* Appended (issue 11 §3). Retry a REGISTER refused for good — 403,
	 * 404, 603, or authentication that definitely failed (WILL_RETRY
	 * would say REGENT_EAUTH) — with the back-off like any failure.
	 * Default true (as 0.1); false ends there, Unregistered, without
	 * WILL_RETRY: a device fleet with a wrong password does not lock its
	 * accounts by retrying. auto_retry false turns off every retry. */
	bool retry_on_reject;
	/* Appended (issue 12): the Contact URI to register, exactly, on behalf
	 * of another device (NULL: ours, built from the flow). Recognised as
	 * ours in a 2xx by RFC 3261 §19.1.4 equality. */
	const char *contact_uri;
	/* Appended (issue 13 item 3): this Registerer's outbound proxy, as the
	 * UA's `server` (a sip:/sips: URI with optional ;transport=, or a
	 * ws:// / wss:// URL), overriding it for this Registerer only
	 * (regent_ua_alloc; ignored by a core-only UA, whose sender routes).
	 * Registerers naming the same server share a flow; two Registerers of
	 * one instance with reg_id 1 and 2 and a server each register the AOR
	 * over two flows (RFC 5626 §4.2, §5.3), each with its own keep-alives,
	 * failure detection and §4.5 back-off. NULL: the UA's routing. */
	const char *server;
};

void regent_registerer_options_init(struct regent_registerer_options *o);

int regent_registerer_alloc(struct regent_registerer **rp, struct regent_ua *ua,
			    const struct regent_registerer_options *o, struct regent_error *err);

/* SIP.js requestDelegate: callbacks for one request (the exchange a
 * register(), unregister() or query() starts), after the Registerer's own
 * handling and its events, before WAITING_CHANGED(false). Each may be NULL;
 * each gets the event the Registerer also emitted:
 *  - on_trying (100) and on_progress (101..199): REGENT_EV_PROVISIONAL;
 *  - on_accept (2xx), on_redirect (a 3xx not followed), on_reject (4xx-6xx,
 *    a local 408/503 included): the RESPONSE that ends the exchange.
 * A challenge that is answered, a 423 retried with Min-Expires and a 3xx
 * followed do not end it: the delegate hears the outcome (SIP.js orphaned
 * it after a 423: defect 5). Refreshes and retries have no delegate. */
struct regent_request_delegate {
	regent_registerer_event_h *on_accept;
	regent_registerer_event_h *on_reject;
	regent_registerer_event_h *on_redirect;
	regent_registerer_event_h *on_progress;
	regent_registerer_event_h *on_trying;
	void *arg;
};

/* Per-request options: extra headers added to the configured ones for this
 * request only (SIP.js replaced them for good: defect 8). */
struct regent_request_options {
	const char *const *extra_headers;
	size_t extra_headers_count;
	struct regent_request_delegate delegate; /* appended; zeroed: none */
};

/* REGISTER. Returns EBUSY if a request is waiting for its final response
 * (SIP.js RequestPendingError), EPERM once TERMINATED/disposed, EINVAL for a
 * bad extra header. Completion is reported through events. */
int regent_registerer_register(struct regent_registerer *r,
			       const struct regent_request_options *ro);

/* un-REGISTER our Contact (expires=0), or every binding of the AOR with
 * all=true (Contact: * and Expires: 0). Configured extra headers are kept. */
int regent_registerer_unregister(struct regent_registerer *r, bool all,
				 const struct regent_request_options *ro);

/* SIP.js unregister({all, requestDelegate, requestOptions}) as an options
 * struct; NULL is all=false and no request options. The positional call
 * above stays (0.1 callers) and is this with {all, *ro}. */
struct regent_unregister_options {
	bool all;
	struct regent_request_options request;
};
int regent_registerer_unregister_with(struct regent_registerer *r,
				      const struct regent_unregister_options *o);

/* REGISTER without Contact: fetch the bindings (RFC 3261 §10.2.3). */
int regent_registerer_query(struct regent_registerer *r);
/* Is the registration any use? Sends, once the Registerer is idle, an
 * OPTIONS to our own AOR through the registrar's flow (the registrar as a
 * proxy: RFC 3261 §16 lookup + relay) with a marked Call-ID, and reports
 * REGENT_EV_REACHABILITY: reachable with the round-trip time when it comes
 * back to us over our flow (answered 200 by the I/O edge), otherwise
 * unreachable with the final status the probe got (e.g. 408, 404, 477) or
 * none within timeout_ms (0: 5000). Needs an I/O edge (regent_ua_alloc):
 * a core-only UA never sees requests and reports unreachable at the
 * timeout. 0, ENOTCONN (not registered), EBUSY (one is pending), ENOMEM,
 * EINVAL. Appended (issue 13). */
int regent_registerer_check_reachability(struct regent_registerer *r, uint32_t timeout_ms);

/* un-REGISTER the given Contact URIs (each with expires=0, RFC 3261
 * §10.2.2), not our own: bindings another process or device made, as
 * regent_registerer_contacts() or `regent query` list them (a new process
 * has a new port, so its own Contact rarely matches an old binding). 1 to
 * REGENT_MAX_REMOVE URIs of any scheme. Like query(), it leaves this
 * Registerer's own state and timers alone. After the 2xx,
 * regent_registerer_contacts() lists what the registrar still holds, and a
 * binding with `kept` set is one asked to be removed here that it still
 * lists. EBUSY, EPERM and EINVAL as register(); EINVAL too for our own
 * Contact, as the flow makes it or as the last 2xx listed it (unregister()
 * removes that and keeps the state right). */
#define REGENT_MAX_REMOVE 16
int regent_registerer_unregister_contacts(struct regent_registerer *r, const char *const *uris,
                                          size_t n, const struct regent_request_options *ro);

/* un-REGISTER if registered, bounded by `deadline_ms` (0: default 5000 ms),
 * then TERMINATED. Safe to call from the event callback. */
int regent_registerer_dispose(struct regent_registerer *r, uint32_t deadline_ms);

/* Frees at once, sending nothing (deferred if called from its own callback). */
void regent_registerer_free(struct regent_registerer *r);

enum regent_registerer_state regent_registerer_state(const struct regent_registerer *r);
bool regent_registerer_waiting(const struct regent_registerer *r);

/* Retry-After of the last failure in seconds, or -1. Stays readable until the
 * next final response (SIP.js cleared it at once: defect 6). It is the value
 * applied: one beyond retry_max_s is capped there (logged, and said in
 * WILL_RETRY's `why`). */
int64_t regent_registerer_retry_after(const struct regent_registerer *r);

/* One binding of the last 2xx (strings valid until the next response). */
struct regent_binding {
	const char *uri;      /* the Contact URI */
	const char *params;   /* Contact params as received, without ';' prefix */
	uint32_t expires;     /* seconds granted for this binding */
	bool ours;            /* this binding is our Contact */
	bool kept;            /* named by regent_registerer_unregister_contacts(), still listed */
	const char *pub_gruu; /* RFC 5627, or NULL */
	const char *temp_gruu;
};

size_t regent_registerer_contacts(const struct regent_registerer *r,
				  const struct regent_binding **bindings);

/* Service-Route of the last 2xx (RFC 3608), as received; NULL if none. */
const char *regent_registerer_service_route(const struct regent_registerer *r);

/* Is the registration an outbound one (RFC 5626)? NOT_ASKED: no instance
 * with a reg_id (we did not ask); UNKNOWN: asked, no 2xx yet; YES: the
 * last 2xx carried Require: outbound (§4.2.1, §6: the registrar supports
 * it and binds the flow); NO: it did not, so the registrar keeps an RFC
 * 3261 binding to our Contact and nothing promises that requests come
 * back over this flow: keep-alives then follow the NAT rules of
 * keepalive_interval_s, not the outbound defaults, and RFC 3581 contact
 * rewriting stays on. NO too after a 439 First Hop Lacks Outbound Support
 * (§4.2.1): the Registerer registered again at once without reg-id.
 * Appended (issue 13 item 3). */
enum regent_outbound {
	REGENT_OUTBOUND_NOT_ASKED = 0,
	REGENT_OUTBOUND_UNKNOWN,
	REGENT_OUTBOUND_YES,
	REGENT_OUTBOUND_NO,
};
enum regent_outbound regent_registerer_outbound(const struct regent_registerer *r);

#ifdef __cplusplus
}
#endif

#endif /* REGENT_H */
