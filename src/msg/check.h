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
int regent_dup_string(char **dst, const char *src, const char *field, struct regent_error *err);

#endif /* REGENT_MSG_CHECK_H */
