#!/usr/bin/env python3
"""Writes the seed corpus of the board_file fuzz target (tests/fuzz/corpus/board_file/).

Seeds: the real boards/*.yaml, a minimal board per CPU, and broken variants, one problem each,
of the kinds a user makes (typos, wrong types, overlaps, bad wiring, YAML syntax). Run from
anywhere; it rewrites the directory. The fuzzer's own finds are not kept here.
"""
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[3]
OUT = ROOT / "tests/fuzz/corpus/board_file"

MINIMAL = {
    "min-cortex-m3": """name: tiny
cpu: {arch: cortex-m3, clock_hz: 25000000}
memory:
  - {name: ram, base: 0x0, size: 0x1000, kind: ram}
""",
    "min-rv32": """name: tiny-rv
cpu: {arch: rv32imac, clock_hz: 100000000, num_irqs: 8, interrupt_controller: plic}
memory:
  - {name: dram, base: 0x80000000, size: 0x10000, kind: ram}
peripherals:
  - {name: clint, model: riscv-clint, base: 0x02000000, size: 0x10000, irqs: {mtip: cpu.mtip}}
  - {name: plic, model: riscv-plic, base: 0x0C000000, size: 0x400000, irqs: {meip: cpu.meip}}
  - {name: uart0, model: ns16550a, base: 0x10000000, irqs: {irq: 3}, params: {reg_shift: "0"}}
""",
    "min-lx106": """name: tiny-lx
cpu: {arch: lx106, clock_hz: 80000000, interrupt_controller: cpu, reset_vector: 0x40000000}
memory:
  - {name: iram, base: 0x40000000, size: 0x8000, kind: ram, access: word_only}
  - {name: flash, base: 0x40200000, size: 0x100000, kind: flash, wait_states: 1}
firmware: {default: build/firmware/x.elf}
""",
    "block-style": """name: blocky
description: |
  multi-line
  description
cpu:
  arch: cortex-m4
  clock_hz: 48000000
  nvic_priority_bits: 4
  unmapped: stop
memory:
  - name: flash
    base: 0x08000000
    size: 0x00100000
    kind: rom
  - name: sram
    base: 0x20000000
    size: 0x00020000
    kind: ram
peripherals:
  - name: uart0
    model: cmsdk-apb-uart
    base: 0x40004000
    irqs: {rx: 0, tx: 1}
    clock_hz: 25000000
    wait_states: 2
""",
}

BROKEN = {
    "empty": "",
    "not-a-map": "- just\n- a list\n",
    "syntax-error": "name: x\ncpu: {arch: cortex-m3, clock_hz: 1\nmemory: []\n",
    "tab-indent": "name: x\ncpu:\n\tarch: cortex-m3\n",
    "typo-key": "name: x\ncpu: {arch: cortex-m3, clock_hz: 1}\nmemory:\n  - {name: ram, bsae: 0, size: 16, kind: ram}\n",
    "bad-int": "name: x\ncpu: {arch: cortex-m3, clock_hz: fast}\nmemory:\n  - {name: ram, base: 0x, size: 010, kind: ram}\n",
    "huge-int": "name: x\ncpu: {arch: cortex-m3, clock_hz: 99999999999999999999999}\nmemory:\n  - {name: ram, base: 0xFFFFFFFF, size: 0x2, kind: ram}\n",
    "negative": "name: x\ncpu: {arch: cortex-m3, clock_hz: -1, num_irqs: -5}\nmemory:\n  - {name: ram, base: -0x10, size: 0, kind: ram}\n",
    "overlap": "name: x\ncpu: {arch: cortex-m3, clock_hz: 1}\nmemory:\n  - {name: a, base: 0x1000, size: 0x1000, kind: ram}\n  - {name: b, base: 0x1800, size: 0x1000, kind: rom}\nperipherals:\n  - {name: u, model: unimplemented, base: 0x1F00}\n",
    "duplicate-name": "name: x\ncpu: {arch: cortex-m3, clock_hz: 1}\nmemory:\n  - {name: a, base: 0, size: 16, kind: ram}\n  - {name: a, base: 16, size: 16, kind: ram}\n",
    "duplicate-key": "name: x\nname: y\ncpu: {arch: cortex-m3, clock_hz: 1, clock_hz: 2}\nmemory: []\n",
    "unknown-model": "name: x\ncpu: {arch: rv32imac, clock_hz: 1, interrupt_controller: pic}\nmemory:\n  - {name: r, base: 0, size: 16, kind: ram}\nperipherals:\n  - {name: pic, model: no-such-thing, base: 0x100000}\n",
    "irq-out-of-range": "name: x\ncpu: {arch: cortex-m3, clock_hz: 1, num_irqs: 4}\nmemory:\n  - {name: r, base: 0, size: 16, kind: ram}\nperipherals:\n  - {name: u, model: cmsdk-apb-uart, base: 0x40000000, irqs: {rx: 4, tx: cpu.nmi}}\n",
    "wrong-types": "name: [x]\ncpu: cortex-m3\nmemory: {name: r}\nperipherals: 7\nfirmware: []\n",
    "bad-name": "name: ../../etc/passwd\ncpu: {arch: cortex-m3, clock_hz: 1}\nmemory:\n  - {name: 'r am', base: 0, size: 16, kind: dram, access: bytewise}\n",
    "anchors": "name: x\ncpu: &c {arch: cortex-m3, clock_hz: 1}\nother: *c\nmemory:\n  - &r {name: r, base: 0, size: 16, kind: ram}\n  - {<<: *r, name: s, base: 16}\n",
    "unknown-alias": "name: x\ncpu: *nowhere\n",
    "deep-nesting": "name: " + "[" * 200 + "]" * 200 + "\n",
    "tags-and-nulls": "name: !!str 12\ncpu: {arch: ~, clock_hz: !!int 5}\nmemory:\n  - null\n",
    "wrong-arch-options": "name: x\ncpu: {arch: cortex-m3, clock_hz: 1, reset_vector: 0x100, interrupt_controller: cpu, nvic_priority_bits: 9}\nmemory:\n  - {name: r, base: 0, size: 16, kind: ram}\n",
    "bom-crlf": "\ufeffname: x\r\ncpu: {arch: lx106, clock_hz: 1}\r\nmemory:\r\n  - {name: r, base: 0x3FFE8000, size: 0x14000, kind: ram}\r\n",
}


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    for board in sorted((ROOT / "boards").glob("*.yaml")):
        shutil.copy(board, OUT / ("board-" + board.name))
    for name, text in {**MINIMAL, **BROKEN}.items():
        (OUT / (name + ".yaml")).write_bytes(text.encode("utf-8"))
    # The real boards with one line cut or duplicated: near misses the fuzzer starts from.
    mps2 = (ROOT / "boards/mps2-an385.yaml").read_text().splitlines(keepends=True)
    cut = [l for l in mps2 if "uart0" not in l]
    (OUT / "mps2-without-uart0-lines.yaml").write_text("".join(cut))
    (OUT / "mps2-truncated.yaml").write_text("".join(mps2)[: len("".join(mps2)) * 2 // 3])
    # A board with on-board parts and nets (the circuit-file sections a board may carry).
    esp = (ROOT / "boards/esp8266.yaml").read_text()
    (OUT / "esp8266-with-parts.yaml").write_text(
        esp + "\nparts:\n  - {id: led1, type: led, params: {active: low}}\n"
        "nets:\n  - {name: onboard_led, pins: [gpio.GPIO2, led1.A]}\n")


if __name__ == "__main__":
    main()
