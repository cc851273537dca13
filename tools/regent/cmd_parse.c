/*
 * cmd_parse.c — `regent parse [--json] FILE…`.
 *
 * Each FILE is read whole and parsed as a datagram (RFC 3261 §18.3: bytes
 * after Content-Length are not part of the message). What follows the first
 * message is taken as a stream: while the framer finds a complete message
 * there (Content-Length is mandatory on streams), it is parsed too; bytes
 * that do not frame are datagram trailer, ignored and counted (RFC 4475
 * dblreq). Every message gets regent_msg_validate, the full strictness.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_parse.h"
#include "msg/msg.h"

/* A file larger than this is not a SIP capture anyone means to check. */
#define MAX_FILE (16u * 1024 * 1024)
#define MAX_MSGS 4096

static void usage(FILE *f)
{
	fputs("usage: regent parse [--json] FILE...\n"
	      "  Parses each FILE as SIP message(s) and prints 'FILE: ok <summary>' or\n"
	      "  'FILE: error <reason>'; --json prints one JSON object per message.\n"
	      "  Exit status: 0 if every file parsed, 1 otherwise, 2 on usage errors.\n",
	      f);
}

static int read_file(const char *path, char **bufp, size_t *lenp, char *why, size_t whysz)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;

	if (!f) {
		snprintf(why, whysz, "cannot open: %s", strerror(errno));
		return errno ? errno : EIO;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb;

			if (cap >= MAX_FILE) {
				snprintf(why, whysz, "file larger than %u bytes", MAX_FILE);
				err = EFBIG;
				goto out;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				snprintf(why, whysz, "out of memory");
				err = ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (n == 0) {
			if (ferror(f)) {
				snprintf(why, whysz, "read error");
				err = EIO;
			}
			break;
		}
	}
out:
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* ------------------------------------------------------------ text */

static void put_pl(FILE *o, struct regent_pl pl)
{
	/* printable only: the summary is for a terminal */
	for (size_t i = 0; i < pl.l; i++) {
		unsigned char c = (unsigned char)pl.p[i];

		if (c < 0x20 || c == 0x7f)
			fprintf(o, "\\x%02x", c);
		else
			fputc(c, o);
	}
}

static void summary(FILE *o, const struct regent_msg *m)
{
	struct regent_pl meth;
	uint32_t cseq;

	if (regent_msg_is_request(m)) {
		put_pl(o, regent_msg_method(m));
		fputc(' ', o);
		put_pl(o, regent_msg_ruri(m)->raw);
	} else {
		fprintf(o, "%u ", regent_msg_status(m));
		put_pl(o, regent_msg_reason(m));
	}
	regent_msg_cseq(m, &cseq, &meth);
	fprintf(o, " (CSeq %u ", cseq);
	put_pl(o, meth);
	fputs(", Call-ID ", o);
	put_pl(o, regent_msg_call_id(m));
	fprintf(o, ", %zu headers, body %zu bytes)", regent_msg_hdr_count(m), regent_msg_body(m).l);
}

/* ------------------------------------------------------------ JSON */

/* JSON string: escapes, and invalid UTF-8 replaced by U+FFFD so the output
 * is always valid JSON (RFC 8259 §8.1). */
static void json_str(FILE *o, const char *p, size_t l)
{
	fputc('"', o);
	for (size_t i = 0; i < l;) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\') {
			fputc('\\', o);
			fputc(c, o);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(o, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, o);
			i++;
		} else {
			size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
			bool ok = n && c < 0xf5 && i + n <= l;

			for (size_t k = 1; ok && k < n; k++)
				ok = ((unsigned char)p[i + k] & 0xc0) == 0x80;
			if (ok && n == 3) {
				unsigned char c1 = (unsigned char)p[i + 1];

				ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
			} else if (ok && n == 4) {
				unsigned char c1 = (unsigned char)p[i + 1];

				ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
			}
			if (ok) {
				fwrite(p + i, 1, n, o);
				i += n;
			} else {
				fputs("\\ufffd", o);
				i++;
			}
		}
	}
	fputc('"', o);
}

