/*
 * Semihosting through the Xtensa `simcall` instruction, as implemented by QEMU's Xtensa
 * machines with -semihosting and by boardemu's lx106 backend (REFERENCE.md section 5):
 * a2 = call number, arguments in a3..a6, result in a2, errno in a3.
 */
#ifndef XT_SEMIHOST_H
#define XT_SEMIHOST_H

#include <stddef.h>

enum { XT_SIMCALL_EXIT = 1, XT_SIMCALL_READ = 3, XT_SIMCALL_WRITE = 4 };

static inline int xt_simcall(int call, int arg1, int arg2, int arg3)
{
    register int a2 __asm__("a2") = call;
    register int a3 __asm__("a3") = arg1;
    register int a4 __asm__("a4") = arg2;
    register int a5 __asm__("a5") = arg3;
    __asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

/* write(fd, buf, len) on the host. */
static inline int xt_write(int fd, const void *buf, size_t len)
{
    return xt_simcall(XT_SIMCALL_WRITE, fd, (int)(size_t)buf, (int)len);
}

void xt_exit(int status) __attribute__((noreturn));

#endif
