/*
 * main.c: start-up, signals, the resolv-file watch, daemonizing and
 * dropping privileges.
 *
 * Order of start-up, so that every configuration error is reported (exit
 * 1) before any socket is bound, and every bind or pid file error (exit 2,
 * 3) before the daemon detaches: parse (command-line paths made absolute)
 * -> load -> bind -> open the pid file -> detach -> write the pid ->
 * [keeper] -> drop privileges -> loop.
 *
 * The keeper: a daemon that drops to user/group can no longer remove its
 * pid file from a directory only root may write to (/run).  So when there
 * is a pid file and privileges are dropped, the process forks once more
 * before the drop: the parent stays root, holds nothing but the pid
 * file's directory, forwards TERM, INT, HUP and USR1 to the child, waits
 * for it, removes the pid file and exits with the child's status.  The
 * pid file names the keeper, the process that was started (systemd's
 * main process), so a signal sent to it reaches the daemon.  The child
 * gets SIGTERM if the keeper dies (PR_SET_PDEATHSIG).  The keeper's real
 * user is the daemon's (effective: root), so it may signal the daemon
 * without CAP_KILL.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "briskdns.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "hostsdir.h"
#include "intercept.h"
#include "listen.h"
#include "nft.h"
#include "log.h"
#include "metrics.h"
#include "pidfile.h"
#include "query.h"
#include "route6.h"
#include "stats.h"
#include "sdnotify.h"
#include "upstream.h"
#include "version.h"

#define RESOLV_POLL_SEC	1

static struct event_base	*base;
static struct config_args	*args;
static struct config		*conf;
static int			 route6_started;
static volatile pid_t		 keeper_child;	/* keeper: the daemon */
static int			 intercepting;	/* the nfqueue door is open */
static struct event		*resolv_ev;	/* resolv_tfd readable */
static int			 resolv_tfd = -1; /* the resolv-file poll */
static int			 resolv_used;	/* servers read from it */
#ifdef HAVE_NFQUEUE
static int			 rules_added;	/* our nftables table exists */
#endif

/* What the resolv-file looked like when it was last read. */
static struct {
	int		 exists;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	struct timespec	 ctime;
} resolv_seen;

/* A dnsmasq key given that has no effect here (config_noop_notes). */
static void
log_noop(const char *key, const char *why, void *arg)
{
	(void)arg;
	log_info("%s: accepted for dnsmasq compatibility, %s",
	    key, why);
}

static int
uses_resolv(const struct config *c)
{
	size_t	 i;

	if (c->no_resolv)
		return 0;
	for (i = 0; i < c->nservers; i++)
		if (!c->servers[i].has_domain)
			return 0;	/* default servers given: not needed */
	return 1;
}

/* "ADDR#PORT" of a server address. */
static const char *
addr_port_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char		 a[INET6_ADDRSTRLEN];
	unsigned int	 port = 0;

	a[0] = '\0';
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		port = ntohs(sin6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		port = ntohs(sin->sin_port);
	}
	snprintf(buf, size, "%s#%u", a, port);
	return buf;
}

/* "using 2 nameservers from FILE: 192.0.2.1#53, 192.0.2.2#53" */
static void
servers_log_resolv(const struct config_server *rs, size_t n)
{
	char	 line[16 * (INET6_ADDRSTRLEN + 8)];
	char	 one[INET6_ADDRSTRLEN + 8];
	size_t	 i, off = 0;

	line[0] = '\0';
	for (i = 0; i < n && off < sizeof(line); i++) {
		addr_port_text(&rs[i].addr, one, sizeof(one));
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s",
		    i > 0 ? ", " : "", one);
	}
	log_info("using %zu nameserver%s from %s: %s", n, n == 1 ? "" : "s",
	    conf->resolv_file, line);
}

/* Read resolv-file (when in use) and hand the server list on. */
static void
servers_load(void)
{
	struct config_server	*rs = NULL;
	struct config_addr	*self = NULL;
	struct stat		 st;
	size_t			 nself = 0;
	int			 n = 0;

	if (uses_resolv(conf)) {
		memset(&resolv_seen, 0, sizeof(resolv_seen));
		if (stat(conf->resolv_file, &st) == 0) {
			resolv_seen.exists = 1;
			resolv_seen.dev = st.st_dev;
			resolv_seen.ino = st.st_ino;
			resolv_seen.size = st.st_size;
			resolv_seen.mtime = st.st_mtim;
			resolv_seen.ctime = st.st_ctim;
		}
		/* briskdns itself, interface addresses included. */
		if (listen_addrs(&self, &nself) == -1 || nself == 0) {
			free(self);
			self = NULL;
			nself = 0;
		}
		n = config_read_resolv(conf->resolv_file,
		    self != NULL ? self : conf->listen,
		    self != NULL ? nself : conf->nlisten, conf->port, &rs);
		free(self);
		if (n == -1) {
			log_warn("cannot read resolv-file %s",
			    conf->resolv_file);
			n = 0;
		} else if (n == 0)
			log_warnx("resolv-file %s names no usable server",
			    conf->resolv_file);
		else
			servers_log_resolv(rs, (size_t)n);
	}
	resolv_used = n;
	if (upstream_set_servers(conf, rs, (size_t)n) == -1)
		log_warnx("server list not changed");
	free(rs);
}

