/*
 * Registerer construction: SIP.js RegistererOptions defaults, validation
 * (every bad field refused by name, nothing half-built), log_configuration.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/check.h"
#include "reg/reg_int.h"

void regent_registerer_options_init(struct regent_registerer_options *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->expires = 600;
	o->log_configuration = true;
	o->refresh_frequency = 99;
	o->auto_retry = true;
	o->auto_refresh = true;
	o->retry_on_reject = true; /* as 0.1; see regent.h */
	o->retry_base_s = 30;	   /* RFC 5626 §4.5 */
	o->retry_max_s = 1800;	   /* RFC 5626 §4.5 */
}

const char *regent_registerer_state_name(enum regent_registerer_state s)
{
	switch (s) {
	case REGENT_REG_INITIAL:
		return "Initial";
	case REGENT_REG_REGISTERED:
		return "Registered";
	case REGENT_REG_UNREGISTERED:
		return "Unregistered";
	case REGENT_REG_TERMINATED:
		return "Terminated";
	}
	return "?";
}

const char *regent_send_reason_name(enum regent_send_reason r)
{
	switch (r) {
	case REGENT_SEND_INITIAL:
		return "initial";
	case REGENT_SEND_REFRESH:
		return "refresh";
	case REGENT_SEND_AUTH_RETRY:
		return "auth-retry";
	case REGENT_SEND_INTERVAL_RETRY:
		return "interval-retry";
	case REGENT_SEND_RETRY:
		return "retry";
	case REGENT_SEND_REDIRECT:
		return "redirect";
	case REGENT_SEND_UNREGISTER:
		return "unregister";
	case REGENT_SEND_QUERY:
		return "query";
	}
	return "?";
}

/* The AOR without its user part (SIP.js default registrar; URI params kept). */
static char *default_registrar(const char *aor)
{
	struct regent_uri u;
	size_t n;
	char *s;

	if (regent_uri_parse(&u, aor, strlen(aor), NULL) != 0 || !u.is_sip)
		return NULL;
	n = u.scheme.l + u.host.l + (regent_pl_isset(u.params) ? u.params.l : 0) + 16;
	s = malloc(n);
	if (s == NULL)
		return NULL;
	snprintf(s, n, "%.*s:%s%.*s%s", (int)u.scheme.l, u.scheme.p,
		 u.host_type == REGENT_HOST_IPV6 ? "[" : "", (int)u.host.l, u.host.p,
		 u.host_type == REGENT_HOST_IPV6 ? "]" : "");
	if (u.has_port)
		snprintf(s + strlen(s), n - strlen(s), ":%u", u.port);
	if (regent_pl_isset(u.params))
		snprintf(s + strlen(s), n - strlen(s), "%.*s", (int)u.params.l, u.params.p);
	return s;
}

/* The account's credentials: the Registerer's own where it has them (a
 * trunk registering many accounts on one UA), else the UA's. A password
 * or HA1 of its own goes with its own username, by default the user part
 * of its To URI: the account it registers. The username in use is written
 * to `used` for the configuration log. */
static int set_up_credentials(struct regent_registerer *r,
			      const struct regent_registerer_options *o, char *used, size_t usize,
			      struct regent_error *err)
{
	const struct regent_ua_identity *id = regent_ua_identity(r->ua);
	bool own = o->authorization_password != NULL || o->authorization_ha1 != NULL;
	struct regent_auth_creds c = {id->auth_user, id->password, id->ha1};
	char *user = NULL;
	int e;

