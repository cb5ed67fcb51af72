/*
 * pidfile.h: the pid file, created safely and removed only if it is
 * still ours.
 *
 * pidfile_open() runs as root before detaching; pidfile_remove() needs
 * the right to unlink in the file's directory, which a daemon that has
 * dropped to user/group may not have: then a keeper process that stays
 * root calls it (main.c).
 */
#ifndef BRISKDNS_PIDFILE_H
#define BRISKDNS_PIDFILE_H

#include <sys/types.h>

/*
 * Create or take over path: never through a symbolic link, only a
 * regular file with one link owned by us, emptied.  Keeps a descriptor
 * of its directory, so a relative path and the file's removal do not
 * depend on the working directory.  0, or -1 (logged).
 */
int	pidfile_open(const char *path);
/* Write pid and close the file.  0, or -1 (logged). */
int	pidfile_write(pid_t pid);
/* The directory descriptor (-1 if none), for a keeper that keeps it. */
int	pidfile_dirfd(void);
/* Remove the file if it is still the one we wrote; then forget it. */
void	pidfile_remove(void);
/* Forget the file without removing it (another process will). */
void	pidfile_forget(void);

#endif
