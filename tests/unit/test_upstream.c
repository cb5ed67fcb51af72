/*
 * test_upstream.c: replay tests of the upstream state machine, in the
 * manner of unbound's testbound: upstream.c runs on fake I/O (uio.h) and
 * a fake clock; scripted servers answer each transmission after a delay
 * of their own (per query type), or not at all, or with EDNS errors; the
 * clients' queries start at scripted times; timers and answers fire in
 * fake-time order.  No socket, no sleep.  Each test counts what the
 * servers received: transmissions per question and per server, with
 * their times.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "briskdns.h"
#include "clock.h"
#include "config.h"
#include "msg.h"
#include "stats.h"
#include "uio.h"
#include "upstream.h"
#include "unit.h"
#include "wire.h"

#define T0_US		1000000000ULL	/* fake time 0 */
#define MAXSRV		4
#define MAXSOCK		4096
#define MAXTX		4096
#define MAXQ		1024
#define MAXDELIV	4096
#define NEVER		(-1)

/* ---- scripted servers ------------------------------------------------- */

enum edns_reject {
	REJ_NONE,
	REJ_FORMERR,		/* FORMERR, question echoed */
	REJ_FORMERR_BARE,	/* FORMERR, QDCOUNT 0 */
	REJ_NOTIMP,
	REJ_BADVERS,		/* extended rcode 16 in an OPT */
};

struct fserver {
	int		 delay_a;	/* ms; NEVER: silent */
	int		 delay_aaaa;
	int		 delay_other;
	int		 silent;	/* answers nothing at all */
	int		 tc_udp;	/* TC over UDP, whole over TCP */
	int		 tcp_silent;	/* answers nothing over TCP */
	int		 rcode;
	enum edns_reject reject;
	int		 bare_wrong_id;	/* the bare FORMERR has another ID */
};

struct tx {
	uint64_t	 t;		/* ms since T0 */
	int		 srv;
	int		 sock;
	int		 tcp;
	int		 edns;
	uint16_t	 id;
	uint16_t	 qtype;
	char		 name[64];	/* first label */
};

struct fsock {
	struct uio_sock	*us;
	int		 srv;
	int		 open;
	uint8_t		 q[16][600];	/* received, not read yet */
	size_t		 qlen[16];
	int		 nq;
	int		 err;
	struct uio_bind	 bind;		/* as the socket was opened */
};

struct deliv {
	uint64_t	 due_us;
	int		 sock;
	uint8_t		 buf[600];
	size_t		 len;
	int		 pending;
};

struct cq {
	struct query	 q;
	int		 done;
	uint64_t	 t_done;	/* ms */
	int		 rcode;		/* -1: no answer (NULL) */
	int		 ancount;
	struct uquery	*uq;
	uint64_t	 early_at;	/* ms; 0: no client answered early */
	char		 answering[64];	/* upstream_answering() then */
};

static struct fserver	 fsrv[MAXSRV];
static struct sockaddr_storage srvaddr[MAXSRV];
static socklen_t	 srvaddrlen[MAXSRV];
static int		 nsrv;
static struct fsock	 fsock[MAXSOCK];
static int		 nsock, nopen;
static struct tx	 txlog[MAXTX];
static int		 ntx;
static struct deliv	 deliv[MAXDELIV];
static int		 ndeliv;
static struct cq	 cq[MAXQ];
static int		 ncq;
static LIST_HEAD(, uio_timer) timers = LIST_HEAD_INITIALIZER(timers);
static struct config_server cservers[MAXSRV];
static struct config	 conf;

static uint64_t
now_ms(void)
{
	return (clock_us() - T0_US) / 1000;
}

static void
schedule(int sock, int delay_ms, const uint8_t *buf, size_t len)
{
	struct deliv	*d;

	ck_assert_int_lt(ndeliv, MAXDELIV);
	ck_assert_uint_le(len, sizeof(d->buf));
	d = &deliv[ndeliv++];
	d->due_us = clock_us() + (uint64_t)delay_ms * 1000;
	d->sock = sock;
	memcpy(d->buf, buf, len);
	d->len = len;
	d->pending = 1;
}

/* The answer of server s to the query pkt (without a TCP prefix). */
static size_t
fserver_answer(const struct fserver *s, const struct tx *t,
    const uint8_t *pkt, size_t len, uint8_t *out)
{
	size_t		 qend, o;
	uint16_t	 flags = DNS_FLAG_QR | DNS_FLAG_RA |
			    (get16(pkt + 2) & DNS_FLAG_RD);

	qend = msg_skip_name(pkt, len, DNS_HDRLEN);
	ck_assert_uint_gt(qend, 0);
	qend += 4;
	memcpy(out, pkt, qend);
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	if (t->edns && s->reject != REJ_NONE) {
		switch (s->reject) {
		case REJ_FORMERR:
			put16(out + 2, flags | DNS_RCODE_FORMERR);
			return qend;
		case REJ_FORMERR_BARE:
			put16(out + 2, flags | DNS_RCODE_FORMERR);
			put16(out + 4, 0);
			if (s->bare_wrong_id)
				put16(out, get16(out) ^ 0x5555);
			return DNS_HDRLEN;
		case REJ_NOTIMP:
			put16(out + 2, flags | DNS_RCODE_NOTIMP);
			return qend;
		case REJ_BADVERS:
			put16(out + 2, flags);
			put16(out + 10, 1);
			o = qend;
			out[o++] = 0;
			put16(out + o, DNS_TYPE_OPT);
			put16(out + o + 2, 1232);
			put32(out + o + 4, 0x01000000);	/* ext rcode 1 */
			put16(out + o + 8, 0);
			return o + 10;
		case REJ_NONE:
			break;
		}
	}
	if (!t->tcp && s->tc_udp) {
		put16(out + 2, flags | DNS_FLAG_TC);
		return qend;
	}
	put16(out + 2, flags | (uint16_t)s->rcode);
	o = qend;
	if (s->rcode == 0 && (t->qtype == DNS_TYPE_A ||
	    t->qtype == DNS_TYPE_AAAA)) {
		put16(out + 6, 1);
		put16(out + o, 0xc00c);
		put16(out + o + 2, t->qtype);
		put16(out + o + 4, DNS_CLASS_IN);
		put32(out + o + 6, 300);
		if (t->qtype == DNS_TYPE_A) {
			put16(out + o + 10, 4);
			memcpy(out + o + 12, "\xc0\x00\x02\x01", 4);
			o += 16;
		} else {
			put16(out + o + 10, 16);
			memcpy(out + o + 12, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0"
			    "\0\0\0\x01", 16);
			o += 28;
		}
	}
	if (t->edns) {
		put16(out + 10, 1);
		out[o++] = 0;
		put16(out + o, DNS_TYPE_OPT);
		put16(out + o + 2, 1232);
		put32(out + o + 4, 0);
		put16(out + o + 8, 0);
		o += 10;
	}
	return o;
}

