/*
 * control.c: the control socket (see control.h for the protocol and its
 * bounds).
 *
 * Each connection is a bufferevent.  The command line is read whole (up
 * to CONTROL_MAX_LINE), reading stops, the whole answer is put in the
 * output buffer (never more than CONTROL_MAX_OUTPUT bytes) and the
 * connection is freed once it has drained.  dump-cache is made a part at
 * a time (cache_walk_part): about CONTROL_DUMP_CHUNK bytes, then more
 * when the client has read them down to CONTROL_DUMP_LOW, so a cache of
 * millions of entries neither holds the event loop nor fills memory.  A
 * reload is the one command that waits: the connection is answered when
 * main.c reports the outcome of a reload started after the command
 * came.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "briskdns.h"
#include "cache.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "hosts.h"
#include "listen.h"
#include "log.h"
#include "msg.h"
#include "query.h"
#include "stats.h"
#include "upstream.h"

enum ctl_state {
	CTL_READING,
	CTL_RELOAD_WANT,	/* asked; no reload started since */
	CTL_RELOAD_STARTED,	/* waits for that reload's outcome */
	CTL_DUMPING,		/* dump-cache, a part at a time */
	CTL_WRITING,		/* answered; freed once drained */
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct bufferevent	*bev;
	enum ctl_state		 state;
	const struct cache	*dump_cache;	/* the cache being dumped */
	size_t			 dump_pos;	/* cache_walk_part's */
};
TAILQ_HEAD(ctl_conns, ctl_conn);

static struct {
	struct event_base	*base;
	const struct config	*conf;
	struct control_ops	 ops;
	char			*path;
	int			 fd;
	struct event		*ev;
	struct ctl_conns	 conns;
	size_t			 nconns;
	uint64_t		 started_ms;
	char			*note;		/* for the reload waiters */
} ctl = { .fd = -1, .conns = TAILQ_HEAD_INITIALIZER(ctl.conns) };

static void	ctl_free(struct ctl_conn *);

/* ---- output ------------------------------------------------------------- */

/* Append a line, unless the answer is at its bound; -1 then. */
static int
out_line(struct evbuffer *out, const char *fmt, ...)
	__attribute__((__format__(__printf__, 2, 3)));

static int
out_line(struct evbuffer *out, const char *fmt, ...)
{
	va_list	 ap;
	int	 rv;

	if (evbuffer_get_length(out) >= CONTROL_MAX_OUTPUT)
		return -1;
	va_start(ap, fmt);
	rv = evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	if (rv < 0 || evbuffer_add(out, "\n", 1) == -1)
		return -1;
	return 0;
}

/* The answer's last line, then close once it has been read. */
static void
ctl_finish(struct ctl_conn *c, const char *err)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	if (err == NULL)
		evbuffer_add(out, "OK\n", 3);
	else
		evbuffer_add_printf(out, "ERROR: %s\n", err);
	c->state = CTL_WRITING;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
	if (evbuffer_get_length(out) == 0)
		ctl_free(c);
}

/* ---- commands ----------------------------------------------------------- */

static const char *
cmd_stats(struct evbuffer *out)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*f;

	if ((f = open_memstream(&text, &len)) == NULL)
		return "out of memory";
	if (stats_format(f, 0) == -1) {
		fclose(f);
		free(text);
		return "out of memory";
	}
	fclose(f);
	if (len > CONTROL_MAX_OUTPUT || evbuffer_add(out, text, len) == -1) {
		free(text);
		return "output too long";
	}
	free(text);
	return NULL;
}

static const char *
cmd_flush(struct evbuffer *out, const char *name)
{
	struct cache	*c = query_cache();
	struct cache_stats cs;
	uint8_t		 wire[DNS_MAXNAME];
	size_t		 wlen, n;

	if (name == NULL) {
		n = 0;
		if (c != NULL) {
			cache_get_stats(c, &cs);
			n = (size_t)cs.entries;
			cache_clear(c);
		}
		log_info("control: cache flushed, %zu entries", n);
		out_line(out, "flushed %zu entries", n);
		return NULL;
	}
	if (hosts_name_wire(name, strlen(name), wire, &wlen) == -1)
		return "not a domain name";
	n = c != NULL ? cache_flush_name(c, wire, wlen) : 0;
	log_info("control: %s flushed from the cache, %zu entries", name, n);
	out_line(out, "flushed %zu entries", n);
	return NULL;
}

