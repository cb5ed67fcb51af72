/*
 * test_learn.c: the learning rule of aaaa-mode=learn (learn.h), driven
 * with a fake clock: when a server switches to SLOW at AAAA and back.
 *
 * The numbers stated in briskdns.conf(5): with 8 answers of each type
 * already seen, SLOW within 2 slow AAAA answers (the p95 of at most 32
 * samples is the second highest, so one outlier never decides), or after
 * 3 failures in a row; FAST again after 8 fast AAAA answers in a row.
 */
#include <stdio.h>
#include <string.h>

#include "briskdns.h"
#include "learn.h"
#include "unit.h"

static uint64_t	 now;

/* n answers of class k, each ms long, 100 ms apart; the number of
 * state changes they made. */
static int
feed(struct learn *l, enum learn_class k, unsigned int n, uint32_t ms)
{
	int	 changes = 0;

	while (n-- > 0) {
		now += 100;
		changes += learn_answer(l, k, ms, now, NULL);
	}
	return changes;
}

/* 8 A at 20 ms and 8 AAAA at 25 ms: a healthy server, enough seen. */
static void
warm(struct learn *l)
{
	ck_assert_int_eq(feed(l, LEARN_A, 8, 20), 0);
	ck_assert_int_eq(feed(l, LEARN_AAAA, 8, 25), 0);
	ck_assert(!learn_slow(l, LEARN_AAAA));
}

/* Slow AAAA answers until the switch: how many it took (0: none in
 * max). */
static unsigned int
until_slow(struct learn *l, uint32_t ms, unsigned int max,
    struct learn_figures *f)
{
	unsigned int	 i;

	for (i = 1; i <= max; i++) {
		now += 100;
		if (learn_answer(l, LEARN_AAAA, ms, now, f))
			return i;
	}
	return 0;
}

START_TEST(test_classes)
{
	struct learn	 l;

	ck_assert_int_eq(learn_class_of(DNS_TYPE_A), LEARN_A);
	ck_assert_int_eq(learn_class_of(DNS_TYPE_AAAA), LEARN_AAAA);
	ck_assert_int_eq(learn_class_of(65), LEARN_HTTPS);
	ck_assert_int_eq(learn_class_of(64), LEARN_HTTPS);
	ck_assert_int_eq(learn_class_of(DNS_TYPE_MX), LEARN_NCLASS);
	learn_init(&l);
	ck_assert(!learn_slow(&l, LEARN_A));
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	ck_assert(!learn_slow(&l, LEARN_HTTPS));
	ck_assert(!learn_slow(&l, LEARN_NCLASS));
	ck_assert_int_eq(learn_answer(&l, LEARN_NCLASS, 5000, 1, NULL), 0);
}
END_TEST

START_TEST(test_slow_after_rise)
{
	struct learn		 l;
	struct learn_figures	 f;
	char			 buf[256];

	now = 1000000;
	learn_init(&l);
	warm(&l);
	/* AAAA latency rises: SLOW at the second slow answer. */
	ck_assert_uint_eq(until_slow(&l, 1800, 10, &f), 2);
	ck_assert(learn_slow(&l, LEARN_AAAA));
	ck_assert(!learn_slow(&l, LEARN_HTTPS));
	ck_assert_int_eq(f.why, LEARN_BY_P95);
	ck_assert_int_eq(f.state, LEARN_SLOW);
	ck_assert_uint_eq(f.p95, 1800);
	ck_assert_uint_eq(f.a_p95, 20);
	ck_assert_uint_eq(f.n, 10);
	ck_assert_uint_eq(f.a_n, 8);
	ck_assert_str_eq(learn_change_text(&f, 250, buf, sizeof(buf)),
	    "AAAA slow (p95 1800 ms against A p95 20 ms over 10 answers): "
	    "AAAA answered empty after 250 ms");
	ck_assert_uint_eq(l.switches[LEARN_AAAA], 1);
	/* More slow answers: no more changes. */
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 40, 1800), 0);
}
END_TEST