/* ---- the fake uio ------------------------------------------------------ */

static int
fake_open(struct uio_sock *us, const struct sockaddr *sa, socklen_t salen,
    uio_cb cb, void *arg, int tcp)
{
	struct fsock	*fs;
	int		 i, srv = -1;

	for (i = 0; i < nsrv; i++)
		if (salen == srvaddrlen[i] && memcmp(sa, &srvaddr[i],
		    salen) == 0)
			srv = i;
	ck_assert_int_ge(srv, 0);
	ck_assert_int_lt(nsock, MAXSOCK);
	fs = &fsock[nsock];
	memset(fs, 0, sizeof(*fs));
	fs->us = us;
	fs->srv = srv;
	fs->open = 1;
	if (us->bind != NULL)
		fs->bind = *us->bind;
	us->fd = nsock++;
	us->tcp = tcp;
	us->cb = cb;
	us->arg = arg;
	us->fake = fs;
	nopen++;
	return 0;
}

static int
fake_udp_open(struct uio_sock *us, const struct sockaddr *sa, socklen_t salen,
    uio_cb cb, void *arg)
{
	return fake_open(us, sa, salen, cb, arg, 0);
}

static int
fake_tcp_open(struct uio_sock *us, const struct sockaddr *sa,
    socklen_t salen, unsigned int timeout_ms, uio_cb cb, void *arg)
{
	return fake_open(us, sa, salen, cb, arg, 1);
}

static int
fake_send(struct uio_sock *us, const uint8_t *buf, size_t len)
{
	struct fsock	*fs = us->fake;
	struct fserver	*s = &fsrv[fs->srv];
	struct tx	*t;
	uint8_t		 ans[600];
	size_t		 alen, qend;
	int		 delay;

	ck_assert_int_eq(fs->open, 1);
	ck_assert_int_lt(ntx, MAXTX);
	t = &txlog[ntx++];
	t->t = now_ms();
	t->srv = fs->srv;
	t->sock = us->fd;
	t->tcp = us->tcp;
	t->id = get16(buf);
	qend = msg_skip_name(buf, len, DNS_HDRLEN);
	ck_assert_uint_gt(qend, 0);
	t->qtype = get16(buf + qend);
	t->edns = get16(buf + 10) > 0;
	memset(t->name, 0, sizeof(t->name));
	memcpy(t->name, buf + DNS_HDRLEN + 1, buf[DNS_HDRLEN] < 63 ?
	    buf[DNS_HDRLEN] : 63);
	if (s->silent || (t->tcp && s->tcp_silent))
		return 0;
	delay = t->qtype == DNS_TYPE_A ? s->delay_a : t->qtype ==
	    DNS_TYPE_AAAA ? s->delay_aaaa : s->delay_other;
	if (delay == NEVER)
		return 0;
	alen = fserver_answer(s, t, buf, len, ans);
	schedule(t->sock, delay, ans, alen);
	return 0;
}

static ssize_t
fake_recv(struct uio_sock *us, uint8_t *buf, size_t bufsz)
{
	struct fsock	*fs = us->fake;
	size_t		 len;

	if (fs->err) {
		errno = fs->err;
		fs->err = 0;
		return -1;
	}
	if (fs->nq == 0) {
		errno = EAGAIN;
		return -1;
	}
	len = fs->qlen[0];
	ck_assert_uint_le(len, bufsz);
	memcpy(buf, fs->q[0], len);
	memmove(fs->q[0], fs->q[1], sizeof(fs->q[0]) * 15);
	memmove(fs->qlen, fs->qlen + 1, sizeof(fs->qlen[0]) * 15);
	fs->nq--;
	return (ssize_t)len;
}

static void
fake_close(struct uio_sock *us)
{
	struct fsock	*fs = us->fake;

	if (us->fd == -1)
		return;
	ck_assert_int_eq(fs->open, 1);
	fs->open = 0;
	us->fd = -1;
	nopen--;
}

static void
fake_timer_init(struct uio_timer *t, uio_cb cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
	t->armed = 0;
}

static void
fake_timer_del(struct uio_timer *t)
{
	if (t->armed)
		LIST_REMOVE(t, link);
	t->armed = 0;
}

static void
fake_timer_add(struct uio_timer *t, unsigned int ms)
{
	fake_timer_del(t);
	t->due_us = clock_us() + (uint64_t)ms * 1000;
	t->armed = 1;
	LIST_INSERT_HEAD(&timers, t, link);
}

static const struct uio_ops fake_ops = {
	.udp_open = fake_udp_open,
	.tcp_open = fake_tcp_open,
	.send = fake_send,
	.recv = fake_recv,
	.close = fake_close,
	.timer_init = fake_timer_init,
	.timer_add = fake_timer_add,
	.timer_del = fake_timer_del,
};

/*
 * Run the fake world until fake time t_ms: the earliest due timer or
 * answer first (an answer before a timer due at the same moment).
 */
