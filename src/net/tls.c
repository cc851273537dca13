/*
 * tls — the client SSL_CTX: TLS 1.2 or later, the peer certificate and its
 * host name verified by default (RFC 5922 §7.2, RFC 6125) against the system
 * store or the given CA file/dir. Turning that off is an explicit option that
 * the I/O edge logs as a warning on every connection.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

struct regent_tls {
	SSL_CTX *ctx; /* NULL until the first TLS connection when on the system store */
	bool insecure;
};

static int ctx_new(struct regent_tls *t, const struct regent_tls_options *o,
		   struct regent_error *err)
{
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx)
		return ENOMEM;
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(t->ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->ca_file || o->ca_dir) {
		if (SSL_CTX_load_verify_locations(t->ctx, o->ca_file, o->ca_dir) != 1) {
			return regent_error_set(err, EINVAL,
						"%s: cannot load \"%.100s\"",
						o->ca_file ? "tls_ca_file" : "tls_ca_dir",
						o->ca_file ? o->ca_file : o->ca_dir);
		}
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		return regent_error_set(err, EINVAL, "tls: no system CA store");
	}
	SSL_CTX_set_verify(t->ctx, t->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	return 0;
}

/* A CA file or directory the user names is loaded now, so a wrong path is
 * refused by the constructor naming the option. The system store is loaded
 * at the first TLS connection instead: it is the whole distribution bundle
 * (~830 KB of heap and ~50 ms of CPU per SSL_CTX here), which a UA on UDP
 * or TCP never needs. */
int regent_tls_alloc(struct regent_tls **tp, const struct regent_tls_options *o,
		     struct regent_error *err)
{
	struct regent_tls *t = NULL;
	int e = 0;

	if (!tp || !o)
		return EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	t->insecure = o->insecure;
	if (o->ca_file || o->ca_dir)
		e = ctx_new(t, o, err);
	ERR_clear_error();
	if (e) {
		regent_tls_free(t);
		return e;
	}
	*tp = t;
	return 0;
}

void regent_tls_free(struct regent_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

void *regent_tls_ssl_ctx(struct regent_tls *t)
{
	if (!t)
		return NULL;
	if (!t->ctx) {
		/* a failure (out of memory: the default paths themselves do not
		 * fail) is tried again at the next connection */
		struct regent_tls_options o = {NULL, NULL, t->insecure};

		if (ctx_new(t, &o, NULL)) {
			SSL_CTX_free(t->ctx);
			t->ctx = NULL;
		}
		ERR_clear_error();
	}
	return t->ctx;
}

bool regent_tls_insecure(const struct regent_tls *t)
{
	return t && t->insecure;
}