static void json_pl(FILE *o, struct regent_pl pl)
{
	if (!pl.p)
		fputs("null", o);
	else
		json_str(o, pl.p, pl.l);
}

static void json_key(FILE *o, const char *k)
{
	fprintf(o, ",\"%s\":", k);
}

static void json_msg(FILE *o, const char *file, int index, const struct regent_msg *m)
{
	struct regent_msg_iter it = {0};
	struct regent_via via;
	struct regent_contact c;
	struct regent_addr a;
	struct regent_pl meth;
	uint32_t cseq, u;

	fputs("{\"file\":", o);
	json_str(o, file, strlen(file));
	fprintf(o, ",\"index\":%d,\"ok\":true", index);
	if (regent_msg_is_request(m)) {
		fputs(",\"type\":\"request\"", o);
		json_key(o, "method");
		json_pl(o, regent_msg_method(m));
		json_key(o, "request_uri");
		json_pl(o, regent_msg_ruri(m)->raw);
	} else {
		fprintf(o, ",\"type\":\"response\",\"status\":%u", regent_msg_status(m));
		json_key(o, "reason");
		json_pl(o, regent_msg_reason(m));
	}
	regent_msg_cseq(m, &cseq, &meth);
	fprintf(o, ",\"cseq\":%u", cseq);
	json_key(o, "cseq_method");
	json_pl(o, meth);
	json_key(o, "call_id");
	json_pl(o, regent_msg_call_id(m));
	regent_msg_from(m, &a);
	json_key(o, "from");
	fputs("{\"uri\":", o);
	json_pl(o, a.uri_raw);
	fputs(",\"tag\":", o);
	json_pl(o, a.tag);
	fputc('}', o);
	regent_msg_to(m, &a);
	json_key(o, "to");
	fputs("{\"uri\":", o);
	json_pl(o, a.uri_raw);
	fputs(",\"tag\":", o);
	json_pl(o, a.tag);
	fputc('}', o);
	json_key(o, "via");
	fputc('[', o);
	for (int n = 0; regent_msg_via_next(m, &it, &via) == 0; n++) {
		fputs(n ? ",{\"transport\":" : "{\"transport\":", o);
		json_pl(o, via.transport);
		fputs(",\"host\":", o);
		json_pl(o, via.host);
		fprintf(o, ",\"port\":%u,\"branch\":", via.port);
		json_pl(o, via.branch);
		fputc('}', o);
	}
	fputc(']', o);
	json_key(o, "contact");
	fputc('[', o);
	memset(&it, 0, sizeof(it));
	for (int n = 0; regent_msg_contact_next(m, &it, &c) == 0; n++) {
		if (n)
			fputc(',', o);
		if (c.star) {
			fputs("\"*\"", o);
			continue;
		}
		fputs("{\"uri\":", o);
		json_pl(o, c.addr.uri_raw);
		if (c.has_expires)
			fprintf(o, ",\"expires\":%u", c.expires);
		fputc('}', o);
	}
	fputc(']', o);
	if (regent_msg_u32(m, REGENT_HDR_EXPIRES, &u) == 0)
		fprintf(o, ",\"expires\":%u", u);
	fprintf(o, ",\"headers\":%zu,\"body_length\":%zu}\n", regent_msg_hdr_count(m),
		regent_msg_body(m).l);
}

static void json_err(FILE *o, const char *file, int index, const char *code, size_t offset,
		     const char *reason)
{
	fputs("{\"file\":", o);
	json_str(o, file, strlen(file));
	fprintf(o, ",\"index\":%d,\"ok\":false,\"error\":", index);
	json_str(o, code, strlen(code));
	fprintf(o, ",\"offset\":%zu,\"reason\":", offset);
	json_str(o, reason, strlen(reason));
	fputs("}\n", o);
}

