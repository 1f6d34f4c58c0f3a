/*
 * Benchmark program (scripts/bench-lx106.sh): recursion, written after the translator and not
 * used to tune it. Naive Fibonacci, Ackermann, N-queens by backtracking, Towers of Hanoi and a
 * recursive-descent evaluator of generated arithmetic expressions (mutual recursion).
 * Self-checks against known values: fib(24) = 46368, A(2, 9) = 21, 8 queens have 92 solutions,
 * Hanoi of 16 discs takes 65535 moves, each expression's value equals a direct computation.
 */
#include <stdint.h>
#include <stdio.h>

#ifndef ROUNDS
#define ROUNDS 180
#endif

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static uint32_t ack(uint32_t m, uint32_t n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static int queens(int n, int row, uint32_t cols, uint32_t d1, uint32_t d2)
{
    if (row == n)
        return 1;
    int count = 0;
    uint32_t free = ~(cols | d1 | d2) & ((1u << n) - 1);
    while (free) {
        uint32_t bit = free & (0u - free);
        free ^= bit;
        count += queens(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
    }
    return count;
}

static uint32_t moves;
static void hanoi(int n, int from, int to, int via)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to);
    ++moves;
    hanoi(n - 1, via, to, from);
}

/* Expressions: digits, + - *, parentheses; built by a recursive generator. */
static char expr[4096];
static int pos;
static uint32_t gen_state = 12345u;
static uint32_t gen_rand(void)
{
    gen_state = gen_state * 1664525u + 1013904223u;
    return gen_state >> 8;
}
static int32_t gen(int depth)  /* writes an expression, returns its value */
{
    if (depth == 0 || gen_rand() % 4u == 0) {
        int d = (int)(gen_rand() % 10u);
        expr[pos++] = (char)('0' + d);
        return d;
    }
    expr[pos++] = '(';
    int32_t l = gen(depth - 1);
    char op = "+-*"[gen_rand() % 3u];
    expr[pos++] = op;
    int32_t r = gen(depth - 1);
    expr[pos++] = ')';
    return op == '+' ? l + r : op == '-' ? l - r : l * r;
}
static const char *cur;
static int32_t parse_expr(void);
static int32_t parse_atom(void)
{
    if (*cur == '(') {
        ++cur;
        int32_t v = parse_expr();
        ++cur;  /* ')' */
        return v;
    }
    return *cur++ - '0';
}
static int32_t parse_expr(void)
{
    int32_t v = parse_atom();
    while (*cur == '+' || *cur == '-' || *cur == '*') {
        char op = *cur++;
        int32_t r = parse_atom();
        v = op == '+' ? v + r : op == '-' ? v - r : v * r;
    }
    return v;
}

int main(void)
{
    int ok = 1;
    uint32_t tf = 0, ta = 0, tq = 0, te = 0;
    for (int r = 0; r < ROUNDS; ++r) {
        uint32_t f = fib(24);
        ok &= f == 46368u;
        tf += f;
        uint32_t a = ack(2, 9);
        ok &= a == 21u;
        ta += a + ack(3, 4);
        int q = queens(8, 0, 0, 0, 0);
        ok &= q == 92;
        tq += (uint32_t)q + (uint32_t)queens(9, 0, 0, 0, 0);
        moves = 0;
        hanoi(16, 0, 2, 1);
        ok &= moves == 65535u;
        for (int k = 0; k < 40; ++k) {
            pos = 0;
            int32_t want = gen(9);
            expr[pos] = 0;
            cur = expr;
            int32_t got = parse_expr();
            ok &= got == want && *cur == 0;
            te = te * 33u + (uint32_t)got;
        }
    }
    printf("fib        %08lx\n", (unsigned long)tf);
    printf("ackermann  %08lx\n", (unsigned long)ta);
    printf("queens     %08lx\n", (unsigned long)tq);
    printf("exprs      %08lx\n", (unsigned long)te);
    printf("bench %s\n", ok ? "ok" : "WRONG RESULT");
    return ok ? 0 : 1;
}
