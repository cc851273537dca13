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
#include "internal.h"
#include "report.h"

/* A file larger than this is not a SIP capture anyone means to check. */
#define MAX_FILE (16u * 1024 * 1024)
#define MAX_MSGS 4096

const char *const regent_parse_flags[] = {"--json", "--help", NULL};

void regent_parse_print_flags(void *f)
{
	for (size_t i = 0; regent_parse_flags[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", regent_parse_flags[i]);
}

static void usage(FILE *f)
{
	fputs("usage: regent parse [--json] FILE...\n"
	      "  Parses each FILE ('-': standard input) as SIP message(s) and prints\n"
	      "  'FILE: ok <summary>' or\n"
	      "  'FILE: error <reason>'; --json prints one JSON object per message.\n"
	      "  Exit status: 0 if every file parsed, 1 otherwise, 2 on usage errors.\n"
	      "  JSON: every key is always printed; an absent value is null, an absent\n"
	      "  list header []. Kept as before: 'expires' (top level and per contact) is\n"
	      "  omitted when absent, via 'port' is 0 when absent, 'Contact: *' is \"*\",\n"
	      "  'headers' is the count (the list is 'header_fields'). A value the codec\n"
	      "  rejects prints as {\"error\":\"malformed\"} (or \"out of range\") in its\n"
	      "  place, as the last element of a list. Strings are JSON-escaped; invalid\n"
	      "  UTF-8 becomes U+FFFD. Keys: regent(1), section REGENT PARSE.\n",
	      f);
}

static int read_file(const char *path, char **bufp, size_t *lenp, char *why, size_t whysz)
{
	/* "-": standard input */
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "rb");
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
	if (!in)
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
 * is always valid JSON (RFC 8259 §8.1): report.c's writer, shared with the
 * --json output of register/unregister/query. */
static void json_str(FILE *o, const char *p, size_t l)
{
	regent_json_string(o, p ? p : "", l);
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

/* ,"k":"value" or ,"k":null when the value is absent */
static void json_kpl(FILE *o, const char *k, struct regent_pl pl)
{
	json_key(o, k);
	json_pl(o, pl);
}

static void json_kbool(FILE *o, const char *k, bool b)
{
	json_key(o, k);
	fputs(b ? "true" : "false", o);
}

static void json_ku32(FILE *o, const char *k, bool has, uint32_t v)
{
	json_key(o, k);
	if (has)
		fprintf(o, "%u", v);
	else
		fputs("null", o);
}

/* A value the codec rejects is printed as {"error":"..."} in its place, never
 * as a half-read value: errno from the accessor to a short, fixed reason. */
static void json_error_obj(FILE *o, int rc)
{
	fprintf(o, "{\"error\":\"%s\"}", rc == ERANGE ? "out of range" : "malformed");
}

static const char *host_type_name(enum regent_host_type t)
{
	switch (t) {
	case REGENT_HOST_IPV4:
		return "ipv4";
	case REGENT_HOST_IPV6:
		return "ipv6";
	default:
		return "name";
	}
}

/* name-addr fields after "uri" (RFC 3261 §20.10: display-name, params). */
static void json_addr_rest(FILE *o, const struct regent_addr *a)
{
	json_kpl(o, "display", a->display);
	json_kbool(o, "display_quoted", a->display_quoted);
	json_kpl(o, "params", a->params);
}

/* From / To: the legacy keys "uri" and "tag" first, unchanged. */
static void json_from_to(FILE *o, const char *k, int rc, const struct regent_addr *a)
{
	json_key(o, k);
	if (rc) {
		json_error_obj(o, rc);
		return;
	}
	fputs("{\"uri\":", o);
	json_pl(o, a->uri_raw);
	json_kpl(o, "tag", a->tag);
	json_addr_rest(o, a);
	fputc('}', o);
}

/* Array separator and, on a rejected element, the error object that ends the
 * array: the codec's list cursor cannot resume past a malformed element. */
static bool json_elem(FILE *o, int n, int rc)
{
	if (rc == ENOENT)
		return false;
	if (n)
		fputc(',', o);
	if (rc) {
		json_error_obj(o, rc);
		return false;
	}
	return true;
}

/* Via (RFC 3261 §20.42, RFC 3581 rport): every value of every header. The
 * legacy keys transport, host, port (0 when absent), branch come first. */
static void json_vias(FILE *o, const struct regent_msg *m)
{
	struct regent_msg_iter it = {0};
	struct regent_via v;

	json_key(o, "via");
	fputc('[', o);
	for (int n = 0; json_elem(o, n, regent_msg_via_next(m, &it, &v)); n++) {
		fputs("{\"transport\":", o);
		json_pl(o, v.transport);
		json_kpl(o, "host", v.host);
		fprintf(o, ",\"port\":%u", v.port);
		json_kpl(o, "branch", v.branch);
		json_kpl(o, "protocol", v.protocol);
		json_kpl(o, "version", v.version);
		fprintf(o, ",\"host_type\":\"%s\"", host_type_name(v.host_type));
		json_kpl(o, "received", v.received);
		json_key(o, "rport");
		if (!v.has_rport)
			fputs("null", o);
		else if (!v.rport)
			fputs("true", o); /* flag only: the request asks for it */
		else
			fprintf(o, "%u", v.rport);
		json_kpl(o, "params", v.params);
		fputc('}', o);
	}
	fputc(']', o);
}

/* Contact (RFC 3261 §20.10, RFC 5626 §4.2, RFC 5627 §3.1). "*" stays the
 * string "*" as before; "expires" is omitted when absent, as before. */
static void json_contacts(FILE *o, const struct regent_msg *m)
{
	struct regent_msg_iter it = {0};
	struct regent_contact c;

	json_key(o, "contact");
	fputc('[', o);
	for (int n = 0; json_elem(o, n, regent_msg_contact_next(m, &it, &c)); n++) {
		if (c.star) {
			fputs("\"*\"", o);
			continue;
		}
		fputs("{\"uri\":", o);
		json_pl(o, c.addr.uri_raw);
		if (c.has_expires)
			fprintf(o, ",\"expires\":%u", c.expires);
		json_addr_rest(o, &c.addr);
		json_kpl(o, "q", c.q);
		json_kpl(o, "sip_instance", c.instance);
		json_ku32(o, "reg_id", c.has_reg_id, c.reg_id);
		json_kpl(o, "pub_gruu", c.pub_gruu);
		json_kpl(o, "temp_gruu", c.temp_gruu);
		fputc('}', o);
	}
	fputc(']', o);
}

/* Integer headers: null when absent, {"error":...} when malformed. */
static void json_u32_hdr(FILE *o, const char *k, const struct regent_msg *m, enum regent_hdr_id id)
{
	uint32_t u;
	int rc = regent_msg_u32(m, id, &u);

	json_key(o, k);
	if (rc == 0)
		fprintf(o, "%u", u);
	else if (rc == ENOENT)
		fputs("null", o);
	else
		json_error_obj(o, rc);
}

/* Retry-After (RFC 3261 §20.33): seconds, comment, duration, params. */
static void json_retry_after(FILE *o, const struct regent_msg *m)
{
	struct regent_retry_after ra;
	int rc = regent_msg_retry_after(m, &ra);

	json_key(o, "retry_after");
	if (rc == ENOENT) {
		fputs("null", o);
		return;
	}
	if (rc) {
		json_error_obj(o, rc);
		return;
	}
	fprintf(o, "{\"seconds\":%u", ra.seconds);
	json_kpl(o, "comment", ra.comment);
	json_ku32(o, "duration", ra.has_duration, ra.duration);
	json_kpl(o, "params", ra.params);
	fputc('}', o);
}

/* Supported / Require / Unsupported / Allow: tokens of every header. */
static void json_tokens(FILE *o, const char *k, const struct regent_msg *m, enum regent_hdr_id id)
{
	struct regent_msg_iter it = {0};
	struct regent_pl tok;

	json_key(o, k);
	fputc('[', o);
	for (int n = 0; json_elem(o, n, regent_msg_token_next(m, id, &it, &tok)); n++)
		json_pl(o, tok);
	fputc(']', o);
}

/* WWW-Authenticate / Proxy-Authenticate (RFC 7616 §3.3): one per header. */
static void json_challenges(FILE *o, const char *k, const struct regent_msg *m,
			    enum regent_hdr_id id)
{
	struct regent_msg_iter it = {0};
	struct regent_challenge ch;

	json_key(o, k);
	fputc('[', o);
	for (int n = 0; json_elem(o, n, regent_msg_challenge_next(m, id, &it, &ch)); n++) {
		fputs("{\"scheme\":", o);
		json_pl(o, ch.scheme);
		json_kpl(o, "realm", ch.realm);
		json_kpl(o, "nonce", ch.nonce);
		json_kpl(o, "opaque", ch.opaque);
		json_kpl(o, "algorithm", ch.algorithm);
		json_kpl(o, "qop", ch.qop);
		json_kbool(o, "stale", ch.stale);
		json_kpl(o, "domain", ch.domain);
		json_kbool(o, "userhash", ch.userhash);
		json_kpl(o, "charset", ch.charset);
		json_kpl(o, "params", ch.params);
		fputc('}', o);
	}
	fputc(']', o);
}

/* Authorization / Proxy-Authorization (RFC 7616 §3.4): one per header. */
static void json_credentials(FILE *o, const char *k, const struct regent_msg *m,
			     enum regent_hdr_id id)
{
	struct regent_msg_iter it = {0};
	struct regent_credentials cr;

	json_key(o, k);
	fputc('[', o);
	for (int n = 0; json_elem(o, n, regent_msg_credentials_next(m, id, &it, &cr)); n++) {
		fputs("{\"scheme\":", o);
		json_pl(o, cr.scheme);
		json_kpl(o, "username", cr.username);
		json_kpl(o, "realm", cr.realm);
		json_kpl(o, "nonce", cr.nonce);
		json_kpl(o, "uri", cr.uri);
		json_kpl(o, "response", cr.response);
		json_kpl(o, "algorithm", cr.algorithm);
		json_kpl(o, "cnonce", cr.cnonce);
		json_kpl(o, "opaque", cr.opaque);
		json_kpl(o, "qop", cr.qop);
		json_kpl(o, "nc", cr.nc);
		json_kbool(o, "userhash", cr.userhash);
		json_kpl(o, "params", cr.params);
		fputc('}', o);
	}
	fputc(']', o);
}

/* Path (RFC 3327), Service-Route (RFC 3608), Route, Record-Route. */
static void json_addrs(FILE *o, const char *k, const struct regent_msg *m, enum regent_hdr_id id)
{
	struct regent_msg_iter it = {0};
	struct regent_addr a;

	json_key(o, k);
	fputc('[', o);
	for (int n = 0; json_elem(o, n, regent_msg_addr_next(m, id, &it, &a)); n++) {
		fputs("{\"uri\":", o);
		json_pl(o, a.uri_raw);
		json_addr_rest(o, &a);
		fputc('}', o);
	}
	fputc(']', o);
}

/* Every header line in order, name as written, value trimmed (folds kept). */
static void json_header_fields(FILE *o, const struct regent_msg *m)
{
	size_t n = regent_msg_hdr_count(m);

	json_key(o, "header_fields");
	fputc('[', o);
	for (size_t i = 0; i < n; i++) {
		const struct regent_hdr *h = regent_msg_hdr_at(m, i);

		fputs(i ? ",{\"name\":" : "{\"name\":", o);
		json_pl(o, h->name);
		json_kpl(o, "value", h->value);
		fputc('}', o);
	}
	fputc(']', o);
}

/* The keys added after the legacy ones: see the parse section of regent(1). */
static void json_msg_more(FILE *o, const struct regent_msg *m)
{
	json_u32_hdr(o, "min_expires", m, REGENT_HDR_MIN_EXPIRES);
	json_u32_hdr(o, "max_forwards", m, REGENT_HDR_MAX_FORWARDS);
	json_u32_hdr(o, "flow_timer", m, REGENT_HDR_FLOW_TIMER);
	json_u32_hdr(o, "content_length", m, REGENT_HDR_CONTENT_LENGTH);
	json_retry_after(o, m);
	json_tokens(o, "supported", m, REGENT_HDR_SUPPORTED);
	json_tokens(o, "require", m, REGENT_HDR_REQUIRE);
	json_tokens(o, "unsupported", m, REGENT_HDR_UNSUPPORTED);
	json_tokens(o, "allow", m, REGENT_HDR_ALLOW);
	json_challenges(o, "www_authenticate", m, REGENT_HDR_WWW_AUTHENTICATE);
	json_challenges(o, "proxy_authenticate", m, REGENT_HDR_PROXY_AUTHENTICATE);
	json_credentials(o, "authorization", m, REGENT_HDR_AUTHORIZATION);
	json_credentials(o, "proxy_authorization", m, REGENT_HDR_PROXY_AUTHORIZATION);
	json_addrs(o, "path", m, REGENT_HDR_PATH);
	json_addrs(o, "service_route", m, REGENT_HDR_SERVICE_ROUTE);
	json_addrs(o, "route", m, REGENT_HDR_ROUTE);
	json_addrs(o, "record_route", m, REGENT_HDR_RECORD_ROUTE);
	json_header_fields(o, m);
}

/* One object per message. The legacy keys keep their order, types and
 * absent-value rule byte for byte; json_msg_more appends the rest. */
static void json_msg(FILE *o, const char *file, int index, const struct regent_msg *m)
{
	struct regent_addr a;
	struct regent_pl meth;
	uint32_t cseq, u;
	int rc;

	fputs("{\"file\":", o);
	json_str(o, file, strlen(file));
	fprintf(o, ",\"index\":%d,\"ok\":true", index);
	if (regent_msg_is_request(m)) {
		fputs(",\"type\":\"request\"", o);
		json_kpl(o, "method", regent_msg_method(m));
		json_kpl(o, "request_uri", regent_msg_ruri(m)->raw);
	} else {
		fprintf(o, ",\"type\":\"response\",\"status\":%u", regent_msg_status(m));
		json_kpl(o, "reason", regent_msg_reason(m));
	}
	regent_msg_cseq(m, &cseq, &meth);
	fprintf(o, ",\"cseq\":%u", cseq);
	json_kpl(o, "cseq_method", meth);
	json_kpl(o, "call_id", regent_msg_call_id(m));
	rc = regent_msg_from(m, &a);
	json_from_to(o, "from", rc, &a);
	rc = regent_msg_to(m, &a);
	json_from_to(o, "to", rc, &a);
	json_vias(o, m);
	json_contacts(o, m);
	/* legacy: omitted when absent; {"error":...} when malformed */
	rc = regent_msg_u32(m, REGENT_HDR_EXPIRES, &u);
	if (rc == 0) {
		fprintf(o, ",\"expires\":%u", u);
	} else if (rc != ENOENT) {
		json_key(o, "expires");
		json_error_obj(o, rc);
	}
	fprintf(o, ",\"headers\":%zu,\"body_length\":%zu", regent_msg_hdr_count(m),
		regent_msg_body(m).l);
	json_msg_more(o, m);
	fputs("}\n", o);
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
