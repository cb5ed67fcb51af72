/*
 * test_clock.c: the one clock is CLOCK_BOOTTIME (it counts across
 * suspend, CLOCK_MONOTONIC does not), in microseconds and milliseconds,
 * and tests can fake it.
 */
#include <check.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "unit.h"

static uint64_t
read_us(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

START_TEST(test_boottime)
{
	uint64_t	 before, got, after;

	ck_assert_int_eq(BRISKDNS_CLOCK_ID, CLOCK_BOOTTIME);
	before = read_us(CLOCK_BOOTTIME);
	got = clock_us();
	after = read_us(CLOCK_BOOTTIME);
	ck_assert_uint_ge(got, before);
	ck_assert_uint_le(got, after);
	ck_assert_uint_le(clock_ms(), read_us(CLOCK_BOOTTIME) / 1000);
	ck_assert_uint_ge(clock_ms(), before / 1000);
}
END_TEST

START_TEST(test_fake)
{
	clock_fake_set(5000000);
	ck_assert_uint_eq(clock_us(), 5000000);
	ck_assert_uint_eq(clock_ms(), 5000);
	clock_fake_advance_ms(1500);
	ck_assert_uint_eq(clock_ms(), 6500);
	clock_fake_set(0);
	ck_assert_uint_gt(clock_ms(), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("clock");
	TCase	*tc = tcase_create("clock");

	tcase_add_test(tc, test_boottime);
	tcase_add_test(tc, test_fake);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