static char	 dumpbuf[48 * 1024];	/* one record's line */

/* One entry: its answer records, or a comment line for a negative one. */
static void
dump_entry(const struct cache_view *v, void *arg)
{
	struct evbuffer	*out = arg;
	struct msg_iter	 it;
	struct msg_rr	 rr;
	uint32_t	 ttl;
	size_t		 n, nans = 0;
	char		 name[1100], type[16];
	const char	*stale = v->left_ms < 0 ? " ; stale" : "";

	if (msg_iter_start(&it, v->ans, v->len) == -1)
		return;
	while (msg_iter_next(&it, &rr) == 1) {
		if (rr.section != MSG_SEC_ANSWER)
			break;
		nans++;
		ttl = (uint32_t)v->ans[rr.ttl] << 24 |
		    (uint32_t)v->ans[rr.ttl + 1] << 16 |
		    (uint32_t)v->ans[rr.ttl + 2] << 8 | v->ans[rr.ttl + 3];
		ttl = ttl > v->age_s ? ttl - v->age_s : 0;
		if (v->left_ms < 0)
			ttl = 0;
		n = msg_rr_text(v->ans, v->len, &rr, ttl, dumpbuf,
		    sizeof(dumpbuf));
		if (n > 0)
			out_line(out, "%s%s%s", dumpbuf, v->dobit ? " ; do" :
			    "", stale);
	}
	if (nans == 0) {
		/* A negative or SERVFAIL entry: a comment line. */
		msg_name_text(v->ans + DNS_HDRLEN, v->len - DNS_HDRLEN, name,
		    sizeof(name));
		ttl = v->left_ms > 0 ? (uint32_t)((v->left_ms + 999) / 1000) :
		    0;
		out_line(out, "; %s %u %s %s %s%s%s", name, ttl,
		    v->qclass == DNS_CLASS_IN ? "IN" : "CLASS?",
		    msg_type_text(v->qtype, type, sizeof(type)),
		    v->rcode == DNS_RCODE_NOERROR ? "NODATA" :
		    msg_rcode_text(v->rcode), v->dobit ? " ; do" : "", stale);
	}
}

/* The next part of a dump, or its end. */
static void
dump_more(struct ctl_conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	struct cache	*cache = query_cache();

	if (cache == NULL || cache != c->dump_cache) {
		ctl_finish(c, "the cache was replaced meanwhile (cache-size "
		    "changed); dump again");
		return;
	}
	while (evbuffer_get_length(out) < CONTROL_DUMP_CHUNK)
		if (!cache_walk_part(cache, clock_ms(), &c->dump_pos,
		    CONTROL_DUMP_ENTRIES, dump_entry, out)) {
			ctl_finish(c, NULL);
			return;
		}
	/* More when the client has read it down to CONTROL_DUMP_LOW. */
	bufferevent_setwatermark(c->bev, EV_WRITE, CONTROL_DUMP_LOW, 0);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
cmd_dump_cache(struct ctl_conn *c)
{
	if ((c->dump_cache = query_cache()) == NULL) {
		ctl_finish(c, NULL);	/* no cache: nothing in it */
		return;
	}
	c->state = CTL_DUMPING;
	c->dump_pos = 0;
	bufferevent_disable(c->bev, EV_READ);
	dump_more(c);
}

/* "ADDR#PORT", as server names are written. */
static const char *
addr_port_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s#%u", a, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "%s#%u", a, ntohs(sin6->sin6_port));
	} else
		snprintf(buf, len, "?");
	return buf;
}

