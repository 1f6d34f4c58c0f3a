// Constants for vectors.S: special register names and field values (ISA RM §5.3, §4.4.1).
#ifndef BOARDEMU_ESP8266_LX106_ASM_H
#define BOARDEMU_ESP8266_LX106_ASM_H

#define PS_UM                       0x20
#define PS_EXCM                     0x10
#define EXCCAUSE_LOAD_STORE_ERROR   3
#define EXCCAUSE_LEVEL1_INTERRUPT   4

#endif
