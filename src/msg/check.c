/*
 * Option validation shared by the UA and the Registerer (docs/design.md: bad
 * options are refused with a message naming the field; CR/LF/NUL inside a
 * user string is refused: header injection).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "msg/check.h"
#include "msg/msg.h"

int regent_check_string(struct regent_error *err, const char *field, const char *s)
{
	if (s == NULL)
		return 0;
	for (const char *p = s; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x20 || *p == '\t')
			continue; /* the common byte: one comparison */
		if (*p == '\r' || *p == '\n')
			return regent_error_set(err, EINVAL, "%s: contains CR or LF", field);
		return regent_error_set(err, EINVAL, "%s: contains a control character", field);
	}
	return 0;
}

int regent_dup_string(char **dst, const char *src, const char *field, struct regent_error *err)
{
	int e;

	*dst = NULL;
	if (src == NULL)
		return 0;
	e = regent_check_string(err, field, src);
	if (e)
		return e;
	*dst = strdup(src);
	if (*dst == NULL)
		return regent_error_set(err, ENOMEM, "%s: out of memory", field);
	return 0;
}

static bool ishex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int regent_check_uuid(struct regent_error *err, const char *field, const char *s)
{
	/* RFC 4122 §3: 8-4-4-4-12 hex digits. */
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if (s == NULL)
		return 0;
	if (strlen(s) != sizeof(shape) - 1)
		goto bad;
	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == '-' ? s[i] != '-' : !ishex(s[i]))
			goto bad;
	}
	return 0;
bad:
	return regent_error_set(err, EINVAL, "%s: \"%.64s\" is not a UUID", field, s);
}

int regent_check_ha1(struct regent_error *err, const char *field, const char *s)
{
	/* hex of MD5 (32) or SHA-256 (64), RFC 7616 §3.4.2 */
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		if (!ishex(s[i]))
			n = 0;
	}
	if (n != 32 && n != 64)
		return regent_error_set(err, EINVAL, "%s: not 32 or 64 hex digits", field);
	return 0;
}

int regent_check_uri(struct regent_error *err, const char *field, const char *s, bool sip_only)
{
	struct regent_uri u;
	struct regent_msg_error me;
	int e;

	if (s == NULL)
		return 0;
	e = regent_check_string(err, field, s);
	if (e)
		return e;
	memset(&me, 0, sizeof(me));
	if (regent_uri_parse(&u, s, strlen(s), &me) != 0)
		return regent_error_set(err, EINVAL, "%s: \"%.64s\" does not parse (%s)", field, s,
					me.reason[0] ? me.reason : "bad URI");
	if (sip_only && (!u.is_sip || u.host.l == 0))
		return regent_error_set(err, EINVAL, "%s: \"%.64s\" is not a sip: or sips: URI",
					field, s);
	return 0;
}

static bool istoken(char c)
{
	/* RFC 3261 §25.1 token */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-.!%*_+`'~", c) != NULL;
}

int regent_check_header_line(struct regent_error *err, const char *field, const char *line)
{
	const char *p = line;
	int e;

	if (line == NULL)
		return regent_error_set(err, EINVAL, "%s: NULL header line", field);
	e = regent_check_string(err, field, line);
	if (e)
		return e;
	while (*p != '\0' && istoken(*p))
		p++;
	if (p == line)
		return regent_error_set(err, EINVAL, "%s: \"%.64s\" has no header name", field,
					line);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return regent_error_set(err, EINVAL, "%s: \"%.64s\" has no colon after the name",
					field, line);
	return 0;
}

int regent_check_contact_param(struct regent_error *err, const char *field, const char *p)
{
	const char *q = p;
	int e;

	if (p == NULL)
		return regent_error_set(err, EINVAL, "%s: NULL parameter", field);
	e = regent_check_string(err, field, p);
	if (e)
		return e;
	while (*q != '\0' && istoken(*q))
		q++;
	if (q == p || (*q != '\0' && *q != '='))
		return regent_error_set(err, EINVAL, "%s: \"%.64s\" is not name or name=value",
					field, p);
	if (*q == '=' && q[1] == '"') {
		/* quoted-string value: anything but an unescaped quote inside */
		const char *v = q + 2;
		while (*v != '\0' && *v != '"')
			v += (*v == '\\' && v[1] != '\0') ? 2 : 1;
		if (*v == '"' && v[1] == '\0')
			return 0;
		return regent_error_set(err, EINVAL, "%s: \"%.64s\" has a bad quoted value", field,
					p);
	}
	for (; *q != '\0'; q++) {
		if (*q == ';' || *q == ',' || *q == ' ' || *q == '"')
			return regent_error_set(err, EINVAL, "%s: \"%.64s\" contains '%c'", field,
						p, *q);
	}
	return 0;
}
