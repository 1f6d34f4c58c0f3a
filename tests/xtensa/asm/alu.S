/*
 * Arithmetic and logic (Xtensa ISA Reference Manual, ch. 8 instruction descriptions; lx106
 * options per REFERENCE.md section 5): ADD ADDI ADDMI SUB ADDX2/4/8 SUBX2/4/8 AND OR XOR NEG ABS
 * MOVI (12-bit signed range), MOVEQZ/MOVNEZ/MOVLTZ/MOVGEZ, NSA/NSAU (0, 1, -1, extremes),
 * MUL16U/MUL16S (only the low halves count), MULL (low 32 bits), EXTUI (shift 0..31, width 1..16).
 */
#include "common.inc"
main:
        results_init
        movi    a2, 0x7FFFFFFF
        movi    a3, 1
        _add    a4, a2, a3              /* wraps to 0x80000000; "_" keeps the wide ADD */
        result  a4
        sub     a5, a3, a2              /* 1 - 0x7fffffff */
        result  a5
        addi    a6, a2, -128
        result  a6
        _addi   a6, a3, 127
        result  a6
        addmi   a7, a3, -32768          /* imm8 << 8, signed */
        result  a7
        addmi   a7, a3, 32512
        result  a7
        movi    a8, -2048
        _movi   a9, 2047
        result  a8
        result  a9
        addx2   a10, a2, a3
        result  a10
        addx4   a10, a9, a8
        result  a10
        addx8   a10, a9, a3
        result  a10
        subx2   a11, a3, a9
        result  a11
        subx4   a11, a9, a3
        result  a11
        subx8   a11, a8, a9
        result  a11
        movi    a2, 0x0FF0
        movi    a3, 0x00FF
        and     a4, a2, a3
        result  a4
        or      a4, a2, a3
        result  a4
        xor     a4, a2, a3
        result  a4
        neg     a4, a2
        result  a4
        movi    a5, 0x80000000
        neg     a6, a5                  /* -INT_MIN = INT_MIN */
        result  a6
        abs     a6, a5                  /* abs(INT_MIN) = INT_MIN */
        result  a6
        _movi   a6, -5
        abs     a6, a6
        result  a6

        /* conditional moves: a4 = 0x11 initially each time */
        movi    a2, 0
        movi    a3, -1
        movi    a7, 0x55
        movi    a4, 0x11
        moveqz  a4, a7, a2              /* taken */
        result  a4
        movi    a4, 0x11
        moveqz  a4, a7, a3              /* not taken */
        result  a4
        movi    a4, 0x11
        movnez  a4, a7, a3
        result  a4
        movi    a4, 0x11
        movltz  a4, a7, a3
        result  a4
        movi    a4, 0x11
        movltz  a4, a7, a2
        result  a4
        movi    a4, 0x11
        movgez  a4, a7, a2
        result  a4

        /* NSA: normalisation shift (sign bits - 1), 31 for 0 and -1; NSAU: leading zeros, 32 for 0 */
        movi    a2, 0
        nsa     a3, a2
        nsau    a4, a2
        movi    a2, -1
        nsa     a5, a2
        nsau    a6, a2
        movi    a2, 1
        nsa     a7, a2
        nsau    a8, a2
        movi    a2, 0x80000000
        nsa     a9, a2
        nsau    a10, a2
        movi    a2, 0x00012345
        nsa     a11, a2
        nsau    a12, a2
        movi    a2, 0xFFFF0000
        nsa     a13, a2
        nsau    a14, a2
        /* pack the 12 small counts into three words */
        slli    a3, a3, 24
        slli    a4, a4, 16
        slli    a5, a5, 8
        or      a3, a3, a4
        or      a3, a3, a5
        or      a3, a3, a6
        result  a3
        slli    a7, a7, 24
        slli    a8, a8, 16
        slli    a9, a9, 8
        or      a7, a7, a8
        or      a7, a7, a9
        or      a7, a7, a10
        result  a7
        slli    a11, a11, 24
        slli    a12, a12, 16
        slli    a13, a13, 8
        or      a11, a11, a12
        or      a11, a11, a13
        or      a11, a11, a14
        result  a11

        /* multiplies */
        movi    a2, 0x1234FFFF
        movi    a3, 0xABCD8001
        mul16u  a4, a2, a3              /* 0xffff * 0x8001 */
        result  a4
        mul16s  a4, a2, a3              /* -1 * -32767 */
        result  a4
        movi    a5, 0x7FFF
        movi    a6, 0x8000
        mul16s  a4, a5, a6              /* 32767 * -32768 */
        result  a4
        mull    a4, a2, a3
        result  a4
        movi    a5, -7
        movi    a6, 6
        mull    a4, a5, a6
        result  a4

        /* EXTUI: shift 0..31, width 1..16 */
        movi    a2, 0x89ABCDEF
        extui   a3, a2, 0, 1
        result  a3
        extui   a3, a2, 0, 16
        result  a3
        extui   a3, a2, 31, 1
        result  a3
        extui   a3, a2, 16, 16
        result  a3
        extui   a3, a2, 4, 12
        result  a3
        extui   a3, a2, 17, 15
        result  a3
        extui   a3, a2, 20, 5
        result  a3
        j       xt_test_done