START_TEST(test_never_on_a_alone)
{
	struct learn	 l;

	now = 1000000;
	learn_init(&l);
	/* A answers, fast or slow, never switch anything. */
	ck_assert_int_eq(feed(&l, LEARN_A, 40, 3000), 0);
	ck_assert_int_eq(feed(&l, LEARN_A, 40, 5), 0);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	/* Nor do A failures. */
	ck_assert_int_eq(learn_failure(&l, LEARN_A, 3500, now, NULL), 0);
	ck_assert_int_eq(learn_failure(&l, LEARN_A, 3500, now, NULL), 0);
	ck_assert_int_eq(learn_failure(&l, LEARN_A, 3500, now, NULL), 0);
	ck_assert(!learn_slow(&l, LEARN_AAAA));

	/* Slow AAAA with fewer than 8 A answers to compare with: no p95
	 * judgement. */
	learn_init(&l);
	ck_assert_int_eq(feed(&l, LEARN_A, 7, 20), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 32, 2000), 0);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	/* The eighth A: the next AAAA answer decides. */
	ck_assert_int_eq(feed(&l, LEARN_A, 1, 20), 0);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 2000), 1);
	ck_assert(learn_slow(&l, LEARN_AAAA));

	/* Fewer than 8 AAAA answers: no judgement either. */
	learn_init(&l);
	ck_assert_int_eq(feed(&l, LEARN_A, 8, 20), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 7, 2000), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 2000), 1);
}
END_TEST

START_TEST(test_one_outlier)
{
	struct learn	 l;
	int		 i;

	now = 1000000;
	learn_init(&l);
	warm(&l);
	/* One slow answer in each window of 32: never SLOW. */
	for (i = 0; i < 200; i++) {
		now += 100;
		ck_assert_int_eq(learn_answer(&l, LEARN_AAAA,
		    i % 33 == 0 ? 3000 : 25, now, NULL), 0);
		now += 100;
		ck_assert_int_eq(learn_answer(&l, LEARN_A,
		    i % 33 == 7 ? 3000 : 20, now, NULL), 0);
	}
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	/* Two in one window: SLOW. */
	ck_assert_int_eq(feed(&l, LEARN_AAAA, LEARN_WINDOW, 25), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 3000), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 3000), 1);
}
END_TEST

START_TEST(test_margin)
{
	struct learn	 l;

	/* A fast (10 ms): the margin is 100 ms. */
	now = 1000000;
	learn_init(&l);
	feed(&l, LEARN_A, 8, 10);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 32, 110), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 2, 111), 1);

	/* A slow (300 ms, a satellite link): the margin is A's p95, AAAA
	 * slow only past twice A's. */
	learn_init(&l);
	feed(&l, LEARN_A, 8, 300);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 32, 600), 0);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 2, 601), 1);
	ck_assert(learn_slow(&l, LEARN_AAAA));
}
END_TEST

START_TEST(test_recovery)
{
	struct learn		 l;
	struct learn_figures	 f;
	char			 buf[256];
	unsigned int		 i;

	now = 1000000;
	learn_init(&l);
	warm(&l);
	ck_assert_uint_eq(until_slow(&l, 1800, 10, NULL), 2);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 20, 1800), 0);
	/* The server recovers: FAST again at the eighth fast answer. */
	for (i = 1; i <= 8; i++) {
		now += 100;
		if (learn_answer(&l, LEARN_AAAA, 30, now, &f))
			break;
	}
	ck_assert_uint_eq(i, 8);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	ck_assert_int_eq(f.why, LEARN_BY_RECOVERY);
	ck_assert_str_eq(learn_change_text(&f, 250, buf, sizeof(buf)),
	    "AAAA fast again (the last 8 answers within 30 ms, A p95 20 ms): "
	    "AAAA forwarded, the answer awaited");
	/* The slow answers before the recovery are forgotten: one more
	 * slow answer is an outlier, not a switch back. */
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 1800), 0);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	ck_assert_uint_eq(l.switches[LEARN_AAAA], 2);
}
END_TEST

START_TEST(test_hysteresis)
{
	struct learn	 l;

	now = 1000000;
	learn_init(&l);
	warm(&l);				/* A p95 20: SLOW past 120 */
	ck_assert_uint_eq(until_slow(&l, 1800, 10, NULL), 2);
	/* Below the bar to switch (120 ms), above the bar back (70). */
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 40, 100), 0);
	ck_assert(learn_slow(&l, LEARN_AAAA));
	/* One slow answer among fast ones restarts the count of 8. */
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 7, 60), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 500), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 7, 60), 0);
	ck_assert(learn_slow(&l, LEARN_AAAA));
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 70), 1);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
}
END_TEST