static const char *
cmd_status(struct evbuffer *out)
{
	const struct config		*conf = ctl.conf;
	struct upstream_server_stats	 st;
	struct config_addr		*addrs = NULL;
	struct cache			*c = query_cache();
	struct cache_stats		 cs;
	char				 a[INET6_ADDRSTRLEN + 16];
	size_t				 n = 0, i;

	out_line(out, "version: %s", PACKAGE_VERSION);
	out_line(out, "pid: %ld", (long)getpid());
	out_line(out, "uptime: %" PRIu64 " s",
	    (clock_ms() - ctl.started_ms) / 1000);
	if (conf->nfqueue >= 0)
		out_line(out, "mode: interception (nfqueue %d, port %u)",
		    conf->nfqueue, conf->nfqueue_port);
	else
		out_line(out, "mode: stub");
	out_line(out, "aaaa-mode: %s", ctl.ops.aaaa_mode != NULL ?
	    ctl.ops.aaaa_mode() : "?");
	if (listen_addrs(&addrs, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (addrs[i].addr.ss_family == AF_INET &&
			    ((struct sockaddr_in *)&addrs[i].addr)->sin_port ==
			    0)
				((struct sockaddr_in *)&addrs[i].addr)->
				    sin_port = htons(conf->port);
			else if (addrs[i].addr.ss_family == AF_INET6 &&
			    ((struct sockaddr_in6 *)&addrs[i].addr)->
			    sin6_port == 0)
				((struct sockaddr_in6 *)&addrs[i].addr)->
				    sin6_port = htons(conf->port);
			out_line(out, "listening: %s",
			    addr_port_text(&addrs[i].addr, a, sizeof(a)));
		}
		free(addrs);
	}
	for (i = 0; upstream_server_stats(i, &st) == 0; i++)
		out_line(out, "server: %s%s", st.name, st.has_domain ?
		    " (domain)" : "");
	if (c != NULL) {
		cache_get_stats(c, &cs);
		out_line(out, "cache: %zu entries, %" PRIu64 " in use",
		    conf->cache_size, cs.entries);
	} else
		out_line(out, "cache: off");
	out_line(out, "control-socket: %s", ctl.path);
	if (conf->metrics_listen != NULL)
		out_line(out, "metrics-listen: %s", conf->metrics_listen);
	return NULL;
}

static void
ctl_command(struct ctl_conn *c, char *line)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	const char	*err = "unknown command (stats, flush [NAME], "
			    "dump-cache, reload, status)";
	char		*arg, *end;

	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	if ((arg = strpbrk(line, " \t")) != NULL) {
		*arg++ = '\0';
		while (*arg == ' ' || *arg == '\t')
			arg++;
		if (*arg == '\0')
			arg = NULL;
	}
	if (strcmp(line, "stats") == 0 && arg == NULL)
		err = cmd_stats(out);
	else if (strcmp(line, "flush") == 0)
		err = cmd_flush(out, arg);
	else if (strcmp(line, "dump-cache") == 0 && arg == NULL) {
		cmd_dump_cache(c);
		return;
	} else if (strcmp(line, "status") == 0 && arg == NULL)
		err = cmd_status(out);
	else if (strcmp(line, "reload") == 0 && arg == NULL) {
		log_info("control: reload asked");
		c->state = CTL_RELOAD_WANT;
		bufferevent_disable(c->bev, EV_READ);
		/* No timeout while the reload runs: it ends. */
		bufferevent_set_timeouts(c->bev, NULL, NULL);
		ctl.ops.reload();
		return;
	} else if (arg != NULL && (strcmp(line, "stats") == 0 ||
	    strcmp(line, "dump-cache") == 0 || strcmp(line, "status") == 0 ||
	    strcmp(line, "reload") == 0))
		err = "this command takes no argument";
	ctl_finish(c, err);
}

/* ---- connections -------------------------------------------------------- */

/*
 * Read what the client sent beyond its command before closing: a Unix
 * socket closed with unread data resets the peer, which may then lose
 * the answer.  Bounded: what is queued now, at most 64 KiB.
 */
