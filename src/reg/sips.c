/*
 * sips — whether this Registerer's requests want a SIPS Contact: RFC 3261
 * §8.1.1.8 requires a SIPS URI in the Contact when the Request-URI or the
 * To URI is a SIPS URI.
 */
#include <strings.h>

#include "reg/reg_int.h"

static bool is_sips(const char *uri)
{
	return uri != NULL && strncasecmp(uri, "sips:", 5) == 0;
}

bool regent_reg_wants_sips(const struct regent_registerer *r)
{
	const char *ruri = regent_reg_rare(r)->xruri != NULL ? regent_reg_rare(r)->xruri : r->ruri;
	const char *to = r->to_uri != NULL ? r->to_uri : regent_ua_identity(r->ua)->aor;

	return is_sips(ruri) || is_sips(to);
}
