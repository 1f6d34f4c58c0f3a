/*
 * Branches (ISA RM ch. 8; REFERENCE.md section 5): each case shifts a 1 into a bit mask when the
 * branch is NOT taken, so a result word is the taken/not-taken pattern of 32 cases.
 *   BEQI/BNEI/BLTI/BGEI compare with the B4CONST table (-1,1,2,3,4,5,6,7,8,10,12,16,32,64,128,256),
 *   BLTUI/BGEUI with B4CONSTU (32768,65536,2..8,10,12,16,32,64,128,256);
 *   BBCI/BBSI with bit numbers 0..31 (bit = (r & 1) << 4 | t in the encoding);
 *   register forms BEQ BNE BLT BGE BLTU BGEU BALL BNALL BANY BNONE BBC BBS;
 *   BEQZ BNEZ BLTZ BGEZ (12-bit offsets) and the narrow BEQZ.N/BNEZ.N (forward only).
 */
#include "common.inc"
        .set    case_count, 0
        .macro  case insn:vararg
        slli    a12, a12, 1
        \insn,  1f
        addi    a12, a12, 1
1:
        .set    case_count, case_count + 1
        .if     case_count == 32
        result  a12
        movi    a12, 0
        .set    case_count, 0
        .endif
        .endm
        .macro  flush
        result  a12
        movi    a12, 0
        .set    case_count, 0
        .endm

        .macro  b4const_cases value
        movi    a2, \value
        case    beqi a2, -1
        case    beqi a2, 1
        case    beqi a2, 8
        case    beqi a2, 256
        case    bnei a2, 10
        case    bnei a2, 12
        case    blti a2, 16
        case    blti a2, -1
        case    bgei a2, 64
        case    bgei a2, 128
        case    bltui a2, 32768
        case    bltui a2, 65536
        case    bltui a2, 2
        case    bgeui a2, 5
        case    bgeui a2, 65536
        case    bgeui a2, 256
        .endm
main:
        results_init
        movi    a12, 0
        b4const_cases -1
        b4const_cases 1
        b4const_cases 8
        b4const_cases 12
        b4const_cases 256
        b4const_cases 32768
        b4const_cases 65536
        b4const_cases -32768
        flush
        /* every B4CONST value for BEQI and BLTI with a2 = 7 */
        movi    a2, 7
        .irp    c, -1, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256
        case    beqi a2, \c
        case    blti a2, \c
        .endr
        .irp    c, 32768, 65536, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256
        case    bgeui a2, \c
        .endr
        .irp    c, -1, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256
        case    bnei a2, \c
        .endr
        /* BBCI/BBSI on every bit of a pattern */
        movi    a3, 0x8001A5C3
        .irp    b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
        case    bbsi a3, \b
        case    bbci a3, \b + 16
        .endr
        /* register-register forms */
        movi    a4, -5
        movi    a5, 3
        movi    a6, 0x0F
        movi    a7, 0x07
        movi    a8, 0x30
        case    beq a4, a4
        case    beq a4, a5
        case    bne a4, a5
        case    blt a4, a5
        case    blt a5, a4
        case    bge a4, a4
        case    bltu a4, a5
        case    bgeu a4, a5
        case    ball a6, a7
        case    ball a7, a6
        case    bnall a7, a6
        case    bany a6, a8
        case    bnone a6, a8
        case    bnone a7, a6
        case    bbc a3, a5
        case    bbs a3, a5
        ssai    0
        movi    a9, 31
        case    bbs a3, a9
        movi    a9, 32 + 2              /* BBC/BBS use the low 5 bits of the bit number */
        case    bbc a3, a9
        movi    a10, 0
        case    _beqz a10               /* "_": the assembler keeps the wide form */
        case    _bnez a10
        case    bltz a4
        case    bgez a4
        case    bgez a10
        case    beqz.n a10
        case    bnez.n a4
        case    bnez.n a10
        case    beqz.n a4
        flush
        /* a long backward branch and a taken BNEZ far forward over padding */
        movi    a11, 3
2:      addi    a11, a11, -1
        _bnez   a11, 2b
        result  a11
        movi    a11, 1
        _bnez   a11, 3f
        movi    a11, 99
        .space  1500, 0                 /* never executed: 0x000000 would be ILL */
3:      result  a11
        j       xt_test_done
