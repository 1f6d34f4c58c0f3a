// Xtensa LX106 special registers and interrupt assignment of the ESP8266, as C helpers.
//
// Special register numbers and PS layout: Xtensa Instruction Set Architecture Reference Manual
// (ISA RM) §5.3 "Special Registers"; REFERENCE.md §5. Interrupt numbers
// of the ESP8266 (ESP8266 Technical Reference / SDK ets_sys.h): UART0/UART1 5, CCOMPARE0 6,
// software 7, watchdog 8, FRC1 timer 9, FRC2 timer 10, GPIO 4.
#ifndef BOARDEMU_ESP8266_LX106_H
#define BOARDEMU_ESP8266_LX106_H

#include <stdint.h>

// PS fields (ISA RM §4.4.1.4, XEA2): INTLEVEL [3:0], EXCM 4, UM 5.
#define LX106_PS_INTLEVEL_MASK  (0xfu)
#define LX106_PS_EXCM           (1u << 4)
#define LX106_PS_UM             (1u << 5)

// ESP8266 CPU interrupt numbers (level-1 interrupts, bit positions in INTENABLE/INTERRUPT).
#define ESP8266_INUM_GPIO       (4)
#define ESP8266_INUM_UART       (5)
#define ESP8266_INUM_CCOMPARE0  (6)
#define ESP8266_INUM_SOFT       (7)
#define ESP8266_INUM_WDT        (8)
#define ESP8266_INUM_FRC1       (9)
#define ESP8266_INUM_FRC2       (10)

// CPU clock: the ESP8266 runs its LX106 at 80 MHz (ESP8266EX Datasheet §3.1); CCOUNT counts
// processor cycles.
#define ESP8266_CPU_HZ          (80000000u)

static inline uint32_t lx106_ccount(void) {
    uint32_t v;
    __asm__ volatile ("rsr.ccount %0" : "=a" (v));
    return v;
}

// Writing CCOMPARE0 also clears a pending timer interrupt (ISA RM §4.4.6, Timer Interrupt Option).
static inline void lx106_set_ccompare0(uint32_t v) {
    __asm__ volatile ("wsr.ccompare0 %0; esync" :: "a" (v));
}

static inline uint32_t lx106_intenable(void) {
    uint32_t v;
    __asm__ volatile ("rsr.intenable %0" : "=a" (v));
    return v;
}

static inline void lx106_set_intenable(uint32_t v) {
    __asm__ volatile ("wsr.intenable %0; rsync" :: "a" (v));
}

// INTCLEAR: clears latched edge-triggered (8..13) and software interrupts (ISA RM §4.4.6).
static inline void lx106_intclear(uint32_t mask) {
    __asm__ volatile ("wsr.intclear %0; rsync" :: "a" (mask));
}

static inline uint32_t lx106_interrupt(void) {
    uint32_t v;
    __asm__ volatile ("rsr.interrupt %0" : "=a" (v));
    return v;
}

// RSIL: raises PS.INTLEVEL, returning the old PS; level 1 masks every ESP8266 interrupt but NMI.
static inline uint32_t lx106_raise_intlevel(void) {
    uint32_t ps;
    __asm__ volatile ("rsil %0, 1" : "=a" (ps) :: "memory");
    return ps;
}

static inline void lx106_restore_ps(uint32_t ps) {
    __asm__ volatile ("wsr.ps %0; rsync" :: "a" (ps) : "memory");
}

// WAITI 0: lowers PS.INTLEVEL to 0 and stalls until an interrupt is taken (ISA RM, WAITI);
// the interrupt handler runs, then execution continues after WAITI with PS.INTLEVEL = 0.
static inline void lx106_waiti(void) {
    __asm__ volatile ("waiti 0" ::: "memory");
}

#endif // BOARDEMU_ESP8266_LX106_H
