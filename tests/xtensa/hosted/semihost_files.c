/*
 * What an lx106 program can reach of the host through SIMCALL file calls (open 5, read 3,
 * write 4, close 6, lseek 19; newlib O_* flags): run by semihost_files_test.py on the
 * lx106-sim board, once without host file access and once with --semihosting-files DIR.
 * Each line of output is "<what>: <result> <guest errno>".
 */
#include <stdio.h>
#include <string.h>

#include "semihost.h"

enum { OPEN = 5, CLOSE = 6, LSEEK = 19 };
enum { O_RD = 0, O_WR = 1, O_CREAT_ = 0x200, O_TRUNC_ = 0x400 };

static int guest_errno;

static int call(int op, int a3, int a4, int a5)
{
    register int a2 __asm__("a2") = op;
    register int r3 __asm__("a3") = a3;
    register int r4 __asm__("a4") = a4;
    register int r5 __asm__("a5") = a5;
    __asm__ volatile("simcall" : "+r"(a2), "+r"(r3) : "r"(r4), "r"(r5) : "memory");
    guest_errno = r3;
    return a2;
}

static int report(const char *what, int result)
{
    printf("%s: %d %d\n", what, result, result < 0 ? guest_errno : 0);
    return result;
}

int main(void)
{
    static char buf[64];
    report("open /etc/passwd", call(OPEN, (int)"/etc/passwd", O_RD, 0));
    report("open ../escape.txt", call(OPEN, (int)"../escape.txt", O_WR | O_CREAT_, 0644));
    report("write fd 5", call(XT_SIMCALL_WRITE, 5, (int)"x", 1));
    report("read fd 3", call(XT_SIMCALL_READ, 3, (int)buf, 1));
    int in = report("open in.txt", call(OPEN, (int)"in.txt", O_RD, 0));
    if (in >= 0) {
        int n = report("read in.txt", call(XT_SIMCALL_READ, in, (int)buf, sizeof buf - 1));
        if (n > 0) {
            buf[n] = 0;
            printf("in.txt says: %s", buf);
        }
        report("lseek in.txt", call(LSEEK, in, 3, 0));
        report("close in.txt", call(CLOSE, in, 0, 0));
    }
    int out = report("open out.txt", call(OPEN, (int)"sub/out.txt", O_WR | O_CREAT_ | O_TRUNC_, 0644));
    if (out >= 0) {
        const char *text = "written by the guest\n";
        report("write out.txt", call(XT_SIMCALL_WRITE, out, (int)text, (int)strlen(text)));
        report("close out.txt", call(CLOSE, out, 0, 0));
    }
    xt_exit(0);
}
