/*
 * Interrupts of the lx106 (XEA2 Interrupt Option; REFERENCE.md section 5): 15 interrupts,
 * 0..13 at level 1 (taken through the user vector, EXCCAUSE 4 = Level1InterruptCause),
 * 6 = CCOMPARE0 timer, 7 = software (set with WSR INTSET, cleared with WSR INTCLEAR).
 * An interrupt is taken when INTERRUPT & INTENABLE has a bit whose level > PS.INTLEVEL and
 * PS.EXCM = 0.
 *   1. software interrupt pending but INTENABLE = 0: not taken, visible in INTERRUPT;
 *   2. enabled but PS.INTLEVEL = 1 (RSIL 1): still not taken; RSIL returns the old PS;
 *   3. RSIL 0: taken right there (EPC1 = the instruction after RSIL);
 *   4. taken right after WSR INTSET + RSYNC with everything enabled;
 *   5. timer: CCOMPARE0 = 4000000, then CCOUNT written to 0, WAITI 0 sleeps until interrupt 6;
 *      the handler clears it by writing CCOMPARE0. WAITI makes the point of entry independent of
 *      timing (QEMU's CCOUNT follows host time), and the interrupt is masked (RSIL 15) until
 *      WAITI, so an early match only leaves it pending. The match must not be missed: QEMU arms
 *      its timer when CCOUNT/CCOMPARE0 are written, and a CCOUNT already past CCOMPARE0 then
 *      means a wait of 2^32 cycles; hence the large margin, set by the last write.
 * The handler (a12 = record pointer, a13/a14 scratch) records EXCCAUSE, EPC1, INTERRUPT
 * (bit 6 masked when taken for interrupt 7), PS.
 */
#include "common.inc"
main:
        results_init
        movi    a12, RESULTS + 0x80     /* handler records from result word 0x20 on */
        movi    a2, 1 << 7
        wsr     a2, intset              /* 1: pending, not enabled */
        rsync
        rsr     a3, interrupt
        result  a3
        rsil    a4, 1                   /* 2: mask level 1 */
        result  a4
        wsr     a2, intenable
        rsync
        rsr     a5, interrupt
        result  a5
        rsil    a6, 0                   /* 3: taken here */
        nop
        result  a6
        rsr     a7, interrupt           /* handler cleared it */
        result  a7
        wsr     a2, intset              /* 4 */
        rsync
        nop
        /* 5: timer */
        rsil    a8, 15
        movi    a2, 4000000             /* 0.05 s at 80 MHz: a margin against host time */
        wsr     a2, ccompare0
        movi    a2, 0
        wsr     a2, ccount              /* last: the match is CCOMPARE0 cycles away from here */
        movi    a2, (1 << 6) | (1 << 7)
        wsr     a2, intenable
        rsync
        waiti   0
        rsr     a9, ps                  /* WAITI left INTLEVEL 0; RFE restored EXCM 0 */
        movi    a2, 0
        wsr     a2, intenable
        j       xt_test_done

        .align  4
        .global xt_user_handler
xt_user_handler:
        rsr     a13, exccause
        s32i    a13, a12, 0
        rsr     a13, epc1
        s32i    a13, a12, 4
        rsr     a13, interrupt
        movi    a14, ~(1 << 6)
        bbci    a13, 6, 1f
        bbsi    a13, 7, 1f
        /* timer interrupt: clear it by writing CCOMPARE0 (same value) */
        rsr     a14, ccompare0
        wsr     a14, ccompare0
        movi    a14, -1
1:      and     a13, a13, a14
        s32i    a13, a12, 8
        rsr     a13, ps
        s32i    a13, a12, 12
        addi    a12, a12, 16
        movi    a13, 1 << 7
        wsr     a13, intclear
        rsync
        rfe
