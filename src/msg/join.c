/*
 * join — UA options that become whole header lines, checked and joined once
 * at construction: the preloaded route set (RFC 3261 §8.1.2, §16.12) and the
 * extra option tags of Supported (RFC 3261 §20.37). Nothing is sent that
 * was not checked here (header injection, docs/design.md).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "msg/check.h"
#include "msg/msg.h"

#define REGENT_JOIN_MAX 16 /* routes or tokens: a bound on what a user may list */

/* Checks one route: a sip/sips URI, without <> (one is added), and for the
 * first a loose router (;lr): regent does not rewrite the Request-URI for a
 * strict router (RFC 3261 §16.12 loose routing only). */
static int check_route(struct regent_error *err, const char *r, size_t i)
{
	char field[48];
	struct regent_uri u;
	int e;

	snprintf(field, sizeof(field), "preloaded_route_set[%zu]", i);
	if (r == NULL || r[0] == '\0')
		return regent_error_set(err, EINVAL, "%s: empty", field);
	e = regent_check_uri(err, field, r, true);
	if (e)
		return e;
	if (regent_uri_parse(&u, r, strlen(r), NULL) != 0)
		return regent_error_set(err, EINVAL, "%s: not a URI", field);
	if (i == 0 && !regent_uri_param(&u, "lr", NULL))
		return regent_error_set(err, EINVAL,
					"%s: \"%.60s\" is not a loose router (no ;lr): strict "
					"routing is not supported",
					field, r);
	return 0;
}

int regent_join_routes(char **out, const char *const *routes, size_t n, struct regent_error *err)
{
	size_t len = 1;
	char *s;
	int e;

	*out = NULL;
	if (n == 0)
		return 0;
	if (routes == NULL || n > REGENT_JOIN_MAX)
		return regent_error_set(err, EINVAL, "preloaded_route_set: 1 to %d URIs",
					REGENT_JOIN_MAX);
	for (size_t i = 0; i < n; i++) {
		e = check_route(err, routes[i], i);
		if (e)
			return e;
		len += strlen(routes[i]) + 12;
	}
	s = malloc(len);
	if (s == NULL)
		return regent_error_set(err, ENOMEM, "preloaded_route_set: out of memory");
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) /* one header per route: RFC 3261 §7.3.1 allows both */
		snprintf(s + strlen(s), len - strlen(s), "Route: <%s>\r\n", routes[i]);
	*out = s;
	return 0;
}

/* An RFC 3261 §25.1 token. */
static bool is_token(const char *t)
{
	if (t == NULL || t[0] == '\0')
		return false;
	for (; *t != '\0'; t++)
		if (!isalnum((unsigned char)*t) && strchr("-.!%*_+`'~", *t) == NULL)
			return false;
	return true;
}

int regent_join_tokens(char **out, const char *const *toks, size_t n, const char *field,
		       const char *const *builtin, struct regent_error *err)
{
	size_t len = 1;
	char *s;

	*out = NULL;
	if (n == 0)
		return 0;
	if (toks == NULL || n > REGENT_JOIN_MAX)
		return regent_error_set(err, EINVAL, "%s: 1 to %d tokens", field, REGENT_JOIN_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!is_token(toks[i]))
			return regent_error_set(err, EINVAL, "%s[%zu]: \"%.40s\" is not a token",
						field, i, toks[i] != NULL ? toks[i] : "(null)");
		for (size_t k = 0; builtin != NULL && builtin[k] != NULL; k++)
			if (strcasecmp(toks[i], builtin[k]) == 0)
				return regent_error_set(err, EINVAL,
							"%s[%zu]: \"%s\" is regent's own, sent "
							"when it applies",
							field, i, toks[i]);
		len += strlen(toks[i]) + 2;
	}
	s = malloc(len);
	if (s == NULL)
		return regent_error_set(err, ENOMEM, "%s: out of memory", field);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(s + strlen(s), len - strlen(s), ", %s", toks[i]);
	*out = s;
	return 0;
}
