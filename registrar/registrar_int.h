/*
 * registrar_int — between the files of the registrar core (registrar.c,
 * malformed.c).
 */
#ifndef REGENT_REGISTRAR_INT_H
#define REGENT_REGISTRAR_INT_H

#include "registrar/registrar.h"

/* Sets what regent_registrar_note() returns. */
void regent_registrar_set_note(struct regent_registrar *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* REGENT_REGISTRAR_INT_H */
