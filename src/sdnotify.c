/*
 * sdnotify.c: the sd_notify(3) protocol, by hand: one datagram per
 * message to the AF_UNIX socket named by $NOTIFY_SOCKET.  A path starting
 * with '@' is in the abstract namespace (the '@' becomes a NUL byte).
 *
 * The socket is opened once, non-blocking, and each message is sent with
 * sendto() to the address, as sd_notify() does: a path is looked up at
 * every send, so a re-executed systemd's new socket is found.  A message
 * that cannot be sent is dropped; the first failure is logged, the rest
 * only counted.  Values are one line: control characters in a STATUS=
 * text (which may quote a configuration file) become '?', so no text can
 * add a field of its own.
 *
 * The watchdog pings from a periodic timerfd on the event loop rather
 * than a libevent timer: with a timer pending, libevent arms and cancels
 * epoll_wait()'s timeout at every wake-up, which costs each cached answer
 * (see resolv_watch() in main.c); the timerfd is armed once.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "sdnotify.h"

#define SDNOTIFY_MAX	512		/* bytes in one message */
#define SDNOTIFY_STATUS	400		/* bytes of a STATUS= text */

static struct {
	int			 fd;
	struct sockaddr_un	 sun;
	socklen_t		 sunlen;
	unsigned long long	 wd_usec;	/* ping interval; 0: none */
	int			 wd_tfd;
	struct event		*wd_ev;
	int			 failed;	/* a send failure was logged */
	unsigned long		 lost;		/* messages not sent */
} sdn = { .fd = -1, .wd_tfd = -1 };

/* $NOTIFY_SOCKET into sdn.sun.  0, or -1 if it cannot name a socket. */
static int
sdnotify_addr(const char *path)
{
	size_t	 len = strlen(path);

	memset(&sdn.sun, 0, sizeof(sdn.sun));
	sdn.sun.sun_family = AF_UNIX;
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(sdn.sun.sun_path))
		return -1;
	memcpy(sdn.sun.sun_path, path, len);
	if (path[0] == '@') {
		sdn.sun.sun_path[0] = '\0';
		sdn.sunlen = (socklen_t)(offsetof(struct sockaddr_un,
		    sun_path) + len);
	} else
		sdn.sunlen = (socklen_t)(offsetof(struct sockaddr_un,
		    sun_path) + len + 1);
	return 0;
}

/* $WATCHDOG_USEC / 2, when the watchdog is ours; 0 otherwise. */
static unsigned long long
sdnotify_wd_interval(void)
{
	const char		*s, *p;
	char			*end;
	unsigned long long	 usec;
	unsigned long		 pid;

	if ((s = getenv("WATCHDOG_USEC")) == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	usec = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || usec == 0)
		return 0;
	if ((p = getenv("WATCHDOG_PID")) != NULL) {
		errno = 0;
		pid = strtoul(p, &end, 10);
		if (errno != 0 || *end != '\0' || *p < '0' || *p > '9' ||
		    pid != (unsigned long)getpid())
			return 0;	/* meant for another process */
	}
	return usec / 2 > 0 ? usec / 2 : 1;
}

int
sdnotify_init(void)
{
	const char	*path;

	if (sdn.fd != -1)
		return 0;
	if ((path = getenv("NOTIFY_SOCKET")) == NULL) {
		/* The watchdog needs the socket: without it, no pings. */
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
		return 0;
	}
	sdn.wd_usec = sdnotify_wd_interval();
	if (sdnotify_addr(path) == -1) {
		log_warnx("NOTIFY_SOCKET %.100s: not a socket address, "
		    "no notifications to the service manager", path);
		goto fail;
	}
	sdn.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sdn.fd == -1) {
		log_warn("NOTIFY_SOCKET: socket");
		goto fail;
	}
	log_debug("NOTIFY_SOCKET %s%s", path, sdn.wd_usec == 0 ? "" :
	    ", watchdog");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
 fail:
	sdn.wd_usec = 0;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return -1;
}

int
sdnotify_enabled(void)
{
	return sdn.fd != -1;
}

unsigned long long
sdnotify_watchdog_usec(void)
{
	return sdn.fd != -1 ? sdn.wd_usec : 0;
}

