/*
 * ua/io.h — the I/O edge of the UA (src/ua/io*.c), internal to libregent.
 */
#ifndef REGENT_UA_IO_H
#define REGENT_UA_IO_H

#include "regent.h"

/* RFC 3263 §4.3: the current target timed out or answered 503: drop the flow
 * and make the next open() use the next target of the list. The edge notices
 * 503 and timeouts itself (it reads the responses), so the core does not call
 * this: on a core-only UA `ua->edge` may be the embedder's, not a regent_io. */
void regent_ua_io_failover(struct regent_ua *ua);

#endif /* REGENT_UA_IO_H */