static void
ctl_drain(int fd)
{
	char	 buf[4096];
	int	 i;

	for (i = 0; i < 16; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
}

static void
ctl_free(struct ctl_conn *c)
{
	ctl_drain(bufferevent_getfd(c->bev));
	TAILQ_REMOVE(&ctl.conns, c, entry);
	ctl.nconns--;
	bufferevent_free(c->bev);
	free(c);
}

static void
ctl_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	char		 line[CONTROL_MAX_LINE + 1];
	size_t		 n;

	if (c->state != CTL_READING)
		return;
	p = evbuffer_search(in, "\n", 1, NULL);
	if (p.pos == -1) {
		if (evbuffer_get_length(in) > CONTROL_MAX_LINE)
			ctl_finish(c, "command too long");
		return;
	}
	n = (size_t)p.pos;
	if (n > CONTROL_MAX_LINE) {
		ctl_finish(c, "command too long");
		return;
	}
	evbuffer_remove(in, line, n);
	line[n] = '\0';
	if (memchr(line, '\0', n) != NULL) {
		ctl_finish(c, "NUL in the command");
		return;
	}
	ctl_command(c, line);
}

static void
ctl_write(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;

	if (c->state == CTL_DUMPING)
		dump_more(c);
	else if (c->state == CTL_WRITING &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		ctl_free(c);
}

static void
ctl_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn	*c = arg;

	(void)bev;
	if ((what & BEV_EVENT_TIMEOUT) && c->state == CTL_READING) {
		ctl_finish(c, "no command in time");
		return;
	}
	/* EOF, error, or a timeout while the answer is not read. */
	if ((what & BEV_EVENT_EOF) && c->state == CTL_READING &&
	    evbuffer_get_length(bufferevent_get_input(bev)) > 0) {
		/* A last line without a newline. */
		struct evbuffer	*in = bufferevent_get_input(bev);
		char		 line[CONTROL_MAX_LINE + 1];
		size_t		 n = evbuffer_get_length(in);

		if (n <= CONTROL_MAX_LINE) {
			evbuffer_remove(in, line, n);
			line[n] = '\0';
			if (memchr(line, '\0', n) == NULL) {
				ctl_command(c, line);
				return;
			}
		}
	}
	if (c->state == CTL_RELOAD_WANT || c->state == CTL_RELOAD_STARTED) {
		/* Gone while waiting: the reload goes on, unanswered. */
	}
	ctl_free(c);
}

static void
ctl_accept(int fd, short ev, void *arg)
{
	struct ctl_conn	*c;
	struct timeval	 rtv = { CONTROL_READ_SEC, 0 };
	struct timeval	 wtv = { CONTROL_WRITE_SEC, 0 };
	static const char busy[] = "ERROR: too many control connections\n";
	int		 s;

	(void)ev;
	(void)arg;
	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (ctl.nconns >= CONTROL_MAX_CLIENTS) {
		(void)send(s, busy, sizeof(busy) - 1, MSG_DONTWAIT |
		    MSG_NOSIGNAL);
		ctl_drain(s);
		close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(ctl.base, s,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		close(s);
		return;
	}
	c->state = CTL_READING;
	TAILQ_INSERT_TAIL(&ctl.conns, c, entry);
	ctl.nconns++;
	bufferevent_setcb(c->bev, ctl_read, ctl_write, ctl_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONTROL_MAX_LINE + 2);
	bufferevent_set_timeouts(c->bev, &rtv, &wtv);
	bufferevent_enable(c->bev, EV_READ);
}

/* ---- reloads ------------------------------------------------------------ */

void
control_reload_started(void)
{
	struct ctl_conn	*c;

	TAILQ_FOREACH(c, &ctl.conns, entry)
		if (c->state == CTL_RELOAD_WANT)
			c->state = CTL_RELOAD_STARTED;
	free(ctl.note);
	ctl.note = NULL;
}

void
control_reload_note(const char *s)
{
	free(ctl.note);
	ctl.note = strdup(s);
}

void
control_reload_done(int ok, char *const *msgs, size_t n)
{
	struct ctl_conn	*c, *next;
	struct evbuffer	*out;
	struct timeval	 wtv = { CONTROL_WRITE_SEC, 0 };
	size_t		 i;

	for (c = TAILQ_FIRST(&ctl.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state != CTL_RELOAD_STARTED)
			continue;
		out = bufferevent_get_output(c->bev);
		for (i = 0; i < n; i++)
			out_line(out, "%s", msgs[i]);
		if (ok && ctl.note != NULL)
			out_line(out, "%s", ctl.note);
		out_line(out, ok ? "configuration reloaded" :
		    "configuration rejected, the running one stays");
		bufferevent_set_timeouts(c->bev, NULL, &wtv);
		ctl_finish(c, ok ? NULL : "reload failed");
	}
	free(ctl.note);
	ctl.note = NULL;
}

/* ---- the socket --------------------------------------------------------- */

/* A socket at path that no daemon answers on is stale: 1; 0: alive. */
static int
stale_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 s, rv;

	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rv = connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    errno == ECONNREFUSED;
	close(s);
	return rv;
}

