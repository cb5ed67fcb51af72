/*
 * log.c: stderr, syslog or a file, OpenBSD's vocabulary.  Messages are
 * formatted into a bounded stack buffer, never allocated.
 *
 * Targets (log_target(), dnsmasq's log-facility): syslog with a facility,
 * a file appended to (reopened by log_reopen() on SIGUSR2, for rotation),
 * or stderr; with -d, stderr as well as syslog or the file (as dnsmasq
 * echoes).
 *
 * log-async (log_async_start()): lines are queued, at most `lines` of
 * them, and written by a thread of their own, so the event loop never
 * waits on a slow syslog, a full pipe or a slow disk.  At the bound a
 * line is dropped and counted; the writer says how many were lost once
 * it catches up.  fatal() writes at once, past the queue.
 *
 * Thread safety: the queue is under q_mtx; emit() runs in the writer
 * thread (async) or the caller's (not async), never in both; the file
 * descriptor is replaced in place with dup2(), so a reopen never waits
 * for a writer blocked in write().
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "briskdns.h"
#include "log.h"

#define LOG_LINE	1024

static int	 log_to_stderr = 1;	/* stderr, "briskdns: msg" */
static int	 log_to_syslog;
static int	 log_fd = -1;		/* log-facility=FILE */
static char	*log_path;
static int	 log_verbose;

/* log-async */
struct log_entry {
	int	 pri;
	char	 msg[LOG_LINE];
};
static pthread_mutex_t	 q_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 q_cond = PTHREAD_COND_INITIALIZER;	/* lines */
static pthread_cond_t	 q_empty = PTHREAD_COND_INITIALIZER;	/* drained */
static struct log_entry	*q_v;		/* NULL: not async */
static size_t		 q_cap, q_head, q_n;
static unsigned long	 q_lost;	/* dropped since last said */
static unsigned long	 q_lost_total;
static int		 q_stop, q_busy;
static pthread_t	 q_thread;