static void
run_until(uint64_t t_ms)
{
	struct uio_timer	*t, *tmin;
	struct deliv		*d, *dmin;
	struct fsock		*fs;
	uint64_t		 end = T0_US + t_ms * 1000;
	int			 i;

	for (;;) {
		tmin = NULL;
		dmin = NULL;
		LIST_FOREACH(t, &timers, link)
			if (tmin == NULL || t->due_us < tmin->due_us)
				tmin = t;
		for (i = 0; i < ndeliv; i++) {
			d = &deliv[i];
			if (d->pending && (dmin == NULL ||
			    d->due_us < dmin->due_us))
				dmin = d;
		}
		if (dmin != NULL && dmin->due_us <= end &&
		    (tmin == NULL || dmin->due_us <= tmin->due_us)) {
			clock_fake_set(dmin->due_us);
			dmin->pending = 0;
			fs = &fsock[dmin->sock];
			if (!fs->open || fs->nq == 16)
				continue;	/* closed: the port is gone */
			memcpy(fs->q[fs->nq], dmin->buf, dmin->len);
			fs->qlen[fs->nq++] = dmin->len;
			fs->us->cb(fs->us->arg);
			continue;
		}
		if (tmin != NULL && tmin->due_us <= end) {
			clock_fake_set(tmin->due_us);
			fake_timer_del(tmin);
			tmin->cb(tmin->arg);
			continue;
		}
		break;
	}
	if (clock_us() < end)
		clock_fake_set(end);
}

/* ---- clients ----------------------------------------------------------- */

static void
cq_done(void *arg, uint8_t *ans, size_t len)
{
	struct cq	*c = arg;

	const char	*srv;
	unsigned int	 ms;

	ck_assert_int_eq(c->done, 0);
	c->done = 1;
	c->t_done = now_ms();
	c->rcode = ans != NULL ? DNS_RCODE(ans[3]) : -1;
	c->ancount = ans != NULL && len >= DNS_HDRLEN ? get16(ans + 6) : -1;
	if ((srv = upstream_answering(&ms)) != NULL)
		snprintf(c->answering, sizeof(c->answering), "%s %u", srv, ms);
	/* As pending.c does for a question answered early: one client,
	 * answered empty at early_at. */
	if (c->early_at != 0)
		upstream_note_early_end(c->uq, c->rcode == DNS_RCODE_NOERROR,
		    c->t_done - c->early_at, 1, c->t_done - c->early_at);
	c->uq = NULL;
}

/* A client query for label.example. of qtype, started now.  Its index,
 * or -1 if none could start (*busy says why). */
static int
ask(const char *label, uint16_t qtype, unsigned int deadline_ms, int *busy)
{
	struct cq	*c;
	char		 name[128];
	int		 b;

	ck_assert_int_lt(ncq, MAXQ);
	c = &cq[ncq];
	memset(c, 0, sizeof(*c));
	snprintf(name, sizeof(name), "%s.example", label);
	c->q.qname_len = wire_name(name, c->q.qname);
	memcpy(c->q.qname_case, c->q.qname, c->q.qname_len);
	c->q.qtype = qtype;
	c->q.qclass = DNS_CLASS_IN;
	c->q.flags = DNS_FLAG_RD;
	c->q.id = (uint16_t)ncq;
	c->rcode = -2;
	c->uq = upstream_query(&c->q, NULL, deadline_ms, cq_done, c, &b);
	if (busy != NULL)
		*busy = b;
	if (c->uq == NULL)
		return -1;
	return ncq++;
}

/* Transmissions of label's question (qtype; 0: any) to server srv (-1:
 * any), and the times of the first two. */
static int
count_tx(const char *label, uint16_t qtype, int srv)
{
	int	 i, n = 0;

	for (i = 0; i < ntx; i++)
		if (strcmp(txlog[i].name, label) == 0 &&
		    (qtype == 0 || txlog[i].qtype == qtype) &&
		    (srv < 0 || txlog[i].srv == srv))
			n++;
	return n;
}

/* The k-th transmission of label's question (-1 if none). */
static int
nth_tx(const char *label, int k)
{
	int	 i;

	for (i = 0; i < ntx; i++)
		if (strcmp(txlog[i].name, label) == 0 && k-- == 0)
			return i;
	return -1;
}

static void
setup_servers(int n, unsigned int forward_max, int strict)
{
	char	 a[32];
	int	 i;

	memset(fsrv, 0, sizeof(fsrv));
	memset(&conf, 0, sizeof(conf));
	memset(cservers, 0, sizeof(cservers));
	nsrv = n;
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "192.0.2.%d#53", i + 1);
		ck_assert_int_eq(config_parse_addr(a, &cservers[i].addr,
		    &cservers[i].addrlen), 0);
		cservers[i].kind = SERVER_ADDR;
		srvaddr[i] = cservers[i].addr;
		srvaddrlen[i] = cservers[i].addrlen;
		fsrv[i].delay_a = 1;
		fsrv[i].delay_aaaa = 1;
		fsrv[i].delay_other = 1;
	}
	conf.servers = cservers;
	conf.nservers = (size_t)n;
	conf.dns_forward_max = forward_max;
	conf.strict_order = strict;
	ck_assert_int_eq(upstream_set_servers(&conf, NULL, 0), 0);
}

static void
setup(void)
{
	clock_fake_set(T0_US);
	uio_set(&fake_ops);
	ck_assert_int_eq(upstream_init(NULL), 0);
	nsock = nopen = ntx = ndeliv = ncq = 0;
	LIST_INIT(&timers);
}

static void
teardown(void)
{
	upstream_shutdown();
	uio_set(NULL);
	clock_fake_set(0);
}

/* ---- the scenarios ------------------------------------------------------ */

/*
 * The seed scenario: one server answers A in 1 ms and AAAA in 3 s, while
 * A queries keep flowing.  The AAAA question is sent once and its slow
 * answer awaited; no A is retransmitted; the slow AAAA answer does not
 * make A's timeout grow.
 */
START_TEST(test_slow_aaaa_sent_once)
{
	char	 label[32];
	int	 slow, i, n = 0;
	uint64_t t;

	setup_servers(1, 1000, 0);
	fsrv[0].delay_aaaa = 3000;
	for (i = 0; i < 5; i++) {	/* the server is measured */
		snprintf(label, sizeof(label), "warm%d", i);
		ck_assert_int_ge(ask(label, DNS_TYPE_A, 0, NULL), 0);
		run_until(10 * (i + 1));
	}
	slow = ask("slow", DNS_TYPE_AAAA, 0, NULL);
	ck_assert_int_ge(slow, 0);
	for (t = 50; t <= 3400; t += 50) {
		snprintf(label, sizeof(label), "a%d", n++);
		ck_assert_int_ge(ask(label, DNS_TYPE_A, 0, NULL), 0);
		run_until(t + 50);
	}
	run_until(4000);
	ck_assert_int_eq(count_tx("slow", DNS_TYPE_AAAA, -1), 1);
	ck_assert_int_eq(cq[slow].done, 1);
	ck_assert_int_eq(cq[slow].rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_ge(cq[slow].t_done, 3050);
	for (i = 0; i < ncq; i++) {
		ck_assert_int_eq(cq[i].done, 1);
		ck_assert_int_eq(cq[i].rcode, DNS_RCODE_NOERROR);
	}
	for (i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "a%d", i);
		ck_assert_int_eq(count_tx(label, DNS_TYPE_A, -1), 1);
	}
	/* The 3-s AAAA sample is AAAA's alone. */
	ck_assert_uint_le(upstream_rto(0, DNS_TYPE_A), UPSTREAM_RTO_MIN_MS);
	ck_assert_uint_ge(upstream_rto(0, DNS_TYPE_AAAA), 1000);
	ck_assert_int_eq(nopen, 0);
}
END_TEST

