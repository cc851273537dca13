/*
 * param — lookups in an already validated ";a=b;c" parameter list (header
 * generic-params or URI params).
 */
#include "msg/msg_int.h"

bool regent_param_next(struct regent_pl params, size_t *pos, struct regent_pl *name,
		       struct regent_pl *val)
{
	const char *end, *p;

	/* computed only once p is known non-NULL: NULL + 0 is undefined (C11 §6.5.6) */
	if (!params.p || *pos >= params.l)
		return false;
	end = params.p + params.l;
	p = params.p + *pos;
	for (;;) {
		p = regent_msgi_lws(p, end);
		if (p < end && *p == ';') {
			p++;
			continue;
		}
		break;
	}
	if (p >= end) {
		*pos = params.l;
		return false;
	}
	const char *s = p;

	while (p < end && *p != '=' && *p != ';' && *p != ' ' && *p != '\t' && *p != '\r')
		p++;
	name->p = s;
	name->l = (size_t)(p - s);
	*val = REGENT_PL_NULL;
	p = regent_msgi_lws(p, end);
	if (p < end && *p == '=') {
		p = regent_msgi_lws(p + 1, end);
		if (p < end && *p == '"') {
			if (regent_msgi_quoted(&p, end, val, NULL)) {
				val->p = p + 1;
				val->l = (size_t)(end - p - 1);
				p = end;
			}
		} else {
			s = p;
			while (p < end && *p != ';' && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
			val->p = s;
			val->l = (size_t)(p - s);
		}
	}
	*pos = (size_t)(p - params.p);
	return true;
}

bool regent_param_get(struct regent_pl params, const char *name, struct regent_pl *val)
{
	struct regent_pl n, v;
	size_t pos = 0;
	size_t nl = strlen(name);

	while (regent_param_next(params, &pos, &n, &v)) {
		if (regent_pl_casecmp_eq(n, (struct regent_pl){name, nl})) {
			if (val)
				*val = v;
			return true;
		}
	}
	return false;
}