	e = regent_check_string(err, "authorization_username", o->authorization_username);
	if (!e)
		e = regent_check_string(err, "authorization_password", o->authorization_password);
	if (!e)
		e = regent_check_string(err, "authorization_ha1", o->authorization_ha1);
	if (!e)
		e = regent_check_ha1(err, "authorization_ha1", o->authorization_ha1);
	if (e)
		return e;
	/* An HA1 is a hash over its own username (RFC 7616 §3.4.2): the UA's
	 * cannot serve another username. */
	if (o->authorization_username != NULL && !own && id->password == NULL && id->ha1 == NULL)
		return regent_error_set(err, EINVAL,
					"authorization_username: no password or HA1 to go with it "
					"(here or on the UA)");
	if (o->authorization_username != NULL && !own && id->ha1 != NULL)
		return regent_error_set(err, EINVAL,
					"authorization_username: the UA's authorization_ha1 "
					"belongs to its own username; give this account its "
					"authorization_ha1 or _password too");
	if (own) {
		c.password = o->authorization_ha1 != NULL ? NULL : o->authorization_password;
		c.ha1 = o->authorization_ha1;
	}
	if (o->authorization_username != NULL) {
		c.username = o->authorization_username;
	} else if (own && r->to_uri != NULL) {
		struct regent_uri u;

		if (regent_uri_parse(&u, r->to_uri, strlen(r->to_uri), NULL) == 0 &&
		    regent_pl_isset(u.user) && u.user.l > 0) {
			user = regent_pl_strdup(u.user);
			if (user == NULL)
				return regent_error_set(err, ENOMEM, "registerer: out of memory");
			c.username = user;
		}
	}
	regent_pl_strtrunc(used, usize, c.username != NULL ? c.username : "(none)");
	if (c.password == NULL && c.ha1 == NULL) {
		free(user);
		return 0; /* no credentials: a challenge ends the exchange */
	}
	e = regent_auth_client_alloc(&r->auth, &c);
	free(user);
	if (e)
		return regent_error_set(err, e, "authorization: cannot set up credentials");
	return 0;
}

static void log_configuration(struct regent_registerer *r,
			      const struct regent_registerer_options *o, const char *auth_user)
{
	const struct regent_ua_identity *id = regent_ua_identity(r->ua);
	size_t i;

#define L(...) regent_ua_log(r->ua, REGENT_LOG_INFO, __VA_ARGS__)
	L("configuration of registerer %s:", r->call_id);
	L("  uri: %s", id->aor);
	/* the credentials in use, the Registerer's own or the UA's; secrets
	 * never reach a log */
	bool own = o->authorization_password != NULL || o->authorization_ha1 != NULL;
	const char *pw = own ? o->authorization_password : id->password;
	const char *ha1 = own ? o->authorization_ha1 : id->ha1;

	L("  authorization_username: %s%s", auth_user,
	  own || o->authorization_username != NULL ? " (this registerer's)" : "");
	L("  authorization_password: %s%s", pw ? "********" : "(none)",
	  own && pw ? " (this registerer's)" : "");
	L("  authorization_ha1: %s%s", ha1 ? "********" : "(none)",
	  own && ha1 ? " (this registerer's)" : "");
	L("  contact_name: %s", id->contact_name);
	L("  contact_params: %s", id->contact_params ? id->contact_params : "(transport)");
	L("  via_host: %s", id->via_host ? id->via_host : "(local address)");
	L("  user_agent_string: %s", id->user_agent);
	L("  display_name: %s", id->display_name ? id->display_name : "(none)");
	L("  ua instance_id: %s", id->instance_id);
	L("  t1_ms: %u, t2_ms: %u, t4_ms: %u", id->t1_ms, id->t2_ms, id->t4_ms);
	L("  expires: %u", o->expires);
	for (i = 0; i < o->extra_contact_header_params_count; i++)
		L("  extra_contact_header_params[%zu]: %s", i, o->extra_contact_header_params[i]);
	for (i = 0; i < o->extra_headers_count; i++)
		L("  extra_headers[%zu]: %s", i, o->extra_headers[i]);
	L("  instance_id: %s",
	  regent_reg_rare(r)->instance ? regent_reg_rare(r)->instance : "(none)");
	L("  log_configuration: true");
	L("  params.from_display_name: %s",
	  o->params.from_display_name ? o->params.from_display_name : "(ua)");
	L("  params.from_tag: %s", r->from_tag);
	L("  params.from_uri: %s", r->from_uri ? r->from_uri : id->aor);
	L("  params.to_display_name: %s",
	  o->params.to_display_name ? o->params.to_display_name : "(none)");
	L("  params.to_uri: %s", r->to_uri ? r->to_uri : id->aor);
	L("  reg_id: %u", regent_reg_rare(r)->reg_id);
	L("  registrar: %s", r->ruri);
	L("  server: %s", o->server ? o->server : "(the UA's)");
	L("  refresh_frequency: %u", o->refresh_frequency);
	L("  auto_retry: %s, auto_refresh: %s", o->auto_retry ? "true" : "false",
	  o->auto_refresh ? "true" : "false");
	L("  retry_base_s: %u, retry_max_s: %u", r->retry_base_s, r->retry_max_s);
	L("  retry_on_reject: %s", o->retry_on_reject ? "true" : "false");
	regent_reg_nat_log_config(r);
#undef L
}

