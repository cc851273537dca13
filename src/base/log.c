/*
 * log — the one log sink of libregent: the core, the I/O edge and the
 * connections all write through regent_log_emit().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"

void regent_log_vemit(const struct regent_log *log, enum regent_log_level level, const char *fmt,
		      va_list ap)
{
	char line[512], *big = NULL;
	va_list again;
	int n;

	if (log == NULL || log->h == NULL || level > log->level)
		return;
	va_copy(again, ap);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	/* whole messages at TRACE: a longer line gets its own buffer */
	if (n >= (int)sizeof(line) && n < 70000 && (big = malloc((size_t)n + 1)) != NULL)
		vsnprintf(big, (size_t)n + 1, fmt, again);
	va_end(again);
	log->h(level, big != NULL ? big : line, log->arg);
	free(big);
}

void regent_log_emit(const struct regent_log *log, enum regent_log_level level, const char *fmt,
		     ...)
{
	va_list ap;

	va_start(ap, fmt);
	regent_log_vemit(log, level, fmt, ap);
	va_end(ap);
}
