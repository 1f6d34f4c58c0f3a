// machine.Pin of the ESP8266 port (machine_pin.c).
#ifndef BOARDEMU_ESP8266_MACHINE_PIN_H
#define BOARDEMU_ESP8266_MACHINE_PIN_H

#include "py/obj.h"

extern const mp_obj_type_t machine_pin_type;

// The GPIO number of a machine.Pin or of an int naming a usable GPIO; raises ValueError else.
uint32_t esp8266_pin_id(mp_obj_t obj);
// Called at start-up and at each soft reset: pin interrupts off, handlers forgotten, CPU
// interrupt 4 enabled.
void esp8266_pin_init(void);
// GPIO interrupt (CPU interrupt 4), from the level-1 dispatcher.
void esp8266_gpio_isr(void);

// machine.PWM (esp8266_pwm.c): stops PWM and forgets the channels (start-up and soft reset);
// the FRC1 interrupt (CPU interrupt 9), from the level-1 dispatcher.
void esp8266_pwm_init(void);
void esp8266_frc1_isr(void);

#endif
