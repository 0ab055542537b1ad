extern "C" int sluice_simdjson_placeholder(void) { return 0; }