void
log_init(int to_stderr, int verbose)
{
	log_to_stderr = to_stderr;
	log_to_syslog = !to_stderr;
	log_verbose = verbose;
	if (!to_stderr)
		openlog("briskdns", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

static int
file_open(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0640);
}

int
log_target(const char *spec, int facility, int foreground_stderr)
{
	int	 fd;

	tzset();
	if (spec != NULL && strcmp(spec, "-") == 0) {
		log_to_stderr = 1;
		log_to_syslog = 0;
		return 0;
	}
	if (spec != NULL && strchr(spec, '/') != NULL) {
		if ((fd = file_open(spec)) == -1)
			return -1;
		if ((log_path = strdup(spec)) == NULL) {
			close(fd);
			return -1;
		}
		log_fd = fd;
		log_to_syslog = 0;
		log_to_stderr = foreground_stderr;
		return 0;
	}
	openlog("briskdns", LOG_PID | LOG_NDELAY,
	    facility >= 0 ? facility : LOG_DAEMON);
	log_to_syslog = 1;
	log_to_stderr = foreground_stderr;
	return 0;
}

int
log_chown(uid_t uid)
{
	if (log_fd == -1)
		return 0;
	return fchown(log_fd, uid, (gid_t)-1);
}

int
log_reopen(void)
{
	int	 fd, rv = 0;

	if (log_path == NULL)
		return 0;
	if ((fd = file_open(log_path)) == -1)
		return -1;
	/* In place: a writer in write() finishes on the old file. */
	if (dup2(fd, log_fd) == -1)
		rv = -1;
	close(fd);
	return rv;
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
write_all(int fd, const char *s, size_t len)
{
	ssize_t	 r;

	while (len > 0) {
		r = write(fd, s, len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		s += r;
		len -= (size_t)r;
	}
}

/* One line to every target, now. */
static void
emit(int pri, const char *msg)
{
	char		 line[LOG_LINE + 64], stamp[32];
	struct tm	 tm;
	time_t		 now;
	int		 n;

	if (log_to_stderr) {
		n = snprintf(line, sizeof(line), "briskdns: %s\n", msg);
		if (n > 0)
			write_all(STDERR_FILENO, line, (size_t)n < sizeof(line) ?
			    (size_t)n : sizeof(line) - 1);
	}
	if (log_fd != -1) {
		/* As dnsmasq's file: "Nov 29 02:50:01 briskdns[pid]: msg". */
		now = time(NULL);
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
			stamp[0] = '\0';
		n = snprintf(line, sizeof(line), "%s briskdns[%ld]: %s\n",
		    stamp, (long)getpid(), msg);
		if (n > 0)
			write_all(log_fd, line, (size_t)n < sizeof(line) ?
			    (size_t)n : sizeof(line) - 1);
	}
	if (log_to_syslog)
		syslog(pri, "%s", msg);
}

static void *
async_main(void *arg)
{
	struct log_entry	 e;
	unsigned long		 lost;
	char			 msg[64];

	pthread_mutex_lock(&q_mtx);
	for (;;) {
		while (q_n == 0 && q_lost == 0 && !q_stop)
			pthread_cond_wait(&q_cond, &q_mtx);
		if (q_n == 0 && q_lost == 0 && q_stop)
			break;
		lost = 0;
		if (q_n > 0) {
			e = q_v[q_head];
			q_head = (q_head + 1) % q_cap;
			q_n--;
		} else {
			lost = q_lost;
			q_lost = 0;
		}
		q_busy = 1;
		pthread_mutex_unlock(&q_mtx);
		if (lost > 0) {
			snprintf(msg, sizeof(msg), "log-async: queue full, "
			    "%lu log lines lost", lost);
			emit(LOG_WARNING, msg);
		} else
			emit(e.pri, e.msg);
		pthread_mutex_lock(&q_mtx);
		q_busy = 0;
		if (q_n == 0 && q_lost == 0)
			pthread_cond_broadcast(&q_empty);
	}
	pthread_mutex_unlock(&q_mtx);
	return NULL;
}

int
log_async_start(unsigned int lines)
{
	sigset_t	 all, old;
	int		 rv;

	if (lines == 0 || q_v != NULL)
		return 0;
	if ((q_v = calloc(lines, sizeof(*q_v))) == NULL)
		return -1;
	q_cap = lines;
	q_head = q_n = 0;
	q_stop = 0;
	/* Signals are the event loop's: the writer blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rv = pthread_create(&q_thread, NULL, async_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0) {
		free(q_v);
		q_v = NULL;
		errno = rv;
		return -1;
	}
	return 0;
}

/*
 * Write what is queued, waiting at most timeout_ms for the writer (it may
 * be stuck on a blocked pipe: then the lines are lost and the thread is
 * left behind, the process is ending).
 */
void
log_async_stop(int timeout_ms)
{
	struct timespec	 ts;
	int		 done = 1;

	if (q_v == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q_mtx);
	q_stop = 1;
	pthread_cond_signal(&q_cond);
	while ((q_n > 0 || q_lost > 0 || q_busy) && done)
		if (pthread_cond_timedwait(&q_empty, &q_mtx, &ts) == ETIMEDOUT)
			done = 0;
	pthread_mutex_unlock(&q_mtx);
	if (done) {
		pthread_join(q_thread, NULL);
		free(q_v);
		q_v = NULL;
	}
}

unsigned long
log_async_lost(void)
{
	unsigned long	 n;

	pthread_mutex_lock(&q_mtx);
	n = q_lost_total;
	pthread_mutex_unlock(&q_mtx);
	return n;
}

unsigned int
log_queue_lines(void)
{
	unsigned int	 n;

	pthread_mutex_lock(&q_mtx);
	n = q_v != NULL ? (unsigned int)q_cap : 0;
	pthread_mutex_unlock(&q_mtx);
	return n;
}

/* Queue a line (async) or write it now.  now: past the queue (fatal). */
static void
put(int pri, const char *msg, int now)
{
	struct log_entry	*e;

	if (q_v == NULL || now) {
		emit(pri, msg);
		return;
	}
	pthread_mutex_lock(&q_mtx);
	if (q_n == q_cap) {
		q_lost++;
		q_lost_total++;
	} else {
		e = &q_v[(q_head + q_n) % q_cap];
		e->pri = pri;
		memcpy(e->msg, msg, sizeof(e->msg));
		q_n++;
		pthread_cond_signal(&q_cond);
	}
	pthread_mutex_unlock(&q_mtx);
}

static void	vlog(int, const char *, va_list, int, int)
		    __attribute__((__format__(__printf__, 2, 0)));

static void
vlog(int pri, const char *fmt, va_list ap, int with_errno, int now)
{
	char	 msg[LOG_LINE];
	int	 saved = errno;
	size_t	 n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	put(pri, msg, now);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 1, 0);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0, 0);
	va_end(ap);
}

void
fatal_status(int status, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1, 1);
	va_end(ap);
	exit(status);
}

void
fatalx_status(int status, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0, 1);
	va_end(ap);
	exit(status);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1, 1);
	va_end(ap);
	exit(errno == ENOMEM ? EXIT_NOMEM : EXIT_OTHER);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0, 1);
	va_end(ap);
	exit(EXIT_OTHER);
}