/* Checks the options that need no allocation (nothing half-built). */
static int check_options(const struct regent_registerer_options *o, struct regent_error *err)
{
	int e;

	if (o->expires == 0 || o->expires > REGENT_REG_MAX_EXPIRES)
		return regent_error_set(err, EINVAL, "expires: %u is outside 1..%u", o->expires,
					REGENT_REG_MAX_EXPIRES);
	if (o->refresh_frequency < 50 || o->refresh_frequency > 99)
		return regent_error_set(err, EINVAL, "refresh_frequency: %u is outside 50..99",
					o->refresh_frequency);
	if (o->retry_max_s != 0 && o->retry_base_s > o->retry_max_s)
		return regent_error_set(err, EINVAL, "retry_base_s: %u is above retry_max_s %u",
					o->retry_base_s, o->retry_max_s);
	e = regent_check_uuid(err, "instance_id", o->instance_id);
	if (!e)
		e = regent_check_uri(err, "registrar", o->registrar, true);
	if (!e)
		e = regent_check_uri(err, "params.from_uri", o->params.from_uri, true);
	if (!e)
		e = regent_check_uri(err, "params.to_uri", o->params.to_uri, true);
	if (!e)
		e = regent_check_uri(err, "contact_uri", o->contact_uri, true);
	if (!e)
		e = regent_check_string(err, "params.from_display_name",
					o->params.from_display_name);
	if (!e)
		e = regent_check_string(err, "params.to_display_name", o->params.to_display_name);
	if (e || o->params.from_tag == NULL)
		return e;
	const char *p = o->params.from_tag;
	if (*p == '\0' || strlen(p) >= sizeof(((struct regent_registerer *)0)->from_tag))
		return regent_error_set(err, EINVAL, "params.from_tag: empty or longer than %zu",
					sizeof(((struct regent_registerer *)0)->from_tag) - 1);
	for (; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("-.!%*_+`'~", *p) == NULL)
			return regent_error_set(err, EINVAL, "params.from_tag: not a token");
	}
	return 0;
}

const struct regent_reg_more regent_reg_no_more;

struct regent_reg_more *regent_reg_more(struct regent_registerer *r)
{
	if (r->more == NULL)
		r->more = calloc(1, sizeof(*r->more));
	return r->more;
}

/* The options kept in r->more, copied and joined (none: no r->more). */
static int copy_rare(struct regent_registerer *r, const struct regent_registerer_options *o,
		     struct regent_error *err)
{
	struct regent_reg_more *m;
	int e;

	if (o->contact_uri == NULL && o->params.from_display_name == NULL &&
	    o->params.to_display_name == NULL && o->extra_headers_count == 0 &&
	    o->extra_contact_header_params_count == 0)
		return 0;
	if ((m = regent_reg_more(r)) == NULL)
		return regent_error_set(err, ENOMEM, "registerer: out of memory");
	e = regent_dup_string(&m->contact_uri, o->contact_uri, "contact_uri", err);
	if (!e)
		e = regent_dup_string(&m->from_display, o->params.from_display_name,
				      "params.from_display_name", err);
	if (!e)
		e = regent_dup_string(&m->to_display, o->params.to_display_name,
				      "params.to_display_name", err);
	if (!e)
		e = regent_reg_join_headers(&m->extra_headers, o->extra_headers,
					    o->extra_headers_count, err, &r->user_allow);
	if (!e)
		e = regent_reg_join_params(&m->contact_xparams, o->extra_contact_header_params,
					   o->extra_contact_header_params_count, err);
	return e;
}

