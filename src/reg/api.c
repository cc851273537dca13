/*
 * api — the Registerer's public calls (SIP.js Registerer methods). Each one
 * that may emit holds the UA's guard (ua/ua.h) and reschedules r before it
 * returns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msg/check.h"
#include "reg/reg_int.h"

/* Can r start an exchange now? Joins the per-request headers. */
static int begin(struct regent_registerer *r, const struct regent_request_options *ro)
{
	int e;

	if (r == NULL)
		return EINVAL;
	if (!regent_reg_alive(r) || r->state == REGENT_REG_TERMINATED || r->disposing)
		return EPERM;
	if (r->xk != REGENT_X_NONE)
		return EBUSY; /* SIP.js RequestPendingError */
	if (r->more != NULL) {
		free(r->more->xheaders);
		r->more->xheaders = NULL;
		memset(&r->more->xdelegate, 0, sizeof(r->more->xdelegate));
	}
	if (ro != NULL &&
	    (ro->extra_headers_count > 0 ||
	     memcmp(&ro->delegate, &regent_reg_no_more.xdelegate, sizeof(ro->delegate)) != 0)) {
		if (regent_reg_more(r) == NULL)
			return ENOMEM;
		e = regent_reg_join_headers(&r->more->xheaders, ro->extra_headers,
					    ro->extra_headers_count, NULL, NULL);
		if (e)
			return e;
		r->more->xdelegate = ro->delegate; /* SIP.js requestDelegate */
	}
	return 0;
}

/* Starts the exchange under the UA's guard. */
static void start(struct regent_registerer *r, enum regent_reg_xkind xk,
		  enum regent_send_reason reason)
{
	struct regent_ua *ua = r->ua;

	regent_ua_enter(ua);
	regent_reg_start_exchange(r, xk, reason);
	regent_reg_resched(r);
	regent_ua_leave(ua);
}

int regent_registerer_register(struct regent_registerer *r, const struct regent_request_options *ro)
{
	int e = begin(r, ro);

	if (e)
		return e;
	r->want_reg = true;
	r->failures = 0;
	/* an explicit register() asks for the configured expiry again */
	r->asked_expires = r->expires;
	start(r, REGENT_X_REGISTER,
	      r->state == REGENT_REG_REGISTERED ? REGENT_SEND_REFRESH : REGENT_SEND_INITIAL);
	return 0;
}

int regent_registerer_unregister_with(struct regent_registerer *r,
				      const struct regent_unregister_options *o)
{
	bool all = o != NULL && o->all;
	int e = begin(r, o != NULL ? &o->request : NULL);

	if (e)
		return e;
	r->want_reg = false;
	r->t_retry = r->t_refresh = REGENT_REG_NEVER;
	if (r->state != REGENT_REG_REGISTERED && !all)
		regent_ua_log(r->ua, REGENT_LOG_WARN,
			      "registerer %s: un-REGISTER while not registered", r->call_id);
	start(r, all ? REGENT_X_UNREGISTER_ALL : REGENT_X_UNREGISTER, REGENT_SEND_UNREGISTER);
	return 0;
}

int regent_registerer_unregister(struct regent_registerer *r, bool all,
				 const struct regent_request_options *ro)
{
	struct regent_unregister_options o;

	memset(&o, 0, sizeof(o));
	o.all = all;
	if (ro != NULL)
		o.request = *ro;
	return regent_registerer_unregister_with(r, &o);
}

int regent_registerer_query(struct regent_registerer *r)
{
	int e = begin(r, NULL);

	if (e)
		return e;
	start(r, REGENT_X_QUERY, REGENT_SEND_QUERY);
	return 0;
}

/* A copy of the n URIs, or NULL (out of memory). */
static char **copy_uris(const char *const *uris, size_t n)
{
	char **v = calloc(n, sizeof(*v));

	for (size_t i = 0; v != NULL && i < n; i++) {
		v[i] = strdup(uris[i]);
		if (v[i] == NULL) {
			while (i-- > 0)
				free(v[i]);
			free(v);
			v = NULL;
		}
	}
	return v;
}

