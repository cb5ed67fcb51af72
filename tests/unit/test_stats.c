/*
 * test_stats.c: unit tests of the statistics registry (src/stats.c):
 * the shape the consumers rely on (every metric's samples together,
 * its first marked, valid and unique names), the counters read from
 * their modules, and the exposition text (_total, # HELP and # TYPE
 * once per metric).  The per-server samples and histograms are tested
 * with upstream's replay harness (test_upstream.c, test_server_stats).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include "briskdns.h"
#include "listen.h"
#include "pending.h"
#include "query.h"
#include "stats.h"

#define MAXS	512

struct seen {
	char		 name[MAXS][96];
	char		 key[MAXS][256];	/* name{labels} */
	int		 first[MAXS];
	enum stats_type	 type[MAXS];
	int		 n;
};

static void
collect(const struct stats_sample *s, void *arg)
{
	struct seen	*v = arg;
	size_t		 i, o;

	ck_assert_int_lt(v->n, MAXS);
	snprintf(v->name[v->n], sizeof(v->name[0]), "%s", s->name);
	o = (size_t)snprintf(v->key[v->n], sizeof(v->key[0]), "%s{", s->name);
	for (i = 0; i < s->nlabels; i++)
		o += (size_t)snprintf(v->key[v->n] + o, sizeof(v->key[0]) - o,
		    "%s=%s,", s->labels[i].name, s->labels[i].value);
	v->first[v->n] = s->first;
	v->type[v->n] = s->type;
	ck_assert_ptr_nonnull(s->help);
	ck_assert_int_gt(strlen(s->help), 0);
	ck_assert_ptr_null(strchr(s->help, '\n'));
	if (s->type != STATS_HISTOGRAM)
		ck_assert_uint_ge(s->div, 1);
	else {
		ck_assert_uint_le(s->nbuckets, STATS_MAX_BUCKETS);
		for (i = 1; i < s->nbuckets; i++) {
			ck_assert_uint_gt(s->le[i], s->le[i - 1]);
			ck_assert_uint_ge(s->bucket[i], s->bucket[i - 1]);
		}
		if (s->nbuckets > 0)
			ck_assert_uint_le(s->bucket[s->nbuckets - 1], s->count);
	}
	v->n++;
}

static int
valid_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* Each metric's samples come together, the first one marked; names are
 * valid, prefixed, and no sample is given twice. */
START_TEST(test_shape)
{
	static struct seen	 v;
	int			 i, j;

	memset(&v, 0, sizeof(v));
	stats_visit(collect, &v);
	ck_assert_int_gt(v.n, 30);
	for (i = 0; i < v.n; i++) {
		ck_assert_msg(valid_name(v.name[i]), "%s", v.name[i]);
		ck_assert_int_eq(strncmp(v.name[i], "briskdns_", 9), 0);
		/* A counter's name never has the suffix the format adds. */
		ck_assert_ptr_null(strstr(v.name[i], "_total"));
		ck_assert_int_eq(v.first[i], i == 0 ||
		    strcmp(v.name[i], v.name[i - 1]) != 0);
		if (i > 0 && !v.first[i])
			ck_assert_int_eq(v.type[i], v.type[i - 1]);
		if (v.first[i])
			for (j = 0; j < i; j++)
				ck_assert_msg(strcmp(v.name[j], v.name[i]) !=
				    0, "%s is not together", v.name[i]);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(v.key[j], v.key[i]) != 0,
			    "%s twice", v.key[i]);
	}
}
END_TEST

/* The figures are the modules' counters, as they are now. */
START_TEST(test_values)
{
	struct stats_sources	 src = { 0, 1700000000 };
	char			*text = NULL;
	size_t			 len = 0;
	FILE			*f;

	query_stats.queries = 12345;
	query_stats.cache_hits = 7;
	pending_stats.started = 3;
	listen_stats.udp_in = 99;
	stats_set_sources(&src);
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(stats_format(f, 0), 0);
	fclose(f);
	ck_assert_ptr_null(strchr(text, '#'));	/* no comments */
	ck_assert_int_eq(strncmp(text, "briskdns_queries_total 12345\n", 29),
	    0);
	ck_assert_ptr_nonnull(strstr(text, "\nbriskdns_cache_answers_total 7\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nbriskdns_queries_forwarded_total 3\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nbriskdns_listen_udp_queries_total 99\n"));
	/* No cache made: empty, not absent. */
	ck_assert_ptr_nonnull(strstr(text, "\nbriskdns_cache_entries 0\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nbriskdns_start_time_seconds 1700000000\n"));
	free(text);
	/* Reading resets nothing. */
	ck_assert_uint_eq(query_stats.queries, 12345);
	text = NULL;
	f = open_memstream(&text, &len);
	ck_assert_int_eq(stats_format(f, 0), 0);
	fclose(f);
	ck_assert_int_eq(strncmp(text, "briskdns_queries_total 12345\n", 29),
	    0);
	free(text);
}
END_TEST

/* With comments: # HELP and # TYPE once per metric, right before its
 * first sample; counters typed under their _total name. */
START_TEST(test_comments)
{
	char	*text = NULL, *line, *save = NULL, prev[128] = "";
	size_t	 len = 0, nhelp = 0, ntype = 0;
	FILE	*f;
	int	 want_type = 0;

	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(stats_format(f, 1), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "# HELP briskdns_queries_total "));
	ck_assert_ptr_nonnull(strstr(text,
	    "# TYPE briskdns_queries_total counter\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "# TYPE briskdns_cache_entries gauge\n"));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			ck_assert_int_eq(want_type, 0);
			nhelp++;
			snprintf(prev, sizeof(prev), "%.*s",
			    (int)strcspn(line + 7, " "), line + 7);
			want_type = 1;
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert_int_eq(want_type, 1);
			ck_assert_int_eq(strncmp(line + 7, prev, strlen(prev)),
			    0);
			ntype++;
			want_type = 0;
		} else {
			ck_assert_int_eq(want_type, 0);
			/* A sample of the metric last described. */
			ck_assert_msg(strncmp(line, prev, strlen(prev)) == 0,
			    "%s under %s", line, prev);
		}
	}
	ck_assert_uint_eq(nhelp, ntype);
	ck_assert_uint_gt(nhelp, 30);
	free(text);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("stats");
	TCase	*tc = tcase_create("registry");

	tcase_add_test(tc, test_shape);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_comments);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
