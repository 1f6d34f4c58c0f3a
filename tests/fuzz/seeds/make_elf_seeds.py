#!/usr/bin/env python3
"""Writes the seed corpus of the elf_loader fuzz target (tests/fuzz/corpus/elf_loader/).

Small executables for each board's CPU, built here field by field (ELF32 little-endian, as in
the System V gABI), at addresses inside the boards' memory maps: code and data segments,
.bss (memsz > filesz), a segment at file offset 0 that starts with the headers (as linkers
emit them), section headers with .symtab/.strtab/.shstrtab. Then broken variants, one problem
each: truncation, wrong class/byte order/machine/type, tables beyond the end of the file,
filesz > memsz, segments outside memory or the 32-bit space, bad symbol-table links. Run from
anywhere; it rewrites the directory.
"""
import pathlib
import shutil
import struct
import subprocess
import tempfile

OUT = pathlib.Path(__file__).resolve().parents[1] / "corpus/elf_loader"

EM_ARM, EM_RISCV, EM_XTENSA, EM_X86_64 = 40, 243, 94, 62
ET_REL, ET_EXEC, ET_DYN = 1, 2, 3
PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W, PF_R = 1, 2, 4
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS = 1, 2, 3, 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
EHDR, PHDR, SHDR, SYM = 52, 32, 40, 16


def align(n, a=4):
    return (n + a - 1) // a * a


def build(machine, segments, symbols=(), entry=None, etype=ET_EXEC, flags=0, headers_in_first=False,
          with_sections=True, ident_pad=0):
    """segments: list of (vaddr, bytes, memsz, pflags). Returns the file's bytes."""
    phoff = EHDR
    data_off = align(phoff + PHDR * len(segments), 16)
    body = bytearray()
    seg_offsets = []
    for i, (addr, data, memsz, pflags) in enumerate(segments):
        if headers_in_first and i == 0:
            seg_offsets.append(0)  # the segment starts with the headers
            body += data
        else:
            seg_offsets.append(data_off + len(body))
            body += data
        body += b"\0" * (align(len(body), 4) - len(body))
    # Sections: the segments' contents, then .symtab, .strtab, .shstrtab.
    shstr = bytearray(b"\0")
    def shname(n):
        off = len(shstr)
        shstr.extend(n.encode() + b"\0")
        return off
    strtab = bytearray(b"\0")
    syms = bytearray(b"\0" * SYM)
    for name, value, info, shndx in symbols:
        syms += struct.pack("<IIIBBH", len(strtab), value, 0, info, 0, shndx)
        strtab += name.encode() + b"\0"
    sections = [struct.pack("<10I", *([0] * 10))]
    for i, (addr, data, memsz, pflags) in enumerate(segments):
        off = seg_offsets[i] if not (headers_in_first and i == 0) else data_off
        if headers_in_first and i == 0:
            addr += data_off  # the headers come first in this segment
        sflags = SHF_ALLOC | (SHF_EXECINSTR if pflags & PF_X else SHF_WRITE)
        name = ".text" if pflags & PF_X else ".data"
        sections.append(struct.pack("<10I", shname(name), SHT_PROGBITS, sflags, addr, off, len(data), 0, 0, 4, 0))
        if memsz > len(data):
            sections.append(struct.pack("<10I", shname(".bss"), SHT_NOBITS, SHF_ALLOC | SHF_WRITE,
                                        addr + len(data), off + len(data), memsz - len(data), 0, 0, 4, 0))
    file_tail = bytearray()
    tail_off = data_off + len(body)
    symtab_index = len(sections)
    strtab_index = symtab_index + 1
    sections.append(struct.pack("<10I", shname(".symtab"), SHT_SYMTAB, 0, 0, tail_off, len(syms),
                                strtab_index, 1, 4, SYM))
    file_tail += syms
    sections.append(struct.pack("<10I", shname(".strtab"), SHT_STRTAB, 0, 0, tail_off + len(file_tail),
                                len(strtab), 0, 0, 1, 0))
    file_tail += strtab
    shstr_name = shname(".shstrtab")
    sections.append(struct.pack("<10I", shstr_name, SHT_STRTAB, 0, 0, tail_off + len(file_tail),
                                len(shstr), 0, 0, 1, 0))
    file_tail += shstr
    file_tail += b"\0" * (align(len(file_tail), 4) - len(file_tail))
    shoff = tail_off + len(file_tail) if with_sections else 0
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + b"\0" * 7 + bytes([ident_pad])
    if entry is None:
        entry = segments[0][0] if segments else 0
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", etype, machine, 1, entry, phoff, shoff if with_sections else 0,
                               flags, EHDR, PHDR, len(segments), SHDR if with_sections else 0,
                               len(sections) if with_sections else 0,
                               len(sections) - 1 if with_sections else 0)
    phdrs = bytearray()
    for i, (addr, data, memsz, pflags) in enumerate(segments):
        off = seg_offsets[i]
        filesz = len(data) + (data_off if headers_in_first and i == 0 else 0)
        phdrs += struct.pack("<8I", PT_LOAD, off, addr, addr, filesz, max(memsz, len(data)) +
                             (data_off if headers_in_first and i == 0 else 0), pflags, 4)
    out = bytearray(ehdr + phdrs)
    out += b"\0" * (data_off - len(out))
    out += body + file_tail
    if with_sections:
        out += b"".join(sections)
    return bytes(out)


