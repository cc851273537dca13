/*
 * ua — the life cycle of struct regent_ua: options, identity, alloc around
 * an injected sender and environment, free. No clock read, no socket here
 * (docs/design.md "sans-I/O core"): the system clock and random source are
 * the I/O edge's (src/net/sysenv.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/check.h"
#include "msg/msg.h"
#include "ua/ua_int.h"

void regent_ua_options_init(struct regent_ua_options *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->t1_ms = 500;
	o->t2_ms = 4000;
	o->t4_ms = 5000;
	o->log_level = REGENT_LOG_INFO;
	o->connect_timeout_ms = 5000;
}

const struct regent_ua_identity *regent_ua_identity(const struct regent_ua *ua)
{
	return &ua->id;
}

static void free_secret(const char *s)
{
	if (s != NULL)
		explicit_bzero((char *)s, strlen(s));
	free((char *)s);
}

void regent_ua_destroy(struct regent_ua *ua)
{
	struct regent_ua_client *c, *n;

	/* the UA goes: nothing to unlink, each client just goes too */
	for (uint32_t f = 0; f < ua->nflows; f++) {
		for (c = ua->flows[f].clients; c != NULL; c = n) {
			n = c->next;
			c->ops->destroy(c);
		}
		ua->flows[f].clients = NULL;
	}
	ua->dead = NULL;
	regent_ua_heap_release(&ua->timers);
	regent_ua_txmap_release(&ua->txns);
	/* flow 0 through the sender; the edge's free takes the others */
	if (ua->nflows > 0 && ua->sender.close != NULL && (ua->flows[0].up || ua->flows[0].opening))
		ua->sender.close(ua->sender.arg);
	free(ua->flows);
	if (ua->edge_ops != NULL && ua->edge_ops->free != NULL)
		ua->edge_ops->free(ua->edge);
	free((char *)ua->id.aor);
	free((char *)ua->id.auth_user);
	free_secret(ua->id.password);
	free_secret(ua->id.ha1);
	free((char *)ua->id.display_name);
	free((char *)ua->id.contact_name);
	free((char *)ua->id.contact_params);
	free((char *)ua->id.via_host);
	free((char *)ua->id.instance_id);
	free((char *)ua->id.user_agent);
	free((char *)ua->id.route_set);
	free((char *)ua->id.extra_supported);
	free(ua);
}

/* Checks what regent_ua_alloc_core() cannot take, naming the field. */
static int check_options(const struct regent_ua_options *o, const struct regent_env *env,
			 const struct regent_sender *sender, struct regent_error *err)
{
	int e;

	if (env->now_ms == NULL || env->random == NULL)
		return regent_error_set(err, EINVAL, "env: now_ms and random are required");
	if (sender->send == NULL)
		return regent_error_set(err, EINVAL, "sender: send is required");
	if (o->uri == NULL)
		return regent_error_set(err, EINVAL, "uri: required");
	e = regent_check_uri(err, "uri", o->uri, true);
	if (!e)
		e = regent_check_uuid(err, "instance_id", o->instance_id);
	if (!e)
		e = regent_check_ha1(err, "authorization_ha1", o->authorization_ha1);
	if (e)
		return e;
	if (o->t1_ms == 0 || o->t2_ms < o->t1_ms || o->t4_ms == 0)
		return regent_error_set(err, EINVAL,
					"t1_ms/t2_ms/t4_ms: %u/%u/%u (need T1 > 0, T2 >= T1, "
					"T4 > 0)",
					o->t1_ms, o->t2_ms, o->t4_ms);
	if (o->contact_name != NULL && strpbrk(o->contact_name, " \t<>@:;?\"\r\n") != NULL)
		return regent_error_set(
		    err, EINVAL, "contact_name: \"%.40s\" is not a URI user part", o->contact_name);
	if (o->contact_params != NULL && strpbrk(o->contact_params, " <>\"\r\n") != NULL)
		return regent_error_set(err, EINVAL, "contact_params: \"%.60s\" is not URI params",
					o->contact_params);
	if (o->via_host != NULL &&
	    (o->via_host[0] == '\0' || strpbrk(o->via_host, " ;,<>\"\r\n") != NULL))
		return regent_error_set(err, EINVAL, "via_host: \"%.60s\" is not a host",
					o->via_host);
	return 0;
}

/* Copies the option strings into ua->id. */
static int copy_strings(struct regent_ua *ua, const struct regent_ua_options *o,
			struct regent_error *err)
{
	struct regent_ua_identity *id = &ua->id;
	int e;

