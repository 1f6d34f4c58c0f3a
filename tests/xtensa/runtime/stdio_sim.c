/*
 * picolibc's stdout for test programs: picolibc leaves `stdout` to the application (REFERENCE.md
 * section 2). Characters are collected per line and written to host fd 1 with simcall write.
 */
#include <stdio.h>
#include "semihost.h"

static char out_buf[256];
static unsigned out_len;

void xt_stdout_flush(void)
{
    if (out_len) {
        xt_write(1, out_buf, out_len);
        out_len = 0;
    }
}

static int sim_putc(char c, FILE *f)
{
    (void)f;
    out_buf[out_len++] = c;
    if (c == '\n' || out_len == sizeof out_buf)
        xt_stdout_flush();
    return (unsigned char)c;
}

static int sim_flush(FILE *f)
{
    (void)f;
    xt_stdout_flush();
    return 0;
}

static FILE sim_stdout = FDEV_SETUP_STREAM(sim_putc, NULL, sim_flush, _FDEV_SETUP_WRITE);
FILE *const stdout = &sim_stdout;
