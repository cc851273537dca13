/*
 * check — the configured header lines and Contact params, checked one by
 * one (a bad one is refused by name) and joined once for every REGISTER.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg/check.h"
#include "reg/reg_int.h"

/* Headers the registerer writes itself (RFC 3261 §8.1.1, §10.2, §20): a
 * second copy would make a message a registrar must refuse (two
 * Content-Length, RFC 3261 §20.14) or one that says something else than the
 * options do. Compact forms too (RFC 3261 §7.3.3). */
static const char *own_header(const char *line)
{
	/* each name, then its compact form or NULL */
	static const char *const own[][2] = {
	    {"Via", "v"},
	    {"From", "f"},
	    {"To", "t"},
	    {"Call-ID", "i"},
	    {"CSeq", NULL},
	    {"Contact", "m"},
	    {"Expires", NULL},
	    {"Max-Forwards", NULL},
	    {"Content-Length", "l"},
	    {"Authorization", NULL},
	    {"Proxy-Authorization", NULL},
	    {"User-Agent", NULL},
	};
	size_t n = strcspn(line, " \t:");

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		for (size_t k = 0; k < 2; k++) {
			if (own[i][k] != NULL && strlen(own[i][k]) == n &&
			    strncasecmp(line, own[i][k], n) == 0)
				return own[i][0];
		}
	}
	return NULL;
}

/* Joins header lines into "A: b\r\nC: d\r\n" after checking each one. */
int regent_reg_join_headers(char **out, const char *const *h, size_t n, struct regent_error *err,
			    bool *has_allow)
{
	size_t total = 1, i;
	char *s;
	int e;

	*out = NULL;
	if (n == 0)
		return 0;
	if (h == NULL)
		return regent_error_set(err, EINVAL, "extra_headers: NULL with a count of %zu", n);
	for (i = 0; i < n; i++) {
		e = regent_check_header_line(err, "extra_headers", h[i]);
		if (e)
			return e;
		if (own_header(h[i]) != NULL)
			return regent_error_set(
			    err, EINVAL,
			    "extra_headers: regent writes %.*s itself%s%s%s; it "
			    "cannot be an extra header",
			    (int)strcspn(h[i], " \t:"), h[i],
			    strcspn(h[i], " \t:") == 1 ? " (" : "",
			    strcspn(h[i], " \t:") == 1 ? own_header(h[i]) : "",
			    strcspn(h[i], " \t:") == 1 ? ")" : "");
		total += strlen(h[i]) + 2;
		if (has_allow != NULL && strncasecmp(h[i], "Allow", 5) == 0 &&
		    (h[i][5] == ':' || h[i][5] == ' ' || h[i][5] == '\t'))
			*has_allow = true;
	}
	s = malloc(total);
	if (s == NULL)
		return regent_error_set(err, ENOMEM, "extra_headers: out of memory");
	*out = s;
	for (i = 0; i < n; i++) {
		size_t l = strlen(h[i]);
		memcpy(s, h[i], l);
		s += l;
		*s++ = '\r';
		*s++ = '\n';
	}
	*s = '\0';
	return 0;
}

/* The Contact parameters the Registerer writes itself. A parameter's name is
 * the whole token before '=' (RFC 3261 §25.1 generic-param), so "expiresx"
 * is another parameter, not ours. */
static bool reserved_param(const char *param)
{
	static const char *const ours[] = {"expires", "reg-id", "+sip.instance"};
	size_t nl = strcspn(param, "=");

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		if (strlen(ours[i]) == nl && strncasecmp(param, ours[i], nl) == 0)
			return true;
	}
	return false;
}

int regent_reg_join_params(char **out, const char *const *p, size_t n, struct regent_error *err)
{
	size_t total = 1, i;
	char *s;
	int e;

	*out = NULL;
	if (n == 0)
		return 0;
	if (p == NULL)
		return regent_error_set(err, EINVAL, "extra_contact_header_params: NULL");
	for (i = 0; i < n; i++) {
		e = regent_check_contact_param(err, "extra_contact_header_params", p[i]);
		if (e)
			return e;
		/* our own params are ours alone (one +sip.instance: defect 9) */
		if (reserved_param(p[i]))
			return regent_error_set(err, EINVAL,
						"extra_contact_header_params: \"%.40s\" is set by "
						"the registerer",
						p[i]);
		total += strlen(p[i]) + 1;
	}
	s = malloc(total);
	if (s == NULL)
		return regent_error_set(err, ENOMEM, "extra_contact_header_params: out of memory");
	*out = s;
	for (i = 0; i < n; i++) {
		size_t l = strlen(p[i]);
		*s++ = ';';
		memcpy(s, p[i], l);
		s += l;
	}
	*s = '\0';
	return 0;
}
