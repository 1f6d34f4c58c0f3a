/*
 * Start-up and XEA2 vectors for test programs on QEMU's `-M sim -cpu lx106` machine and on
 * boardemu's `lx106-sim` board (same ELF, no change).
 *
 * - QEMU starts the CPU at 0x50000000 (the lx106 reset vector in sysrom0) whatever the ELF
 *   entry says, so the vector table below is linked there and its first word jumps to _reset.
 * - The table doubles as the relocatable vector table: _reset sets VECBASE = 0x50000000, so the
 *   XEA2 vectors sit at their lx106 offsets (REFERENCE.md section 5; Xtensa ISA Reference
 *   Manual, "Exception Option", vector offsets of the relocatable-vector option):
 *     +0x10 debug (level 2)   +0x20 NMI (level 3)   +0x30 kernel   +0x50 user   +0x70 double
 *   Each vector is a single J to a handler, so taking an exception changes no register beyond
 *   what the hardware itself writes (EPC/EPS/EXCCAUSE/EXCVADDR/PS). Tests provide handlers by
 *   defining the symbols xt_debug_handler, xt_nmi_handler, xt_kernel_handler,
 *   xt_user_handler or xt_double_handler; the weak defaults dump the state and stop.
 * - picolibc's crt0 does not set a1; _reset does: a1 = __stack_top (sim.ld), VECBASE, PS, .bss
 *   zeroed, then `call0 main`; main's return value goes to simcall exit (xt_exit).
 * - xt_test_done: the end of every assembly test. It stores a0..a15 and the special registers
 *   a test can observe into xt_state (fixed address 0x60000000, reached without L32R so LITBASE
 *   may still be enabled), then prints them in hex (xt_print_state, regdump.c) and exits.
 *   DEPC is its scratch register and is therefore not part of the dump.
 */

/* Special-register numbers (Xtensa ISA RM, "Special Registers"; REFERENCE.md section 5). */
#define PS_UM        0x20      /* PS.UM: exceptions go to the user vector */

        .section .vectors, "ax"
        .global _start
        .align  4
_start:                                 /* 0x50000000: reset */
        j       _reset
        .org    0x10
        j       xt_debug_handler        /* level-2 (debug) vector */
        .org    0x20
        j       xt_nmi_handler          /* level-3 (NMI) vector */
        .org    0x30
        j       xt_kernel_handler       /* kernel exception vector (PS.UM = 0) */
        .org    0x50
        j       xt_user_handler         /* user exception vector (PS.UM = 1), level-1 interrupts */
        .org    0x70
        j       xt_double_handler       /* double exception vector (PS.EXCM = 1) */
        .org    0x80

        .text
        .literal_position
        .align  4
        .global _reset
_reset:
        movi    a0, _start
        wsr     a0, vecbase
        movi    a1, __stack_top
        movi    a0, PS_UM               /* INTLEVEL 0, EXCM 0, user vector mode */
        wsr     a0, ps
        rsync
        /* zero .bss */
        movi    a2, __bss_start
        movi    a3, __bss_end
        movi    a0, 0
1:      bgeu    a2, a3, 2f
        s32i    a0, a2, 0
        addi    a2, a2, 4
        j       1b
2:      call0   main
        call0   xt_exit                 /* a2 = main's return value; does not return */
3:      j       3b

/* Save a0..a15 into xt_state (a2 is parked in DEPC), a2 = &xt_state afterwards. */
        .macro  save_gprs
        wsr     a2, depc
        movi    a2, 0x600
        slli    a2, a2, 20              /* a2 = 0x60000000 = xt_state, no literal needed */
        s32i    a0, a2, 0
        s32i    a1, a2, 4
        rsr     a0, depc
        s32i    a0, a2, 8
        s32i    a3, a2, 12
        s32i    a4, a2, 16
        s32i    a5, a2, 20
        s32i    a6, a2, 24
        s32i    a7, a2, 28
        s32i    a8, a2, 32
        s32i    a9, a2, 36
        s32i    a10, a2, 40
        s32i    a11, a2, 44
        s32i    a12, a2, 48
        s32i    a13, a2, 52
        s32i    a14, a2, 56
        s32i    a15, a2, 60
        .endm

        .align  4
        .global xt_test_done
xt_test_done:
        save_gprs
        movi    a0, 0
        j       xt_dump_finish

/* Weak default handlers: dump everything, exit status 100 + reason. */
        .macro  default_handler name, reason
        .align  4
        .weak   \name
\name:
        save_gprs
        movi    a0, \reason
        j       xt_dump_finish
        .endm
        default_handler xt_debug_handler, 1
        default_handler xt_nmi_handler, 2
        default_handler xt_kernel_handler, 3
        default_handler xt_user_handler, 4
        default_handler xt_double_handler, 5

/* a0 = reason, a2 = &xt_state with a0..a15 stored. Layout: see regdump.c (struct xt_state). */
        .align  4
xt_dump_finish:
        s32i    a0, a2, 64
        rsr     a0, sar
        s32i    a0, a2, 68
        rsr     a0, ps
        s32i    a0, a2, 72
        rsr     a0, epc1
        s32i    a0, a2, 76
        rsr     a0, epc2
        s32i    a0, a2, 80
        rsr     a0, epc3
        s32i    a0, a2, 84
        rsr     a0, eps2
        s32i    a0, a2, 88
        rsr     a0, eps3
        s32i    a0, a2, 92
        rsr     a0, excsave1
        s32i    a0, a2, 96
        rsr     a0, excsave2
        s32i    a0, a2, 100
        rsr     a0, excsave3
        s32i    a0, a2, 104
        rsr     a0, exccause
        s32i    a0, a2, 108
        rsr     a0, excvaddr
        s32i    a0, a2, 112
        rsr     a0, interrupt
        s32i    a0, a2, 116
        rsr     a0, intenable
        s32i    a0, a2, 120
        rsr     a0, vecbase
        s32i    a0, a2, 124
        rsr     a0, litbase
        s32i    a0, a2, 128
        rsr     a0, ccompare0
        s32i    a0, a2, 132
        /* Quiet the machine for the C printer: no interrupts, no literal base, own stack. */
        rsil    a0, 15
        movi    a0, 0
        wsr     a0, litbase
        wsr     a0, intenable
        rsync
        movi    a1, __stack_top
        call0   xt_print_state          /* a2 = &xt_state; exits */
4:      j       4b

/* Fixed-address state block and result area (sim.ld places .xt_state at 0x60000000). */
        .section .xt_state, "aw", @nobits
        .global xt_state, xt_results
        .align  4
xt_state:
        .space  256
xt_results:                             /* 0x60000100: 64 words a test may fill, all printed */
        .space  256
