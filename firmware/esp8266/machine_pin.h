// machine.Pin of the ESP8266 port (machine_pin.c).
#ifndef BOARDEMU_ESP8266_MACHINE_PIN_H
#define BOARDEMU_ESP8266_MACHINE_PIN_H

#include "py/obj.h"

extern const mp_obj_type_t machine_pin_type;

// Called at start-up and at each soft reset: pin interrupts off, handlers forgotten, CPU
// interrupt 4 enabled.
void esp8266_pin_init(void);
// GPIO interrupt (CPU interrupt 4), from the level-1 dispatcher.
void esp8266_gpio_isr(void);

#endif
