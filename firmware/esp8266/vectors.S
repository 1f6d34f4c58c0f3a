// Reset entry, XEA2 exception vectors and low-level exception/interrupt handlers for the
// ESP8266 (Xtensa LX106, call0 ABI), plus the GC register helper.
//
// References: Xtensa Instruction Set Architecture Reference Manual (ISA RM) §4.4 "Exception
// Option" (XEA2: EPC1, EXCSAVE1, exccause, excvaddr, PS.EXCM, RFE), §4.4.1.5 exception causes
// (3 LoadStoreError, 4 Level1Interrupt); LX106 vector offsets from vecbase (QEMU's core-lx106
// core-isa.h, REFERENCE.md §5): Debug 0x10, NMI 0x20, Kernel 0x30, User 0x50, Double 0x70.
//
// Register usage of the handlers below: EXCSAVE1 holds the interrupted a0 from the vector to
// the handler; nothing else is assumed about the interrupted code (any a-register may be live).

#include "lx106_asm.h"

// ---------------------------------------------------------------------------------------------
// Vector table (vecbase). Each slot is only 16 or 32 bytes long, so the vectors just park a0 in
// EXCSAVE1 and jump to the handler.
    .section .vectors, "ax"
    .begin  no-transform
    .global _vector_table
    .align  256
_vector_table:
    .org    0x10                    // DebugExceptionVector (debug level 2): nothing to debug
    rfi     2
    .org    0x20                    // NMIExceptionVector (level 3): no NMI source is used
    rfi     3
    .org    0x30                    // KernelExceptionVector (PS.UM = 0)
    wsr     a0, excsave1
    j       _general_exception
    .org    0x50                    // UserExceptionVector (PS.UM = 1, the normal case)
    wsr     a0, excsave1
    j       _general_exception
    .org    0x70                    // DoubleExceptionVector (exception while PS.EXCM = 1)
    wsr     a0, excsave1
    j       _double_exception
    .end    no-transform

    .section .iram0.text, "ax"
    .literal_position

// ---------------------------------------------------------------------------------------------
// Reset. The emulator starts here with the LX106 reset PS (EXCM = 1, INTLEVEL = 15) and no ROM:
// set vecbase, the stack, PS, clear .bss, and call main. Also entered again after a fatal
// exception (see lx106_fatal_exception), which makes it a software restart.
    .global _start
    .type   _start, @function
    .align  4
_start:
    movi    a0, 0
    movi    a1, _stack_top
    movi    a2, _vector_table
    wsr     a2, vecbase
    // Normal operation: user vector mode, exceptions enabled, interrupts masked until the
    // drivers are initialised (main lowers INTLEVEL).
    movi    a2, PS_UM | 15
    wsr     a2, ps
    rsync
    movi    a2, 0
    wsr     a2, intenable
    wsr     a2, litbase
    isync
    // Zero .bss, a word at a time (DRAM).
    movi    a2, _bss_start
    movi    a3, _bss_end
1:  bgeu    a2, a3, 2f
    s32i    a0, a2, 0
    addi    a2, a2, 4
    j       1b
2:  movi    a2, esp8266_main
    callx0  a2
    // main never returns; if it does, restart.
    j       _start
    .size   _start, . - _start

// ---------------------------------------------------------------------------------------------
// General exception dispatch (level-1 interrupts and exceptions): exccause tells which.
    .align  4
_general_exception:
    rsr     a0, exccause
    bnei    a0, EXCCAUSE_LOAD_STORE_ERROR, 1f
    j       _load_store_error
1:  bnei    a0, EXCCAUSE_LEVEL1_INTERRUPT, 2f
    j       _level1_interrupt
2:  j       _fatal_exception

// ---------------------------------------------------------------------------------------------
// LoadStoreError: the ESP8266's IRAM and flash cache window accept only aligned 32-bit loads;
// an L8UI/L16UI/L16SI there faults with exccause 3 and excvaddr = the address. Emulate the
// load: read the aligned word holding it, extract the byte/halfword, write the instruction's
// target register and resume after the (3-byte, RRI8 format) instruction. Runs with PS.EXCM = 1
// (interrupts and further exceptions excluded), so a static save area is enough. Only a2..a5
// are touched besides the target register, to keep the common path short (~40 instructions).
//
// RRI8 load encoding (ISA RM §7.3, LSAI opcode group): op0 = bits 3:0 = 2, t = bits 7:4
// (target), s = bits 11:8 (base), r = bits 15:12 (0 L8UI, 1 L16UI, 9 L16SI), imm8 = 23:16.
    .section .bss.lse_save, "aw", @nobits
    .align  4
