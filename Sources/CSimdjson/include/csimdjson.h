#ifndef CSIMDJSON_H
#define CSIMDJSON_H
/* Placeholder; the simdjson shim is written in its own change. */
int sluice_simdjson_placeholder(void);
#endif
