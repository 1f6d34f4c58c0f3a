/* GDB core configuration for the Xtensa LX106 (ESP8266), written for boardemu.

   scripts/build-lx106-gdb.sh copies this file over gdb/xtensa-config.c of Debian's gdb source
   (together with the lx106 include/xtensa-config.h shipped by Debian's gcc-xtensa-lx106) to
   build a GDB for this one core configuration.

   The register map is the raw register order a remote stub sends in the `g` packet when it
   offers no target description (GDB manual, "Remote Protocol" > "Packets", `g`): 50 registers,
   4 bytes each, little-endian, in GDB register numbers 0..49:
     a0..a15 (no windowed registers: the call0 ABI, so a0..a15 are the physical AR file),
     pc, then the special registers (Xtensa ISA Reference Manual, "Special Registers" table)
     SAR 3, LITBASE 5, CONFIGID0 176 ("sr176"), CONFIGID1 208 ("sr208"), PS 230,
     MMID 89, IBREAKENABLE 96, DDR 104, IBREAKA0 128, DBREAKA0 144, DBREAKC0 160,
     EPC1..3 177..179, DEPC 192, EPS2/3 194/195, EXCSAVE1..3 209..211, INTERRUPT/INTSET 226,
     INTCLEAR 227, INTENABLE 228, VECBASE 231, EXCCAUSE 232, DEBUGCAUSE 233, CCOUNT 234,
     PRID 235, ICOUNT 236, ICOUNTLEVEL 237, EXCVADDR 238, CCOMPARE0 240
   (the lx106 options: 15 interrupts, 3 interrupt levels with debug level 2, one IBREAK, one
   DBREAK, one CCOMPARE).  This is the order QEMU's lx106 core sends, checked against
   `qemu-system-xtensa -M sim -cpu lx106 -s -S`.

   GDB's xtensa-tdep.c takes the registers up to the first masked register as raw ("g")
   registers; the PS fields after them are pseudo registers made of PS bits.

   XTREG fields: index, byte offset, bit size, byte size, alignment, target number
   (0x00nn a-register n, 0x0020 pc, 0x02nn special register nn), flags (1 privileged,
   2 readable, 4 writable, 8 volatile), coprocessor (-2 none), type (2 special register,
   6 mapped, 8 a-register, 9 pc), group (0x0002 address registers, 0x0010 state,
   0x0100 general, 0x1000 system), name, fetch/store/mask/ctype/... hooks.  */

#include "defs.h"

#define XTENSA_CONFIG_VERSION 0x60

#include "xtensa-config.h"
#include "xtensa-tdep.h"

/* PS fields (ISA manual, "Processor Status Special Register"): register 21 = ps.  */
xtensa_reg_mask_t lx106_ps_submask0[] = { { 21, 0, 4 } };  /* INTLEVEL */
const xtensa_mask_t lx106_ps_mask0 = { 1, lx106_ps_submask0 };
xtensa_reg_mask_t lx106_ps_submask1[] = { { 21, 4, 1 } };  /* EXCM */
const xtensa_mask_t lx106_ps_mask1 = { 1, lx106_ps_submask1 };
xtensa_reg_mask_t lx106_ps_submask2[] = { { 21, 5, 1 } };  /* UM */
const xtensa_mask_t lx106_ps_mask2 = { 1, lx106_ps_submask2 };