int regent_registerer_unregister_contacts(struct regent_registerer *r, const char *const *uris,
					  size_t n, const struct regent_request_options *ro)
{
	char **v;
	int e;

	if (r != NULL && (uris == NULL || n == 0 || n > REGENT_MAX_REMOVE))
		return EINVAL;
	for (size_t i = 0; r != NULL && i < n; i++) {
		if (uris[i] == NULL || uris[i][0] == '\0' ||
		    regent_check_uri(NULL, "contacts", uris[i], false) != 0 ||
		    regent_reg_is_ours(r, uris[i]))
			return EINVAL;
	}
	e = begin(r, ro);
	if (e)
		return e;
	if (regent_reg_more(r) == NULL)
		return ENOMEM;
	v = copy_uris(uris, n);
	if (v == NULL)
		return ENOMEM;
	regent_reg_free_contacts(r);
	r->more->xcontacts = v;
	r->more->nxcontacts = n;
	start(r, REGENT_X_REMOVE, REGENT_SEND_UNREGISTER);
	return 0;
}

int regent_registerer_dispose(struct regent_registerer *r, uint32_t deadline_ms)
{
	struct regent_ua *ua;

	if (r == NULL)
		return EINVAL;
	if (!regent_reg_alive(r))
		return EPERM;
	if (r->state == REGENT_REG_TERMINATED || r->disposing)
		return 0;
	ua = r->ua;
	regent_ua_enter(ua);
	r->disposing = true;
	r->t_retry = r->t_refresh = REGENT_REG_NEVER;
	r->t_dispose = regent_reg_now(r) + (deadline_ms != 0 ? deadline_ms : 5000u);
	if (r->xk == REGENT_X_NONE)
		regent_reg_dispose_continue(r);
	/* else: continues when the exchange in flight ends */
	regent_reg_resched(r);
	regent_ua_leave(ua);
	return 0;
}

void regent_registerer_free(struct regent_registerer *r)
{
	struct regent_ua *ua;

	if (r == NULL || r->cl.dead)
		return;
	ua = r->ua;
	r->event_h = NULL;
	regent_ua_enter(ua);		 /* the stop's done may free the UA */
	regent_reg_stop_detach(r, true); /* freed during regent_ua_stop(): done */
	if (regent_ua_client_alive(ua, &r->cl))
		regent_ua_client_free(ua, &r->cl);
	regent_ua_leave(ua);
}

enum regent_registerer_state regent_registerer_state(const struct regent_registerer *r)
{
	return r != NULL ? r->state : REGENT_REG_TERMINATED;
}

bool regent_registerer_waiting(const struct regent_registerer *r)
{
	return r != NULL && r->waiting;
}

int64_t regent_registerer_retry_after(const struct regent_registerer *r)
{
	return r != NULL && r->has_retry_after ? (int64_t)r->retry_after_s : -1;
}

size_t regent_registerer_contacts(const struct regent_registerer *r,
				  const struct regent_binding **bindings)
{
	if (bindings != NULL)
		*bindings = r != NULL ? r->bindings : NULL;
	return r != NULL ? r->nbindings : 0;
}

const char *regent_registerer_service_route(const struct regent_registerer *r)
{
	return r != NULL ? regent_reg_rare(r)->service_route : NULL;
}

/* RFC 5626 §4.2.1: we asked when the Contact carries +sip.instance and
 * reg-id; the answer is the last 2xx's Require (natflow.c reads it). */
enum regent_outbound regent_registerer_outbound(const struct regent_registerer *r)
{
	if (r != NULL && r->ob_refused) /* 439: asked, refused, dropped (final.c) */
		return REGENT_OUTBOUND_NO;
	if (r == NULL || regent_reg_rare(r)->instance == NULL || regent_reg_rare(r)->reg_id == 0)
		return REGENT_OUTBOUND_NOT_ASKED;
	if (!r->ka_known)
		return REGENT_OUTBOUND_UNKNOWN;
	return r->ka_outbound ? REGENT_OUTBOUND_YES : REGENT_OUTBOUND_NO;
}
