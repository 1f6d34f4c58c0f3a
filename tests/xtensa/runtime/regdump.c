/*
 * Prints the state block that xt_test_done (start.S) fills, in hex, through semihosting, then
 * exits. Freestanding: no libc, so an assembly test's instruction trace stays short and the
 * same under QEMU and boardemu.
 */
#include <stdint.h>
#include "semihost.h"

struct xt_state {
    uint32_t a[16];
    uint32_t reason;   /* 0 = xt_test_done, 1..5 = default handler (debug,nmi,kernel,user,double) */
    uint32_t sar, ps, epc1, epc2, epc3, eps2, eps3, excsave1, excsave2, excsave3;
    uint32_t exccause, excvaddr, interrupt, intenable, vecbase, litbase, ccompare0;
};

extern uint32_t xt_results[64];

void xt_print_state(const struct xt_state *s) __attribute__((noreturn));

static char line[160];
static unsigned line_len;

static void put_str(const char *p)
{
    while (*p)
        line[line_len++] = *p++;
}

static void put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    for (int shift = 28; shift >= 0; shift -= 4)
        line[line_len++] = digits[(v >> shift) & 0xF];
}

static void put_field(const char *name, uint32_t v)
{
    if (line_len)
        line[line_len++] = ' ';
    put_str(name);
    line[line_len++] = '=';
    put_hex(v);
}

static void flush_line(void)
{
    line[line_len++] = '\n';
    xt_write(1, line, line_len);
    line_len = 0;
}

void xt_print_state(const struct xt_state *s)
{
    static const char *const names[16] = {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
                                           "a8", "a9", "a10", "a11", "a12", "a13", "a14", "a15"};
    static const char *const reasons[6] = {"done", "debug", "nmi", "kernel", "user", "double"};
    put_str("end: ");
    put_str(s->reason < 6 ? reasons[s->reason] : "?");
    flush_line();
    for (int i = 0; i < 16; ++i) {
        put_field(names[i], s->a[i]);
        if (i % 4 == 3)
            flush_line();
    }
    put_field("sar", s->sar);
    put_field("ps", s->ps);
    put_field("exccause", s->exccause);
    put_field("excvaddr", s->excvaddr);
    flush_line();
    put_field("epc1", s->epc1);
    put_field("epc2", s->epc2);
    put_field("epc3", s->epc3);
    put_field("eps2", s->eps2);
    put_field("eps3", s->eps3);
    flush_line();
    put_field("excsave1", s->excsave1);
    put_field("excsave2", s->excsave2);
    put_field("excsave3", s->excsave3);
    flush_line();
    /* INTERRUPT bit 6 is the CCOMPARE0 timer: when it rises depends on CCOUNT, whose rate is
     * host-time based in QEMU, so it is masked. Tests observe the timer by its handler. */
    put_field("interrupt", s->interrupt & ~(1u << 6));
    put_field("intenable", s->intenable);
    put_field("vecbase", s->vecbase);
    put_field("litbase", s->litbase);
    put_field("ccompare0", s->ccompare0);
    flush_line();
    for (int i = 0; i < 64; i += 4) {
        put_str("r");
        line[line_len++] = "0123456789abcdef"[(i >> 4) & 0xF];  /* word index, hex */
        line[line_len++] = "0123456789abcdef"[i & 0xF];
        put_str(":");
        for (int j = 0; j < 4; ++j) {
            line[line_len++] = ' ';
            put_hex(xt_results[i + j]);
        }
        flush_line();
    }
    xt_exit(s->reason == 0 ? 0 : 100 + (int)s->reason);
}
