/* unit-boolexp.c - tests of core/boolexp: a monitor's boolExp. */
#include "boolexp.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "a", "b", "c", "z1.x-2_y" };
#define NN 4

/* Parse text and compare its truth table (over a, b, c, z1.x-2_y) with want(vars). */
static void table(const char *text, bool (*want)(uint32_t v), const char *desc)
{
	struct cv_boolexp x;
	char err[160];
	bool same = true;

	if (!ok(cv_boolexp_parse(text, names, NN, &x, err, sizeof(err)) == CV_OK, "parse \"%s\" (%s)", text, err))
		return;
	for (uint32_t v = 0; v < 16; v++)
		if (cv_boolexp_eval(&x, v) != want(v))
			same = false;
	ok(same, "\"%s\": %s", text, desc);
}

#define A(v) (((v) & 1) != 0)
#define B(v) (((v) & 2) != 0)
#define C(v) (((v) & 4) != 0)
#define Z(v) (((v) & 8) != 0)
static bool w_a(uint32_t v) { return A(v); }
static bool w_not_a(uint32_t v) { return !A(v); }
static bool w_and(uint32_t v) { return A(v) && B(v); }
static bool w_or(uint32_t v) { return A(v) || B(v); }
static bool w_prec(uint32_t v) { return A(v) || (B(v) && C(v)); }
static bool w_paren(uint32_t v) { return (A(v) || B(v)) && C(v); }
static bool w_not_first(uint32_t v) { return !A(v) && B(v); }
static bool w_not_group(uint32_t v) { return !(A(v) && B(v)); }
static bool w_mixed(uint32_t v) { return (A(v) && !B(v)) || C(v); }
static bool w_z(uint32_t v) { return Z(v) && !A(v); }
static bool w_dnot(uint32_t v) { return A(v); }
static bool w_chain(uint32_t v) { return A(v) || B(v) || C(v) || Z(v); }

static void test_tables(void)
{
	table("a", w_a, "a name alone");
	table("!a", w_not_a, "not");
	table("a&b", w_and, "and");
	table("a | b", w_or, "or");
	table("a | b & c", w_prec, "& binds tighter than |");
	table("(a | b) & c", w_paren, "parentheses first");
	table("!a & b", w_not_first, "! binds tighter than &");
	table("!(a & b)", w_not_group, "! of a group");
	table(" a & !b | c ", w_mixed, "spaces anywhere");
	table("z1.x-2_y&!a", w_z, "names with . - _ and digits");
	table("!!a", w_dnot, "not not");
	table("a|b|c|z1.x-2_y", w_chain, "a chain of |");
	table("((((a))))", w_a, "parentheses around a name");
}

static void bad(const char *text, const char *want, const char *desc)
{
	struct cv_boolexp x;
	char err[160];
	enum cv_err e = cv_boolexp_parse(text, names, NN, &x, err, sizeof(err));

	ok(e == CV_EINVAL && strstr(err, want) != NULL, "%s: \"%s\" -> \"%s\"", desc, text, err);
}

static void test_errors(void)
{
	char deep[64], longer[CV_BX_TEXT_MAX + 8], many[400];

	bad("", "empty", "empty");
	bad("   ", "empty", "only spaces");
	bad("a &", "a trigger name, '!' or '(' expected, not the end at 4", "an operator at the end");
	bad("a b", "'&', '|' or the end expected at 3", "two names in a row");
	bad("(a", "')' expected, not the end at 3", "an open parenthesis");
	bad("a)", "')' without its '(' at 2", "a closing one too many");
	bad("a && b", "a trigger name, '!' or '(' expected at 4", "&& is not an operator");
	bad("a | d", "unknown trigger name \"d\" at 5", "an unknown name");
	bad("a | | b", "expected at 5", "two operators");
	bad("!", "not the end", "! alone");
	bad("()", "a trigger name, '!' or '(' expected at 2", "empty parentheses");
	bad("a$b", "'&', '|' or the end expected at 2", "a character names cannot hold");
	bad("A", "unknown trigger name \"A\"", "names are case-sensitive");
	memset(deep, 0, sizeof(deep));
	for (int i = 0; i < 17; i++)
		deep[i] = '(';
	deep[17] = 'a';
	for (int i = 0; i < 17; i++)
		deep[18 + i] = ')';
	bad(deep, "nested too deep", "17 levels");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	bad(longer, "longer than 512 bytes", "too long");
	for (int i = 0, at = 0; i < 40; i++)   /* 40 names and 39 operators */
		at += snprintf(many + at, sizeof(many) - (size_t)at, "%s", i ? "|a" : "a");
	bad(many, "too many names and operators", "more than 64 nodes");
}

