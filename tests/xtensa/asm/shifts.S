/*
 * Shift Amount Register and funnel shifts (ISA RM: SSL, SSR, SSAI, SSA8L, SSA8B, SRC, SRL, SLL,
 * SRA, SLLI, SRLI, SRAI; REFERENCE.md section 5 "SAR rules"):
 *   SSR/SSAI/SSA8L set SAR = shift (right shifts), SSL sets SAR = 32 - shift (left shifts, so SAR
 *   may be 32 for a shift of 0), SSA8B sets SAR = 32 - 8*(as & 3), SSA8L SAR = 8*(as & 3).
 *   SRC ar = (as:at) >> SAR (64-bit funnel); SLL ar = as << (32 - SAR); SRL/SRA as >> SAR.
 *   SLLI encodes 32 - sa; SRLI shifts 0..15; SRAI 0..31.
 * Every SAR value set is also read back with RSR SAR (6 bits).
 *
 * QEMU 7.2 artefact: when SSL/SSA8B leaves SAR = 32 and SRL/SRA follow in the same translation
 * block, QEMU returns the operand unshifted; with -singlestep (and per the ISA: SRL by 32 gives 0,
 * SRA by 32 the sign) it does not. A jump after each SAR write ends QEMU's block, so the reference
 * holds the ISA result in both QEMU modes.
 */
#include "common.inc"
        .macro  sar_case set, amount_reg
        \set    \amount_reg
        j       99f                     /* ends QEMU's translation block (see above) */
99:     rsr     a9, sar
        src     a10, a2, a3
        sll     a11, a3
        srl     a12, a3
        sra     a13, a3
        result  a9
        result  a10
        result  a11
        result  a12
        result  a13
        .endm
main:
        results_init
        movi    a2, 0x12345678          /* high word of the SRC funnel */
        movi    a3, 0x9ABCDEF0          /* low word; negative for SRA */
        movi    a4, 0
        movi    a5, 1
        movi    a6, 31
        movi    a7, 32                  /* SSR/SSL use the low 5 bits only */
        movi    a8, 0x123               /* SSA8L/SSA8B use the low 2 bits only */
        sar_case ssr, a4
        sar_case ssr, a6
        sar_case ssl, a4                /* SAR = 32: SLL by 0, SRC gives the low word */
        sar_case ssl, a5
        sar_case ssl, a7
        sar_case ssa8l, a8
        sar_case ssa8b, a8
        sar_case ssa8b, a4              /* SAR = 32 */
        ssai    0
        rsr     a9, sar
        result  a9
        ssai    31
        src     a10, a2, a3
        result  a10
        /* WSR SAR keeps 6 bits */
        movi    a9, 0xFFFFFFFF
        wsr     a9, sar
        rsr     a9, sar
        result  a9
        /* immediate shifts */
        slli    a10, a3, 1
        result  a10
        slli    a10, a3, 31
        result  a10
        srli    a10, a3, 0
        result  a10
        srli    a10, a3, 15
        result  a10
        srai    a10, a3, 0
        result  a10
        srai    a10, a3, 31
        result  a10
        srai    a10, a3, 16
        result  a10
        /* SAR survives as left by the last SSL */
        movi    a4, 7
        ssl     a4
        j       xt_test_done
