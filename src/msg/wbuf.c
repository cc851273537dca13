/*
 * wbuf — the builder's write buffer: fixed or growable, sticky errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "msg/msg_int.h"

void regent_wbuf_init_fixed(struct regent_wbuf *wb, char *buf, size_t cap)
{
	memset(wb, 0, sizeof(*wb));
	wb->buf = buf;
	wb->cap = cap;
	wb->max = cap;
}

void regent_wbuf_init_dynamic(struct regent_wbuf *wb, size_t max)
{
	memset(wb, 0, sizeof(*wb));
	wb->dynamic = true;
	wb->max = max ? max : 65536;
}

void regent_wbuf_reset(struct regent_wbuf *wb)
{
	wb->len = 0;
	wb->err = REGENT_MSG_OK;
	wb->err_field[0] = '\0';
}

void regent_wbuf_release(struct regent_wbuf *wb)
{
	if (wb->dynamic)
		free(wb->buf);
	wb->buf = NULL;
	wb->len = wb->cap = 0;
}

static void set_err(struct regent_wbuf *wb, enum regent_msg_errc code, const char *field)
{
	if (wb->err)
		return;
	wb->err = code;
	regent_pl_strcpy((struct regent_pl){field ? field : "", field ? strnlen(field, 63) : 0},
			 wb->err_field, sizeof(wb->err_field));
}

/* Room for n more bytes (+1 for a NUL kept after the data). */
static bool reserve(struct regent_wbuf *wb, size_t n)
{
	size_t need;

	if (wb->err)
		return false;
	if (n > wb->max || wb->len > wb->max - n) {
		set_err(wb, REGENT_MSG_ENOSPC, "buffer");
		return false;
	}
	need = wb->len + n + 1;
	if (need <= wb->cap)
		return true;
	if (!wb->dynamic) {
		set_err(wb, REGENT_MSG_ENOSPC, "buffer");
		return false;
	}
	/* 1 KiB first: an authenticated REGISTER (about 600-800 B) then needs
	 * no realloc, and it is still a size glibc keeps per thread (tcache). */
	size_t ncap = wb->cap ? wb->cap : 1024;

	while (ncap < need)
		ncap *= 2;
	if (ncap > wb->max + 1)
		ncap = wb->max + 1;
	char *nb = realloc(wb->buf, ncap);

	if (!nb) {
		set_err(wb, REGENT_MSG_ENOMEM, "buffer");
		return false;
	}
	wb->buf = nb;
	wb->cap = ncap;
	return true;
}

void regent_wbuf_write_slow(struct regent_wbuf *wb, const char *p, size_t l)
{
	if (!reserve(wb, l))
		return;
	if (l)
		memcpy(wb->buf + wb->len, p, l);
	wb->len += l;
	wb->buf[wb->len] = '\0';
}

void regent_wbuf_u64(struct regent_wbuf *wb, uint64_t v)
{
	/* two digits a division: the numbers of a request (CSeq, ports,
	 * Expires, Content-Length) are mostly 2-5 digits */
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	char d[20];
	size_t i = sizeof(d);

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		d[--i] = pairs[2 * r + 1];
		d[--i] = pairs[2 * r];
	}
	if (v >= 10) {
		d[--i] = pairs[2 * v + 1];
		d[--i] = pairs[2 * v];
	} else {
		d[--i] = (char)('0' + v);
	}
	regent_wbuf_write(wb, d + i, sizeof(d) - i);
}

void regent_wbuf_hex(struct regent_wbuf *wb, uint64_t v, unsigned width)
{
	static const char hex[] = "0123456789abcdef";
	char d[16];
	size_t i = sizeof(d);

	if (width > sizeof(d))
		width = sizeof(d);
	do {
		d[--i] = hex[v & 15];
		v >>= 4;
	} while (v || sizeof(d) - i < width);
	regent_wbuf_write(wb, d + i, sizeof(d) - i);
}