int
control_init(struct event_base *base, const struct config *conf,
    const struct control_ops *ops)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 um;
	int			 s;

	ctl.base = base;
	ctl.conf = conf;
	ctl.ops = *ops;
	ctl.started_ms = clock_ms();
	if (conf->control_socket == NULL)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(conf->control_socket) >= sizeof(sun.sun_path)) {
		log_warnx("control-socket %s: too long", conf->control_socket);
		return -1;
	}
	memcpy(sun.sun_path, conf->control_socket,
	    strlen(conf->control_socket) + 1);
	if (lstat(conf->control_socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control-socket %s: exists and is not a "
			    "socket", conf->control_socket);
			return -1;
		}
		if (!stale_socket(conf->control_socket)) {
			log_warnx("control-socket %s: another daemon answers "
			    "on it", conf->control_socket);
			return -1;
		}
		(void)unlink(conf->control_socket);
	}
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control-socket: socket");
		return -1;
	}
	/* Born 0660: no moment with wider permissions. */
	um = umask(0117);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(um);
		log_warn("control-socket %s: bind", conf->control_socket);
		close(s);
		return -1;
	}
	umask(um);
	if (chmod(conf->control_socket, 0660) == -1 ||
	    listen(s, CONTROL_MAX_CLIENTS) == -1) {
		log_warn("control-socket %s", conf->control_socket);
		(void)unlink(conf->control_socket);
		close(s);
		return -1;
	}
	if ((ctl.path = strdup(conf->control_socket)) == NULL ||
	    (ctl.ev = event_new(base, s, EV_READ | EV_PERSIST, ctl_accept,
	    NULL)) == NULL || event_add(ctl.ev, NULL) == -1) {
		log_warnx("control-socket: out of memory");
		(void)unlink(conf->control_socket);
		close(s);
		return -1;
	}
	ctl.fd = s;
	log_info("control socket %s", ctl.path);
	return 0;
}

int
control_chown(uid_t uid, gid_t gid)
{
	if (ctl.path == NULL)
		return 0;
	if (chown(ctl.path, uid, gid) == -1) {
		log_warn("control-socket %s: chown", ctl.path);
		return -1;
	}
	return 0;
}

void
control_set_config(const struct config *conf)
{
	ctl.conf = conf;
}

void
control_shutdown(void)
{
	struct ctl_conn	*c;

	while ((c = TAILQ_FIRST(&ctl.conns)) != NULL) {
		TAILQ_REMOVE(&ctl.conns, c, entry);
		bufferevent_free(c->bev);
		free(c);
	}
	ctl.nconns = 0;
	if (ctl.ev != NULL) {
		event_free(ctl.ev);
		ctl.ev = NULL;
	}
	if (ctl.fd != -1) {
		close(ctl.fd);
		ctl.fd = -1;
	}
	if (ctl.path != NULL) {
		/*
		 * After the drop, a directory of root's (systemd's
		 * RuntimeDirectory=, which systemd removes itself) keeps
		 * the socket: the next start replaces it as stale.
		 */
		if (unlink(ctl.path) == -1 && errno != ENOENT) {
			if (errno == EACCES || errno == EPERM)
				log_debug("control-socket %s: left for the "
				    "next start to replace (%s)", ctl.path,
				    strerror(errno));
			else
				log_warn("control-socket %s: cannot remove "
				    "it", ctl.path);
		}
		free(ctl.path);
		ctl.path = NULL;
	}
	free(ctl.note);
	ctl.note = NULL;
}