/*
 * --test: a resolv-file in use that gives no upstream (none named, or
 * only briskdns itself) is no error, since it may change later, but
 * worth a warning on stderr (the journal, under ExecStartPre=).
 */
static void
test_resolv_warn(const struct config *c)
{
	struct config_server	*rs = NULL;
	int			 usable, all;

	if (!uses_resolv(c))
		return;
	usable = config_read_resolv(c->resolv_file, c->listen, c->nlisten,
	    c->port, &rs);
	free(rs);
	if (usable == -1) {
		fprintf(stderr, "briskdns: warning: cannot read resolv-file "
		    "%s: %s\n", c->resolv_file, strerror(errno));
		return;
	}
	if (usable > 0)
		return;
	rs = NULL;
	all = config_read_resolv(c->resolv_file, NULL, 0, c->port, &rs);
	free(rs);
	fprintf(stderr, "briskdns: warning: resolv-file %s names no usable "
	    "server%s; no upstream until it does\n", c->resolv_file,
	    all > 0 ? " (only briskdns itself)" : "");
}

static void
resolv_poll(int fd, short ev, void *arg)
{
	struct stat	 st;
	uint64_t	 ticks;
	int		 exists;

	if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;		/* EAGAIN: nothing due */
	if (!uses_resolv(conf))
		return;
	exists = stat(conf->resolv_file, &st) == 0;
	if (exists == resolv_seen.exists && (!exists ||
	    (st.st_dev == resolv_seen.dev && st.st_ino == resolv_seen.ino &&
	    st.st_size == resolv_seen.size &&
	    st.st_mtim.tv_sec == resolv_seen.mtime.tv_sec &&
	    st.st_mtim.tv_nsec == resolv_seen.mtime.tv_nsec &&
	    st.st_ctim.tv_sec == resolv_seen.ctime.tv_sec &&
	    st.st_ctim.tv_nsec == resolv_seen.ctime.tv_nsec)))
		return;
	log_info("resolv-file %s changed, reading it again%s",
	    conf->resolv_file, conf->clear_on_reload ? ", clearing the "
	    "cache (clear-on-reload)" : "");
	servers_load();
	if (conf->clear_on_reload)
		query_set_config(conf);		/* which clears the cache */
}

/*
 * The resolv-file is looked at once a second while it is in use, on a
 * periodic timerfd rather than a libevent timer: with no libevent timer
 * pending, epoll_wait() sleeps without a timeout.  A timeout is armed and
 * cancelled in the kernel at every wake-up, 0.4 us of each cached query
 * answered one at a time (bench/README.md, 5.); the timerfd is armed once.
 */
static void
resolv_watch(void)
{
	struct itimerspec	 its;

	if (resolv_tfd == -1)
		return;				/* not started yet */
	memset(&its, 0, sizeof(its));		/* not in use: disarmed */
	if (uses_resolv(conf) && !conf->no_poll) {
		its.it_value.tv_sec = RESOLV_POLL_SEC;
		its.it_interval.tv_sec = RESOLV_POLL_SEC;
	}
	if (timerfd_settime(resolv_tfd, 0, &its, NULL) == -1)
		fatal("resolv-file timer");
}