START_TEST(test_failures)
{
	struct learn		 l;
	struct learn_figures	 f;
	char			 buf[256];

	/* Without A answers to compare with: only failures in a row. */
	now = 1000000;
	learn_init(&l);
	ck_assert_int_eq(learn_failure(&l, LEARN_AAAA, 3500, now += 100,
	    NULL), 0);
	ck_assert_int_eq(learn_failure(&l, LEARN_AAAA, 3500, now += 100,
	    NULL), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 20), 0);	/* a break */
	ck_assert_int_eq(learn_failure(&l, LEARN_AAAA, 3500, now += 100,
	    NULL), 0);
	ck_assert_int_eq(learn_failure(&l, LEARN_AAAA, 3500, now += 100,
	    NULL), 0);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	ck_assert_int_eq(learn_failure(&l, LEARN_AAAA, 3500, now += 100,
	    &f), 1);
	ck_assert(learn_slow(&l, LEARN_AAAA));
	ck_assert_int_eq(f.why, LEARN_BY_FAILURES);
	ck_assert_str_eq(learn_change_text(&f, 300, buf, sizeof(buf)),
	    "AAAA slow (3 failures in a row: no answer in time, or "
	    "SERVFAIL): AAAA answered empty after 300 ms");
	/* Back after 8 good answers. */
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 7, 20), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 20), 1);

	/* With A answers, failures are samples at the deadline's value:
	 * two of them in the window make the p95. */
	learn_init(&l);
	warm(&l);
	ck_assert_int_eq(learn_failure(&l, LEARN_AAAA, 3500, now += 100,
	    NULL), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 5, 25), 0);
	ck_assert_int_eq(learn_failure(&l, LEARN_AAAA, 3500, now += 100,
	    &f), 1);
	ck_assert_int_eq(f.why, LEARN_BY_P95);
	ck_assert_uint_eq(f.p95, 3500);
}
END_TEST

START_TEST(test_independent)
{
	struct learn	 s1, s2;

	now = 1000000;
	learn_init(&s1);
	learn_init(&s2);
	warm(&s1);
	warm(&s2);
	ck_assert_uint_eq(until_slow(&s1, 2000, 10, NULL), 2);
	ck_assert_int_eq(feed(&s2, LEARN_AAAA, 10, 25), 0);
	ck_assert(learn_slow(&s1, LEARN_AAAA));
	ck_assert(!learn_slow(&s2, LEARN_AAAA));
	/* HTTPS is judged on its own answers. */
	ck_assert(!learn_slow(&s1, LEARN_HTTPS));
	ck_assert_int_eq(feed(&s2, LEARN_HTTPS, 8, 30), 0);
	ck_assert_int_eq(feed(&s2, LEARN_HTTPS, 2, 1500), 1);
	ck_assert(learn_slow(&s2, LEARN_HTTPS));
	ck_assert(!learn_slow(&s2, LEARN_AAAA));
}
END_TEST

START_TEST(test_ageing)
{
	struct learn		 l;
	struct learn_figures	 f;

	/* Two slow AAAA answers long ago, then a healthy server: the old
	 * ones no longer count. */
	now = 1000000;
	learn_init(&l);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 2, 2000), 0);
	now += LEARN_MAX_AGE_MS + 1;
	ck_assert_int_eq(feed(&l, LEARN_A, 8, 20), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 8, 25), 0);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
	learn_figures(&l, LEARN_AAAA, now, &f);
	ck_assert_uint_eq(f.n, 8);
	ck_assert_uint_eq(f.p95, 25);

	/* The same without the gap: SLOW. */
	learn_init(&l);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 2, 2000), 0);
	ck_assert_int_eq(feed(&l, LEARN_A, 8, 20), 0);
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 6, 25), 1);

	/* A SLOW server whose samples aged out stays SLOW until 8 fresh
	 * fast answers show it recovered. */
	now += LEARN_MAX_AGE_MS + 1;
	learn_figures(&l, LEARN_AAAA, now, &f);
	ck_assert_uint_eq(f.n, 0);
	ck_assert_uint_eq(f.a_n, 0);
	ck_assert(learn_slow(&l, LEARN_AAAA));
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 7, 25), 0);
	ck_assert(learn_slow(&l, LEARN_AAAA));
	ck_assert_int_eq(feed(&l, LEARN_AAAA, 1, 25), 1);
	ck_assert(!learn_slow(&l, LEARN_AAAA));
}
END_TEST

