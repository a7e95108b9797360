/* boolexp.c - a monitor's boolExp (see boolexp.h). */
#include "boolexp.h"

#include <stdio.h>
#include <string.h>

struct parser {
	const char *text, *p;
	const char *const *names;
	size_t nnames;
	struct cv_boolexp *x;
	unsigned depth;
	char *err;
	size_t errsz;
	bool failed;
};

static bool fail(struct parser *ps, const char *what, const char *at)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errsz, "%s at %zu", what, (size_t)(at - ps->text) + 1);
	ps->failed = true;
	return false;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
	       c == '_';
}

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static bool emit(struct parser *ps, enum cv_bx_op op, size_t var, const char *at)
{
	if (ps->x->n >= CV_BX_NODES_MAX)
		return fail(ps, "too many names and operators (at most 64)", at);
	ps->x->node[ps->x->n].op = (uint8_t)op;
	ps->x->node[ps->x->n].var = (uint8_t)var;
	ps->x->n++;
	return true;
}

static bool parse_or(struct parser *ps);

static bool parse_name(struct parser *ps)
{
	const char *start = ps->p;
	size_t len;

	while (name_char(*ps->p))
		ps->p++;
	len = (size_t)(ps->p - start);
	if (!len)
		return fail(ps, *start ? "a trigger name, '!' or '(' expected" : "a trigger name, '!' or '(' expected, not the end",
			    start);
	for (size_t i = 0; i < ps->nnames; i++)
		if (strlen(ps->names[i]) == len && !memcmp(ps->names[i], start, len))
			return emit(ps, CV_BX_VAR, i, start);
	if (!ps->failed) {
		char what[96];

		snprintf(what, sizeof(what), "unknown trigger name \"%.*s\"", (int)(len > 40 ? 40 : len), start);
		return fail(ps, what, start);
	}
	return false;
}

static bool parse_unary(struct parser *ps)
{
	const char *at;
	bool ok;

	skip_space(ps);
	at = ps->p;
	if (++ps->depth > CV_BX_DEPTH_MAX)
		return fail(ps, "nested too deep (at most 16 levels of '!' and '(')", at);
	if (*ps->p == '!') {
		ps->p++;
		ok = parse_unary(ps) && emit(ps, CV_BX_NOT, 0, at);
	} else if (*ps->p == '(') {
		ps->p++;
		ok = parse_or(ps);
		skip_space(ps);
		if (ok && *ps->p != ')')
			ok = fail(ps, *ps->p ? "')' expected" : "')' expected, not the end", ps->p);
		else if (ok)
			ps->p++;
	} else {
		ok = parse_name(ps);
	}
	ps->depth--;
	return ok;
}

static bool parse_and(struct parser *ps)
{
	if (!parse_unary(ps))
		return false;
	for (;;) {
		const char *at;

		skip_space(ps);
		at = ps->p;
		if (*ps->p != '&')
			return true;
		ps->p++;
		if (!parse_unary(ps) || !emit(ps, CV_BX_AND, 0, at))
			return false;
	}
}

static bool parse_or(struct parser *ps)
{
	if (!parse_and(ps))
		return false;
	for (;;) {
		const char *at;

		skip_space(ps);
		at = ps->p;
		if (*ps->p != '|')
			return true;
		ps->p++;
		if (!parse_and(ps) || !emit(ps, CV_BX_OR, 0, at))
			return false;
	}
}

enum cv_err cv_boolexp_parse(const char *text, const char *const *names, size_t nnames, struct cv_boolexp *x,
			     char *err, size_t errsz)
{
	struct parser ps = { text, text, names, nnames, x, 0, err, errsz, false };

	x->n = 0;
	if (errsz)
		err[0] = '\0';
	if (nnames > CV_BX_NAMES_MAX) {
		snprintf(err, errsz, "too many triggers (at most %d)", CV_BX_NAMES_MAX);
		return CV_EINVAL;
	}
	if (strlen(text) > CV_BX_TEXT_MAX) {
		snprintf(err, errsz, "longer than %d bytes", CV_BX_TEXT_MAX);
		return CV_EINVAL;
	}
	skip_space(&ps);
	if (!*ps.p) {
		snprintf(err, errsz, "empty: name the triggers, combined with &, |, ! and parentheses");
		return CV_EINVAL;
	}
	if (!parse_or(&ps))
		return CV_EINVAL;
	skip_space(&ps);
	if (*ps.p) {
		fail(&ps, *ps.p == ')' ? "')' without its '('" : "'&', '|' or the end expected", ps.p);
		return CV_EINVAL;
	}
	return CV_OK;
}

bool cv_boolexp_eval(const struct cv_boolexp *x, uint32_t vars)
{
	/* the parser emitted a well-formed postfix program: the stack never
	 * holds more than CV_BX_NODES_MAX bits, nor underflows */
	uint64_t stack = 0;
	size_t sp = 0;

	for (size_t i = 0; i < x->n; i++) {
		uint64_t a, b;

		switch (x->node[i].op) {
		case CV_BX_VAR:
			stack = stack << 1 | ((vars >> x->node[i].var) & 1u);
			sp++;
			break;
		case CV_BX_NOT:
			stack ^= 1u;
			break;
		case CV_BX_AND:
		case CV_BX_OR:
			a = stack & 1u;
			b = (stack >> 1) & 1u;
			stack = (stack >> 2) << 1 | (x->node[i].op == CV_BX_AND ? (a & b) : (a | b));
			sp--;
			break;
		}
	}
	return sp == 1 && (stack & 1u);
}

uint32_t cv_boolexp_uses(const struct cv_boolexp *x)
{
	uint32_t m = 0;

	for (size_t i = 0; i < x->n; i++)
		if (x->node[i].op == CV_BX_VAR)
			m |= 1u << x->node[i].var;
	return m;
}