static void
resolv_watch_start(void)
{
	resolv_tfd = timerfd_create(BRISKDNS_CLOCK_ID,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	if (resolv_tfd == -1)
		fatal("resolv-file timer");
	resolv_ev = event_new(base, resolv_tfd, EV_READ | EV_PERSIST,
	    resolv_poll, NULL);
	if (resolv_ev == NULL || event_add(resolv_ev, NULL) == -1)
		fatalx("resolv-file timer");
	resolv_watch();
}

static const char *
aaaa_mode_name(const struct config *c)
{
	static char	 buf[32];

	switch (c->aaaa_mode) {
	case AAAA_EMPTY:
		return "empty";
	case AAAA_FORWARD:
		return "forward";
	case AAAA_AUTO:
		return "auto";
	case AAAA_DEADLINE:
		snprintf(buf, sizeof(buf), "deadline:%u", c->aaaa_deadline_ms);
		return buf;
	case AAAA_AFTER_A:
		if (c->aaaa_after_a_ms == 0)
			return "after-a";
		snprintf(buf, sizeof(buf), "after-a:%u", c->aaaa_after_a_ms);
		return buf;
	case AAAA_LEARN:
		snprintf(buf, sizeof(buf), "learn:%u", c->aaaa_learn_ms);
		return buf;
	}
	return "?";
}

/*
 * systemd's STATUS= line: the door(s) and where, the upstreams, the AAAA
 * mode.  prefix (NULL: none) goes first, e.g. why a reload was rejected.
 */
static void
notify_summary(const char *prefix, char *buf, size_t size)
{
	struct config_addr	*la = NULL;
	char			 one[INET6_ADDRSTRLEN + 8];
	size_t			 i, nla = 0, nsrv = 0, off = 0, shown = 0;

#define NS_ADD(...) do {						\
	if (off < size)							\
		off += (size_t)snprintf(buf + off, size - off, __VA_ARGS__); \
} while (0)
	buf[0] = '\0';
	if (prefix != NULL)
		NS_ADD("%s; ", prefix);
	if (listen_addrs(&la, &nla) == -1)
		nla = 0;
	if (nla == 0)
		NS_ADD("no stub listener");
	else
		NS_ADD("stub on");
	for (i = 0; i < nla && shown < 4; i++, shown++) {
		/* The listener keeps the address, the port is conf's. */
		if (la[i].addr.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&la[i].addr)->sin6_port =
			    htons(conf->port);
		else
			((struct sockaddr_in *)&la[i].addr)->sin_port =
			    htons(conf->port);
		NS_ADD(" %s", addr_port_text(&la[i].addr, one, sizeof(one)));
	}
	if (nla > shown)
		NS_ADD(" (and %zu more)", nla - shown);
	free(la);
	if (intercepting)
		NS_ADD(", intercepting port %u (nfqueue %d)",
		    conf->nfqueue_port, conf->nfqueue);
	for (i = 0; i < conf->nservers; i++)
		if (conf->servers[i].kind == SERVER_ADDR)
			nsrv++;
	NS_ADD(", %zu upstream server%s", nsrv + (size_t)resolv_used,
	    nsrv + (size_t)resolv_used == 1 ? "" : "s");
	if (resolv_used > 0)
		NS_ADD(" (%d from %s)", resolv_used, conf->resolv_file);
	NS_ADD(", aaaa-mode %s", aaaa_mode_name(conf));
#undef NS_ADD
}

/* READY=1 with the summary; after a reload too (prefix: its outcome). */
static void
notify_ready(const char *prefix)
{
	char	 status[512];

	if (!sdnotify_enabled())
		return;
	notify_summary(prefix, status, sizeof(status));
	sdnotify_ready(status);
}

static void
route6_changed(int have)
{
	query_set_global_v6(have);
}

/* auto and learn are empty without a global IPv6 route. */
static int
aaaa_follows_routes(const struct config *c)
{
	return c->aaaa_mode == AAAA_AUTO || c->aaaa_mode == AAAA_LEARN;
}

static void
route6_follow(void)
{
	if (!aaaa_follows_routes(conf) || route6_started)
		return;
	if (route6_init(base, route6_changed) == -1) {
		log_warnx("aaaa-mode %s: cannot follow routes, "
		    "forwarding AAAA", aaaa_mode_name(conf));
		query_set_global_v6(1);
		return;
	}
	route6_started = 1;
}

/*
 * SIGHUP: the new configuration is loaded aside, by a thread, so that a
 * configuration of a million rules (a second or more to read and build)
 * never stalls answering: the thread runs config_load() (pure, no global
 * state) and says so on an eventfd; the event loop swaps the result in
 * (reload_apply) and hands the old configuration back to the thread to
 * free, which again can take long.  One reload at a time: a SIGHUP
 * during one is remembered and runs after it.
 */
static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	pthread_t		 thread;
	int			 running;	/* a worker exists */
	int			 again;		/* SIGHUP meanwhile */
	int			 efd;		/* the worker has news */
	struct event		*ev;
	/* worker -> loop */
	int			 loaded;
	struct config		*nc;		/* NULL: rejected */
	struct config_errors	 errs;
	uint64_t		 started_ms, loaded_ms;
	int			 freed;
	/* loop -> worker */
	int			 handed;
	struct config		*old;		/* to free */
	unsigned int		 test_delay_ms;	/* BRISKDNS_TEST_RELOAD_DELAY_MS */
} rld = { .mtx = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
    .efd = -1 };

/* ---- the control socket and the metrics endpoint ---- */

static const char *
ops_aaaa_mode(void)
{
	return aaaa_mode_name(conf);
}

static void	reload_start(void);

