/*
 * scan: the floor of a validating parser. Like memchr it finds every line
 * end, and on top of that it looks up every byte of the start line and of
 * the headers a registration client must check (Via, From, To, Call-ID,
 * CSeq, Contact, Expires, long or compact names) in a character-class
 * table, four bytes a round, the way any table-driven parser does. It
 * splits nothing into tokens and stores no field: whatever a strict parser
 * spends above this line is tokenizing, checking the grammar and keeping
 * the slices. (The table here accepts any printable byte; a real parser
 * uses several classes, which costs the same per byte.)
 */
#include <stdint.h>
#include <string.h>

#include "bench.h"

const char bench_stack_name[] = "scan";

static uint8_t tab[256];

int bench_stack_init(struct bench_msg *msgs, size_t n)
{
	(void)msgs;
	(void)n;
	tab['\t'] = 1;
	for (int c = 0x20; c < 0x7f; c++)
		tab[c] = 1;
	for (int c = 0x80; c < 0x100; c++)
		tab[c] = 1;
	return 0;
}

/* The headers a registration client validates, by the first byte and the
 * length of the name (exact enough for a floor: it decides which lines are
 * scanned, not whether they are valid). */
static int checked(const char *p, const char *colon)
{
	size_t l = (size_t)(colon - p);

	switch (p[0] | 0x20) {
	case 'v':
		return l == 3 || l == 1;
	case 'f':
		return l == 4 || l == 1;
	case 't':
		return l == 2 || l == 1;
	case 'i':
		return l == 1;
	case 'm':
		return l == 1;
	case 'c':
		return l == 7 || l == 4; /* Call-ID, Contact, CSeq */
	case 'e':
		return l == 7;
	}
	return 0;
}

/* The run loop of a table-driven tokenizer: stops at the first byte out of
 * the class (here only CR, LF or a control byte would stop it). */
static const char *run(const char *p, const char *end)
{
	while (end - p >= 4) {
		if (!tab[(unsigned char)p[0]])
			return p;
		if (!tab[(unsigned char)p[1]])
			return p + 1;
		if (!tab[(unsigned char)p[2]])
			return p + 2;
		if (!tab[(unsigned char)p[3]])
			return p + 3;
		p += 4;
	}
	while (p < end && tab[(unsigned char)*p])
		p++;
	return p;
}

static size_t scan(const char *p, const char *end)
{
	return run(p, end) != end;
}

int bench_stack_run(struct bench_msg *m, struct bench_fields *f)
{
	const char *p = m->buf, *end = m->buf + m->len, *nl;
	size_t lines = 0, bad = 0;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		const char *colon;

		if (nl - p <= 1) /* "\r\n" or "\n": end of headers */
			break;
		if (lines == 0)
			bad |= scan(p, nl - 1);
		else if ((colon = memchr(p, ':', (size_t)(nl - p))) && checked(p, colon))
			bad |= scan(colon + 1, nl - 1);
		lines++;
		p = nl + 1;
	}
	f->ncontacts = lines + bad; /* derived from the scan, so it is kept */
	bench_consume(f);
	return lines && !bad ? 0 : 74 /* EBADMSG */;
}

void bench_stack_close(struct bench_msg *msgs, size_t n)
{
	(void)msgs;
	(void)n;
}
