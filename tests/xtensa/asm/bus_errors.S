/*
 * Accesses outside every region of the sim machine (QEMU `info mtree`: nothing at 0x00000000,
 * 0x70000000, 0xF0000000): QEMU raises a PIF address error exception (ISA RM EXCCAUSE table:
 * causes as QEMU reports them), recorded by the handler with
 * EPC1 and EXCVADDR; a load, a store and a jump to an unmapped address (returning from the
 * last through a saved return address).
 */
#include "common.inc"
main:
        results_init
        movi    a12, RESULTS + 0x80
        movi    a2, 0x70000000
        movi    a3, 0x1234
        l32i    a4, a2, 0
        s32i    a3, a2, 4
        l8ui    a5, a2, 3
        movi    a2, 0xF0000010
        l16ui   a6, a2, 0
        movi    a2, 0
        l32i    a7, a2, 0
        /* instruction fetch from an unmapped address: the handler returns to a11's target */
        movi    a11, 1f
        movi    a2, 0x70000100
        jx      a2
1:      result  a4
        j       xt_test_done

        .align  4
        .global xt_user_handler
xt_user_handler:
        rsr     a13, exccause
        s32i    a13, a12, 0
        rsr     a13, epc1
        s32i    a13, a12, 4
        rsr     a13, excvaddr
        s32i    a13, a12, 8
        addi    a12, a12, 12
        rsr     a13, epc1
        rsr     a14, excvaddr
        beq     a13, a14, 2f            /* fetch error (EPC1 = EXCVADDR): resume at a11 */
        step_over a13, a13, a14
        wsr     a13, epc1
        rfe
2:      wsr     a11, epc1
        rfe
