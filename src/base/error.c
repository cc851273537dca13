/*
 * error — the error text of every module (one helper, one text per code).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

int regent_error_set(struct regent_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

void regent_error_clear(struct regent_error *err)
{
	if (err != NULL) {
		err->code = 0;
		err->text[0] = '\0';
	}
}

const char *regent_strerror(int err)
{
	switch (err) {
	case REGENT_EAUTH:
		return "authentication failed";
	case REGENT_ETLSVERIFY:
		return "TLS peer verification failed";
	case REGENT_EDNS:
		return "DNS resolution failed";
	case REGENT_ETIMEOUT:
		return "transaction timeout";
	case REGENT_EREJECTED:
		return "rejected by the registrar";
	default:
		return strerror(err);
	}
}
