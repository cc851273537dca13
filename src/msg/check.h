/*
 * check — validation of the strings an application passes in options
 * (src/msg/check.c), shared by the UA and the Registerer. Each returns 0 or
 * EINVAL and writes a message naming `field` into err (if non-NULL).
 */
#ifndef REGENT_MSG_CHECK_H
#define REGENT_MSG_CHECK_H

#include <stdbool.h>

#include "regent.h"

int regent_check_string(struct regent_error *err, const char *field, const char *s);
int regent_check_uuid(struct regent_error *err, const char *field, const char *s);
int regent_check_ha1(struct regent_error *err, const char *field, const char *s);
int regent_check_uri(struct regent_error *err, const char *field, const char *s, bool sip_only);
int regent_check_header_line(struct regent_error *err, const char *field, const char *line);
int regent_check_contact_param(struct regent_error *err, const char *field, const char *p);
/* *dst = a copy of src (NULL stays NULL) after regent_check_string; ENOMEM
 * names the field too. */
/* join.c: "Route: <uri>\r\n" per route (the first must have ;lr), NULL
 * for none; ", a, b" of option tags checked as tokens and none of
 * `builtin` (NULL-terminated), NULL for none. */
int regent_join_routes(char **out, const char *const *routes, size_t n, struct regent_error *err);
int regent_join_tokens(char **out, const char *const *toks, size_t n, const char *field,
		       const char *const *builtin, struct regent_error *err);
int regent_dup_string(char **dst, const char *src, const char *field, struct regent_error *err);

#endif /* REGENT_MSG_CHECK_H */