_lse_save:
    .space  16 * 4
    // Number of emulated loads since reset (diagnostics: machine.mem32[lx106_lse_count]).
    .global lx106_lse_count
lx106_lse_count:
    .space  4
    .section .iram0.text, "ax"
    .literal_position
    .align  4
_load_store_error:
    movi    a0, _lse_save
    s32i    a2, a0, 8               // a2..a5 are the handler's scratch registers
    s32i    a3, a0, 12
    s32i    a4, a0, 16
    s32i    a5, a0, 20
    l32i    a2, a0, 64              // lx106_lse_count follows the save area
    addi    a2, a2, 1
    s32i    a2, a0, 64
    // The instruction at EPC1 may itself be in flash or IRAM: fetch its bytes with two aligned
    // 32-bit loads and funnel-shift them into place (SSA8L + SRC, little-endian).
    rsr     a2, epc1
    movi    a3, ~3
    and     a3, a2, a3
    l32i    a4, a3, 0
    l32i    a5, a3, 4
    ssa8l   a2
    src     a4, a5, a4              // a4[23:0] = the instruction
    addi    a2, a2, 3               // resume after it (RRI8 loads are 3 bytes)
    wsr     a2, epc1
    extui   a5, a4, 0, 4            // op0
    bnei    a5, 2, .Llse_unknown
    // The data: aligned word containing EXCVADDR, shifted so the addressed byte is at bit 0.
    rsr     a3, excvaddr
    movi    a2, ~3
    and     a2, a3, a2
    l32i    a2, a2, 0
    ssa8l   a3
    srl     a2, a2
    extui   a5, a4, 12, 4           // r: which load
    bnez    a5, 1f
    extui   a2, a2, 0, 8            // L8UI
    j       .Llse_write
1:  bnei    a5, 1, 2f
    extui   a2, a2, 0, 16           // L16UI
    j       .Llse_write
2:  movi    a3, 9
    bne     a5, a3, .Llse_unknown
    slli    a2, a2, 16              // L16SI: sign-extend bit 15
    srai    a2, a2, 16
.Llse_write:
    // Write the value (a2) to the target register t through a table of 8-byte stubs, one per
    // register: a6..a15 directly, a2..a5 into their save slots (restored below), a0 into
    // EXCSAVE1 (which holds the interrupted a0). A load into a1 (the stack pointer) is refused.
    extui   a5, a4, 4, 4            // t
    movi    a3, .Llse_targets
    addx8   a3, a5, a3
    jx      a3
    .begin  no-transform
    .align  8
.Llse_targets:
    wsr     a2, excsave1            // t = 0
    j       .Llse_restore
    .align  8
    j       .Llse_unknown           // t = 1
    .align  8
    s32i    a2, a0, 8               // t = 2
    j       .Llse_restore
    .align  8
    s32i    a2, a0, 12
    j       .Llse_restore
    .align  8
    s32i    a2, a0, 16
    j       .Llse_restore
    .align  8
    s32i    a2, a0, 20
    j       .Llse_restore
    .align  8
    mov     a6, a2                  // t = 6
    j       .Llse_restore
    .align  8
    mov     a7, a2
    j       .Llse_restore
    .align  8
    mov     a8, a2
    j       .Llse_restore
    .align  8
    mov     a9, a2
    j       .Llse_restore
    .align  8
    mov     a10, a2
    j       .Llse_restore
    .align  8
    mov     a11, a2
    j       .Llse_restore
    .align  8
    mov     a12, a2
    j       .Llse_restore
    .align  8
    mov     a13, a2
    j       .Llse_restore
    .align  8
    mov     a14, a2
    j       .Llse_restore
    .align  8
    mov     a15, a2                 // t = 15
    j       .Llse_restore
    .end    no-transform
.Llse_restore:
    l32i    a2, a0, 8
    l32i    a3, a0, 12
    l32i    a4, a0, 16
    l32i    a5, a0, 20
    rsr     a0, excsave1
    rfe
.Llse_unknown:
    // Not a narrow load (e.g. a store to IRAM/flash): a genuine error. Restore and report.
    rsr     a2, epc1
    addi    a2, a2, -3
    wsr     a2, epc1
    l32i    a2, a0, 8
    l32i    a3, a0, 12
    l32i    a4, a0, 16
    l32i    a5, a0, 20
    j       _fatal_exception

