/*
 * libFuzzer target: the stream framer (RFC 3261 §18.3, RFC 5626 §3.5.1).
 *
 * The first two input bytes choose a read pattern and max_size; the rest is
 * the byte stream. A receiver is simulated twice: once with the whole stream
 * in one read, once with the stream arriving in small reads of varying size.
 * Framing depends only on the bytes, not on how they arrived, so both must
 * produce the same messages (offset and length) and end the same way. Every
 * framed message must lie inside the bytes received so far.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MSGS 4096

struct framing {
	size_t off[MAX_MSGS], len[MAX_MSGS];
	size_t n;
	int end; /* EAGAIN (stream ended mid-message or cleanly), EBADMSG, EMSGSIZE */
	size_t consumed;
};

/* Frames what is in stream[consumed..avail); returns true if the stream is
 * dead (error). */
static bool drain(struct framing *f, const char *stream, size_t avail, size_t max_size)
{
	for (;;) {
		size_t skip = 0, msg_len = 0;
		bool pong = false;
		size_t have = avail - f->consumed;
		int err = regent_frame_stream(stream + f->consumed, have, max_size, &skip, &msg_len,
					      &pong);

		if (err == EAGAIN) {
			f->end = EAGAIN;
			return false;
		}
		if (err == EBADMSG || err == EMSGSIZE) {
			f->end = err;
			return true;
		}
		if (err != 0)
			fuzz_fail("regent_frame_stream: unexpected return");
		if (msg_len == 0)
			fuzz_fail("regent_frame_stream: 0 with an empty message");
		if (skip > have || msg_len > have - skip)
			fuzz_fail("regent_frame_stream: message beyond the bytes received");
		if (msg_len > max_size)
			fuzz_fail("regent_frame_stream: message larger than max_size");
		if (f->n == MAX_MSGS) {
			f->end = EAGAIN;
			return true; /* enough; both runs stop at the same message */
		}
		f->off[f->n] = f->consumed + skip;
		f->len[f->n] = msg_len;
		f->n++;
		f->consumed += skip + msg_len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct framing whole, chunked; /* large; reset each run */
	const char *stream;
	size_t len, max_size, pos;
	unsigned pattern;

	if (size < 2)
		return 0;
	pattern = data[0];
	/* Small limits too, so EMSGSIZE is reached on short inputs. */
	max_size = data[1] < 128 ? 65536 : 16 + (size_t)(data[1] - 128) * 8;
	len = size - 2;
	/* A private copy of exactly len bytes: ASan catches any read past the end. */
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 2, len);
	stream = copy;

	memset(&whole, 0, sizeof(whole));
	memset(&chunked, 0, sizeof(chunked));

	(void)drain(&whole, stream, len, max_size);

	/* Reads of 1..16 bytes, sizes drawn from the pattern byte. */
	pos = 0;
	for (unsigned step = 0; pos < len; step++) {
		size_t chunk = 1 + ((pattern >> (step % 5)) + step) % 16;

		if (chunk > len - pos)
			chunk = len - pos;
		pos += chunk;
		if (drain(&chunked, stream, pos, max_size))
			break;
	}
	if (len == 0)
		chunked.end = EAGAIN, whole.end = EAGAIN;

	if (whole.n != chunked.n || whole.end != chunked.end)
		fuzz_fail("framing differs between one read and many reads");
	for (size_t i = 0; i < whole.n; i++)
		if (whole.off[i] != chunked.off[i] || whole.len[i] != chunked.len[i])
			fuzz_fail("framed message differs between one read and many reads");

	/* Each framed message must be parseable without reading outside it. */
	for (size_t i = 0; i < whole.n && i < 4; i++) {
		struct regent_msg *msg = NULL;
		struct regent_msg_error err;
		struct fuzz_buf fb = {stream + whole.off[i], whole.len[i], 0};

		if (regent_msg_parse(&msg, fb.p, fb.l, NULL, &err) == 0) {
			fuzz_pl(&fb, regent_msg_raw(msg), "raw of a framed message");
			regent_msg_free(msg);
		}
	}
	free(copy);
	return 0;
}
