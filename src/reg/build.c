/*
 * Building a REGISTER (RFC 3261 §10.2, RFC 5626 §4.2, RFC 5627 §4.1).
 *
 *   REGISTER <registrar> SIP/2.0
 *   Via: SIP/2.0/<TP> host:port;rport;branch=z9hG4bK<96 random bits>
 *   Max-Forwards: 70
 *   To / From (stable tag) / Call-ID (stable) / CSeq (+1 per request)
 *   [Authorization / Proxy-Authorization]   (cached credentials: pre-emptive)
 *   [configured extra headers] [per-request extra headers]
 *   Contact: <sip:name@host:port;params>;reg-id=N;+sip.instance="<urn:uuid:..>";x;expires=N
 *   Expires: N
 *   Allow, Supported, User-Agent, Content-Length: 0
 */
#include <errno.h>
#include <string.h>

#include "base/base.h"
#include "reg/reg_int.h"

/* Appends s at buf[at] like snprintf would (truncated, NUL-terminated; size
 * > 0) and returns the length the whole string would have had. */
static size_t put(char *buf, size_t size, size_t at, const char *s)
{
	size_t l = strlen(s), n;

	if (at < size) {
		n = size - 1 - at < l ? size - 1 - at : l;
		memcpy(buf + at, s, n);
		buf[at + n] = '\0';
	}
	return at + l;
}

void regent_reg_sent_by(const struct regent_registerer *r, char *host, size_t size, uint16_t *port)
{
	const char *via_host = regent_ua_identity(r->ua)->via_host;
	const struct regent_flow_info *fi = regent_ua_flow_info(r->ua, &r->cl);
	const char *h;

	if (via_host != NULL) {
		put(host, size, 0, via_host);
		*port = 0;
		return;
	}
	h = fi->local_host[0] != '\0' ? fi->local_host : "invalid.invalid";
	if (strchr(h, ':') != NULL) /* IPv6reference (RFC 3261 §25.1) */
		put(host, size, put(host, size, put(host, size, 0, "["), h), "]");
	else
		put(host, size, 0, h);
	*port = fi->local_port;
}

int regent_reg_contact_uri(const struct regent_registerer *r, char *buf, size_t size)
{
	const struct regent_ua_identity *id = regent_ua_identity(r->ua);
	struct regent_wbuf wb;
	bool sips = regent_reg_wants_sips(r);
	char host[80];
	uint16_t port;

	if (regent_reg_rare(r)->contact_uri != NULL) /* on behalf of another device, exactly */
		return put(buf, size, 0, regent_reg_rare(r)->contact_uri) < size ? 0 : ENOSPC;
	regent_reg_contact_host(r, host, sizeof(host), &port);
	regent_wbuf_init_fixed(&wb, buf, size);
	/* RFC 3261 §8.1.1.8: a SIPS Request-URI or To wants a SIPS Contact */
	regent_wbuf_puts(&wb, sips ? "sips:" : "sip:");
	regent_wbuf_puts(&wb, id->contact_name);
	regent_wbuf_puts(&wb, "@");
	regent_wbuf_puts(&wb, host);
	if (port != 0) {
		regent_wbuf_puts(&wb, ":");
		regent_wbuf_u64(&wb, port);
	}
	if (id->contact_params != NULL) {
		if (id->contact_params[0] != '\0')
			regent_wbuf_puts(&wb, ";");
		regent_wbuf_puts(&wb, id->contact_params);
	} else if (!sips || regent_ua_flow_info(r->ua, &r->cl)->transport != REGENT_TP_TLS) {
		/* sips: means TLS already (RFC 5630 §3: no transport=tls) */
		regent_wbuf_puts(&wb, ";transport=");
		regent_wbuf_puts(
		    &wb, regent_transport_param(regent_ua_flow_info(r->ua, &r->cl)->transport));
	}
	return wb.err ? ENOSPC : 0;
}

static void name_addr_hdr(struct regent_wbuf *wb, const char *name, const char *display,
			  const char *uri)
{
	regent_wbuf_puts(wb, name);
	regent_wbuf_puts(wb, ": ");
	regent_build_name_addr(wb, name, display != NULL && display[0] != '\0' ? display : NULL,
			       uri);
}

