/*
 * wskey — Sec-WebSocket-Accept from Sec-WebSocket-Key (RFC 6455 §4.2.2).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "net/wskey.h"

/* RFC 6455 §1.3: the GUID every accept key is computed with. */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

int regent_ws_accept_key(char *out, size_t size, const char *key)
{
	unsigned char dig[SHA_DIGEST_LENGTH];
	char cat[256 + sizeof(WS_GUID)];
	size_t kl;

	if (!out || !key)
		return EINVAL;
	kl = strlen(key);
	if (kl == 0 || kl > 255)
		return EINVAL;
	if (size < REGENT_WS_ACCEPT_SIZE)
		return ENOSPC;
	memcpy(cat, key, kl);
	memcpy(cat + kl, WS_GUID, sizeof(WS_GUID) - 1);
	if (!SHA1((const unsigned char *)cat, kl + sizeof(WS_GUID) - 1, dig))
		return EIO;
	/* 20 bytes -> 28 base64 characters and a NUL */
	EVP_EncodeBlock((unsigned char *)out, dig, SHA_DIGEST_LENGTH);
	return 0;
}