/* Bind control-socket and metrics-listen (before the drop), or exit. */
static void
ops_init(void)
{
	const struct control_ops	 ops = { reload_start, ops_aaaa_mode };

	if (control_init(base, conf, &ops) == -1)
		fatalx_status(EXIT_NET, "cannot open the control socket, "
		    "exiting");
	if (metrics_init(base, conf) == -1) {
		control_shutdown();	/* its socket file goes */
		fatalx_status(EXIT_NET, "cannot listen for metrics, exiting");
	}
}

static void
ops_sources(void)
{
	struct stats_sources	 src;

	memset(&src, 0, sizeof(src));
	src.intercepting = intercepting;
	src.started = (uint64_t)time(NULL);
	stats_set_sources(&src);
}

static void
ops_reload_note(const char *which)
{
	char	 note[320];

	snprintf(note, sizeof(note), "changes to %s need a restart; old "
	    "values kept", which);
	control_reload_note(note);
}

static void
ops_reload_failed(void)
{
	static char	 why[] = "cannot start the reload";
	char		*msg = why;

	control_reload_started();
	control_reload_done(0, &msg, 1);
}

static void
reload_news(void)
{
	uint64_t	 one = 1;

	if (write(rld.efd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd write fails only on overflow */
}

static void *
reload_main(void *arg)
{
	struct config_errors	 errs = { 0 };
	struct config		*nc, *old;

	/* Tests: a load as slow as a large configuration's, whatever the
	 * configuration limits of this build. */
	if (rld.test_delay_ms > 0)
		usleep(rld.test_delay_ms * 1000);
	nc = config_load(args, &errs);
	pthread_mutex_lock(&rld.mtx);
	rld.nc = nc;
	rld.errs = errs;
	rld.loaded_ms = clock_ms();
	rld.loaded = 1;
	pthread_cond_broadcast(&rld.cond);
	pthread_mutex_unlock(&rld.mtx);
	reload_news();

	pthread_mutex_lock(&rld.mtx);
	while (!rld.handed)
		pthread_cond_wait(&rld.cond, &rld.mtx);
	old = rld.old;
	pthread_mutex_unlock(&rld.mtx);
	config_free(old);
	pthread_mutex_lock(&rld.mtx);
	rld.freed = 1;
	pthread_mutex_unlock(&rld.mtx);
	reload_news();
	return NULL;
}

static void
reload_start(void)
{
	sigset_t	 all, old;
	int		 e;

	if (rld.running) {
		if (!rld.again)
			log_info("SIGHUP: a reload is running, another one "
			    "follows it");
		rld.again = 1;
		return;
	}
	log_info("SIGHUP: reading the configuration again");
	sdnotify_reloading();
	rld.loaded = rld.freed = rld.handed = 0;
	rld.nc = rld.old = NULL;
	rld.started_ms = clock_ms();
	/* Signals are the event loop's: the worker blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&rld.thread, NULL, reload_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("SIGHUP: cannot start the reload, the running "
		    "configuration stays");
		ops_reload_failed();
		notify_ready("reload failed to start, the running "
		    "configuration stays");
		return;
	}
	rld.running = 1;
	control_reload_started();
}

/*
 * Logging never blocks the query path: log-async=LINES, or, with
 * log-queries and no log-async, a queue of CONFIG_LOG_QUERIES_QUEUE lines
 * (briskdns.conf(5), log-queries).  Started once, after the last fork; a
 * SIGHUP that turns log-queries on starts it too.
 */
static void
log_queue_start(const struct config *c)
{
	unsigned int	 lines = c->log_async;

	if (lines == 0 && c->log_queries && !c->log_async_off)
		lines = CONFIG_LOG_QUERIES_QUEUE;
	if (lines > 0 && log_queue_lines() == 0 &&
	    log_async_start(lines) == -1)
		log_warn("log-async: logging synchronously");
}

/* On the event loop: swap nc in.  Returns the configuration to free. */
static struct config *
reload_apply(struct config *nc)
{
	struct config		*old;
	char			 which[256];

	if (config_restart_keys_differ(conf, nc, which, sizeof(which))) {
		log_warnx("changes to %s need a restart; old values kept",
		    which);
		/* Keep what is bound and what we are. */
		free(nc->listen);
		nc->listen = conf->listen;
		nc->nlisten = conf->nlisten;
		conf->listen = NULL;
		conf->nlisten = 0;
		nc->port = conf->port;
		nc->nfqueue = conf->nfqueue;
		nc->nfqueue_port = conf->nfqueue_port;
		nc->nfqueue_rules_auto = conf->nfqueue_rules_auto;
		free(nc->user);
		nc->user = conf->user;
		conf->user = NULL;
		free(nc->group);
		nc->group = conf->group;
		conf->group = NULL;
		free(nc->pid_file);
		nc->pid_file = conf->pid_file;
		conf->pid_file = NULL;
		free(nc->log_facility);
		nc->log_facility = conf->log_facility;
		conf->log_facility = NULL;
		nc->log_async = conf->log_async;
		nc->log_async_off = conf->log_async_off;
		config_listen_keep(nc, conf);
		config_ops_keep(nc, conf);
		ops_reload_note(which);
	}
	old = conf;
	conf = nc;
	query_set_config(conf);
	listen_set_config(conf);
	control_set_config(conf);
	log_setverbose(getenv("BRISKDNS_DEBUG") != NULL || conf->log_debug);
	servers_load();
	resolv_watch();
	hostsdir_watch(base, &conf);
	route6_follow();
	if (aaaa_follows_routes(conf))
		query_set_global_v6(route6_have_global());
	log_queue_start(conf);
	return old;
}

/* READY=1 after a rejected reload, STATUS= naming the first error. */
static void
notify_rejected(const struct config_errors *errs)
{
	char	 why[300];

	snprintf(why, sizeof(why), "configuration rejected (%s%s), the "
	    "running one stays", errs->n > 0 ? errs->msg[0] : "no reason",
	    errs->n > 1 ? ", ..." : "");
	notify_ready(why);
}

static void
reload_event(int fd, short ev, void *arg)
{
	struct config_errors	 errs;
	struct config		*nc, *old = NULL;
	uint64_t		 n, now;
	size_t			 i;
	int			 loaded, handed, freed;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&rld.mtx);
	loaded = rld.loaded;
	handed = rld.handed;
	freed = rld.freed;
	nc = rld.nc;
	errs = rld.errs;
	pthread_mutex_unlock(&rld.mtx);
	if (!rld.running)
		return;
	if (loaded && !handed) {
		now = clock_ms();
		if (nc == NULL) {
			for (i = 0; i < errs.n; i++)
				log_warnx("%s", errs.msg[i]);
			log_warnx("configuration rejected, the running one "
			    "stays");
			control_reload_done(0, errs.msg, errs.n);
			notify_rejected(&errs);
		} else {
			old = reload_apply(nc);
			log_info("configuration reloaded in %llu ms (swapped "
			    "in %llu ms), cache cleared",
			    (unsigned long long)(rld.loaded_ms - rld.started_ms),
			    (unsigned long long)(clock_ms() - now));
			config_noop_notes(nc, log_noop, NULL);
			control_reload_done(1, NULL, 0);
			notify_ready(NULL);
		}
		config_errors_clear(&errs);
		pthread_mutex_lock(&rld.mtx);
		rld.old = old;
		rld.handed = 1;
		pthread_cond_broadcast(&rld.cond);
		pthread_mutex_unlock(&rld.mtx);
	}
	if (freed) {
		pthread_join(rld.thread, NULL);
		rld.running = 0;
		if (rld.again) {
			rld.again = 0;
			reload_start();
		}
	}
}

static void
reload_init(void)
{
	const char	*s;

	if ((s = getenv("BRISKDNS_TEST_RELOAD_DELAY_MS")) != NULL)
		rld.test_delay_ms = (unsigned int)strtoul(s, NULL, 10) % 60000;
	if ((rld.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
	rld.ev = event_new(base, rld.efd, EV_READ | EV_PERSIST, reload_event,
	    NULL);
	if (rld.ev == NULL || event_add(rld.ev, NULL) == -1)
		fatalx("reload event");
}

/* At exit: a reload in progress is finished (its result freed). */
static void
reload_shutdown(void)
{
	if (rld.running) {
		pthread_mutex_lock(&rld.mtx);
		while (!rld.loaded)
			pthread_cond_wait(&rld.cond, &rld.mtx);
		if (!rld.handed) {
			rld.old = rld.nc;
			config_errors_clear(&rld.errs);
			rld.handed = 1;
			pthread_cond_broadcast(&rld.cond);
		}
		pthread_mutex_unlock(&rld.mtx);
		pthread_join(rld.thread, NULL);
		rld.running = 0;
	}
	event_free(rld.ev);
	close(rld.efd);
}

static void
on_signal(int sig, short ev, void *arg)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("exiting on signal %d", sig);
		event_base_loopbreak(base);
		break;
	case SIGHUP:
		reload_start();
		break;
	case SIGUSR2:
		if (log_reopen() == -1)
			log_warn("SIGUSR2: cannot open the log file again");
		else
			log_info("SIGUSR2: log file opened again");
		break;
	case SIGUSR1:
		query_log_stats();
		upstream_log_stats();
		log_info("listener: udp %llu, tcp %llu, tcp connections %llu, "
		    "refused at the bound %llu, send errors %llu, not local "
		    "%llu",
		    (unsigned long long)listen_stats.udp_in,
		    (unsigned long long)listen_stats.tcp_in,
		    (unsigned long long)listen_stats.tcp_conns,
		    (unsigned long long)listen_stats.tcp_refused,
		    (unsigned long long)listen_stats.send_errors,
		    (unsigned long long)listen_stats.not_local);
		log_info("log: queue %u lines, dropped %lu", log_queue_lines(),
		    log_async_lost());
#ifdef HAVE_NFQUEUE
		if (intercepting)
			intercept_log_stats();
#endif
		break;
	}
}

/*
 * Detach.  The parent waits on a pipe for the child to say it started,
 * so that a failure after fork (pid file, privileges) still gives the
 * right exit status.  Returns the write end for daemon_ready().
 */
static int
daemon_start(void)
{
	int	 p[2], fd, wstatus;
	pid_t	 pid;
	char	 status;

	if (pipe(p) == -1)
		fatal("pipe");
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		if (read(p[0], &status, 1) != 1) {
			/* The child died before it was ready: its status. */
			if (waitpid(pid, &wstatus, 0) == pid &&
			    WIFEXITED(wstatus))
				status = (char)WEXITSTATUS(wstatus);
			else
				status = EXIT_OTHER;
		}
		_exit(status);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return p[1];
}

static void
daemon_ready(int fd)
{
	char	 ok = 0;

	if (fd == -1)
		return;
	if (write(fd, &ok, 1) != 1)
		log_warn("daemon_ready");
	close(fd);
}

/*
 * Descriptors: a UDP socket per upstream transmission (up to 8 per
 * transaction, TCP fallback included) and up to 512 idle ones, 128 TCP
 * clients.  The soft limit (1024 under systemd) is
 * raised to the hard one, so the bounds of briskdns are reached before
 * the kernel's.
 */
static void
nofile_raise(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit(RLIMIT_NOFILE)");
	}
}

/*
 * The rules of nfqueue-rules=auto go with the process, however it ends
 * after adding them (a fatal error included): registered with atexit().
 * A SIGKILL leaves them; the bypass flag keeps DNS flowing, and the next
 * start replaces them.
 */
static void
rules_remove(void)
{
#ifdef HAVE_NFQUEUE
	if (rules_added && nft_rules_del() == 0)
		rules_added = 0;
#endif
}

/*
 * Open the interception door: rules first (until the queue is bound,
 * bypass lets packets through), then the queue.
 */
static void
intercept_start(void)
{
#ifdef HAVE_NFQUEUE
	if (conf->nfqueue < 0)
		return;
	if (conf->nfqueue_rules_auto) {
		if (nft_rules_add((uint16_t)conf->nfqueue,
		    conf->nfqueue_port) == -1)
			fatalx_status(EXIT_NET, "cannot add the nftables rules "
			    "for nfqueue %d, exiting", conf->nfqueue);
		rules_added = 1;
		atexit(rules_remove);
		log_info("nftables table inet %s: udp dport %u to queue %d "
		    "(%s, bypass, alive %d ms%s)", NFT_TABLE,
		    conf->nfqueue_port, conf->nfqueue, nft_rules_kind(),
		    NFT_ALIVE_TIMEOUT_MS, nft_rules_nat() ? ", DNAT undone for "
		    "the door" : "");
	}
	if (intercept_init(base, conf) == -1)
		fatalx_status(EXIT_NET, "cannot open nfqueue %d, exiting",
		    conf->nfqueue);
	if (rules_added && nft_alive_start(base) == -1)
		fatalx_status(EXIT_NET, "cannot keep the nftables rule alive, "
		    "exiting");
	intercepting = 1;
#else
	if (conf->nfqueue >= 0)
		fatalx_status(EXIT_CONFIG, "built without interception");
#endif
}

/*
 * Keep caps (a mask of 1 << CAP_*) across the change of user, and nothing
 * else.  CAP_NET_BIND_SERVICE: bind-dynamic binds port 53 on addresses
 * that appear later.  CAP_NET_ADMIN, for interception: the
 * door's verdicts (every nfnetlink message needs it), the refresh of the
 * alive element and the removal of the table at exit.  CAP_NET_RAW goes:
 * the raw sockets for the answers are open already, and sending on them
 * needs no capability.  Called with keep set before setresuid(), clear
 * after.
 */
static void
caps_keep(int keep, uint32_t caps)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[2];

	if (keep) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
			fatal("prctl(PR_SET_KEEPCAPS)");
		return;
	}
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].permitted = data[0].effective = caps;
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("capset");
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