/* The option strings, copied and joined. */
static int copy_strings(struct regent_registerer *r, const struct regent_registerer_options *o,
			struct regent_error *err)
{
	int e;

	e = regent_dup_string(&r->from_uri, o->params.from_uri, "params.from_uri", err);
	if (!e)
		e = regent_dup_string(&r->to_uri, o->params.to_uri, "params.to_uri", err);
	if (!e)
		e = copy_rare(r, o, err);
	if (e)
		return e;
	if (o->registrar != NULL)
		r->ruri = strdup(o->registrar);
	else
		r->ruri = default_registrar(regent_ua_identity(r->ua)->aor);
	if (r->ruri == NULL)
		return regent_error_set(err, o->registrar ? ENOMEM : EINVAL,
					"registrar: cannot derive it from uri");
	return 0;
}

/* reg_id without instance_id takes the UA's instance id (SIP.js). An
 * instance_id without reg_id stays without: +sip.instance alone asks for a
 * GRUU without outbound (RFC 5627 §4.1; SIP.js forced regId 1). One
 * +sip.instance only (defect 9). */
static int set_up_instance(struct regent_registerer *r, const struct regent_registerer_options *o,
			   struct regent_error *err)
{
	const char *inst = NULL;
	char buf[64];

	if (o->instance_id != NULL)
		inst = o->instance_id;
	else if (o->reg_id != 0)
		inst = regent_ua_identity(r->ua)->instance_id;
	if (o->reg_id != 0) {
		if (regent_reg_more(r) == NULL)
			return regent_error_set(err, ENOMEM, "reg_id: out of memory");
		r->more->reg_id = o->reg_id;
	}
	if (inst == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "<urn:uuid:%s>", inst);
	for (size_t i = 0; buf[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	if (regent_reg_more(r) == NULL || (r->more->instance = strdup(buf)) == NULL)
		return regent_error_set(err, ENOMEM, "instance_id: out of memory");
	return 0;
}

/* Call-ID and From tag: stable for the Registerer's life. */
static int set_up_dialog_ids(struct regent_registerer *r, const struct regent_registerer_options *o,
			     struct regent_error *err)
{
	r->call_id = malloc(25);
	if (r->call_id == NULL)
		return regent_error_set(err, ENOMEM, "registerer: out of memory");
	regent_ua_random_hex(r->ua, r->call_id, 24);
	r->call_id[24] = '\0';
	if (o->params.from_tag != NULL) {
		snprintf(r->from_tag, sizeof(r->from_tag), "%s", o->params.from_tag);
	} else {
		regent_ua_random_hex(r->ua, r->from_tag, 12);
		r->from_tag[12] = '\0';
	}
	return 0;
}

static void set_up_state(struct regent_registerer *r, struct regent_ua *ua,
			 const struct regent_registerer_options *o)
{
	r->ua = ua;
	r->expires = o->expires;
	r->asked_expires = o->expires;
	r->refresh_pct = (uint8_t)o->refresh_frequency;
	r->auto_retry = o->auto_retry;
	r->auto_refresh = o->auto_refresh;
	r->retry_on_reject = o->retry_on_reject;
	r->retry_base_s = o->retry_base_s ? o->retry_base_s : 30;
	r->retry_max_s = o->retry_max_s ? o->retry_max_s : 1800;
	r->event_h = o->event_h;
	r->event_arg = o->event_arg;
	r->t_refresh = r->t_expire = r->t_retry = r->t_dispose = r->t_queue = REGENT_REG_NEVER;
}

/* The strings a Registerer keeps unchanged for its life, moved into one
 * block (a load client keeps 100,000: four blocks cost 32 bytes more in
 * malloc's headers and rounding). Out of memory leaves them apart. */
static void pack_strings(struct regent_registerer *r)
{
	char **f[] = {&r->call_id, &r->ruri, &r->from_uri, &r->to_uri};
	size_t l[4], n = 0;
	char *p;

	for (size_t i = 0; i < 4; i++) {
		l[i] = *f[i] != NULL ? strlen(*f[i]) + 1 : 0;
		n += l[i];
	}
	if ((p = malloc(n)) == NULL)
		return;
	for (size_t i = 0; i < 4; i++) {
		if (*f[i] == NULL)
			continue;
		memcpy(p, *f[i], l[i]);
		free(*f[i]);
		*f[i] = p;
		p += l[i];
	}
	r->packed = true;
}

int regent_registerer_alloc(struct regent_registerer **rp, struct regent_ua *ua,
			    const struct regent_registerer_options *o, struct regent_error *err)
{
	struct regent_registerer *r;
	char auth_user[128];
	uint32_t flow;
	int e;

	regent_error_clear(err);
	if (rp == NULL || ua == NULL || o == NULL)
		return regent_error_set(err, EINVAL, "registerer: NULL argument");
	*rp = NULL;
	e = check_options(o, err);
	if (e)
		return e;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return regent_error_set(err, ENOMEM, "registerer: out of memory");
	set_up_state(r, ua, o);
	e = copy_strings(r, o, err);
	if (!e)
		e = set_up_instance(r, o, err);
	if (!e)
		e = set_up_dialog_ids(r, o, err);
	if (!e)
		e = set_up_credentials(r, o, auth_user, sizeof(auth_user), err);
	if (e) {
		regent_reg_destroy(r);
		return e;
	}
	pack_strings(r);
	if (o->log_configuration)
		log_configuration(r, o, auth_user);
	/* RFC 3261 §8.1.2: with no outbound proxy the REGISTER goes where its
	 * Request-URI says, so the registrar chooses the flow (one per
	 * destination, shared by every Registerer naming it: src/ua/flows.c);
	 * a Registerer's own `server` is its outbound proxy and its flow */
	if (o->server != NULL) /* its own outbound proxy (RFC 5626 §4.2, §5.3) */
		e = regent_ua_flow_to(ua, o->server, "server", &flow, err);
	else
		e = regent_ua_flow_for(ua, r->ruri, "registrar", &flow, err);
	if (e) {
		regent_reg_destroy(r);
		return e;
	}
	/* room in the UA's timer heap and transaction map now, so no timer or
	 * transaction can be lost to ENOMEM later */
	e = regent_ua_client_attach(ua, &r->cl, &regent_reg_client_ops, flow);
	if (e) {
		regent_reg_destroy(r);
		return regent_error_set(
		    err, e, e == EPERM ? "ua: being freed" : "registerer: out of memory");
	}
	*rp = r;
	return 0;
}

/* Frees r (the UA has unlinked it, or is going itself). */
void regent_reg_destroy(struct regent_registerer *r)
{
	if (r == NULL)
		return;
	regent_reg_stop_detach(r, false); /* the UA is going, or r was freed */
	regent_reg_drop_txn(r, &r->txn);
	regent_reg_drop_old(r);
	regent_reg_probe_free(r);
	regent_auth_client_free(r->auth);
	if (!r->packed) {
		free(r->ruri);
		free(r->from_uri);
		free(r->to_uri);
	}
	free(r->call_id); /* the block, when packed */
	regent_reg_free_contacts(r);
	if (r->more != NULL) {
		free(r->more->from_display);
		free(r->more->to_display);
		free(r->more->instance);
		free(r->more->extra_headers);
		free(r->more->contact_xparams);
		free(r->more->contact_uri);
		free(r->more->xruri);
		free(r->more->xheaders);
		free(r->more->service_route);
		free(r->more);
	}
	free(r->bindings);
	if (r->nat != NULL) {
		free(r->nat->old);
		free(r->nat->gone);
	}
	free(r->nat);
	free(r);
}