/*
 * After the slow AAAA, an A query the server drops while it is silent
 * otherwise is retransmitted after A's own short timeout.
 */
/*
 * server=ADDR@INTERFACE and ADDR@SOURCE (the fields of struct
 * config_server) reach the socket each transmission opens.
 */
START_TEST(test_bind_reaches_uio)
{
	struct sockaddr_in	*src;
	int			 i, seen0 = 0, seen1 = 0, q;

	setup_servers(2, 1000, 0);
	snprintf(cservers[0].ifname, sizeof(cservers[0].ifname), "eth9");
	src = (struct sockaddr_in *)&cservers[1].source;
	src->sin_family = AF_INET;
	src->sin_addr.s_addr = htonl(0xc6336407);	/* 198.51.100.7 */
	src->sin_port = htons(5353);
	cservers[1].sourcelen = sizeof(*src);
	conf.all_servers = 1;
	ck_assert_int_eq(upstream_set_servers(&conf, NULL, 0), 0);
	q = ask("bound", DNS_TYPE_A, 0, NULL);
	ck_assert_int_ge(q, 0);
	run_until(100);
	ck_assert_int_eq(cq[q].done, 1);
	for (i = 0; i < nsock; i++) {
		if (fsock[i].srv == 0) {
			ck_assert_str_eq(fsock[i].bind.ifname, "eth9");
			ck_assert_uint_eq(fsock[i].bind.sourcelen, 0);
			seen0++;
		} else {
			ck_assert_str_eq(fsock[i].bind.ifname, "");
			ck_assert_uint_eq(fsock[i].bind.sourcelen,
			    sizeof(*src));
			ck_assert_mem_eq(&fsock[i].bind.source, src,
			    sizeof(*src));
			seen1++;
		}
	}
	ck_assert_int_ge(seen0, 1);
	ck_assert_int_ge(seen1, 1);
}
END_TEST

/*
 * The answer-side filters (filter.c) on the transaction: the servers
 * answer A with 192.0.2.1.  ignore-address: the answers are dropped and
 * the transaction waits to its deadline; bogus-nxdomain: NXDOMAIN;
 * stop-dns-rebind (192.0.2/24 is private to dnsmasq): NOERROR, no record.
 */
