/*
 * XEA2 exceptions (ISA RM "Exception Option"; REFERENCE.md section 5). Each exception is
 * recorded by its handler as four result words (EXCCAUSE, EPC1 or DEPC/EPC2, EXCVADDR or
 * DEBUGCAUSE, PS at entry); the handler steps over the faulting instruction (2 or 3 bytes,
 * from op0) and returns with RFE / RFDE / RFI 2.
 *   SYSCALL -> cause 1; ILL and ILL.N -> cause 0 (IllegalInstruction);
 *   unaligned L32I/S32I/L16UI/L16SI/S16I/L32I.N -> cause 9 (LoadStoreAlignment), EXCVADDR = address;
 *   PS.UM = 0 -> kernel vector; PS.EXCM = 1 -> double exception vector (DEPC), RFDE;
 *   BREAK -> debug exception (level 2 = XCHAL_DEBUGLEVEL on lx106): EPC2/EPS2, RFI 2.
 * Registers a12..a14 belong to the handlers (a12 = next record).
 */
#include "common.inc"
main:
        results_init
        mov     a12, a15
        movi    a2, 0x60008000
        movi    a3, 0x11223344
        s32i    a3, a2, 0
        syscall
        ill
        ill.n
        addi    a6, a2, 1               /* unaligned loads and stores (offsets encode aligned) */
        l32i    a4, a6, 0
        l16ui   a5, a6, 0
        l16si   a5, a6, 2
        addi    a6, a2, 2
        s32i    a3, a6, 4
        addi    a6, a2, 3
        s16i    a3, a6, 2
        addi    a6, a2, 2
        l32i.n  a7, a6, 0
        /* aligned accesses after all that still work */
        l32i    a8, a2, 0
        /* kernel vector: PS.UM = 0 */
        movi    a9, 0
        wsr     a9, ps
        rsync
        syscall
        /* double exception: an exception while PS.EXCM = 1 */
        movi    a9, 0x30                /* UM | EXCM */
        wsr     a9, ps
        rsync
        syscall
        rsr     a10, ps                 /* PS after RFDE (QEMU leaves EXCM set) */
        movi    a9, 0x20
        wsr     a9, ps
        rsync
        /* debug exception */
        break   1, 2
        rsr     a11, ps
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
        rsr     a13, ps
        s32i    a13, a12, 12
        addi    a12, a12, 16
        rsr     a13, epc1
        step_over a13, a13, a14
        wsr     a13, epc1
        rfe

        .align  4
        .global xt_kernel_handler
xt_kernel_handler:
        rsr     a13, exccause
        addi    a13, a13, 0x100         /* mark: came through the kernel vector */
        s32i    a13, a12, 0
        rsr     a13, epc1
        s32i    a13, a12, 4
        rsr     a13, excvaddr
        s32i    a13, a12, 8
        rsr     a13, ps
        s32i    a13, a12, 12
        addi    a12, a12, 16
        rsr     a13, epc1
        step_over a13, a13, a14
        wsr     a13, epc1
        movi    a13, 0x20               /* back in user vector mode after RFE */
        wsr     a13, eps2               /* (EPS2 only as a visible marker) */
        rfe

        .align  4
        .global xt_double_handler
xt_double_handler:
        rsr     a13, exccause
        addi    a13, a13, 0x200
        s32i    a13, a12, 0
        rsr     a13, depc
        s32i    a13, a12, 4
        rsr     a13, epc1
        s32i    a13, a12, 8
        rsr     a13, ps
        s32i    a13, a12, 12
        addi    a12, a12, 16
        rsr     a13, depc
        step_over a13, a13, a14
        wsr     a13, depc
        rfde

        .align  4
        .global xt_debug_handler
xt_debug_handler:
        movi    a13, 0x300
        s32i    a13, a12, 0
        rsr     a13, epc2
        s32i    a13, a12, 4
        rsr     a13, debugcause
        s32i    a13, a12, 8
        rsr     a13, ps
        s32i    a13, a12, 12
        addi    a12, a12, 16
        rsr     a13, epc2
        step_over a13, a13, a14
        wsr     a13, epc2
        rfi     2
