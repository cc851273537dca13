/*
 * internal.h — the one way the regent CLI reaches inside libregent: the SIP
 * codec (src/msg/msg.h, for `regent parse` and the option checks) and the
 * two refresh-timing policies the report prints (src/reg/policy.h). Not
 * installed, not for programs outside this tree; everything else the CLI
 * uses is the public regent.h. (c-ares keeps such "semi-public" headers
 * for its own tools.)
 *
 * The CLI's include path holds include/ and this folder only, so the codec
 * is reached by its path in the tree. policy.h itself needs src/ on the
 * include path, so its two declarations are repeated here;
 * tests/unit/test_reg_policy.c includes both headers, so a change to either
 * side that makes them differ fails to compile.
 */
#ifndef REGENT_CLI_INTERNAL_H
#define REGENT_CLI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "regent.h"

#include "../../src/msg/msg.h"

/* src/reg/policy.h */
uint32_t regent_reg_refresh_margin_ms(bool reliable, uint32_t t1_ms);
uint64_t regent_reg_refresh_ms(uint32_t expires_s, uint32_t pct, uint32_t margin_ms, uint16_t rnd);

#endif /* REGENT_CLI_INTERNAL_H */