/*
 * Random expressions, printed from a tree with only the parentheses
 * precedence needs (and some more), evaluated by the tree: the parser
 * must agree on every assignment.
 */
struct tree {
	int op;                     /* 0 name, 1 not, 2 and, 3 or */
	int var;
	int l, r;
};

static struct tree nodes[64];
static int nnodes;
static unsigned rnd_state = 12345;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

static int gen(int depth)
{
	int i = nnodes++;

	if (depth == 0 || rnd(3) == 0) {
		nodes[i] = (struct tree){ 0, (int)rnd(NN), -1, -1 };
	} else if (rnd(4) == 0) {
		nodes[i] = (struct tree){ 1, 0, gen(depth - 1), -1 };
	} else {
		int op = 2 + (int)rnd(2), l = gen(depth - 1), r = gen(depth - 1);

		nodes[i] = (struct tree){ op, 0, l, r };
	}
	return i;
}

static bool tree_eval(int i, uint32_t v)
{
	switch (nodes[i].op) {
	case 0: return (v >> nodes[i].var) & 1;
	case 1: return !tree_eval(nodes[i].l, v);
	case 2: return tree_eval(nodes[i].l, v) && tree_eval(nodes[i].r, v);
	default: return tree_eval(nodes[i].l, v) || tree_eval(nodes[i].r, v);
	}
}

/* precedence: name and not 3, and 2, or 1 */
static int prec(int i)
{
	return nodes[i].op == 3 ? 1 : nodes[i].op == 2 ? 2 : 3;
}

static void print(int i, char *out, size_t n)
{
	const char *sp = rnd(2) ? " " : "";

	switch (nodes[i].op) {
	case 0:
		strncat(out, names[nodes[i].var], n - strlen(out) - 1);
		return;
	case 1:
		strncat(out, "!", n - strlen(out) - 1);
		if (prec(nodes[i].l) < 3 || rnd(4) == 0) {
			strncat(out, "(", n - strlen(out) - 1);
			print(nodes[i].l, out, n);
			strncat(out, ")", n - strlen(out) - 1);
		} else {
			print(nodes[i].l, out, n);
		}
		return;
	default: {
		int p = prec(i);
		/* left: same precedence needs none (left to right); right: it does */
		bool lp = prec(nodes[i].l) < p || rnd(5) == 0, rp = prec(nodes[i].r) <= p && nodes[i].op != nodes[nodes[i].r].op;

		if (nodes[nodes[i].r].op == nodes[i].op)
			rp = true;  /* a & (b & c): the same value, printed as grouped */
		if (lp)
			strncat(out, "(", n - strlen(out) - 1);
		print(nodes[i].l, out, n);
		if (lp)
			strncat(out, ")", n - strlen(out) - 1);
		strncat(out, sp, n - strlen(out) - 1);
		strncat(out, nodes[i].op == 2 ? "&" : "|", n - strlen(out) - 1);
		strncat(out, sp, n - strlen(out) - 1);
		if (rp)
			strncat(out, "(", n - strlen(out) - 1);
		print(nodes[i].r, out, n);
		if (rp)
			strncat(out, ")", n - strlen(out) - 1);
	}
	}
}

static void test_random(void)
{
	int agreed = 0, parsed = 0;
	const int runs = 2000;

	for (int k = 0; k < runs; k++) {
		char text[CV_BX_TEXT_MAX + 1] = "", err[160];
		struct cv_boolexp x;
		int root;
		bool same = true;

		nnodes = 0;
		root = gen(4);
		print(root, text, sizeof(text));
		if (cv_boolexp_parse(text, names, NN, &x, err, sizeof(err)) != CV_OK) {
			printf("# did not parse: \"%s\": %s\n", text, err);
			continue;
		}
		parsed++;
		for (uint32_t v = 0; v < 16; v++)
			if (cv_boolexp_eval(&x, v) != tree_eval(root, v))
				same = false;
		if (same)
			agreed++;
		else
			printf("# disagrees: \"%s\"\n", text);
	}
	ok(parsed == runs, "%d random expressions parse (%d)", runs, parsed);
	ok(agreed == runs, "and evaluate as their trees on every assignment (%d)", agreed);
}

static void test_uses(void)
{
	struct cv_boolexp x;
	char err[160];

	is_int(cv_boolexp_parse("a & !(c | a)", names, NN, &x, err, sizeof(err)), CV_OK, "parse");
	ok(cv_boolexp_uses(&x) == 5, "uses a and c (%u)", cv_boolexp_uses(&x));
}

int main(void)
{
	test_tables();
	test_errors();
	test_random();
	test_uses();
	return tap_done();
}
