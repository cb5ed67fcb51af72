/*
 * clock.c: the one clock; see clock.h.
 */
#include <time.h>

#include "clock.h"
#include "log.h"

static uint64_t	 fake_us;

uint64_t
clock_us(void)
{
	struct timespec	 ts;

	if (fake_us != 0)
		return fake_us;
	if (clock_gettime(BRISKDNS_CLOCK_ID, &ts) == -1)
		fatal("clock_gettime(CLOCK_BOOTTIME)");
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
clock_ms(void)
{
	return clock_us() / 1000;
}

void
clock_fake_set(uint64_t us)
{
	fake_us = us;
}

void
clock_fake_advance_ms(uint64_t ms)
{
	fake_us += ms * 1000;
}