void regent_wbuf_printf(struct regent_wbuf *wb, const char *fmt, ...)
{
	va_list ap;
	int n;
	char small[256];

	if (wb->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		set_err(wb, REGENT_MSG_ENOSPC, "printf");
		return;
	}
	if ((size_t)n < sizeof(small)) {
		regent_wbuf_write(wb, small, (size_t)n);
		return;
	}
	if (!reserve(wb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(wb->buf + wb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	wb->len += (size_t)n;
}

static bool clean(const char *p, size_t l)
{
	for (size_t i = 0; i < l; i++) {
		/* CR, LF and NUL are all below 0x0E: one comparison for most */
		if ((unsigned char)p[i] <= '\r' && (p[i] == '\r' || p[i] == '\n' || p[i] == '\0'))
			return false;
	}
	return true;
}

void regent_wbuf_value(struct regent_wbuf *wb, const char *field, const char *p, size_t l)
{
	if (wb->err)
		return;
	if (!clean(p, l)) {
		set_err(wb, REGENT_MSG_EINJECT, field);
		return;
	}
	regent_wbuf_write(wb, p, l);
}

/* regent_wbuf_quoted when the worst case (every byte a quoted-pair) fits
 * in the room already there: one pass, straight into the buffer; on CR, LF
 * or NUL the buffer is left as it was. The same output as the checked path
 * below, without its separate check pass and its append per run (a nonce
 * or a response is one run). */
static void quoted_fast(struct regent_wbuf *wb, const char *field, const char *p, size_t l)
{
	char *o = wb->buf + wb->len;

	*o++ = '"';
	for (size_t i = 0; i < l; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
			*o++ = (char)c;
		} else if (c == '\t') {
			*o++ = (char)c;
		} else if (c == '\r' || c == '\n' || c == '\0') {
			wb->buf[wb->len] = '\0';
			set_err(wb, REGENT_MSG_EINJECT, field);
			return;
		} else { /* RFC 3261 §25.1: not qdtext, a quoted-pair */
			*o++ = '\\';
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
	wb->len = (size_t)(o - wb->buf);
}

void regent_wbuf_quoted(struct regent_wbuf *wb, const char *field, const char *p, size_t l)
{
	if (wb->err)
		return;
	if (l < wb->cap && 2 * l + 2 < wb->cap - wb->len) {
		quoted_fast(wb, field, p, l);
		return;
	}
	if (!clean(p, l)) {
		set_err(wb, REGENT_MSG_EINJECT, field);
		return;
	}
	regent_wbuf_write(wb, "\"", 1);
	/* RFC 3261 §25.1: '"', '\\' and controls other than HT are not qdtext;
	 * they go as quoted-pairs (a realm received as "a\\<0x1a>" is sent back
	 * as it came, not with a raw control a peer's parser refuses). */
	for (size_t i = 0, s = 0; i <= l; i++) {
		unsigned char c = i < l ? (unsigned char)p[i] : 0;

		if (i == l || c == '"' || c == '\\' || (c < 0x20 && c != '\t') || c == 0x7F) {
			regent_wbuf_write(wb, p + s, i - s);
			if (i < l) {
				char qp[2] = {'\\', (char)c};

				regent_wbuf_write(wb, qp, 2);
			}
			s = i + 1;
		}
	}
	regent_wbuf_write(wb, "\"", 1);
}

int regent_check_value(const char *s)
{
	if (!s)
		return EINVAL;
	return clean(s, strlen(s)) ? 0 : EINVAL;
}

int regent_wbuf_errno(const struct regent_wbuf *wb)
{
	switch (wb->err) {
	case REGENT_MSG_OK:
		return 0;
	case REGENT_MSG_ENOSPC:
		return ENOSPC;
	case REGENT_MSG_ENOMEM:
		return ENOMEM;
	default:
		return EINVAL;
	}
}
