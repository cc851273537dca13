/*
 * base — what every module of libregent shares, below all of them: error
 * text, the log sink, the transport name table (the .c files of src/base).
 * No I/O.
 */
#ifndef REGENT_BASE_H
#define REGENT_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "regent.h"

/* ------------------------------------------------------------ errors */

/* Fills err (if non-NULL) with code and a printf-style message, which by
 * convention starts with the name of the option or field at fault
 * ("expires: ..."), and returns code. */
int regent_error_set(struct regent_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err (if non-NULL): code 0, empty text. */
void regent_error_clear(struct regent_error *err);

/* ------------------------------------------------------------ logging */

/* The one log sink: the handler, its argument and the level from the
 * options (struct regent_ua_options log_h / log_arg / log_level). */
struct regent_log {
	regent_log_h *h;
	void *arg;
	enum regent_log_level level;
};

/* Logs a printf-style line if `level` is enabled on `log` (NULL: off).
 * A line longer than the stack buffer (whole messages at TRACE) gets its
 * own. */
void regent_log_emit(const struct regent_log *log, enum regent_log_level level, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
void regent_log_vemit(const struct regent_log *log, enum regent_log_level level, const char *fmt,
		      va_list ap) __attribute__((format(printf, 3, 0)));

/* ------------------------------------------------------------ transports */

/* The lower-case token of a transport as in a URI's ;transport= param
 * (RFC 3261 §19.1.1): "udp", "tcp", "tls", "ws", "wss"; "udp" for NONE. */
const char *regent_transport_param(enum regent_transport tp);

#endif /* REGENT_BASE_H */
