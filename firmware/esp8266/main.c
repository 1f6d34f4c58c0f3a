// boardemu ESP8266 port: start-up, REPL loop with soft reset, GC root scan, fatal errors.
//
// vectors.S has set up the stack (top of DRAM), VECBASE and PS and cleared .bss before
// esp8266_main runs; .data was placed in DRAM by the ELF loader.

#include <stdio.h>
#include <string.h>

#include "py/compile.h"
#include "py/gc.h"
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/cstack.h"
#include "extmod/vfs.h"
#include "shared/runtime/pyexec.h"
#include "shared/runtime/softtimer.h"
#include "esp8266_rtc.h"
#include "machine_pin.h"
#include "lx106.h"

// Linker symbols (esp8266.ld): the GC heap lies between .bss and the stack.
extern uint8_t _heap_start[], _heap_end[], _stack_top[];

void esp8266_console_init(void);
void esp8266_native_code_init(void);
uintptr_t lx106_gc_get_regs_and_sp(uintptr_t regs[16]);
void esp8266_main(void) __attribute__((noreturn));

void esp8266_main(void) {
    esp8266_console_init();
    esp8266_time_init();
    esp8266_rtc_init();
    #if MICROPY_PY_MACHINE_TIMER
    esp8266_soft_timer_init();
    #endif
    // Drivers are set up: unmask level-1 interrupts (PS.INTLEVEL = 0, keeping UM).
    lx106_restore_ps(LX106_PS_UM);

    for (;;) {
        // Leave some margin below the stack limit for the ISR frame and the C code that runs
        // between two stack checks. (py/cstack.h: the API that stays in MicroPython 2.0.)
        mp_cstack_init_with_top(_stack_top, MICROPY_STACK_SIZE - 1024);
        gc_init(_heap_start, _heap_end);
        #if MICROPY_EMIT_MACHINE_CODE
        esp8266_native_code_init();
        #endif
        mp_init();
        esp8266_pin_init();
        esp8266_pwm_init();
        #if MICROPY_VFS_ROM && MICROPY_VFS_ROM_IOCTL
        mp_vfs_mount_romfs_protected();
        #endif
        // As upstream ports: the frozen _boot mounts the flash filesystem at "/" (making one
        // on first boot), then the user's boot.py runs, and main.py unless this soft reset
        // is for the raw REPL (tools such as mpremote and run-tests.py).
        pyexec_frozen_module("_boot.py", false);
        pyexec_file_if_exists("boot.py");
        if (pyexec_mode_kind == PYEXEC_MODE_FRIENDLY_REPL) {
            pyexec_file_if_exists("main.py");
        }

        for (;;) {
            if (pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
                if (pyexec_raw_repl() != 0) {
                    break;
                }
            } else {
                if (pyexec_friendly_repl() != 0) {
                    break;
                }
            }
        }

        mp_printf(&mp_plat_print, "MPY: soft reboot\n");
        #if MICROPY_PY_MACHINE_TIMER
        soft_timer_deinit();   // timers made by Python code go with its heap
        #endif
        gc_sweep_all();
        mp_deinit();
    }
}

void gc_collect(void) {
    gc_collect_start();
    // a0..a15 go to the stack array first, so scanning from the returned SP (below the array)
    // covers every register as well as the whole C stack.
    uintptr_t regs[16];
    uintptr_t sp = lx106_gc_get_regs_and_sp(regs);
    if ((uintptr_t)regs < sp) {
        gc_collect_root((void **)regs, 16);
    }
    gc_collect_root((void **)sp, ((uintptr_t)_stack_top - sp) / sizeof(uintptr_t));
    #if MICROPY_PY_MACHINE_TIMER
    soft_timer_gc_mark_all();
    #endif
    gc_collect_end();
}

void nlr_jump_fail(void *val) {
    mp_printf(&mp_plat_print, "FATAL: uncaught NLR %p\n", val);
    for (;;) {
        lx106_waiti();
    }
}

// Called by vectors.S for any exception the firmware does not handle (cause -1: double
// exception, pc = DEPC). Reports and returns to vectors.S, which restarts the firmware.
void lx106_fatal_exception(int cause, uint32_t pc, uint32_t vaddr, uint32_t a0) {
    mp_printf(&mp_plat_print, "\nFatal exception %d: pc=0x%08x excvaddr=0x%08x a0=0x%08x\n",
        cause, (unsigned)pc, (unsigned)vaddr, (unsigned)a0);
}


#ifndef NDEBUG
void __assert_func(const char *file, int line, const char *func, const char *expr) {
    mp_printf(&mp_plat_print, "Assertion '%s' failed, at file %s:%d\n", expr, file, line);
    for (;;) {
        lx106_waiti();
    }
}
#endif