def code(n, word=0x4770BF00):  # ARM: nop; bx lr
    return struct.pack("<I", word) * n


# Per board: machine, code address, data address, a few code words.
BOARDS = {
    "arm-mps2": (EM_ARM, 0x00000000, 0x20000000, 0x4770BF00, 0),
    "rv32-virt": (EM_RISCV, 0x80000000, 0x80400000, 0x00000013, 0),  # addi x0, x0, 0
    "xtensa-esp8266": (EM_XTENSA, 0x40100000, 0x3FFE8000, 0x0020F000, 0),
    "xtensa-lx106-sim": (EM_XTENSA, 0x50000000, 0x3FFC0000, 0x0020F000, 1),
}


def seeds():
    s = {}
    for name, (em, text, data, word, pad) in BOARDS.items():
        syms = [("_start", text, 0x12, 1), ("main", text + 8, 0x12, 1), ("counter", data, 0x11, 2),
                ("crt.c", 0, 0x04, 0xFFF1)]
        segs = [(text, code(8, word), 32, PF_R | PF_X), (data, b"\x01\x02\x03\x04" * 4, 64, PF_R | PF_W)]
        s[name] = build(em, segs, syms, ident_pad=pad)
        s[name + "-headers-in-segment"] = build(em, segs, syms, headers_in_first=True, ident_pad=pad)
        s[name + "-no-sections"] = build(em, segs[:1], with_sections=False, ident_pad=pad)
    arm = s["arm-mps2"]
    segs = [(0x0, code(8), 32, PF_R | PF_X)]
    s["riscv-float-abi-flags"] = build(EM_RISCV, [(0x80000000, code(4, 0x13), 16, PF_X)], flags=0x5)
    s["arm-overlapping-segments"] = build(EM_ARM, segs + [(0x10, b"\xAA" * 16, 16, PF_R)])
    s["arm-segment-outside-memory"] = build(EM_ARM, [(0x60000000, code(4), 16, PF_X)])
    s["arm-segment-straddles-regions"] = build(EM_ARM, [(0x003FFFF0, code(8), 32, PF_X)])
    s["arm-bss-past-4g"] = build(EM_ARM, [(0xFFFFFFF0, code(2), 0x100, PF_W)])
    s["arm-big-bss"] = build(EM_ARM, [(0x21000000, b"", 0x00800000, PF_W), (0x0, code(2), 8, PF_X)])
    s["arm-no-load-segments"] = build(EM_ARM, [])
    s["arm-relocatable"] = build(EM_ARM, segs, etype=ET_REL)
    s["arm-shared-object"] = build(EM_ARM, segs, etype=ET_DYN)
    s["x86-64-machine"] = build(EM_X86_64, segs)
    s["truncated-ident"] = arm[:10]
    s["truncated-header"] = arm[:40]
    s["truncated-phdrs"] = arm[:EHDR + 20]
    s["truncated-segment"] = arm[:len(arm) // 3]
    s["not-elf"] = b"MZ\x90\x00" + b"\0" * 60
    s["empty"] = b""
    s["elf64"] = arm[:4] + b"\x02" + arm[5:]
    s["big-endian"] = arm[:5] + b"\x02" + arm[6:]
    s["bad-version"] = arm[:6] + b"\x07" + arm[7:]
    b = bytearray(arm)
    struct.pack_into("<H", b, 42, 33)  # e_phentsize
    s["bad-phentsize"] = bytes(b)
    b = bytearray(arm)
    struct.pack_into("<I", b, 32, 0xFFFFFF00)  # e_shoff
    s["shoff-beyond-end"] = bytes(b)
    b = bytearray(arm)
    struct.pack_into("<H", b, 48, 0)  # e_shnum = 0: count in section 0
    s["shnum-zero"] = bytes(b)
    b = bytearray(arm)
    struct.pack_into("<I", b, EHDR + 16, 0x100000)  # p_filesz > p_memsz, beyond the file
    s["filesz-over-memsz"] = bytes(b)
    b = bytearray(arm)
    struct.pack_into("<I", b, EHDR + 4, 0xFFFFFFF0)  # p_offset
    s["segment-offset-beyond-end"] = bytes(b)
    b = bytearray(arm)
    struct.pack_into("<I", b, EHDR, PT_NOTE)  # the code segment becomes a note
    s["first-segment-note"] = bytes(b)
    # Symbol table whose string-table link points nowhere, and a symbol name past its end.
    b = bytearray(arm)
    shoff, shnum = struct.unpack_from("<I", b, 32)[0], struct.unpack_from("<H", b, 48)[0]
    for i in range(shnum):
        if struct.unpack_from("<I", b, shoff + i * SHDR + 4)[0] == SHT_SYMTAB:
            c = bytearray(b)
            struct.pack_into("<I", c, shoff + i * SHDR + 24, 99)  # sh_link
            s["symtab-bad-link"] = bytes(c)
            c = bytearray(b)
            symoff = struct.unpack_from("<I", c, shoff + i * SHDR + 16)[0]
            struct.pack_into("<I", c, symoff + SYM, 0x7FFF)  # st_name of symbol 1
            s["symbol-name-out-of-range"] = bytes(c)
            c = bytearray(b)
            struct.pack_into("<I", c, shoff + i * SHDR + 20, 0x7FFFFFF0)  # sh_size
            s["symtab-size-beyond-end"] = bytes(c)
    return s


# Linked by Debian's cross toolchains (when installed): what a linker really emits, with
# .ARM.attributes, .comment, section-relative symbols, headers at offset 0 in the first segment.
TOOLCHAINS = {
    "linked-arm-mps2": ("arm-none-eabi-gcc", ["-mcpu=cortex-m3", "-mthumb"], 0x00000000, 0x20000000),
    "linked-rv32-virt": ("riscv64-unknown-elf-gcc", ["-march=rv32imac", "-mabi=ilp32"], 0x80000000, 0x80400000),
    "linked-xtensa-esp8266": ("xtensa-lx106-elf-gcc", ["-mlongcalls"], 0x40100000, 0x3FFE8000),
}
PROGRAM = """int counter = 3; int table[4]; int buffer[16];
void _start(void) { for (int i = 0; i < 4; ++i) table[i] = counter + i; for (;;) {} }
"""


def linked(tmp):
    out = {}
    for name, (cc, flags, text, data) in TOOLCHAINS.items():
        if not shutil.which(cc):
            print(f"{cc} not installed: {name} not written")
            continue
        src, elf = tmp / "p.c", tmp / (name + ".elf")
        src.write_text(PROGRAM)
        subprocess.run([cc, *flags, "-Os", "-nostdlib", "-nostartfiles", "-static", "-Wl,--build-id=none",
                        f"-Wl,-Ttext={text:#x}", f"-Wl,-Tdata={data:#x}", "-o", str(elf), str(src)], check=True)
        out[name] = elf.read_bytes()
    return out


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        all_seeds = {**seeds(), **linked(pathlib.Path(tmp))}
    for name, data in all_seeds.items():
        (OUT / (name + ".elf")).write_bytes(data)


if __name__ == "__main__":
    main()
