/*
 * ua — the private side of struct regent_ua (owned by engineer "core").
 *
 * The core part (src/ua/ua.c) builds a UA around an injected sender and
 * environment (regent_ua_alloc_core). The I/O edge (src/ua/io*.c, engineer
 * "net") builds its own sender/env, calls regent_ua_alloc_core() with them and
 * then attaches itself through the hook below:
 *
 *	err = regent_ua_alloc_core(&ua, o, &env, &sender, err);
 *	ua->edge = my_edge;            // opaque to the core
 *	ua->edge_free = my_edge_free;  // called once by regent_ua_free()
 *
 * regent_ua_free() first frees every registerer (sending nothing), then calls
 * sender.close (if any), then edge_free(edge) (if set), then frees the UA. So
 * the edge may still use `ua->sender` / `ua->env` in its close callback but
 * must not touch registerers from edge_free.
 *
 * `sender` and `env` are copies of what regent_ua_alloc_core() was given; the
 * edge may read them (e.g. env.now_ms for its own timers).
 */
#ifndef REGENT_UA_INT_H
#define REGENT_UA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "regent.h"
#include "ua/heap.h"
#include "ua/txmap.h"

struct regent_registerer;

struct regent_ua {
	/* what the UA was created with */
	struct regent_env env;
	struct regent_sender sender;

	/* I/O edge hook (engineer "net"): see the comment at the top. */
	void *edge;
	void (*edge_free)(void *edge);

	/* identity (copied strings; NULL when unset) */
	char *aor;	 /* uri */
	char *auth_user; /* authorization_username, default user part of uri */
	char *password;	 /* authorization_password */
	char *ha1;	 /* authorization_ha1 */
	char *display_name;
	char *contact_name;   /* never NULL: default 8 random chars */
	char *contact_params; /* NULL: "transport=<tp>" */
	char *via_host;	      /* NULL: flow local address */
	char *instance_id;    /* never NULL: lower-case UUID */
	char *user_agent;     /* never NULL */
	uint32_t t1_ms, t2_ms, t4_ms;
	regent_log_h *log_h;
	void *log_arg;
	enum regent_log_level log_level;
	enum regent_transport transport; /* as configured (informative) */

	/* the flow */
	bool flow_up;
	bool flow_opening; /* sender.open() called, waiting for flow_up/down */
	struct regent_flow_info fi;

	struct regent_registerer *regs; /* list, newest first, see src/reg/reg.h */
	struct regent_registerer *dead; /* freed inside a callback: swept by cb_leave */
	size_t nregs;			/* in regs, dead ones included */
	struct regent_ua_heap timers;	/* Registerers with a timer, by deadline */
	struct regent_ua_txmap txns;	/* live client transactions, by branch */
	bool processing;		/* inside regent_ua_process */
	struct regent_ua_stats stats;

	/* deferred free: regent_ua_free() called from inside a callback */
	unsigned cb_depth;
	bool free_pending;
};

/* Internal helpers shared by ua/ and reg/ (src/ua/ua.c). */

/* Logs a printf-style line if `level` is enabled. */
void regent_ua_log(const struct regent_ua *ua, enum regent_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sends one whole message through the sender, counting it. 0 or errno
 * (ENOTCONN when the flow is not up). */
int regent_ua_send(struct regent_ua *ua, const char *buf, size_t len);

/* Asks the edge to bring the flow up (sender.open) unless it is up or opening. */
void regent_ua_want_flow(struct regent_ua *ua);

/* Random bytes from the injected env, as lower-case hex / token chars. */
void regent_ua_random_hex(struct regent_ua *ua, char *out, size_t nchars);
void regent_ua_random_token(struct regent_ua *ua, char *out, size_t nchars);
uint32_t regent_ua_random_u32(struct regent_ua *ua);

uint64_t regent_ua_now(const struct regent_ua *ua);

/* Room in the timer heap and the transaction map for
 * nregs Registerers (called before one is added). 0 or ENOMEM. */
int regent_ua_reserve(struct regent_ua *ua, size_t nregs);

/* Frees the UA for good if a free was requested while in a callback. */
void regent_ua_cb_enter(struct regent_ua *ua);
void regent_ua_cb_leave(struct regent_ua *ua);

#endif /* REGENT_UA_INT_H */
