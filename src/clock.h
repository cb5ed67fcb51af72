/*
 * clock.h: the one clock of briskdns.  TTLs, timers and statistics all
 * read it: CLOCK_BOOTTIME, which keeps counting while the host is
 * suspended (CLOCK_MONOTONIC stops), so that a laptop that slept for
 * hours does not serve hour-old answers as fresh.  Millisecond and
 * microsecond resolution.
 *
 * Tests set a fake time (clock_fake_set) and advance it by hand; the
 * pure modules take the time as an argument anyway.
 */
#ifndef BRISKDNS_CLOCK_H
#define BRISKDNS_CLOCK_H

#include <stdint.h>

/* The clock the daemon runs on (tests check it). */
#define BRISKDNS_CLOCK_ID	CLOCK_BOOTTIME

uint64_t	clock_us(void);
uint64_t	clock_ms(void);

/* Tests: from now on the clock reads us (0: the real clock again). */
void		clock_fake_set(uint64_t us);
void		clock_fake_advance_ms(uint64_t ms);

#endif
