/*
 * serve — `regent registrar` on real sockets: the registrar core served on
 * UDP, TCP, TLS, WS and WSS listeners until SIGINT or SIGTERM, with faults
 * switched on and off on a schedule. The CLI parses the options and calls
 * regent_serve_main(); everything else is here. A test and demo tool, not a
 * production registrar.
 */
#ifndef REGENT_REGISTRAR_SERVE_H
#define REGENT_REGISTRAR_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registrar/registrar.h"

struct regent_serve_config {
	const char *const *listen; /* "proto:host:port" (proto udp, tcp, tls, ws, wss) */
	size_t n_listen;
	const char *tls_cert, *tls_key; /* PEM files, for tls: and wss: listeners */
	/* faults.fail_status (with fail_retry_after) is switched on fail_after_s
	 * after the start, for fail_for_s (0: until the end); the rest of
	 * faults applies from the start */
	struct regent_registrar_faults faults;
	uint32_t fail_after_s, fail_for_s;
	bool forget; /* forget every binding and nonce at forget_after_s */
	uint32_t forget_after_s;
	bool verbose;	   /* every message in full */
	const char *ready; /* logged once every listener is up */
};

/* Serves reg until SIGINT or SIGTERM (then logs the counters and returns
 * 0). Each listener is logged "listening on PROTO:HOST:PORT" (port 0 picks
 * a free one). A listener that cannot be had ends it before serving:
 * EINVAL for a bad spec or unusable TLS files, EADDRINUSE when the address
 * is taken (for UDP too: no port is shared), another errno otherwise; errbuf
 * says what and where. Log lines go to stdout. */
int regent_serve_main(struct regent_registrar *reg, const struct regent_serve_config *c,
		      char *errbuf, size_t errsize);

#endif /* REGENT_REGISTRAR_SERVE_H */