START_TEST(test_answer_filters)
{
	struct config_net	 net;
	int			 q;

	memset(&net, 0, sizeof(net));
	net.family = AF_INET;
	memcpy(net.addr, "\xc0\x00\x02\x00", 4);
	net.prefix = 24;

	setup_servers(2, 1000, 0);
	conf.ignore_address = &net;
	conf.nignore_address = 1;
	q = ask("ign", DNS_TYPE_A, 0, NULL);
	run_until(UPSTREAM_DEADLINE_MS + 100);
	ck_assert_int_eq(cq[q].done, 1);
	ck_assert_int_eq(cq[q].rcode, -1);
	ck_assert_uint_ge(cq[q].t_done, UPSTREAM_DEADLINE_MS);
	/* Both servers asked (again when the datagram seems lost), never
	 * answered with the ignored address. */
	ck_assert_int_ge(count_tx("ign", DNS_TYPE_A, 0), 1);
	ck_assert_int_ge(count_tx("ign", DNS_TYPE_A, 1), 1);
	/* AAAA answers hold no ignored address. */
	q = ask("ign6", DNS_TYPE_AAAA, 0, NULL);
	run_until(UPSTREAM_DEADLINE_MS + 200);
	ck_assert_int_eq(cq[q].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(cq[q].ancount, 1);
	conf.nignore_address = 0;

	conf.bogus_nxdomain = &net;
	conf.nbogus_nxdomain = 1;
	q = ask("bogus", DNS_TYPE_A, 0, NULL);
	run_until(UPSTREAM_DEADLINE_MS + 300);
	ck_assert_int_eq(cq[q].rcode, DNS_RCODE_NXDOMAIN);
	ck_assert_int_eq(cq[q].ancount, 0);
	conf.nbogus_nxdomain = 0;

	conf.stop_dns_rebind = 1;
	q = ask("rebind", DNS_TYPE_A, 0, NULL);
	run_until(UPSTREAM_DEADLINE_MS + 400);
	ck_assert_int_eq(cq[q].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(cq[q].ancount, 0);
	q = ask("rebind6", DNS_TYPE_AAAA, 0, NULL);	/* 2001:db8::1 */
	run_until(UPSTREAM_DEADLINE_MS + 500);
	ck_assert_int_eq(cq[q].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(cq[q].ancount, 0);
	conf.stop_dns_rebind = 0;
	ck_assert_int_eq(nopen, 0);
}
END_TEST

START_TEST(test_a_rto_stays_small)
{
	int	 i, a, t0, t1;
	char	 label[32];

	setup_servers(1, 1000, 0);
	fsrv[0].delay_aaaa = 3000;
	for (i = 0; i < 5; i++) {
		snprintf(label, sizeof(label), "warm%d", i);
		ck_assert_int_ge(ask(label, DNS_TYPE_A, 0, NULL), 0);
		run_until(10 * (i + 1));
	}
	ck_assert_int_ge(ask("slow", DNS_TYPE_AAAA, 0, NULL), 0);
	run_until(3100);
	fsrv[0].delay_a = NEVER;	/* the first A is lost */
	a = ask("lost", DNS_TYPE_A, 0, NULL);
	ck_assert_int_ge(a, 0);
	fsrv[0].delay_a = 1;
	run_until(4000);
	ck_assert_int_eq(count_tx("lost", DNS_TYPE_A, 0), 2);
	t0 = nth_tx("lost", 0);
	t1 = nth_tx("lost", 1);
	ck_assert_uint_le(txlog[t1].t - txlog[t0].t, UPSTREAM_RTO_MIN_MS);
	ck_assert_int_eq(cq[a].rcode, DNS_RCODE_NOERROR);
	/* Every transmission had its own socket, each closed. */
	ck_assert_int_eq(nsock, ntx);
	ck_assert_int_eq(nopen, 0);
}
END_TEST

/*
 * A lossy link: one server, fast at A and answering other A queries all
 * the while (alive), drops one A datagram.  That is a lost datagram, not
 * a slow answer: the question is sent again once A's patience
 * (UPSTREAM_LOSS_MS, 4 RTOs at least) has passed, and answered, rather
 * than the client getting SERVFAIL at the deadline.
 */
START_TEST(test_lost_datagram_alive_server)
{
	char	 label[32];
	int	 i, a, n = 0, t0, t1;
	uint64_t t;

	setup_servers(1, 1000, 0);
	for (i = 0; i < 5; i++) {
		snprintf(label, sizeof(label), "warm%d", i);
		ck_assert_int_ge(ask(label, DNS_TYPE_A, 0, NULL), 0);
		run_until(10 * (i + 1));
	}
	fsrv[0].delay_a = NEVER;
	a = ask("lost", DNS_TYPE_A, 0, NULL);
	ck_assert_int_ge(a, 0);
	fsrv[0].delay_a = 1;
	for (t = 100; t <= 3000; t += 50) {
		snprintf(label, sizeof(label), "a%d", n++);
		ck_assert_int_ge(ask(label, DNS_TYPE_A, 0, NULL), 0);
		run_until(t);
	}
	run_until(4000);
	ck_assert_int_eq(count_tx("lost", DNS_TYPE_A, 0), 2);
	t0 = nth_tx("lost", 0);
	t1 = nth_tx("lost", 1);
	ck_assert_uint_ge(txlog[t1].t - txlog[t0].t, UPSTREAM_LOSS_MS);
	ck_assert_uint_le(txlog[t1].t - txlog[t0].t, UPSTREAM_LOSS_MS + 50);
	ck_assert_int_eq(cq[a].done, 1);
	ck_assert_int_eq(cq[a].rcode, DNS_RCODE_NOERROR);
	for (i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "a%d", i);
		ck_assert_int_eq(count_tx(label, DNS_TYPE_A, -1), 1);
	}
}
END_TEST

/*
 * Two servers: the first is alive (it answers A) but slow on the AAAA;
 * the question goes to the second after the timeout, never twice to the
 * first.
 */
START_TEST(test_slow_tries_other_server)
{
	char	 label[32];
	int	 slow, i;
	uint64_t t;

	setup_servers(2, 1000, 1);
	fsrv[0].delay_aaaa = 3000;
	fsrv[1].delay_aaaa = 5;
	slow = ask("slow", DNS_TYPE_AAAA, 0, NULL);
	for (t = 10, i = 0; t < 3000; t += 20, i++) {
		snprintf(label, sizeof(label), "a%d", i);
		ck_assert_int_ge(ask(label, DNS_TYPE_A, 0, NULL), 0);
		run_until(t);
	}
	run_until(4000);
	ck_assert_int_eq(count_tx("slow", DNS_TYPE_AAAA, 0), 1);
	ck_assert_int_eq(count_tx("slow", DNS_TYPE_AAAA, 1), 1);
	ck_assert_int_eq(cq[slow].rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_le(cq[slow].t_done, UPSTREAM_RTO_INIT_MS + 20);
}
END_TEST

/* A silent server is retransmitted to, with the timeout doubling, and a
 * dead first server hands over to the second after its timeout. */
START_TEST(test_silent_server_retransmits)
{
	int	 c, i;

	setup_servers(1, 1000, 0);
	fsrv[0].silent = 1;
	c = ask("dead", DNS_TYPE_A, 0, NULL);
	run_until(UPSTREAM_DEADLINE_MS + 100);
	ck_assert_int_eq(cq[c].done, 1);
	ck_assert_int_eq(cq[c].rcode, -1);
	ck_assert_uint_eq(cq[c].t_done, UPSTREAM_DEADLINE_MS);
	ck_assert_int_ge(count_tx("dead", 0, 0), 3);
	ck_assert_int_le(count_tx("dead", 0, 0), UPSTREAM_MAX_XMIT);
	for (i = 1; i < count_tx("dead", 0, 0) - 1; i++)
		ck_assert_uint_lt(txlog[nth_tx("dead", i)].t -
		    txlog[nth_tx("dead", i - 1)].t,
		    txlog[nth_tx("dead", i + 1)].t -
		    txlog[nth_tx("dead", i)].t);
	ck_assert_int_eq(nopen, 0);
}
END_TEST

START_TEST(test_dead_first_server)
{
	int	 c;

	setup_servers(2, 1000, 1);
	fsrv[0].silent = 1;
	c = ask("fo", DNS_TYPE_A, 0, NULL);
	run_until(1000);
	ck_assert_int_eq(cq[c].rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(cq[c].t_done, UPSTREAM_RTO_INIT_MS + 1);
	ck_assert_int_eq(count_tx("fo", 0, 0), 1);
	ck_assert_int_eq(count_tx("fo", 0, 1), 1);
}
END_TEST

/* 300 transmissions, 300 sockets (source ports), each closed. */
START_TEST(test_socket_per_transmission)
{
	char	 label[32];
	int	 i;

	setup_servers(1, 1000, 0);
	for (i = 0; i < 300; i++) {
		snprintf(label, sizeof(label), "p%d", i);
		ck_assert_int_ge(ask(label, DNS_TYPE_A, 0, NULL), 0);
	}
	ck_assert_int_eq(nopen, 300);
	run_until(100);
	ck_assert_int_eq(ntx, 300);
	ck_assert_int_eq(nsock, 300);
	ck_assert_int_eq(nopen, 0);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(txlog[i].sock, i);
}
END_TEST

/*
 * EDNS refused in each of the four ways: asked again at once without
 * EDNS, answered, and the next query goes without EDNS at once; after
 * UPSTREAM_NOEDNS_MS EDNS is tried again.
 */
START_TEST(test_edns_fallback)
{
	static const enum edns_reject kinds[] = { REJ_FORMERR,
	    REJ_FORMERR_BARE, REJ_NOTIMP, REJ_BADVERS };
	int	 c, i0;

	setup_servers(1, 1000, 0);
	fsrv[0].reject = kinds[_i];
	c = ask("old", DNS_TYPE_A, 0, NULL);
	run_until(50);
	ck_assert_int_eq(cq[c].done, 1);
	ck_assert_int_eq(cq[c].rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(cq[c].t_done, 2);
	ck_assert_int_eq(count_tx("old", 0, 0), 2);
	ck_assert_int_eq(txlog[nth_tx("old", 0)].edns, 1);
	ck_assert_int_eq(txlog[nth_tx("old", 1)].edns, 0);
	ck_assert_uint_eq(txlog[nth_tx("old", 1)].t, 1);

	c = ask("next", DNS_TYPE_A, 0, NULL);
	run_until(100);
	ck_assert_int_eq(cq[c].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(count_tx("next", 0, 0), 1);
	ck_assert_int_eq(txlog[nth_tx("next", 0)].edns, 0);

	run_until(100 + UPSTREAM_NOEDNS_MS);
	i0 = ntx;
	c = ask("later", DNS_TYPE_A, 0, NULL);
	run_until(200 + UPSTREAM_NOEDNS_MS);
	ck_assert_int_eq(cq[c].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(txlog[i0].edns, 1);
}
END_TEST

/* A bare FORMERR with another ID is not the server's: dropped. */
START_TEST(test_bare_formerr_wrong_id)
{
	int	 c;

	setup_servers(1, 1000, 0);
	fsrv[0].reject = REJ_FORMERR_BARE;
	fsrv[0].bare_wrong_id = 1;
	c = ask("spoofy", DNS_TYPE_A, 0, NULL);
	run_until(50);
	ck_assert_int_eq(cq[c].done, 0);
	ck_assert_int_eq(count_tx("spoofy", 0, 0), 1);
}
END_TEST

/* A truncated answer: the question again over TCP. */
START_TEST(test_truncated_tcp)
{
	int	 c;

	setup_servers(1, 1000, 0);
	fsrv[0].tc_udp = 1;
	c = ask("big", DNS_TYPE_A, 0, NULL);
	run_until(50);
	ck_assert_int_eq(cq[c].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(count_tx("big", 0, 0), 2);
	ck_assert_int_eq(txlog[nth_tx("big", 0)].tcp, 0);
	ck_assert_int_eq(txlog[nth_tx("big", 1)].tcp, 1);
	ck_assert_int_eq(nopen, 1);		/* the connection, idle */
	run_until(50 + UPSTREAM_TCP_IDLE_MS);
	ck_assert_int_eq(nopen, 0);
}
END_TEST

static int
tcp_socks(const char *prefix, int *last)
{
	int	 i, j, n = 0, seen[MAXTX];

	for (i = 0; i < ntx; i++) {
		if (!txlog[i].tcp || strncmp(txlog[i].name, prefix,
		    strlen(prefix)) != 0)
			continue;
		for (j = 0; j < n && seen[j] != txlog[i].sock; j++)
			;
		if (j == n)
			seen[n++] = txlog[i].sock;
		*last = txlog[i].sock;
	}
	return n;
}

/*
 * Truncated answers to several queries: one TCP connection carries them
 * all (pipelined), and is closed when idle.  Closed by the server with a
 * query on it after it had answered, the query is asked again on a new
 * connection.
 */
START_TEST(test_tcp_reused)
{
	char	 label[32];
	int	 c[5], i, r, last = -1;

	setup_servers(1, 1000, 0);
	fsrv[0].tc_udp = 1;
	for (i = 0; i < 5; i++) {
		snprintf(label, sizeof(label), "big%d", i);
		c[i] = ask(label, DNS_TYPE_A, 0, NULL);
	}
	run_until(50);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(cq[c[i]].rcode, DNS_RCODE_NOERROR);
		snprintf(label, sizeof(label), "big%d", i);
		ck_assert_int_eq(count_tx(label, 0, 0), 2);
	}
	ck_assert_int_eq(tcp_socks("big", &last), 1);
	ck_assert_int_eq(nsock, 6);		/* 5 UDP, 1 TCP */
	ck_assert_int_eq(nopen, 1);

	fsrv[0].tcp_silent = 1;
	r = ask("reset", DNS_TYPE_A, 0, NULL);
	run_until(60);
	ck_assert_int_eq(tcp_socks("reset", &last), 1);
	ck_assert_int_eq(cq[r].done, 0);
	fsrv[0].tcp_silent = 0;
	fsock[last].err = ECONNRESET;		/* the server closes it */
	fsock[last].us->cb(fsock[last].us->arg);
	run_until(100);
	ck_assert_int_eq(cq[r].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(tcp_socks("reset", &last), 2);
	run_until(100 + UPSTREAM_TCP_IDLE_MS);
	ck_assert_int_eq(nopen, 0);
}
END_TEST

/*
 * dns-forward-max 3, the server frozen: a new query replaces the oldest
 * transaction that waited UPSTREAM_JOSTLE_MS, one only the cache waits
 * for first; when the server is back a new query is answered at once.
 */
START_TEST(test_jostle)
{
	int	 c1, cc, c2, busy, n1, n2;

	setup_servers(1, 3, 0);
	fsrv[0].silent = 1;
	c1 = ask("c1", DNS_TYPE_A, 0, NULL);
	run_until(10);
	cc = ask("cache", DNS_TYPE_A, UPSTREAM_CACHE_WAIT_MS, NULL);
	run_until(20);
	c2 = ask("c2", DNS_TYPE_A, 0, NULL);
	run_until(100);
	ck_assert_int_eq(ask("young", DNS_TYPE_A, 0, &busy), -1);
	ck_assert_int_eq(busy, 1);
	ck_assert_uint_eq(upstream_inflight(), 3);

	run_until(250);
	n1 = ask("n1", DNS_TYPE_A, 0, &busy);	/* the cache's goes first */
	ck_assert_int_ge(n1, 0);
	ck_assert_int_eq(cq[cc].done, 1);
	ck_assert_int_eq(cq[cc].rcode, -1);
	ck_assert_uint_eq(cq[cc].t_done, 250);
	ck_assert_int_eq(cq[c1].done, 0);
	n2 = ask("n2", DNS_TYPE_A, 0, &busy);	/* then the oldest */
	ck_assert_int_ge(n2, 0);
	ck_assert_int_eq(cq[c1].done, 1);
	ck_assert_int_eq(cq[c1].rcode, -1);
	ck_assert_int_eq(cq[c2].done, 0);
	ck_assert_uint_eq(upstream_inflight(), 3);

	run_until(1000);			/* the server is back */
	fsrv[0].silent = 0;
	c1 = ask("back", DNS_TYPE_A, 0, &busy);
	ck_assert_int_ge(c1, 0);
	run_until(1100);
	ck_assert_int_eq(cq[c1].rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_le(cq[c1].t_done, 1000 + 100);
	/* Heard again: those waiting on it are asked again at once. */
	ck_assert_int_eq(cq[n1].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(cq[n2].rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_le(cq[n1].t_done, 1000 + 5);
	ck_assert_uint_le(cq[n2].t_done, 1000 + 5);
	ck_assert_uint_eq(upstream_inflight(), 0);
}
END_TEST

/* A server that answers SERVFAIL is not asked again; the other is. */
START_TEST(test_servfail_next_server)
{
	int	 c;

	setup_servers(2, 1000, 1);
	fsrv[0].rcode = DNS_RCODE_SERVFAIL;
	c = ask("sf", DNS_TYPE_A, 0, NULL);
	run_until(100);
	ck_assert_int_eq(cq[c].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(count_tx("sf", 0, 0), 1);
	ck_assert_int_eq(count_tx("sf", 0, 1), 1);
	ck_assert_uint_eq(cq[c].t_done, 2);
}
END_TEST

/*
 * aaaa-mode=learn: each server learns from its own answers.  Server 0
 * (first with strict-order) answers AAAA SERVFAIL, server 1 answers it:
 * after 3 questions server 0 is learnt slow (three failures in a row),
 * server 1 not, and upstream_learn_slow() answers for server 0, the one
 * AAAA goes to first.  Under any other aaaa-mode nothing is learnt.
 */
START_TEST(test_learn_per_server)
{
	char	 label[32];
	int	 i, c, mode;

	for (mode = 0; mode < 2; mode++) {
		setup_servers(2, 1000, 1);
		conf.aaaa_mode = mode ? AAAA_LEARN : AAAA_FORWARD;
		conf.aaaa_learn_ms = 250;
		fsrv[0].rcode = DNS_RCODE_SERVFAIL;
		for (i = 0; i < 3; i++) {
			ck_assert_int_eq(upstream_learn_slow(NULL,
			    DNS_TYPE_AAAA), 0);
			snprintf(label, sizeof(label), "l%d-%d", mode, i);
			c = ask(label, DNS_TYPE_AAAA, 0, NULL);
			run_until(100 * (uint64_t)(ncq + 1));
			ck_assert_int_eq(cq[c].rcode, DNS_RCODE_NOERROR);
			ck_assert_int_eq(count_tx(label, 0, 0), 1);
			ck_assert_int_eq(count_tx(label, 0, 1), 1);
		}
		ck_assert_int_eq(upstream_learn_slow(NULL, DNS_TYPE_AAAA),
		    mode);
		ck_assert_int_eq(upstream_learn_slow(NULL, DNS_TYPE_A), 0);
		ck_assert_int_eq(upstream_learn_slow(NULL, 65), 0);
		/* Server 0 gone: server 1, not learnt slow, is first. */
		conf.nservers = 1;
		conf.servers = &cservers[1];
		ck_assert_int_eq(upstream_set_servers(&conf, NULL, 0), 0);
		ck_assert_int_eq(upstream_learn_slow(NULL, DNS_TYPE_AAAA), 0);
	}
}
END_TEST

/* ---- diagnostics of early answers -------------------------------------- */

static void
note_early(int c)
{
	cq[c].early_at = now_ms();
	upstream_note_early(cq[c].uq, UPSTREAM_EARLY_DEADLINE);
}

/*
 * Early answers are attributed per server: the late answer and its
 * saving to the server that answered; "early" and "never" to every
 * server the question went to, also one asked after the early answer.
 */
START_TEST(test_early_attribution)
{
	const struct upstream_early_stats	*s0, *s1;
	const char				*name;
	int					 c, d, e;

	setup_servers(2, 1000, 1);
	/* Server 0 answers AAAA in 400 ms, silent for "gone". */
	fsrv[0].delay_aaaa = 400;
	c = ask("late", DNS_TYPE_AAAA, 30000, NULL);
	run_until(100);
	note_early(c);
	run_until(1000);
	ck_assert_int_eq(cq[c].rcode, DNS_RCODE_NOERROR);
	ck_assert_str_eq(cq[c].answering, "192.0.2.1#53 400");
	s0 = upstream_early_stats(0, &name);
	ck_assert_str_eq(name, "192.0.2.1#53");
	ck_assert_uint_eq(s0->early[UPSTREAM_EARLY_DEADLINE], 1);
	ck_assert_uint_eq(s0->late, 1);
	ck_assert_uint_eq(s0->never, 0);
	ck_assert_uint_eq(s0->late_hist[upstream_late_bucket(300)], 1);
	ck_assert_uint_eq(upstream_late_bucket(300), 9);	/* 256-511 */
	ck_assert_uint_eq(s0->saved_late_ms, 300);
	ck_assert_uint_eq(s0->clients_late, 1);

	/* Server 0 silent: the question goes to server 1 too (after the
	 * early answer); server 1 answers late. */
	fsrv[0].silent = 1;
	fsrv[1].delay_aaaa = 5;
	d = ask("moved", DNS_TYPE_AAAA, 30000, NULL);
	run_until(1100);
	note_early(d);
	run_until(3000);
	ck_assert_int_eq(cq[d].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(count_tx("moved", DNS_TYPE_AAAA, 1), 1);
	s0 = upstream_early_stats(0, NULL);
	s1 = upstream_early_stats(1, NULL);
	ck_assert_uint_eq(s0->early[UPSTREAM_EARLY_DEADLINE], 2);
	ck_assert_uint_eq(s0->late, 1);
	ck_assert_uint_eq(s1->early[UPSTREAM_EARLY_DEADLINE], 1);
	ck_assert_uint_eq(s1->late, 1);
	ck_assert_uint_eq(s1->never, 0);

	/* Both silent: never came, to both. */
	fsrv[1].silent = 1;
	e = ask("gone", DNS_TYPE_AAAA, 5000, NULL);
	run_until(3100);
	note_early(e);
	run_until(20000);
	ck_assert_int_eq(cq[e].rcode, -1);
	ck_assert_uint_eq(s0->never, 1);
	ck_assert_uint_eq(s1->never, 1);
	ck_assert_uint_eq(s0->clients_never, 1);
	ck_assert_uint_eq(s0->late, 1);
	ck_assert_uint_eq(s1->late, 1);
	ck_assert_ptr_null(upstream_early_stats(2, NULL));
}
END_TEST

START_TEST(test_late_buckets)
{
	static const struct {
		uint64_t	 ms;
		unsigned int	 b;
		const char	*name;
	} t[] = {
		{ 0, 0, "<1" }, { 1, 1, "1-1" }, { 2, 2, "2-3" },
		{ 3, 2, "2-3" }, { 511, 9, "256-511" }, { 512, 10, "512-1023" },
		{ 4095, 12, "2048-4095" }, { 4096, 13, ">=4096" },
		{ 1ULL << 40, 13, ">=4096" },
	};
	char		 buf[32];
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_uint_eq(upstream_late_bucket(t[i].ms), t[i].b);
		ck_assert_str_eq(upstream_late_bucket_name(t[i].b, buf,
		    sizeof(buf)), t[i].name);
	}
}
END_TEST

/*
 * The registry's view of a server (upstream_server_stats, stats.h): the
 * latency histogram at its 2^k us bounds is exact, with its sum, and
 * the exposition text gives it as a Prometheus histogram.
 */
START_TEST(test_server_stats)
{
	struct upstream_server_stats	 st;
	char				*text = NULL, line[256];
	size_t				 len = 0;
	FILE				*f;
	unsigned int			 j;

	setup_servers(2, 1000, 1);
	fsrv[0].delay_a = 1;		/* 1000 us: below 1024 */
	ck_assert_int_ge(ask("l1", DNS_TYPE_A, 0, NULL), 0);
	run_until(50);
	fsrv[0].delay_a = 3;		/* 3000 us: above 2048 */
	ck_assert_int_ge(ask("l2", DNS_TYPE_A, 0, NULL), 0);
	run_until(100);
	ck_assert_int_eq(upstream_server_stats(0, &st), 0);
	ck_assert_str_eq(st.name, "192.0.2.1#53");
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_uint_eq(st.answers, 2);
	ck_assert_uint_eq(st.lat[0].count, 2);
	ck_assert_uint_eq(st.lat[0].sum_us, 4000);
	ck_assert_uint_eq(st.lat[1].count, 0);
	for (j = 0; j < UPSTREAM_LAT_NLE; j++) {
		uint64_t	 le = upstream_lat_le_us(j), want;

		want = (le > 1000) + (le > 3000);
		ck_assert_msg(st.lat[0].le[j] == want, "le %llu: %llu, want "
		    "%llu", (unsigned long long)le,
		    (unsigned long long)st.lat[0].le[j],
		    (unsigned long long)want);
	}
	ck_assert_uint_eq(upstream_lat_le_us(0), 128);
	ck_assert_uint_eq(upstream_lat_le_us(UPSTREAM_LAT_NLE - 1),
	    4194304);
	ck_assert_int_eq(upstream_server_stats(1, &st), 0);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_int_eq(upstream_server_stats(2, &st), -1);

	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(stats_format(f, 1), 0);
	fclose(f);
#define HIST	"briskdns_upstream_answer_latency_seconds"
#define LAB	"{server=\"192.0.2.1#53\",qtype=\"A\""
	ck_assert_ptr_nonnull(strstr(text, "# TYPE " HIST " histogram\n"));
	ck_assert_ptr_nonnull(strstr(text, HIST "_bucket" LAB
	    ",le=\"0.000512\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(text, HIST "_bucket" LAB
	    ",le=\"0.001024\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, HIST "_bucket" LAB
	    ",le=\"0.002048\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, HIST "_bucket" LAB
	    ",le=\"0.004096\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, HIST "_bucket" LAB
	    ",le=\"+Inf\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, HIST "_sum" LAB "} 0.004\n"));
	ck_assert_ptr_nonnull(strstr(text, HIST "_count" LAB "} 2\n"));
	snprintf(line, sizeof(line), "briskdns_upstream_answers_total"
	    "{server=\"192.0.2.1#53\"} 2\n");
	ck_assert_ptr_nonnull(strstr(text, line));
	/* The second server is there too, with nothing. */
	ck_assert_ptr_nonnull(strstr(text, "briskdns_upstream_answers_total"
	    "{server=\"192.0.2.2#53\"} 0\n"));
#undef HIST
#undef LAB
	free(text);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("upstream");
	TCase	*tc = tcase_create("replay");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_slow_aaaa_sent_once);
	tcase_add_test(tc, test_bind_reaches_uio);
	tcase_add_test(tc, test_answer_filters);
	tcase_add_test(tc, test_a_rto_stays_small);
	tcase_add_test(tc, test_lost_datagram_alive_server);
	tcase_add_test(tc, test_slow_tries_other_server);
	tcase_add_test(tc, test_silent_server_retransmits);
	tcase_add_test(tc, test_dead_first_server);
	tcase_add_test(tc, test_socket_per_transmission);
	tcase_add_loop_test(tc, test_edns_fallback, 0, 4);
	tcase_add_test(tc, test_bare_formerr_wrong_id);
	tcase_add_test(tc, test_truncated_tcp);
	tcase_add_test(tc, test_tcp_reused);
	tcase_add_test(tc, test_jostle);
	tcase_add_test(tc, test_servfail_next_server);
	tcase_add_test(tc, test_early_attribution);
	tcase_add_test(tc, test_late_buckets);
	tcase_add_test(tc, test_learn_per_server);
	tcase_add_test(tc, test_server_stats);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
