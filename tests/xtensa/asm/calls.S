/*
 * Calls and jumps of the call0 ABI (ISA RM: CALL0, CALLX0, RET, J, JX): CALL0 targets are
 * (PC & ~3) + 4 + (offset << 2) and the return address is the next instruction; CALLX0 through a
 * register; nested calls saving a0 on the stack; a jump table through JX; J backwards and
 * forwards.
 */
#include "common.inc"
main:
        results_init
        addi    a1, a1, -16
        s32i    a0, a1, 0
        movi    a2, 5
        call0   factorial               /* recursive: a2 = 5! */
        result  a2
        movi    a3, callee_addr
        movi    a2, 1
        callx0  a3
        result  a2
        result  a4                      /* return address seen by the callee */
        /* jump table */
        movi    a5, 0
        movi    a6, table
        movi    a7, 0
1:      addx4   a8, a7, a6
        l32i    a8, a8, 0
        jx      a8
back:   addi    a7, a7, 1
        blti    a7, 3, 1b
        result  a5
        j       2f
        .align  4
table:  .word   t0, t1, t2
t0:     addi    a5, a5, 1
        j       back
t1:     addi    a5, a5, 16
        j       back
t2:     addi    a5, a5, 256
        j       back
2:      l32i    a0, a1, 0
        addi    a1, a1, 16
        j       xt_test_done

        .align  4
factorial:                              /* a2 = n! ; recursion with a stack frame */
        addi    a1, a1, -16
        s32i    a0, a1, 0
        s32i    a2, a1, 4
        bgei    a2, 2, 3f
        movi    a2, 1
        j       4f
3:      addi    a2, a2, -1
        call0   factorial
        l32i    a3, a1, 4
        mull    a2, a2, a3
4:      l32i    a0, a1, 0
        addi    a1, a1, 16
        ret

        .align  4
callee_addr:
        mov     a4, a0
        addi    a2, a2, 41
        ret