/* ------------------------------------------------------------ per file */

struct out {
	FILE *o;
	bool json;
	const char *file;
	int nmsg;
	bool first_text;
};

static int one_message(struct out *out, const char *p, size_t l, size_t base, size_t *used)
{
	struct regent_msg *m = NULL;
	struct regent_msg_error err;
	int rc;

	rc = regent_msg_parse(&m, p, l, NULL, &err);
	if (!rc)
		rc = regent_msg_validate(m, &err);
	out->nmsg++;
	if (rc) {
		/* offsets are reported from the start of the file */
		size_t off = base + err.offset;

		if (out->json) {
			json_err(out->o, out->file, out->nmsg, regent_msg_errc_name(err.code), off,
				 err.reason);
		} else {
			fprintf(out->o, "%s: error ", out->file);
			if (out->nmsg > 1)
				fprintf(out->o, "message %d (at byte %zu): ", out->nmsg, base);
			fprintf(out->o, "%s: %s\n", regent_msg_errc_name(err.code), err.reason);
		}
		regent_msg_free(m);
		return EBADMSG;
	}
	*used = regent_msg_raw(m).l;
	if (out->json) {
		json_msg(out->o, out->file, out->nmsg, m);
	} else {
		fputs(out->first_text ? "" : " | ", out->o);
		summary(out->o, m);
		out->first_text = false;
	}
	regent_msg_free(m);
	return 0;
}

static int parse_file(FILE *o, const char *file, bool json)
{
	struct out out = {.o = o, .json = json, .file = file, .first_text = true};
	char why[128];
	char *buf = NULL;
	size_t len = 0, off = 0, used = 0;
	int rc;

	rc = read_file(file, &buf, &len, why, sizeof(why));
	if (rc) {
		if (json)
			json_err(o, file, 0, "io", 0, why);
		else
			fprintf(o, "%s: error %s\n", file, why);
		return 1;
	}
	/* Text output is buffered per file so that a later error replaces it. */
	char *text = NULL;
	size_t textlen = 0;
	FILE *t = json ? o : open_memstream(&text, &textlen);

	if (!t) {
		fprintf(o, "%s: error out of memory\n", file);
		free(buf);
		return 1;
	}
	out.o = t;
	/* RFC 3261 §7.5: CRLFs before a start line are ignored */
	while (len - off >= 2 && buf[off] == '\r' && buf[off + 1] == '\n')
		off += 2;
	rc = one_message(&out, buf + off, len - off, off, &used);
	off += used;
	while (!rc && out.nmsg < MAX_MSGS) {
		size_t skip = 0, mlen = 0;
		bool pong;

		if (regent_frame_stream(buf + off, len - off, 65536, &skip, &mlen, &pong) != 0)
			break;
		rc = one_message(&out, buf + off + skip, mlen, off + skip, &used);
		off += skip + used;
	}
	size_t trailer = len - off;

	if (!json) {
		fclose(t);
		if (rc) {
			/* the error line is the last line written */
			char *nl = textlen ? memchr(text, '\n', textlen) : NULL;
			const char *line = text;

			while (nl && (size_t)(nl + 1 - text) < textlen) {
				line = nl + 1;
				nl = memchr(line, '\n', textlen - (size_t)(line - text));
			}
			fputs(line, o);
		} else {
			fprintf(o, "%s: ok ", file);
			if (out.nmsg > 1)
				fprintf(o, "%d messages: ", out.nmsg);
			fwrite(text, 1, textlen, o);
			if (trailer)
				fprintf(o, " [%zu trailing bytes ignored]", trailer);
			fputc('\n', o);
		}
		free(text);
	}
	free(buf);
	return rc ? 1 : 0;
}

int regent_cmd_parse(int argc, char **argv)
{
	bool json = false;
	int i = 1, status = 0;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "regent parse: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		if (parse_file(stdout, argv[i], json))
			status = 1;
	}
	fflush(stdout);
	return status;
}
