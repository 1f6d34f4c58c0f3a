// MicroPython configuration for boardemu's ESP8266 port (our own port, not ports/esp8266).
//
// Target: Espressif ESP8266EX, Tensilica Xtensa LX106 core at 80 MHz (ESP8266EX Datasheet §3.1),
// call0 ABI (no register windows), no FPU, no hardware divide. The memory map follows the
// ESP8266 Technical Reference, "Memory map" (and REFERENCE.md §5):
//
//   DRAM  0x3FFE8000..0x3FFFFFFF  96 KiB  any access width (the top 16 KiB are the mask ROM's
//           when ROM code runs; none does here). Split (see esp8266.ld):
//           hot rodata tables, .data, .bss  (qstr hashes/lengths, parser tables; MicroPython
//                                           state, UART ring buffer; ~5 KiB)
//           GC heap                         (everything between .bss and the stack; 83 KiB)
//           C stack, MICROPY_STACK_SIZE     (top of DRAM, where the SDK's stack is; 8 KiB)
//   IRAM  0x40100000..0x40107FFF  32 KiB  aligned 32-bit accesses only: vectors, exception and
//           interrupt handlers, the LoadStoreError emulation, the UART ISR.
//   FLASH 0x40200000..0x402FFFFF  1 MiB   SPI flash through the cache, execute in place, aligned
//           32-bit accesses only: the rest of the code AND all rodata (qstr pool, strings,
//           tables). Byte/halfword loads from it raise LoadStoreError (EXCCAUSE 3), which
//           vectors.S emulates (as real ESP8266 firmware does).
//
// BOARD=ESP8266 (default) drives UART0 of the ESP8266; BOARD=LX106_SIM is the same firmware
// for QEMU's `-M sim -cpu lx106` (console through the simcall semihosting interface, entry stub
// at 0x50000000), used to check the port against a reference emulator.

#include <stddef.h>
#include <stdint.h>
#include <alloca.h>

#define MICROPY_CONFIG_ROM_LEVEL            (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

// Memory: the C stack is at the top of DRAM (linker symbols _stack_top / _heap_start).
// 8 KiB: a Python-level call takes ~300 bytes of C stack on the call0 ABI (mp_execute_bytecode
// alone 144), so this allows ~24 nested calls (the real port's limit is 8 KiB too). 6 KiB gave
// the heap 2 KiB more but only ~17 levels; MICROPY_STACKLESS (frames on the heap) made calls
// ten times slower with this heap. Tests needing one 64 KiB block still pass with 8 KiB.
#define MICROPY_STACK_SIZE                  (8 * 1024)
#define MICROPY_ENABLE_GC                   (1)
#define MICROPY_GC_STACK_ENTRY_TYPE         uint16_t   // heap < 64 Ki blocks: halves the GC stack
#define MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF (1)
#define MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE (0)
#define MICROPY_MALLOC_USES_ALLOCATED_SIZE  (1)
#define MICROPY_MEM_STATS                   (1)
#define MICROPY_ALLOC_PATH_MAX              (128)
#define MICROPY_ALLOC_PARSE_CHUNK_INIT      (64)
#define MICROPY_QSTR_BYTES_IN_HASH          (1)

// Native code emitter for Xtensa (call0 ABI): @micropython.native/@viper and native .mpy code,
// committed to IRAM (native.c; DRAM is not executable on the ESP8266).
#define MICROPY_EMIT_XTENSA                 (1)
#define MP_PLAT_COMMIT_EXEC(buf, len, reloc) esp8266_native_code_commit(buf, len, reloc)
#define MICROPY_PERSISTENT_CODE_LOAD        (1)
#define MICROPY_LONGINT_IMPL                (MICROPY_LONGINT_IMPL_MPZ)
#define MICROPY_FLOAT_IMPL                  (MICROPY_FLOAT_IMPL_FLOAT)
#define MICROPY_WARNINGS                    (1)
#define MICROPY_USE_INTERNAL_ERRNO          (1)
#define MICROPY_HELPER_REPL                 (1)
#define MICROPY_REPL_EVENT_DRIVEN           (0)
#define MICROPY_KBD_EXCEPTION               (1)

// Import of .py/.mpy through the VFS (user-defined filesystems, as the test suite mounts).
#define MICROPY_ENABLE_EXTERNAL_IMPORT      (1)
#define MICROPY_READER_VFS                  (1)
#define MICROPY_VFS                         (1)
#define MICROPY_VFS_ROM                     (1)
#define MICROPY_VFS_ROM_IOCTL               (1)   // romfs.c: 320 KiB segment in flash at 0x402B0000