// ---------------------------------------------------------------------------------------------
// Level-1 interrupt (exccause 4). Save the interrupted context on its own stack, then run the
// C dispatcher with PS.EXCM = 0 and PS.INTLEVEL = 1: level-1 interrupts stay masked, but
// exceptions (LoadStoreError from flash rodata in C code) are handled normally. The saved ps
// has EXCM = 1 (set on entry); restoring it and RFE returns to the interrupted code.
#define IRQ_FRAME   80
    .align  4
_level1_interrupt:
    addi    a1, a1, -IRQ_FRAME
    s32i    a2, a1, 8
    rsr     a2, excsave1
    s32i    a2, a1, 0               // a0
    s32i    a3, a1, 12
    s32i    a4, a1, 16
    s32i    a5, a1, 20
    s32i    a6, a1, 24
    s32i    a7, a1, 28
    s32i    a8, a1, 32
    s32i    a9, a1, 36
    s32i    a10, a1, 40
    s32i    a11, a1, 44
    s32i    a12, a1, 48
    s32i    a13, a1, 52
    s32i    a14, a1, 56
    s32i    a15, a1, 60
    rsr     a2, epc1
    s32i    a2, a1, 64
    rsr     a2, sar
    s32i    a2, a1, 68
    rsr     a2, ps
    s32i    a2, a1, 72
    movi    a2, PS_UM | 1
    wsr     a2, ps
    rsync
    movi    a0, lx106_irq_dispatch
    callx0  a0
    l32i    a2, a1, 72
    wsr     a2, ps                  // EXCM = 1 again: no interrupt/exception until RFE
    rsync
    l32i    a2, a1, 64
    wsr     a2, epc1
    l32i    a2, a1, 68
    wsr     a2, sar
    l32i    a0, a1, 0
    l32i    a2, a1, 8
    l32i    a3, a1, 12
    l32i    a4, a1, 16
    l32i    a5, a1, 20
    l32i    a6, a1, 24
    l32i    a7, a1, 28
    l32i    a8, a1, 32
    l32i    a9, a1, 36
    l32i    a10, a1, 40
    l32i    a11, a1, 44
    l32i    a12, a1, 48
    l32i    a13, a1, 52
    l32i    a14, a1, 56
    l32i    a15, a1, 60
    addi    a1, a1, IRQ_FRAME
    rfe

// ---------------------------------------------------------------------------------------------
// Fatal exceptions (anything but LoadStoreError/Level1Interrupt) and double exceptions: report
// cause, PC and address through the console and restart the firmware (what the ESP8266's
// watchdog would end up doing). Interrupts stay masked (INTLEVEL 15); EXCM is cleared so the
// report can read its strings from flash.
    .align  4
_double_exception:
    movi    a2, -1                  // "cause" -1: double exception; depc holds the PC
    rsr     a3, depc
    j       1f
_fatal_exception:
    rsr     a2, exccause
    rsr     a3, epc1
1:  rsr     a4, excvaddr
    rsr     a5, excsave1           // interrupted a0 (return address, for the report)
    movi    a6, PS_UM | 15
    wsr     a6, ps
    rsync
    movi    a1, _stack_top
    movi    a0, lx106_fatal_exception
    callx0  a0                      // does not return
    j       _start

// ---------------------------------------------------------------------------------------------
// GC helper (call0 ABI): store a0..a15 into regs[16] (a2) so the collector scans any heap
// pointer held only in a register, and return the stack pointer.
//   uintptr_t lx106_gc_get_regs_and_sp(uintptr_t regs[16]);
    .section .iram0.text, "ax"
    .global lx106_gc_get_regs_and_sp
    .type   lx106_gc_get_regs_and_sp, @function
    .align  4
lx106_gc_get_regs_and_sp:
    s32i    a0, a2, 0
    s32i    a1, a2, 4
    s32i    a2, a2, 8
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
    mov     a2, a1
    ret
    .size   lx106_gc_get_regs_and_sp, . - lx106_gc_get_regs_and_sp

#ifdef LX106_SIM
// ---------------------------------------------------------------------------------------------
// QEMU `-M sim -cpu lx106` starts at 0x50000000 regardless of the ELF entry: jump to _start.
    .section .sim_entry, "ax"
    .begin  no-transform
    .global _sim_entry
_sim_entry:
    j       1f
    .align  4
2:  .word   _start
1:  l32r    a2, 2b
    jx      a2
    .end    no-transform
#endif