static xtensa_register_t rmap[] =
{
  /*    idx ofs bi sz al targno  flags cp typ group name  */
  XTREG(  0,  0,32, 4, 4,0x0000,0x0006,-2, 8,0x0102,a0,          0,0,0,0,0,0)
  XTREG(  1,  4,32, 4, 4,0x0001,0x0006,-2, 8,0x0102,a1,          0,0,0,0,0,0)
  XTREG(  2,  8,32, 4, 4,0x0002,0x0006,-2, 8,0x0102,a2,          0,0,0,0,0,0)
  XTREG(  3, 12,32, 4, 4,0x0003,0x0006,-2, 8,0x0102,a3,          0,0,0,0,0,0)
  XTREG(  4, 16,32, 4, 4,0x0004,0x0006,-2, 8,0x0102,a4,          0,0,0,0,0,0)
  XTREG(  5, 20,32, 4, 4,0x0005,0x0006,-2, 8,0x0102,a5,          0,0,0,0,0,0)
  XTREG(  6, 24,32, 4, 4,0x0006,0x0006,-2, 8,0x0102,a6,          0,0,0,0,0,0)
  XTREG(  7, 28,32, 4, 4,0x0007,0x0006,-2, 8,0x0102,a7,          0,0,0,0,0,0)
  XTREG(  8, 32,32, 4, 4,0x0008,0x0006,-2, 8,0x0102,a8,          0,0,0,0,0,0)
  XTREG(  9, 36,32, 4, 4,0x0009,0x0006,-2, 8,0x0102,a9,          0,0,0,0,0,0)
  XTREG( 10, 40,32, 4, 4,0x000a,0x0006,-2, 8,0x0102,a10,         0,0,0,0,0,0)
  XTREG( 11, 44,32, 4, 4,0x000b,0x0006,-2, 8,0x0102,a11,         0,0,0,0,0,0)
  XTREG( 12, 48,32, 4, 4,0x000c,0x0006,-2, 8,0x0102,a12,         0,0,0,0,0,0)
  XTREG( 13, 52,32, 4, 4,0x000d,0x0006,-2, 8,0x0102,a13,         0,0,0,0,0,0)
  XTREG( 14, 56,32, 4, 4,0x000e,0x0006,-2, 8,0x0102,a14,         0,0,0,0,0,0)
  XTREG( 15, 60,32, 4, 4,0x000f,0x0006,-2, 8,0x0102,a15,         0,0,0,0,0,0)
  XTREG( 16, 64,32, 4, 4,0x0020,0x0006,-2, 9,0x0100,pc,          0,0,0,0,0,0)
  XTREG( 17, 68, 6, 4, 4,0x0203,0x0006,-2, 2,0x1100,sar,         0,0,0,0,0,0)
  XTREG( 18, 72,32, 4, 4,0x0205,0x0006,-2, 2,0x1100,litbase,     0,0,0,0,0,0)
  XTREG( 19, 76,32, 4, 4,0x02b0,0x0002,-2, 2,0x1100,sr176,       0,0,0,0,0,0)
  XTREG( 20, 80,32, 4, 4,0x02d0,0x0002,-2, 2,0x1100,sr208,       0,0,0,0,0,0)
  XTREG( 21, 84,19, 4, 4,0x02e6,0x0006,-2, 2,0x1100,ps,          0,0,0,0,0,0)
  XTREG( 22, 88,32, 4, 4,0x0259,0x000d,-2, 2,0x1100,mmid,        0,0,0,0,0,0)
  XTREG( 23, 92, 1, 4, 4,0x0260,0x0007,-2, 2,0x1100,ibreakenable,0,0,0,0,0,0)
  XTREG( 24, 96,32, 4, 4,0x0268,0x0007,-2, 2,0x1100,ddr,         0,0,0,0,0,0)
  XTREG( 25,100,32, 4, 4,0x0280,0x0007,-2, 2,0x1100,ibreaka0,    0,0,0,0,0,0)
  XTREG( 26,104,32, 4, 4,0x0290,0x0007,-2, 2,0x1100,dbreaka0,    0,0,0,0,0,0)
  XTREG( 27,108,32, 4, 4,0x02a0,0x0007,-2, 2,0x1100,dbreakc0,    0,0,0,0,0,0)
  XTREG( 28,112,32, 4, 4,0x02b1,0x0007,-2, 2,0x1100,epc1,        0,0,0,0,0,0)
  XTREG( 29,116,32, 4, 4,0x02b2,0x0007,-2, 2,0x1100,epc2,        0,0,0,0,0,0)
  XTREG( 30,120,32, 4, 4,0x02b3,0x0007,-2, 2,0x1100,epc3,        0,0,0,0,0,0)
  XTREG( 31,124,32, 4, 4,0x02c0,0x0007,-2, 2,0x1100,depc,        0,0,0,0,0,0)
  XTREG( 32,128,19, 4, 4,0x02c2,0x0007,-2, 2,0x1100,eps2,        0,0,0,0,0,0)
  XTREG( 33,132,19, 4, 4,0x02c3,0x0007,-2, 2,0x1100,eps3,        0,0,0,0,0,0)
  XTREG( 34,136,32, 4, 4,0x02d1,0x0007,-2, 2,0x1100,excsave1,    0,0,0,0,0,0)
  XTREG( 35,140,32, 4, 4,0x02d2,0x0007,-2, 2,0x1100,excsave2,    0,0,0,0,0,0)
  XTREG( 36,144,32, 4, 4,0x02d3,0x0007,-2, 2,0x1100,excsave3,    0,0,0,0,0,0)
  XTREG( 37,148,15, 4, 4,0x02e2,0x000b,-2, 2,0x1100,interrupt,   0,0,0,0,0,0)
  XTREG( 38,152,15, 4, 4,0x02e2,0x000d,-2, 2,0x1100,intset,      0,0,0,0,0,0)
  XTREG( 39,156,15, 4, 4,0x02e3,0x000d,-2, 2,0x1100,intclear,    0,0,0,0,0,0)
  XTREG( 40,160,15, 4, 4,0x02e4,0x0007,-2, 2,0x1100,intenable,   0,0,0,0,0,0)
  XTREG( 41,164,32, 4, 4,0x02e7,0x0007,-2, 2,0x1100,vecbase,     0,0,0,0,0,0)
  XTREG( 42,168, 6, 4, 4,0x02e8,0x0007,-2, 2,0x1100,exccause,    0,0,0,0,0,0)
  XTREG( 43,172,12, 4, 4,0x02e9,0x0003,-2, 2,0x1100,debugcause,  0,0,0,0,0,0)
  XTREG( 44,176,32, 4, 4,0x02ea,0x000f,-2, 2,0x1100,ccount,      0,0,0,0,0,0)
  XTREG( 45,180,32, 4, 4,0x02eb,0x0003,-2, 2,0x1100,prid,        0,0,0,0,0,0)
  XTREG( 46,184,32, 4, 4,0x02ec,0x000f,-2, 2,0x1100,icount,      0,0,0,0,0,0)
  XTREG( 47,188, 4, 4, 4,0x02ed,0x0007,-2, 2,0x1100,icountlevel, 0,0,0,0,0,0)
  XTREG( 48,192,32, 4, 4,0x02ee,0x0007,-2, 2,0x1100,excvaddr,    0,0,0,0,0,0)
  XTREG( 49,196,32, 4, 4,0x02f0,0x000f,-2, 2,0x1100,ccompare0,   0,0,0,0,0,0)
  XTREG( 50,200, 4, 4, 4,0x2008,0x0006,-2, 6,0x1010,psintlevel,
	    0,0,&lx106_ps_mask0,0,0,0)
  XTREG( 51,204, 1, 4, 4,0x2009,0x0006,-2, 6,0x1010,psexcm,
	    0,0,&lx106_ps_mask1,0,0,0)
  XTREG( 52,208, 1, 4, 4,0x200a,0x0006,-2, 6,0x1010,psum,
	    0,0,&lx106_ps_mask2,0,0,0)
  XTREG_END
};

xtensa_gdbarch_tdep xtensa_tdep (rmap);
