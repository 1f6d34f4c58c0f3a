/*
 * Special registers (ISA RM "Special Registers"; numbers in REFERENCE.md section 5): what a
 * write of all-ones / a pattern reads back as (implemented bits), XSR swapping, RSR/WSR of
 * SAR, LITBASE (read only; litbase.S enables it), EPC1..3, EPS2/3, EXCSAVE1..3, EXCCAUSE,
 * EXCVADDR, DEPC, INTENABLE, VECBASE, CCOMPARE0; PS fields (INTLEVEL, EXCM, UM, OWB, CALLINC,
 * WOE) and RSIL. CCOUNT is not read here: in QEMU it follows host time, and the value would
 * show in the instruction trace (interrupts.S covers CCOUNT/CCOMPARE0 through the timer).
 */
#include "common.inc"
        .macro  probe sr
        movi    a2, -1
        xsr     a2, \sr                 /* a2 = old value, sr = all ones */
        rsr     a3, \sr
        result  a3
        movi    a4, 0x5A5A5A5A
        wsr     a4, \sr
        rsr     a3, \sr
        result  a3
        wsr     a2, \sr                 /* restore */
        .endm
main:
        results_init
        probe   sar
        probe   epc1
        probe   epc2
        probe   epc3
        probe   eps2
        probe   eps3
        probe   excsave1
        probe   excsave2
        probe   excsave3
        probe   exccause
        probe   excvaddr
        probe   ccompare0
        /* INTENABLE: 15 interrupts */
        movi    a2, -1
        wsr     a2, intenable
        rsr     a3, intenable
        result  a3
        movi    a2, 0
        wsr     a2, intenable
        /* VECBASE: write a candidate, read back, restore */
        rsr     a5, vecbase
        movi    a2, 0x400007FF
        wsr     a2, vecbase
        rsr     a3, vecbase
        result  a3
        wsr     a5, vecbase
        /* PS: the bits that exist; RSIL returns the whole old PS */
        rsil    a6, 15
        rsil    a7, 3
        result  a6
        result  a7
        movi    a2, 0x000FFF3F & ~0x10  /* everything but EXCM */
        wsr     a2, ps
        rsync
        rsr     a3, ps
        result  a3
        movi    a2, 0x20
        wsr     a2, ps
        rsync
        rsr     a3, litbase
        result  a3
        j       xt_test_done