START_TEST(test_state_text)
{
	struct learn		 l;
	struct learn_figures	 f;
	char			 buf[256];

	now = 1000000;
	learn_init(&l);
	warm(&l);
	learn_figures(&l, LEARN_AAAA, now, &f);
	ck_assert_str_eq(learn_state_text(&f, buf, sizeof(buf)),
	    "AAAA fast (p95 25 ms over 8 answers, A p95 20 ms over 8, "
	    "failures in a row 0)");
	learn_figures(&l, LEARN_HTTPS, now, &f);
	ck_assert_str_eq(learn_state_text(&f, buf, sizeof(buf)),
	    "HTTPS/SVCB fast (p95 0 ms over 0 answers, A p95 20 ms over 8, "
	    "failures in a row 0)");
}
END_TEST

START_TEST(test_result)
{
	struct learn		 l;
	struct learn_figures	 f;
	char			 buf[512];
	int			 i;

	now = 1000000;
	learn_init(&l);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(learn_result(&l, DNS_TYPE_A,
		    DNS_RCODE_NOERROR, 20, 3500, now += 100, NULL), 0);
	/* NXDOMAIN is an answer; REFUSED and other types say nothing. */
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(learn_result(&l, DNS_TYPE_AAAA,
		    DNS_RCODE_NXDOMAIN, 25, 3500, now += 100, NULL), 0);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(learn_result(&l, DNS_TYPE_AAAA,
		    DNS_RCODE_REFUSED, 0, 3500, now += 100, NULL), 0);
		ck_assert_int_eq(learn_result(&l, DNS_TYPE_MX,
		    LEARN_UNANSWERED, 0, 3500, now += 100, NULL), 0);
	}
	learn_figures(&l, LEARN_AAAA, now, &f);
	ck_assert_uint_eq(f.n, 8);
	ck_assert_uint_eq(f.fail_run, 0);
	/* SERVFAIL and unanswered are failures at the deadline given. */
	ck_assert_int_eq(learn_result(&l, DNS_TYPE_AAAA, DNS_RCODE_SERVFAIL,
	    5, 3500, now += 100, NULL), 0);
	ck_assert_int_eq(learn_result(&l, DNS_TYPE_AAAA, LEARN_UNANSWERED,
	    0, 3500, now += 100, &f), 1);
	ck_assert_uint_eq(f.p95, 3500);
	ck_assert_uint_eq(f.fail_run, 2);
	/* HTTPS and SVCB share a class; latencies are capped at 60 s. */
	ck_assert_int_eq(learn_result(&l, 65, DNS_RCODE_NOERROR, 90000000,
	    3500, now += 100, NULL), 0);
	ck_assert_int_eq(learn_result(&l, 64, DNS_RCODE_NOERROR, 30, 3500,
	    now += 100, NULL), 0);
	learn_figures(&l, LEARN_HTTPS, now, &f);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_uint_eq(f.recent_max, 60000);
	ck_assert_str_eq(learn_stats_text(&l, now, buf, sizeof(buf)),
	    "AAAA slow (p95 3500 ms over 10 answers, A p95 20 ms over 8, "
	    "failures in a row 2); HTTPS/SVCB fast (p95 30 ms over 2 "
	    "answers, A p95 20 ms over 8, failures in a row 0); switches 1");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("learn");
	TCase	*tc = tcase_create("learn");

	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_slow_after_rise);
	tcase_add_test(tc, test_never_on_a_alone);
	tcase_add_test(tc, test_one_outlier);
	tcase_add_test(tc, test_margin);
	tcase_add_test(tc, test_recovery);
	tcase_add_test(tc, test_hysteresis);
	tcase_add_test(tc, test_failures);
	tcase_add_test(tc, test_independent);
	tcase_add_test(tc, test_ageing);
	tcase_add_test(tc, test_state_text);
	tcase_add_test(tc, test_result);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
