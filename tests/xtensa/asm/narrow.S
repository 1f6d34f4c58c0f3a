/*
 * Code density option (16-bit instructions; ISA RM "Code Density Option"): ADD.N, ADDI.N (the
 * immediate field 0 encodes -1, 1..15 encode themselves), MOV.N, MOVI.N (-32..95), L32I.N/S32I.N
 * (offsets 0..60), BEQZ.N/BNEZ.N (forward 0..63), NOP.N, RET.N; and a mix of 2- and 3-byte
 * instructions so that PCs are not 4-aligned.
 */
#include "common.inc"
main:
        results_init
        movi.n  a2, -32
        movi.n  a3, 95
        movi.n  a4, 0
        result  a2
        result  a3
        add.n   a5, a2, a3
        result  a5
        addi.n  a6, a3, -1              /* encoded as imm field 0 */
        result  a6
        addi.n  a6, a6, 15
        result  a6
        addi.n  a6, a4, 1
        result  a6
        mov.n   a7, a2
        result  a7
        nop.n
        movi    a8, RESULTS + 0xC0
        movi.n  a9, 0x5A
        s32i.n  a9, a8, 0
        s32i.n  a3, a8, 60
        l32i.n  a10, a8, 60
        result  a10
        l32i.n  a10, a8, 0
        result  a10
        /* BEQZ.N/BNEZ.N: maximum forward distance and not-taken */
        movi.n  a11, 0
        beqz.n  a11, 1f
        movi.n  a11, 77
        .rept   29
        nop.n
        .endr
1:      result  a11
        bnez.n  a11, 2f                 /* not taken */
        addi.n  a11, a11, 3
2:      result  a11
        /* RET.N from a CALL0'ed leaf at an odd-looking place */
        mov.n   a12, a0
        call0   leaf
        mov.n   a0, a12
        result  a13
        _nop                            /* wide NOP (OR a1,a1,a1 form) */
        nop.n
        j       xt_test_done

        .align  4
leaf:   movi.n  a13, 42
        add.n   a13, a13, a13
        ret.n
