/*
 * wskey — the WebSocket accept key (RFC 6455 §4.2.2 item 5.4, §1.3):
 * base64(SHA-1(Sec-WebSocket-Key + GUID)). One helper for both ends: the
 * client (src/net/conn.c) checks the server's Sec-WebSocket-Accept with it,
 * the test registrar (registrar/serve_ws.c) computes its answer with it.
 */
#ifndef REGENT_NET_WSKEY_H
#define REGENT_NET_WSKEY_H

#include <stddef.h>

/* Room for the accept key: base64 of a 20-byte SHA-1 is 28 characters. */
#define REGENT_WS_ACCEPT_SIZE 29

/* Writes the NUL-terminated Sec-WebSocket-Accept value for `key` (the
 * Sec-WebSocket-Key as sent, already trimmed) into out. EINVAL for a NULL
 * or empty key or one longer than 255 bytes, ENOSPC when out is too small,
 * EIO when the hash fails. */
int regent_ws_accept_key(char *out, size_t size, const char *key);

#endif /* REGENT_NET_WSKEY_H */