/*
 * Who to become, when started as root: names are looked up here, at
 * start, never on the query path.  Returns 1 if that changes who we are
 * (uid and gid set), 0 if not (not root, no user, or user=root, or a
 * user namespace where we are that user already).
 */
static int
privileges_lookup(const char *user, const char *group, uid_t *uid,
    gid_t *gid)
{
	struct passwd	*pw;
	struct group	*gr;

	if (geteuid() != 0 || user == NULL || *user == '\0')
		return 0;
	if ((pw = getpwnam(user)) == NULL)
		fatalx_status(EXIT_CONFIG, "user %s: no such user", user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group != NULL && *group != '\0') {
		if ((gr = getgrnam(group)) == NULL)
			fatalx_status(EXIT_CONFIG, "group %s: no such group",
			    group);
		*gid = gr->gr_gid;
	}
	return *uid != geteuid() || *gid != getegid();
}

/*
 * Become uid/gid (privileges_lookup()).  keepcaps: keep what
 * interception needs (caps_keep).
 */
static void
drop_privileges(const char *user, const char *group, uid_t uid, gid_t gid,
    uint32_t keepcaps)
{
	if (setgroups(1, &gid) == -1 && errno != EPERM)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid %s", group ? group : "");
	if (keepcaps)
		caps_keep(1, keepcaps);
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid %s", user);
	if (keepcaps)
		caps_keep(0, keepcaps);
	log_debug("running as %s:%s%s%s", user, group ? group : "",
	    keepcaps & (1U << CAP_NET_ADMIN) ? ", keeping CAP_NET_ADMIN" : "",
	    keepcaps & (1U << CAP_NET_BIND_SERVICE) ?
	    ", keeping CAP_NET_BIND_SERVICE (bind-dynamic)" : "");
}

