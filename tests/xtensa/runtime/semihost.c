/* Program exit through semihosting (see semihost.h). */
#include "semihost.h"

/* Defined by stdio_sim.c in C programs that print through picolibc's stdio. */
void xt_stdout_flush(void) __attribute__((weak));

void xt_exit(int status)
{
    if (xt_stdout_flush)
        xt_stdout_flush();
    xt_simcall(XT_SIMCALL_EXIT, status, 0, 0);
    for (;;)
        ;
}