void regent_reg_put_start(struct regent_registerer *r, struct regent_wbuf *wb, const char *method,
			  const char *ruri, const char *branch)
{
	char host[80];
	uint16_t port;

	regent_reg_sent_by(r, host, sizeof(host), &port);
	regent_build_request_line(wb, method, ruri);
	regent_wbuf_puts(wb, "Via: SIP/2.0/");
	regent_wbuf_puts(wb, regent_transport_name(regent_ua_flow_info(r->ua, &r->cl)->transport));
	regent_wbuf_puts(wb, " ");
	regent_wbuf_puts(wb, host);
	if (port != 0) {
		regent_wbuf_puts(wb, ":");
		regent_wbuf_u64(wb, port);
	}
	/* rport (RFC 3581): responses find us behind a NAT. */
	regent_wbuf_puts(wb, ";rport;branch=");
	regent_wbuf_puts(wb, branch);
	regent_wbuf_puts(wb, "\r\n");
	regent_wbuf_puts(wb, "Max-Forwards: 70\r\n");
}

/* Request line, Via, Max-Forwards, To, From, Call-ID, CSeq. */
static void put_dialog(struct regent_registerer *r, struct regent_wbuf *wb, const char *ruri,
		       const char *branch)
{
	const struct regent_ua_identity *id = regent_ua_identity(r->ua);

	regent_reg_put_start(r, wb, "REGISTER", ruri, branch);
	name_addr_hdr(wb, "To", regent_reg_rare(r)->to_display,
		      r->to_uri != NULL ? r->to_uri : id->aor);
	regent_wbuf_puts(wb, "\r\n");
	name_addr_hdr(wb, "From",
		      regent_reg_rare(r)->from_display != NULL ? regent_reg_rare(r)->from_display
							       : id->display_name,
		      r->from_uri != NULL ? r->from_uri : id->aor);
	regent_wbuf_puts(wb, ";tag=");
	regent_wbuf_puts(wb, r->from_tag);
	regent_wbuf_puts(wb, "\r\nCall-ID: ");
	regent_wbuf_puts(wb, r->call_id);
	regent_wbuf_puts(wb, "\r\nCSeq: ");
	regent_wbuf_u64(wb, r->cseq);
	regent_wbuf_puts(wb, " REGISTER\r\n");
}

static bool same_contact(const struct regent_registerer *r, const char *uri)
{
	char now[512];

	return regent_reg_contact_uri(r, now, sizeof(now)) == 0 && strcmp(now, uri) == 0;
}

/* Our Contact with its params (RFC 5626 §4.2) and the Expires header. */
static int put_our_contact(struct regent_registerer *r, struct regent_wbuf *wb, uint32_t expires)
{
	char contact[512];
	int err = regent_reg_contact_uri(r, contact, sizeof(contact));

	if (err)
		return err;
	regent_wbuf_puts(wb, "Contact: <");
	regent_wbuf_puts(wb, contact);
	regent_wbuf_puts(wb, ">");
	/* RFC 5626 §4.2: reg-id with the instance; exactly one of each
	 * (SIP.js could emit two +sip.instance: defect 9). */
	if (regent_reg_rare(r)->instance != NULL) {
		if (regent_reg_rare(r)->reg_id != 0) {
			regent_wbuf_puts(wb, ";reg-id=");
			regent_wbuf_u64(wb, regent_reg_rare(r)->reg_id);
		}
		regent_wbuf_puts(wb, ";+sip.instance=\"");
		regent_wbuf_puts(wb, regent_reg_rare(r)->instance);
		regent_wbuf_puts(wb, "\"");
	}
	if (regent_reg_rare(r)->contact_xparams != NULL)
		regent_wbuf_puts(wb, regent_reg_rare(r)->contact_xparams);
	regent_wbuf_puts(wb, ";expires=");
	regent_wbuf_u64(wb, expires);
	/* RFC 3261 §10.2.1: the Expires header for registrars that ignore the
	 * Contact param. */
	regent_wbuf_puts(wb, "\r\nExpires: ");
	regent_wbuf_u64(wb, expires);
	regent_wbuf_puts(wb, "\r\n");
	return 0;
}

