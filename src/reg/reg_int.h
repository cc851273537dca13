/*
 * reg_int — the Registerer object, private to src/reg/.
 */
#ifndef REGENT_REG_INT_H
#define REGENT_REG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"
#include "reg/reg.h"
#include "txn/txn.h"
#include "ua/ua.h"

/* What the current exchange is for. */
enum regent_reg_xkind {
	REGENT_X_NONE = 0,
	REGENT_X_REGISTER,
	REGENT_X_UNREGISTER,
	REGENT_X_UNREGISTER_ALL,
	REGENT_X_QUERY,
	REGENT_X_REMOVE, /* un-REGISTER of other Contacts (unregister_contacts) */
};

struct regent_registerer {
	struct regent_registerer *next, *prev; /* the UA's list */
	struct regent_registerer *dead_next;   /* the UA's list of dead ones */
	struct regent_ua_heap_node timer;      /* in the UA's timer heap */
	struct regent_ua *ua;

	/* configuration (strings NULL = the UA's default) */
	char *ruri; /* registrar */
	char *from_uri, *to_uri;
	char *from_display, *to_display;
	char *instance;	       /* "<urn:uuid:...>" or NULL */
	char *extra_headers;   /* joined "Name: v\r\n..." or NULL */
	char *contact_xparams; /* joined ";a;b=c" or NULL */
	char *call_id;
	char from_tag[24];
	uint32_t expires; /* configured */
	uint32_t reg_id;
	uint8_t refresh_pct;
	bool auto_retry, auto_refresh, user_allow;
	uint32_t retry_base_s, retry_max_s;
	regent_registerer_event_h *event_h;
	void *event_arg;
	struct regent_auth_client *auth; /* NULL without credentials */

	/* state */
	enum regent_registerer_state state;
	bool waiting;
	bool dead;	   /* freed from a callback: swept later */
	bool disposing;	   /* dispose(): un-REGISTER then TERMINATED */
	bool dispose_sent; /* the dispose un-REGISTER went out */
	bool want_reg;	   /* should be registered (refresh / retry / re-register) */
	bool flow_lost;	   /* the flow died since the last 2xx */
	uint32_t cseq;
	uint32_t epoch;		/* bumped when an exchange starts (stops stale events) */
	uint32_t asked_expires; /* for this registration (423 may raise it) */
	uint32_t failures;	/* consecutive, for the back-off */
	int64_t retry_after;	/* seconds of the last failure, -1 */

	/* the exchange in progress */
	enum regent_reg_xkind xk;
	enum regent_send_reason next_reason;
	uint8_t auth_tries, redirects;
	bool did_423;
	bool auth_restarted;	 /* the once-per-exchange auth restart was used */
	bool last_retransmitted; /* the txn of the last final response was retransmitted */
	bool queued;		 /* waiting for the flow before the first send */
	char *xruri;		 /* redirect target, or NULL */
	char *xheaders;		 /* per-request extra headers, joined, or NULL */
	char **xcontacts;	 /* REGENT_X_REMOVE: the Contact URIs, or NULL */
	size_t nxcontacts;
	struct regent_txn *txn; /* in progress */
	struct regent_txn *old; /* completed, absorbing retransmissions (timer K) */

	/* timers (absolute ms, UINT64_MAX off) */
	uint64_t t_refresh, t_expire, t_retry, t_dispose, t_queue;

	/* the last 2xx */
	struct regent_binding *bindings; /* one block: array + strings */
	size_t nbindings;
	char *service_route;
};

/* registerer.c: checks and joins header lines into "A: b\r\n..." */
int regent_reg_join_headers(char **out, const char *const *h, size_t n, struct regent_error *err,
			    bool *has_allow);

/* build.c */
int regent_reg_build(struct regent_registerer *r, struct regent_wbuf *wb, const char *branch,
		     uint32_t expires);
/* Our Contact URI ("sip:name@host:port;params") into buf. */
int regent_reg_contact_uri(const struct regent_registerer *r, char *buf, size_t size);
/* The Via sent-by host (brackets added for IPv6) and port (0: none). */
void regent_reg_sent_by(const struct regent_registerer *r, char *host, size_t size, uint16_t *port);

#endif /* REGENT_REG_INT_H */
