/*
 * reg — the Registerer, internal interface between ua/ and reg/.
 *
 * The UA owns a list of registerers and feeds them what arrives: responses,
 * flow changes, the clock. Each registerer owns at most one exchange (a
 * REGISTER with its auth / 423 / 3xx follow-ups) and schedules every request
 * itself, so a refresh never collides with an in-flight request.
 */
#ifndef REGENT_REG_H
#define REGENT_REG_H

#include <stdbool.h>
#include <stdint.h>

#include "msg/msg.h"
#include "regent.h"
#include "ua/heap.h"

/* Next registerer in the UA's list. */
struct regent_registerer *regent_reg_next(const struct regent_registerer *r);

/* Adds a new registerer to its UA's list (room reserved with
 * regent_ua_reserve first). */
void regent_reg_link(struct regent_registerer *r);

/* The registerer of a timer heap node. */
struct regent_registerer *regent_reg_of_timer(struct regent_ua_heap_node *nd);

#ifdef REGENT_CHECK_INVARIANTS
/* Self-check of the heap (sanitizer build): aborts if r's node disagrees
 * with its deadline; 1 if it is in the heap, else 0. */
size_t regent_reg_timer_checked(const struct regent_registerer *r);
#endif

/* A response to us (already parsed): true if a transaction of `r` took it
 * (delivered or absorbed as a retransmission). */
bool regent_reg_recv(struct regent_registerer *r, const struct regent_msg *m,
		     struct regent_pl branch, struct regent_pl method);

/* Runs due timers at `now`. This and the other calls from the UA put r
 * back in the UA's timer heap at its new deadline before they return. */
void regent_reg_process(struct regent_registerer *r, uint64_t now);

/* Absolute ms of the next timer, UINT64_MAX for none. */
uint64_t regent_reg_deadline(const struct regent_registerer *r);

/* The flow came up / went down / the network changed. */
void regent_reg_flow_up(struct regent_registerer *r);
void regent_reg_flow_down(struct regent_registerer *r, int err);

/* Frees a registerer the UA no longer wants (unlinks nothing: the UA does). */
void regent_reg_destroy(struct regent_registerer *r);

/* Marked for freeing (free() from inside a callback). */
bool regent_reg_dead(const struct regent_registerer *r);

/* Unlink and free every dead registerer of the UA (outside callbacks). */
void regent_reg_sweep(struct regent_ua *ua);

/* Option checks shared with ua/ (src/reg/check.c). Each returns 0 or EINVAL
 * and writes a message naming `field` into err (if non-NULL). */
int regent_check_string(struct regent_error *err, const char *field, const char *s);
int regent_check_uuid(struct regent_error *err, const char *field, const char *s);
int regent_check_ha1(struct regent_error *err, const char *field, const char *s);
int regent_check_uri(struct regent_error *err, const char *field, const char *s, bool sip_only);
int regent_check_header_line(struct regent_error *err, const char *field, const char *line);
/* *dst = a copy of src (NULL stays NULL) after regent_check_string; ENOMEM
 * names the field too. */
int regent_dup_string(char **dst, const char *src, const char *field, struct regent_error *err);
int regent_check_contact_param(struct regent_error *err, const char *field, const char *p);
/* Fills err (if non-NULL) printf-style and returns code. */
int regent_error_set(struct regent_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* REGENT_REG_H */
