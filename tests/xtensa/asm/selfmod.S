/*
 * Code written at run time (ISA RM "ISYNC": instruction fetch sees stores to instruction memory
 * after an ISYNC). A 4-instruction routine is copied word by word into instram0 and into
 * sysram0 and called; then the immediate of its MOVI is patched in place, ISYNC, and it is
 * called again, which must run the new instruction (an emulator caching decoded instructions
 * has to notice the store).
 */
#include "common.inc"
        .macro  copy_routine dest
        movi    a2, \dest
        movi    a3, template
        movi    a4, template_end
1:      l32i    a5, a3, 0
        s32i    a5, a2, 0
        addi    a3, a3, 4
        addi    a2, a2, 4
        bltu    a3, a4, 1b
        isync
        .endm

        /* patch the MOVI at offset 0 of the copy (bytes 0..2: "movi a2, imm12"; imm8 in byte 2) */
        .macro  patch_and_call dest, value
        movi    a2, \dest
        l32i    a3, a2, 0
        movi    a4, 0xFF00FFFF
        and     a3, a3, a4
        movi    a4, (\value) << 16
        or      a3, a3, a4
        s32i    a3, a2, 0
        isync
        callx0  a2
        result  a2
        .endm
main:
        results_init
        mov     a14, a0
        copy_routine 0x40000400
        movi    a6, 0x40000400
        callx0  a6
        result  a2
        patch_and_call 0x40000400, 0x55
        patch_and_call 0x40000400, 0x12
        copy_routine 0x60010000
        movi    a6, 0x60010000
        callx0  a6
        result  a2
        patch_and_call 0x60010000, 0x77
        mov     a0, a14
        j       xt_test_done

/* The template: a2 = imm + 100 (a MOVI whose imm12 low byte, byte 2, is patched) */
        .align  4
template:
        _movi   a2, 0x11                /* 3 bytes: imm12 bits 7..0 are byte 2 */
        _addi   a2, a2, 100
        ret.n
        .align  4
template_end:
