/*
 * learn.c: which servers are slow at AAAA; the rule is in learn.h.
 *
 * A ring per class holds the last LEARN_WINDOW samples in the order they
 * came; the clock only goes forward, so the samples young enough to
 * count are always the newest ones, and the walk stops at the first one
 * too old.  A judgement copies at most LEARN_WINDOW values and sorts
 * them: a few hundred operations per answer.
 */
#include <stdio.h>
#include <string.h>

#include "briskdns.h"
#include "learn.h"

static const char *const learn_class_name[LEARN_NCLASS] = { "A", "AAAA",
    "HTTPS/SVCB" };

void
learn_init(struct learn *l)
{
	memset(l, 0, sizeof(*l));
}

enum learn_class
learn_class_of(uint16_t qtype)
{
	switch (qtype) {
	case DNS_TYPE_A:
		return LEARN_A;
	case DNS_TYPE_AAAA:
		return LEARN_AAAA;
	case 64:		/* SVCB */
	case 65:		/* HTTPS */
		return LEARN_HTTPS;
	default:
		return LEARN_NCLASS;
	}
}

static void
ring_add(struct learn_ring *r, uint32_t ms, uint64_t now)
{
	r->at[r->next] = now;
	r->ms[r->next] = ms;
	r->next = (r->next + 1) % LEARN_WINDOW;
	if (r->n < LEARN_WINDOW)
		r->n++;
}

/*
 * The samples of r young enough at now, newest first, at most max of
 * them, into out.  Their number.
 */
static unsigned int
ring_recent(const struct learn_ring *r, uint64_t now, uint32_t *out,
    unsigned int max)
{
	unsigned int	 i, slot, n = 0;

	for (i = 0; i < r->n && n < max; i++) {
		slot = (r->next + LEARN_WINDOW - 1 - i) % LEARN_WINDOW;
		if (now > r->at[slot] && now - r->at[slot] > LEARN_MAX_AGE_MS)
			break;
		out[n++] = r->ms[slot];
	}
	return n;
}

/* Keep only the newest keep samples of r. */
static void
ring_trim(struct learn_ring *r, unsigned int keep)
{
	if (r->n > keep)
		r->n = keep;
}

/*
 * The p95 of v[0..n) (sorted here): at most 32 samples, so never the
 * highest one (one outlier never decides) unless it is the only one.
 */
static uint32_t
p95(uint32_t *v, unsigned int n)
{
	unsigned int	 i, j, k;
	uint32_t	 x;

	if (n == 0)
		return 0;
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	k = (n * 95 + 99) / 100 - 1;
	if (n >= 2 && k > n - 2)
		k = n - 2;
	return v[k];
}

void
learn_figures(const struct learn *l, enum learn_class k, uint64_t now,
    struct learn_figures *f)
{
	uint32_t	 v[LEARN_WINDOW];
	unsigned int	 i;

	memset(f, 0, sizeof(*f));
	if (k >= LEARN_NCLASS)
		return;
	f->klass = k;
	f->state = l->state[k];
	f->fail_run = l->fail_run[k];
	f->a_n = ring_recent(&l->ring[LEARN_A], now, v, LEARN_WINDOW);
	f->a_p95 = p95(v, f->a_n);
	f->recent_n = ring_recent(&l->ring[k], now, v, LEARN_RECOVER);
	for (i = 0; i < f->recent_n; i++)
		if (v[i] > f->recent_max)
			f->recent_max = v[i];
	f->n = ring_recent(&l->ring[k], now, v, LEARN_WINDOW);
	f->p95 = p95(v, f->n);
}

/* The margin over A's p95 (learn.h). */
static uint32_t
learn_margin(uint32_t a_p95)
{
	return a_p95 > LEARN_MARGIN_MS ? a_p95 : LEARN_MARGIN_MS;
}

/* Judge class k after one of its samples; 1 if its state changed. */
static int
learn_judge(struct learn *l, enum learn_class k, uint64_t now,
    struct learn_figures *out)
{
	struct learn_figures	 f;
	uint32_t		 margin;

	learn_figures(l, k, now, &f);
	margin = learn_margin(f.a_p95);
	if (l->state[k] == LEARN_FAST) {
		if (f.fail_run >= LEARN_FAIL_RUN)
			f.why = LEARN_BY_FAILURES;
		else if (f.a_n >= LEARN_MIN_SAMPLES &&
		    f.n >= LEARN_MIN_SAMPLES && f.p95 > f.a_p95 + margin)
			f.why = LEARN_BY_P95;
		else
			return 0;
		l->state[k] = LEARN_SLOW;
	} else {
		if (f.recent_n < LEARN_RECOVER || f.fail_run > 0 ||
		    f.recent_max > f.a_p95 + margin / 2)
			return 0;
		f.why = LEARN_BY_RECOVERY;
		l->state[k] = LEARN_FAST;
		/* The slow samples before the recovery are history. */
		ring_trim(&l->ring[k], LEARN_RECOVER);
	}
	l->switches[k]++;
	f.state = l->state[k];
	if (out != NULL)
		*out = f;
	return 1;
}

int
learn_answer(struct learn *l, enum learn_class k, uint32_t ms, uint64_t now,
    struct learn_figures *f)
{
	if (k >= LEARN_NCLASS)
		return 0;
	ring_add(&l->ring[k], ms, now);
	if (k == LEARN_A)
		return 0;
	l->fail_run[k] = 0;
	return learn_judge(l, k, now, f);
}

int
learn_failure(struct learn *l, enum learn_class k, uint32_t fail_ms,
    uint64_t now, struct learn_figures *f)
{
	if (k == LEARN_A || k >= LEARN_NCLASS)
		return 0;
	ring_add(&l->ring[k], fail_ms, now);
	l->fail_run[k]++;
	return learn_judge(l, k, now, f);
}

int
learn_result(struct learn *l, uint16_t qtype, int rcode, uint64_t ms,
    uint32_t fail_ms, uint64_t now, struct learn_figures *f)
{
	enum learn_class	 k = learn_class_of(qtype);

	if (k == LEARN_NCLASS)
		return 0;
	if (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN)
		return learn_answer(l, k, ms > 60000 ? 60000 : (uint32_t)ms,
		    now, f);
	if (rcode == DNS_RCODE_SERVFAIL || rcode == LEARN_UNANSWERED)
		return learn_failure(l, k, fail_ms, now, f);
	return 0;
}

int
learn_slow(const struct learn *l, enum learn_class k)
{
	return k > LEARN_A && k < LEARN_NCLASS && l->state[k] == LEARN_SLOW;
}

const char *
learn_change_text(const struct learn_figures *f, unsigned int ms, char *buf,
    size_t len)
{
	const char	*c = learn_class_name[f->klass < LEARN_NCLASS ?
			    f->klass : LEARN_A];
	const char	*who = f->klass == LEARN_AAAA ? "AAAA" :
			    "slow-types' queries";

	switch (f->why) {
	case LEARN_BY_P95:
		snprintf(buf, len, "%s slow (p95 %u ms against A p95 %u ms "
		    "over %u answers): %s answered empty after %u ms", c,
		    f->p95, f->a_p95, f->n, who, ms);
		break;
	case LEARN_BY_FAILURES:
		snprintf(buf, len, "%s slow (%u failures in a row: no answer "
		    "in time, or SERVFAIL): %s answered empty after %u ms", c,
		    f->fail_run, who, ms);
		break;
	case LEARN_BY_RECOVERY:
		snprintf(buf, len, "%s fast again (the last %u answers within "
		    "%u ms, A p95 %u ms): %s forwarded, the answer awaited", c,
		    f->recent_n, f->recent_max, f->a_p95, who);
		break;
	}
	return buf;
}

const char *
learn_state_text(const struct learn_figures *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s (p95 %u ms over %u answers, A p95 %u ms "
	    "over %u, failures in a row %u)",
	    learn_class_name[f->klass < LEARN_NCLASS ? f->klass : LEARN_A],
	    f->state == LEARN_SLOW ? "slow" : "fast", f->p95, f->n, f->a_p95,
	    f->a_n, f->fail_run);
	return buf;
}

const char *
learn_stats_text(const struct learn *l, uint64_t now, char *buf, size_t len)
{
	struct learn_figures	 f;
	char			 a[160], h[160];

	learn_figures(l, LEARN_AAAA, now, &f);
	learn_state_text(&f, a, sizeof(a));
	learn_figures(l, LEARN_HTTPS, now, &f);
	learn_state_text(&f, h, sizeof(h));
	snprintf(buf, len, "%s; %s; switches %llu", a, h,
	    (unsigned long long)(l->switches[LEARN_AAAA] +
	    l->switches[LEARN_HTTPS]));
	return buf;
}
