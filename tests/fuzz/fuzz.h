/*
 * fuzz.h: the libFuzzer entry point every target defines.  Built with
 * -fsanitize=fuzzer it is driven by libFuzzer; linked with replay.c it is
 * an ordinary program that replays a corpus (make check).
 */
#ifndef BRISKDNS_FUZZ_H
#define BRISKDNS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