/* The Contacts of this kind of exchange (none for a query). */
static int put_contacts(struct regent_registerer *r, struct regent_wbuf *wb, uint32_t expires)
{
	int err;

	if (r->xk == REGENT_X_UNREGISTER_ALL) {
		/* RFC 3261 §10.2.2: "*" only with Expires: 0. */
		regent_wbuf_puts(wb, "Contact: *\r\nExpires: 0\r\n");
	} else if (r->xk == REGENT_X_REMOVE) {
		/* §10.2.2: each binding to remove named with expires=0; the
		 * URIs were checked when the call took them (no CR/LF) */
		for (size_t i = 0; i < regent_reg_rare(r)->nxcontacts; i++) {
			regent_wbuf_puts(wb, "Contact: <");
			regent_wbuf_puts(wb, regent_reg_rare(r)->xcontacts[i]);
			regent_wbuf_puts(wb, ">;expires=0\r\n");
		}
		regent_wbuf_puts(wb, "Expires: 0\r\n");
	} else if (r->xk == REGENT_X_REGISTER || r->xk == REGENT_X_UNREGISTER) {
		/* a contact rewrite removes the Contact it replaced in the same
		 * REGISTER (natflow.c, RFC 3261 §10.2.2) */
		if (r->nat != NULL && r->nat->old != NULL) {
			regent_wbuf_puts(wb, "Contact: <");
			regent_wbuf_puts(wb, r->nat->old);
			regent_wbuf_puts(wb, ">;expires=0\r\n");
		}
		err = put_our_contact(r, wb, expires);
		/* so does the first REGISTER over a new flow whose Contact
		 * differs from the lost flow's (a new local port); not when it
		 * is our Contact still (a stable WS Contact, a rewrite) */
		if (!err && r->nat != NULL && r->nat->gone != NULL &&
		    !same_contact(r, r->nat->gone)) {
			regent_wbuf_puts(wb, "Contact: <");
			regent_wbuf_puts(wb, r->nat->gone);
			regent_wbuf_puts(wb, ">;expires=0\r\n");
		}
		return err;
	}
	return 0;
}

int regent_reg_build(struct regent_registerer *r, struct regent_wbuf *wb, const char *branch,
		     uint32_t expires)
{
	const char *ruri = regent_reg_rare(r)->xruri != NULL ? regent_reg_rare(r)->xruri : r->ruri;
	bool with_contact = r->xk == REGENT_X_REGISTER || r->xk == REGENT_X_UNREGISTER;
	char cnonce[17];
	int err;

	put_dialog(r, wb, ruri, branch);
	/* the preloaded route set (SIP.js preloadedRouteSet), on every
	 * REGISTER: RFC 3261 §8.1.2 */
	if (regent_ua_identity(r->ua)->route_set != NULL)
		regent_wbuf_puts(wb, regent_ua_identity(r->ua)->route_set);
	if (r->auth != NULL) {
		regent_ua_random_hex(r->ua, cnonce, 16);
		err = regent_auth_client_headers(r->auth, wb, "REGISTER", ruri, NULL, 0, cnonce);
		if (err)
			return err;
	}
	if (regent_reg_rare(r)->extra_headers != NULL)
		regent_wbuf_puts(wb, regent_reg_rare(r)->extra_headers);
	if (regent_reg_rare(r)->xheaders != NULL)
		regent_wbuf_puts(wb, regent_reg_rare(r)->xheaders);
	err = put_contacts(r, wb, expires);
	if (err)
		return err;
	if (with_contact && expires > 0 && !r->user_allow)
		regent_wbuf_puts(wb, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, NOTIFY, "
				     "REFER, INFO, UPDATE\r\n");
	/* RFC 3327 path always; outbound (RFC 5626) needs instance + reg-id,
	 * gruu (RFC 5627) needs the instance. */
	regent_wbuf_puts(wb, "Supported: path");
	if (regent_reg_rare(r)->instance != NULL && regent_reg_rare(r)->reg_id != 0)
		regent_wbuf_puts(wb, ", outbound");
	if (regent_reg_rare(r)->instance != NULL)
		regent_wbuf_puts(wb, ", gruu");
	if (regent_ua_identity(r->ua)->extra_supported != NULL) /* sipExtensionExtraSupported */
		regent_wbuf_puts(wb, regent_ua_identity(r->ua)->extra_supported);
	regent_wbuf_puts(wb, "\r\n");
	regent_build_header(wb, "User-Agent", regent_ua_identity(r->ua)->user_agent);
	return regent_build_finish(wb, NULL, 0);
}
