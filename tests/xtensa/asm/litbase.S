/*
 * Extended L32R (LITBASE; ISA RM "Extended L32R Option"): with LITBASE bit 0 set, L32R loads
 * from (LITBASE & 0xFFFFF000) + (0xFFFC0000 | imm16 << 2) instead of PC-relative. The test
 * enables it, loads through a literal table it places itself, and disables it again. If the
 * core has no such option QEMU raises an exception, recorded by the user handler instead.
 * The literal table is in sysram0, built with constants made without L32R.
 */
#include "common.inc"
main:
        results_init
        mov     a12, a15
        addi    a12, a12, 0x80           /* handler records at result word 0x20 */
        /* table at 0x6000C000 - 0x40000 + 4*k  =  0x5FFCC000 + 4k: use the base 0x6000C000
           with negative offsets: L32R imm16 0xFFFF is offset -4 from the base */
        movi    a2, 0x600
        slli    a2, a2, 20
        movi    a3, 0xC0
        slli    a3, a3, 8
        add     a2, a2, a3              /* a2 = 0x6000C000 */
        movi    a3, 0x7E
        addi    a4, a2, -4
        s32i    a3, a4, 0               /* literal at base - 4 */
        movi    a3, 0x7D
        addi    a4, a2, -8
        s32i    a3, a4, 0               /* literal at base - 8 */
        addi    a5, a2, 1               /* LITBASE = base | enable */
        wsr     a5, litbase
        isync
        rsr     a6, litbase
        result  a6
        .byte   0x71, 0xFF, 0xFF        /* l32r a7, imm16 0xFFFF: base - 4 */
        .byte   0x81, 0xFE, 0xFF        /* l32r a8, imm16 0xFFFE: base - 8 */
        movi    a9, 0
        wsr     a9, litbase
        isync
        result  a7
        result  a8
        movi    a10, 0x00C0FFEE         /* an L32R from the pool before main: PC-relative again */
        result  a10
        j       xt_test_done

        .align  4
        .global xt_user_handler
xt_user_handler:
        rsr     a13, exccause
        s32i    a13, a12, 0
        rsr     a13, epc1
        s32i    a13, a12, 4
        addi    a12, a12, 8
        rsr     a13, epc1
        addi    a13, a13, 3
        wsr     a13, epc1
        rfe
