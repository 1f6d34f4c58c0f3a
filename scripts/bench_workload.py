# CPU-bound MicroPython workload for scripts/bench.sh: recursion, dict and integer loops.
#
# It must run unchanged on the ports/qemu firmware, which has no `time` module, so it does no
# timing itself: bench.sh times it from the host. It prints exactly one line, at the very end
# (bench.sh stops its clock at the first output byte), holding a checksum that is the same on
# every correct interpreter, CPython included (no reduction depends on dict order or on the
# width of small ints). About 1.3 s of CPU time under qemu-system-arm 7.2 on the MPS2_AN385
# firmware (a fresh QEMU process each run, so that includes translating the interpreter's code).


def fib(n):
    # Plain recursion: call/return overhead, small-int arithmetic.
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def dict_work(rounds, size):
    # Dict insert/lookup/update with int and str keys; order-independent reduction.
    d = {}
    names = {}
    acc = 0
    for r in range(rounds):
        for i in range(size):
            k = (i * 7 + r) % size
            d[k] = d.get(k, 0) + i
            if i % 8 == 0:
                s = "k" + str(k)
                names[s] = names.get(s, 0) + 1
        for k in d:
            acc = (acc + k * d[k]) & 0xFFFFFF
    for s in names:
        acc = (acc + len(s) * names[s]) & 0xFFFFFF
    return acc


def int_loop(n):
    # Tight integer loop: multiply, modulo, xor, accumulate (stays within small ints).
    x = 12345
    s = 0
    for i in range(n):
        x = (x * 75 + 74) % 65537
        s = (s + (x ^ i)) & 0x3FFFFFFF
    return s


def main():
    a = fib(25)
    b = dict_work(150, 500)
    c = int_loop(300000)
    print("checksum", a, b, c, (a * 31 + b * 17 + c) & 0xFFFFFFFF)


main()
