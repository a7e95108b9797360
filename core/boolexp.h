/*
 * boolexp.h - a monitor's boolExp: its triggers' names combined with
 * & (and), | (or), ! (not) and parentheses.
 *
 * Precedence, highest first: !, &, |; & and | group left to right.
 * Spaces are allowed anywhere between tokens. A name is a run of letters,
 * digits, '.', '-' and '_' (the official documents' pattern is broken;
 * see doc/api.md) and must be one of the monitor's triggers.
 *
 * cv_boolexp_parse() checks the whole text at a monitor's creation and
 * keeps it as a small program in postfix order: evaluation is a loop over
 * at most CV_BX_NODES_MAX steps with a stack of bits, no allocation, no
 * recursion, so the engine can run it for every sample of an upload.
 * Nothing here allocates or does I/O.
 */
#ifndef CV_BOOLEXP_H
#define CV_BOOLEXP_H

#include "cv.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CV_BX_TEXT_MAX 512          /* bytes of an expression */
#define CV_BX_NODES_MAX 64          /* names and operators */
#define CV_BX_DEPTH_MAX 16          /* parentheses and ! nested */
#define CV_BX_NAMES_MAX 32          /* variables (a monitor has 1 to 5 triggers) */

enum cv_bx_op { CV_BX_VAR, CV_BX_NOT, CV_BX_AND, CV_BX_OR };

struct cv_boolexp {
	size_t n;
	struct {
		uint8_t op;                 /* enum cv_bx_op */
		uint8_t var;                /* CV_BX_VAR: index in the names */
	} node[CV_BX_NODES_MAX];
};

/*
 * Parse text, whose names must be among names[0..nnames). CV_OK, or
 * CV_EINVAL with err (errsz bytes, always terminated) saying what is
 * wrong and where: "unknown trigger name \"z3\" at 7", "')' expected at
 * 12"... Positions count bytes from 1.
 */
enum cv_err cv_boolexp_parse(const char *text, const char *const *names, size_t nnames, struct cv_boolexp *x,
			     char *err, size_t errsz);

/* The value of x when variable i is bit i of vars. */
bool cv_boolexp_eval(const struct cv_boolexp *x, uint32_t vars);

/* The variables x names (bit i: names[i]). */
uint32_t cv_boolexp_uses(const struct cv_boolexp *x);

#endif