static void
keeper_forward(int sig)
{
	int	 save = errno;

	if (keeper_child > 0)
		(void)kill(keeper_child, sig);
	errno = save;
}

/* Close every descriptor from 3 up, but keep. */
static void
keeper_close_fds(int keep)
{
#ifdef HAVE_CLOSE_RANGE
	if (keep < 3)
		keep = 2;
	if (keep > 3)
		(void)close_range(3, (unsigned int)keep - 1, 0);
	if (close_range((unsigned int)keep + 1, ~0U, 0) == 0)
		return;
#endif
	{
		struct rlimit	 rl;
		rlim_t		 fd, max = 65536;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
			max = rl.rlim_cur;
		for (fd = 3; fd < max; fd++)
			if ((int)fd != keep)
				(void)close((int)fd);
	}
}

/*
 * Fork the keeper (see the top of the file).  Returns the keeper's pid in
 * the child, the daemon; the parent never returns.  ready_fd: the
 * detaching parent's pipe, whose write end only the daemon keeps.  uid:
 * the daemon's user, which becomes the keeper's real user ID (the
 * effective one stays 0): so the keeper may signal the daemon without
 * CAP_KILL, which a supervisor's bounding set may lack.
 */
static pid_t
keeper_start(int ready_fd, uid_t uid)
{
	const int		 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1,
	    SIGUSR2 };
	struct sigaction	 sa;
	sigset_t		 set, old;
	pid_t			 pid, keeper = getpid();
	size_t			 i;
	int			 status;

	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	/* No signal is lost or misdirected between fork() and sigaction(). */
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1)
		fatal("sigprocmask");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		pidfile_forget();
		if (event_reinit(base) == -1)
			fatalx("event_reinit");
		if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
			fatal("sigprocmask");
		return keeper;
	}

	/* The keeper: root, the pid file's directory, nothing else. */
	keeper_child = pid;
	if (ready_fd != -1)
		close(ready_fd);
	keeper_close_fds(pidfile_dirfd());
	if (setresuid(uid, (uid_t)-1, (uid_t)-1) == -1)
		log_warn("keeper: setresuid");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = keeper_forward;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			log_warn("keeper: waitpid");
			status = EXIT_OTHER << 8;
			break;
		}
	}
	pidfile_remove();
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		/* Die the same way, so that the supervisor sees why. */
		signal(WTERMSIG(status), SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, WTERMSIG(status));
		(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
		(void)kill(getpid(), WTERMSIG(status));
	}
	_exit(EXIT_OTHER);
}