	e = regent_dup_string((char **)&id->aor, o->uri, "uri", err);
	if (!e)
		e = regent_dup_string((char **)&id->password, o->authorization_password,
				      "authorization_password", err);
	if (!e)
		e = regent_dup_string((char **)&id->ha1, o->authorization_ha1, "authorization_ha1",
				      err);
	if (!e)
		e = regent_dup_string((char **)&id->display_name, o->display_name, "display_name",
				      err);
	if (!e)
		e = regent_dup_string((char **)&id->contact_name, o->contact_name, "contact_name",
				      err);
	if (!e)
		e = regent_dup_string((char **)&id->contact_params, o->contact_params,
				      "contact_params", err);
	if (!e)
		e = regent_dup_string((char **)&id->via_host, o->via_host, "via_host", err);
	if (!e)
		e = regent_dup_string((char **)&id->user_agent,
				      o->user_agent_string ? o->user_agent_string
							   : "regent/" REGENT_VERSION,
				      "user_agent_string", err);
	if (!e)
		e = regent_dup_string((char **)&id->auth_user, o->authorization_username,
				      "authorization_username", err);
	if (!e) /* issue 11 §3: checked and joined once (src/msg/join.c) */
		e = regent_join_routes((char **)&id->route_set, o->preloaded_route_set,
				       o->preloaded_route_set_count, err);
	if (!e)
		e = regent_join_tokens((char **)&id->extra_supported, o->extra_supported,
				       o->extra_supported_count, "extra_supported",
				       (const char *const[]){"path", "outbound", "gruu", NULL},
				       err);
	return e;
}

/* The defaults that need the strings: username, contact name, instance. */
static int fill_defaults(struct regent_ua *ua, const struct regent_ua_options *o,
			 struct regent_error *err)
{
	struct regent_ua_identity *id = &ua->id;
	struct regent_uri u;
	unsigned char b[16];
	char uuid[37], *s;

	if (id->auth_user == NULL) {
		/* default: the user part of the AOR */
		if (regent_uri_parse(&u, id->aor, strlen(id->aor), NULL) == 0 &&
		    regent_pl_isset(u.user) && u.user.l > 0)
			id->auth_user = regent_pl_strdup(u.user);
		else
			id->auth_user = strdup("");
		if (id->auth_user == NULL)
			return regent_error_set(err, ENOMEM,
						"authorization_username: out of memory");
	}
	if (id->contact_name == NULL) {
		s = malloc(9);
		if (s == NULL)
			return regent_error_set(err, ENOMEM, "contact_name: out of memory");
		regent_ua_random_token(ua, s, 8);
		id->contact_name = s;
	}
	if (o->instance_id != NULL)
		return regent_dup_string((char **)&id->instance_id, o->instance_id, "instance_id",
					 err);
	/* RFC 4122 §4.4: a random (v4) UUID */
	ua->env.random(ua->env.arg, b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(uuid, sizeof(uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return regent_dup_string((char **)&id->instance_id, uuid, "instance_id", err);
}

int regent_ua_alloc_core(struct regent_ua **uap, const struct regent_ua_options *o,
			 const struct regent_env *env, const struct regent_sender *sender,
			 struct regent_error *err)
{
	struct regent_ua *ua;
	int e;

	regent_error_clear(err);
	if (uap == NULL || o == NULL || env == NULL || sender == NULL)
		return regent_error_set(err, EINVAL, "ua: NULL argument");
	*uap = NULL;
	e = check_options(o, env, sender, err);
	if (e)
		return e;
	ua = calloc(1, sizeof(*ua));
	if (ua == NULL)
		return regent_error_set(err, ENOMEM, "ua: out of memory");
	ua->env = *env;
	ua->sender = *sender;
	ua->id.t1_ms = o->t1_ms;
	ua->id.keepalive_s = o->keepalive_interval_s;
	ua->id.contact_rewrite_off = o->contact_rewrite == REGENT_CONTACT_REWRITE_OFF;
	ua->id.t2_ms = o->t2_ms;
	ua->id.t4_ms = o->t4_ms;
	ua->log.h = o->log_h;
	ua->log.arg = o->log_arg;
	ua->log.level = o->log_level;
	ua->id.txn_timeout_ms = o->transaction_timeout_ms;
	ua->drop_h = o->drop_h;
	ua->drop_arg = o->drop_arg;
	ua->transport = o->transport;
	if (regent_ua_flows_init(ua, o->transport) != 0) {
		free(ua);
		return regent_error_set(err, ENOMEM, "ua: out of memory");
	}
	e = copy_strings(ua, o, err);
	if (!e)
		e = fill_defaults(ua, o, err);
	if (e) {
		regent_ua_destroy(ua);
		return e;
	}
	*uap = ua;
	return 0;
}

void regent_ua_free(struct regent_ua *ua)
{
	if (ua == NULL || regent_guard_doomed(&ua->guard))
		return;
	if (regent_guard_doom(&ua->guard)) {
		regent_ua_destroy(ua);
		return;
	}
	/* called from a callback: every client stops now, the memory goes
	 * when the outermost call returns */
	for (uint32_t f = 0; f < ua->nflows; f++) {
		for (struct regent_ua_client *c = ua->flows[f].clients; c != NULL; c = c->next)
			regent_ua_client_free(ua, c);
	}
}
