/*
 * Loads and stores (ISA RM: L8UI L16UI L16SI L32I S8I S16I S32I L32R): zero/sign extension
 * (L16SI of 0x8000..0xFFFF), maximum offsets (255, 510, 1020), little-endian byte order, and
 * accesses to every RAM region of the sim machine (sysram0, dataram0/1, instram0/1, sysrom0,
 * all RAM-backed in QEMU's sim). L32R reaches literals up to 256 KiB back.
 */
#include "common.inc"
        .macro  probe_region base
        movi    a2, \base
        movi    a3, 0x11223344
        s32i    a3, a2, 0
        movi    a3, 0xA5
        s8i     a3, a2, 1
        movi    a3, 0xFFEE
        s16i    a3, a2, 2
        l32i    a4, a2, 0
        result  a4
        .endm
main:
        results_init
        movi    a2, 0x60008000          /* scratch in sysram0 */
        movi    a3, 0x8001FF7F
        s32i    a3, a2, 0
        l8ui    a4, a2, 0
        result  a4
        l8ui    a4, a2, 3
        result  a4
        l16ui   a4, a2, 2
        result  a4
        l16si   a4, a2, 2               /* 0x8001 -> 0xffff8001 */
        result  a4
        l16si   a4, a2, 0               /* 0xff7f -> 0xffffff7f */
        result  a4
        movi    a3, 0x7FFF
        s16i    a3, a2, 0
        l16si   a4, a2, 0
        result  a4
        /* maximum offsets */
        movi    a3, 0x77
        s8i     a3, a2, 255
        l8ui    a4, a2, 255
        result  a4
        movi    a3, 0xBEEF
        s16i    a3, a2, 510
        l16si   a4, a2, 510
        result  a4
        movi    a3, 0xCAFEF00D
        s32i    a3, a2, 1020
        l32i    a4, a2, 1020
        result  a4
        l8ui    a4, a2, 1023            /* byte order of the word at +1020 */
        result  a4
        /* S8I/S16I only touch their bytes */
        movi    a3, 0
        s32i    a3, a2, 4
        movi    a3, 0x123456AB
        s8i     a3, a2, 6
        movi    a3, 0x9876CDEF
        s16i    a3, a2, 4
        l32i    a4, a2, 4
        result  a4
        /* regions */
        probe_region 0x3FFC0100         /* dataram0 */
        probe_region 0x3FF80100         /* dataram1 */
        probe_region 0x40000100         /* instram0 */
        probe_region 0x40100100         /* instram1 */
        probe_region 0x50400000         /* sysrom0 (RAM-backed in QEMU's sim) */
        probe_region 0x67FFFFF0         /* last words of sysram0 */
        /* L32R: a literal far behind (see far_literal below) */
        l32r    a5, far_literal
        result  a5
        j       xt_test_done

/* A literal placed 100 KiB before its use (the vectors J over it: J reaches 128 KiB): put it in .literal (sim.ld places all literal pools
 * first in .text) and pad the pool. */
        .section .literal.far, "ax"
        .align  4
far_literal:
        .word   0x0BADC0DE
        .space  100 * 1024