/*
 * In the daemon, after the change of user (which clears the setting):
 * end with SIGTERM when the keeper goes, for the pid file to go too.
 */
static void
keeper_watch(pid_t keeper)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_PDEATHSIG)");
	if (getppid() != keeper)
		fatalx("the pid file's keeper is gone, exiting");
}

int
main(int argc, char *argv[])
{
	struct config_errors	 errs = { 0 };
	enum config_action	 action;
	struct event		*sigs[5];
	const int		 signo[5] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1,
				    SIGUSR2 };
	int			 ready_fd = -1, i, dropping;
	pid_t			 keeper = -1;
	uid_t			 uid = 0;
	gid_t			 gid = 0;
	char			*cwd;

	/* Every early exit frees what it had: the sanitizer runs check. */
	if (config_args_parse(argc, argv, &args, &action, &errs) == -1) {
		config_errors_print(stderr, &errs);
		fprintf(stderr, "Try '%s --help'.\n", argv[0]);
		config_errors_clear(&errs);
		config_args_free(args);
		return EXIT_CONFIG;
	}
	/* After daemon_start()'s chdir("/") a relative path means another
	 * file: SIGHUP would read nothing. */
	if ((cwd = getcwd(NULL, 0)) != NULL) {
		i = config_args_absolute(args, cwd);
		free(cwd);
		if (i == -1) {
			fprintf(stderr, "briskdns: out of memory\n");
			config_args_free(args);
			return EXIT_NOMEM;
		}
	}
	if (action != CONFIG_RUN) {
		if (action == CONFIG_HELP)
			config_usage(stdout, argv[0]);
		else
			version_print(stdout);
		config_args_free(args);
		return 0;
	}
	if ((conf = config_load(args, &errs)) == NULL) {
		config_errors_print(stderr, &errs);
		config_errors_clear(&errs);
		config_args_free(args);
		return EXIT_CONFIG;
	}
	config_errors_clear(&errs);
	if (conf->test) {
		test_resolv_warn(conf);
		config_print(stdout, conf);
		printf("briskdns: syntax check OK.\n");
		config_free(conf);
		config_args_free(args);
		return 0;
	}

	log_init(1, getenv("BRISKDNS_DEBUG") != NULL || conf->log_debug);
	/* Before any fork: WATCHDOG_PID names this process. */
	(void)sdnotify_init();
	signal(SIGPIPE, SIG_IGN);
	nofile_raise();
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	query_init(base);
	query_set_config(conf);
	if (listen_init(base, conf) == -1)
		fatalx_status(EXIT_NET, "cannot listen, exiting");
	if (upstream_init(base) == -1)
		fatalx("upstream_init");
	ops_init();	/* before interception: a failure leaves no rules */
	intercept_start();
	ops_sources();

	dropping = privileges_lookup(conf->user, conf->group, &uid, &gid);
	if (conf->pid_file != NULL) {
		if (pidfile_open(conf->pid_file) == -1)
			fatalx_status(EXIT_FS, "cannot write the pid file, "
			    "exiting");
		atexit(pidfile_remove);
	}
	if (!conf->no_daemon && !conf->keep_in_foreground)
		ready_fd = daemon_start();
	if (!conf->no_daemon || conf->log_facility != NULL) {
		if (log_target(conf->log_facility, conf->log_facility != NULL ?
		    config_log_facility(conf->log_facility) : -1,
		    conf->no_daemon) == -1)
			fatal_status(EXIT_FS, "log-facility %s",
			    conf->log_facility);
	}
	if (conf->pid_file != NULL) {
		if (pidfile_write(getpid()) == -1)
			fatalx_status(EXIT_FS, "cannot write the pid file, "
			    "exiting");
		if (dropping)
			keeper = keeper_start(ready_fd, uid);
	}
	if (dropping && control_chown(uid, gid) == -1)
		fatalx_status(EXIT_NET, "cannot give the control socket to "
		    "%s", conf->user);
	if (dropping && log_chown(uid) == -1)
		log_warn("log-facility %s: chown", conf->log_facility);
	if (dropping)
		drop_privileges(conf->user, conf->group, uid, gid,
		    (intercepting ? 1U << CAP_NET_ADMIN : 0) |
		    (conf->bind_dynamic && conf->port != 0 &&
		    conf->port < 1024 ? 1U << CAP_NET_BIND_SERVICE : 0));
	if (keeper != -1)
		keeper_watch(keeper);

	servers_load();
	route6_follow();
	for (i = 0; i < 5; i++) {
		sigs[i] = evsignal_new(base, signo[i], on_signal, NULL);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
			fatalx("signal");
	}
	resolv_watch_start();
	hostsdir_watch(base, &conf);
	reload_init();
	log_queue_start(conf);

	log_info("started, version %s, aaaa-mode %s, cache %zu entries",
	    PACKAGE_VERSION, aaaa_mode_name(conf), conf->cache_size);
	config_noop_notes(conf, log_noop, NULL);
	daemon_ready(ready_fd);
	notify_ready(NULL);
	(void)sdnotify_watchdog_start(base);

	event_base_dispatch(base);
	sdnotify_stopping();

#ifdef HAVE_NFQUEUE
	if (intercepting)
		intercept_shutdown();
#endif
	rules_remove();
	upstream_shutdown();
	query_shutdown();
	listen_shutdown();
	if (route6_started)
		route6_shutdown();
	for (i = 0; i < 5; i++)
		event_free(sigs[i]);
	reload_shutdown();
	control_shutdown();
	metrics_shutdown();
	event_free(resolv_ev);
	close(resolv_tfd);
	hostsdir_stop();
	sdnotify_close();
	log_async_stop(1000);
	pidfile_remove();
	config_free(conf);
	config_args_free(args);
	event_base_free(base);
	return 0;
}