static void
sdnotify_send(const char *msg, size_t len)
{
	ssize_t	 n;

	if (sdn.fd == -1)
		return;
	n = sendto(sdn.fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&sdn.sun, sdn.sunlen);
	if (n == (ssize_t)len)
		return;
	sdn.lost++;
	if (sdn.failed)
		return;
	sdn.failed = 1;
	if (n == -1)
		log_warn("NOTIFY_SOCKET: cannot notify the service manager "
		    "(logged once)");
	else
		log_warnx("NOTIFY_SOCKET: short send (logged once)");
}

/* Append "STATUS=text" to buf (at *off), text on one line. */
static void
sdnotify_add_status(char *buf, size_t size, size_t *off, const char *text)
{
	size_t	 i, n = *off;

	if (text == NULL)
		return;
	if (n > 0 && n + 1 < size)
		buf[n++] = '\n';
	if (n + 7 >= size)
		return;
	memcpy(buf + n, "STATUS=", 7);
	n += 7;
	for (i = 0; text[i] != '\0' && i < SDNOTIFY_STATUS && n + 1 < size;
	    i++) {
		unsigned char	c = (unsigned char)text[i];

		buf[n++] = c < ' ' || c == 0x7f ? '?' : (char)c;
	}
	buf[n] = '\0';
	*off = n;
}

static void
sdnotify_fields(const char *fields, const char *status)
{
	char	 buf[SDNOTIFY_MAX];
	size_t	 off;
	int	 n;

	if (sdn.fd == -1)
		return;
	n = snprintf(buf, sizeof(buf), "%s", fields);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	off = (size_t)n;
	sdnotify_add_status(buf, sizeof(buf), &off, status);
	sdnotify_send(buf, off);
}

void
sdnotify_ready(const char *status)
{
	sdnotify_fields("READY=1", status);
}

void
sdnotify_reloading(void)
{
	struct timespec	 ts;
	char		 buf[80];

	if (sdn.fd == -1)
		return;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		memset(&ts, 0, sizeof(ts));
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	sdnotify_fields(buf, NULL);
}

void
sdnotify_status(const char *status)
{
	char	 buf[SDNOTIFY_MAX];
	size_t	 off = 0;

	if (sdn.fd == -1 || status == NULL)
		return;
	buf[0] = '\0';
	sdnotify_add_status(buf, sizeof(buf), &off, status);
	sdnotify_send(buf, off);
}

void
sdnotify_stopping(void)
{
	sdnotify_fields("STOPPING=1", NULL);
}

static void
sdnotify_ping(int fd, short ev, void *arg)
{
	uint64_t	 ticks;

	if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;		/* EAGAIN: nothing due */
	sdnotify_send("WATCHDOG=1", 10);
}

int
sdnotify_watchdog_start(struct event_base *base)
{
	struct itimerspec	 its;

	if (sdn.fd == -1 || sdn.wd_usec == 0 || sdn.wd_tfd != -1)
		return 0;
	sdn.wd_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC);
	if (sdn.wd_tfd == -1) {
		log_warn("watchdog: timerfd");
		return -1;
	}
	memset(&its, 0, sizeof(its));
	its.it_interval.tv_sec = (time_t)(sdn.wd_usec / 1000000);
	its.it_interval.tv_nsec = (long)(sdn.wd_usec % 1000000) * 1000;
	its.it_value = its.it_interval;
	sdn.wd_ev = event_new(base, sdn.wd_tfd, EV_READ | EV_PERSIST,
	    sdnotify_ping, NULL);
	if (sdn.wd_ev == NULL || event_add(sdn.wd_ev, NULL) == -1 ||
	    timerfd_settime(sdn.wd_tfd, 0, &its, NULL) == -1) {
		log_warn("watchdog: timer");
		sdnotify_watchdog_stop();
		return -1;
	}
	/* The first ping now, the next one interval on. */
	sdnotify_send("WATCHDOG=1", 10);
	log_info("watchdog: pinging the service manager every %llu ms",
	    sdn.wd_usec / 1000);
	return 0;
}

void
sdnotify_watchdog_stop(void)
{
	if (sdn.wd_ev != NULL) {
		event_free(sdn.wd_ev);
		sdn.wd_ev = NULL;
	}
	if (sdn.wd_tfd != -1) {
		close(sdn.wd_tfd);
		sdn.wd_tfd = -1;
	}
}

void
sdnotify_close(void)
{
	sdnotify_watchdog_stop();
	if (sdn.fd != -1) {
		close(sdn.fd);
		sdn.fd = -1;
	}
	if (sdn.lost > 0)
		log_debug("NOTIFY_SOCKET: %lu messages not sent", sdn.lost);
}