// Modules.
#define MICROPY_PY_SYS_PLATFORM             "esp8266"
#define MICROPY_PY_SYS_STDIO_BUFFER         (1)
#define MICROPY_PY_SELECT                   (1)
#define MICROPY_PY_ASYNCIO                  (1)
#define MICROPY_PY_TIME                     (1)
#define MICROPY_PY_TIME_GMTIME_LOCALTIME_MKTIME (1)
#define MICROPY_PY_TIME_TIME_TIME_NS        (1)
#define MICROPY_PY_TIME_INCLUDEFILE         "esp8266_time.c"
#define MICROPY_PY_OS                       (1)
#define MICROPY_PY_OS_UNAME                 (1)
#define MICROPY_PY_MACHINE                  (1)
#define MICROPY_PY_MACHINE_INCLUDEFILE      "esp8266_machine.c"
#define MICROPY_PY_MACHINE_RESET            (1)
#define MICROPY_PY_MACHINE_BARE_METAL_FUNCS (1)
#define MICROPY_PY_MACHINE_DISABLE_IRQ_ENABLE_IRQ (1)
#define MICROPY_PY_MACHINE_PIN_BASE         (1)
#define MICROPY_PY_MACHINE_PIN_MAKE_NEW     mp_pin_make_new   // Signal(4, Pin.OUT)
// Bit-banged buses over machine.Pin (mp_hal_pin_* in mphalport.h). As upstream esp8266,
// machine.I2C is the software I2C too (esp8266_machine.c).
#define MICROPY_PY_MACHINE_SOFTI2C          (1)
#define MICROPY_PY_MACHINE_SOFTSPI          (1)
// machine.SPI(1): the HSPI controller (machine_hw_spi.c). QEMU's sim machine has none: there
// a machine.SPI that polled absent registers would hang, so LX106_SIM goes without it.
#if defined(LX106_SIM)
#define MICROPY_PY_MACHINE_SPI              (0)
#else
#define MICROPY_PY_MACHINE_SPI              (1)
#endif
// Software PWM on FRC1 (esp8266_pwm.c), as upstream esp8266: 8 channels, 1..1000 Hz, 10 bits.
#define MICROPY_PY_MACHINE_PWM              (1)
#define MICROPY_PY_MACHINE_PWM_DUTY         (1)
#define MICROPY_PY_MACHINE_PWM_INCLUDEFILE  "esp8266_pwm.c"
#if !defined(LX106_SIM)
// machine.Timer: virtual timers (extmod/machine_timer.c on shared/runtime/softtimer.c) driven
// by FRC2 (esp8266_timer.c); machine.WDT on the hardware watchdog (esp8266_machine_wdt.c).
#define MICROPY_PY_MACHINE_TIMER            (1)
#define MICROPY_PY_MACHINE_WDT              (1)
#define MICROPY_PY_MACHINE_WDT_INCLUDEFILE  "esp8266_machine_wdt.c"
#endif
// machine.ADC(0) on TOUT and ADC(1) on VDD3P3, as upstream esp8266 (esp8266_machine_adc.c; named apart from
// extmod/machine_adc.c, which would include itself).
// QEMU's sim machine has no SAR block: LX106_SIM goes without it.
#if !defined(LX106_SIM)
#define MICROPY_PY_MACHINE_ADC              (1)
#define MICROPY_PY_MACHINE_ADC_INCLUDEFILE  "esp8266_machine_adc.c"
#define MICROPY_PY_MACHINE_ADC_READ         (1)
#endif
#define MICROPY_PY_SYS_EXC_INFO             (1)
#define MICROPY_PY_SYS_GETSIZEOF            (1)
#define MICROPY_PY_SYS_TRACEBACKLIMIT       (1)
#define MICROPY_PY_IO_BUFFEREDWRITER        (1)
#define MICROPY_PY_COLLECTIONS_NAMEDTUPLE__ASDICT (1)
#define MICROPY_PY_FUNCTION_ATTRS_CODE      (1)
#define MICROPY_PY_BUILTINS_MEMORYVIEW_ITEMSIZE (1)
#define MICROPY_PY_RE_MATCH_GROUPS          (1)
#define MICROPY_PY_RE_MATCH_SPAN_START_END  (1)
#define MICROPY_PY_RE_DEBUG                 (1)
#define MICROPY_PY_MARSHAL                  (1)
#define MICROPY_PY_DEFLATE_COMPRESS         (1)
// Filesystems for block devices (the test suite uses RAM block devices).
#define MICROPY_FATFS_ENABLE_LFN            (1)
#define MICROPY_FATFS_RPATH                 (2)
#define MICROPY_FATFS_MAX_SS                (512)
#define MICROPY_FATFS_LFN_CODE_PAGE         437
#define MICROPY_PY_RANDOM_SEED_INIT_FUNC    (esp8266_random_seed())

// Hooks: poll the scheduler (Ctrl-C raised by the UART ISR) while waiting.
#define MICROPY_INTERNAL_WFE(TIMEOUT_MS)    mp_hal_wait_for_interrupt_ms(TIMEOUT_MS)

// Types.
#define MP_SSIZE_MAX                        (0x7fffffff)
#define UINT_FMT                            "%u"
#define INT_FMT                             "%d"
typedef int32_t mp_int_t;    // must be pointer size
typedef uint32_t mp_uint_t;  // must be pointer size
typedef long mp_off_t;

// lib/libm provides no log2 as a function.
#define MP_NEED_LOG2                        (1)

#define MICROPY_HW_BOARD_NAME               "ESP8266 (boardemu)"
#define MICROPY_HW_MCU_NAME                 "ESP8266"

#define MP_STATE_PORT                       MP_STATE_VM

// Disable/enable interrupts (PS.INTLEVEL) around critical sections; see mphalport.h.
#define MICROPY_BEGIN_ATOMIC_SECTION()      lx106_disable_irq()
#define MICROPY_END_ATOMIC_SECTION(state)   lx106_enable_irq(state)
// The soft-timer heap (shared/runtime/softtimer.c) is shared with the FRC2 interrupt: mask it.
#define MICROPY_PY_PENDSV_ENTER             uint32_t atomic_state = lx106_disable_irq()
#define MICROPY_PY_PENDSV_EXIT              lx106_enable_irq(atomic_state)

uint32_t lx106_disable_irq(void);
void lx106_enable_irq(uint32_t state);
void mp_hal_wait_for_interrupt_ms(mp_int_t timeout_ms);
void *esp8266_native_code_commit(void *buf, size_t len, void *reloc);
uint32_t esp8266_random_seed(void);   // CCOUNT at first use (no hardware RNG modelled)
