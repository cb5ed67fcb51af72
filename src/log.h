/*
 * log.h: the logging vocabulary of OpenBSD's daemons.
 *
 * log_warn appends strerror(errno); the x variants do not.  fatal and
 * fatalx are for start-up and impossible states only: a bad packet never
 * ends the daemon.  Until log_init() is called everything goes to stderr.
 */
#ifndef BRISKDNS_LOG_H
#define BRISKDNS_LOG_H

#include <sys/types.h>

#include <stdarg.h>

#define BD_PRINTF(f, a) __attribute__((__format__(__printf__, f, a)))
#define BD_DEAD __attribute__((__noreturn__))

/* to_stderr: 1 logs to stderr (-d), 0 to syslog.  verbose: log_debug too. */
void	log_init(int to_stderr, int verbose);
/*
 * After start (log-facility): spec NULL or a facility name: syslog with
 * facility (-1: LOG_DAEMON); "-": stderr; a path (has a '/'): that file,
 * appended to.  foreground_stderr (-d): stderr as well.  0, or -1 if the
 * file cannot be opened (errno set).
 */
int	log_target(const char *spec, int facility, int foreground_stderr);
/* The log file to the user briskdns becomes, so that it can reopen it. */
int	log_chown(uid_t uid);
/* SIGUSR2: open the log file again (rotation).  0 or -1. */
int	log_reopen(void);
/*
 * log-async: queue up to lines lines for a writer thread of its own;
 * lines beyond that are dropped and counted (and the count logged).
 * Start it after the last fork.  0 or -1.
 */
int	log_async_start(unsigned int lines);
/* Flush the queue, waiting at most timeout_ms, and stop the writer. */
void	log_async_stop(int timeout_ms);
/*
 * Lines dropped at the queue's bound since start (a counter for SIGUSR1
 * and the statistics: "log lines dropped"), and the queue's size in lines
 * (0: no queue, lines are written at once).  Any thread.
 */
unsigned long	log_async_lost(void);
unsigned int	log_queue_lines(void);
void	log_setverbose(int verbose);
int	log_getverbose(void);

void	log_warn(const char *, ...) BD_PRINTF(1, 2);
void	log_warnx(const char *, ...) BD_PRINTF(1, 2);
void	log_info(const char *, ...) BD_PRINTF(1, 2);
void	log_debug(const char *, ...) BD_PRINTF(1, 2);

/* Exit with status EXIT_OTHER (5), or with the given status. */
void	fatal(const char *, ...) BD_PRINTF(1, 2) BD_DEAD;
void	fatalx(const char *, ...) BD_PRINTF(1, 2) BD_DEAD;
void	fatal_status(int status, const char *, ...) BD_PRINTF(2, 3) BD_DEAD;
void	fatalx_status(int status, const char *, ...) BD_PRINTF(2, 3) BD_DEAD;

#endif
