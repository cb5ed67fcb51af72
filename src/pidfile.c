/*
 * pidfile.c: the pid file.
 *
 * The file is named by a descriptor of its directory (O_PATH) and its
 * last component, opened once at start: a later chdir() changes nothing,
 * and removal never resolves the path again.  The last component is
 * never followed if it is a symbolic link (O_NOFOLLOW), and an existing
 * file is taken over only if it is a regular file with one link, owned
 * by the user we run as: a link planted in a directory someone else can
 * write to cannot make briskdns create, truncate or write another file.
 *
 * Removal checks that the name still refers to the file we created
 * (device and inode) and that it still holds the pid we wrote, so a pid
 * file already replaced by another start is left alone.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pidfile.h"

static int	 pf_dirfd = -1;
static int	 pf_fd = -1;
static char	 pf_name[NAME_MAX + 1];
static char	 pf_path[PATH_MAX];	/* for log lines only */
static dev_t	 pf_dev;
static ino_t	 pf_ino;
static char	 pf_text[32];		/* what we wrote ("" before) */

static void
pidfile_close(void)
{
	if (pf_fd != -1)
		close(pf_fd);
	if (pf_dirfd != -1)
		close(pf_dirfd);
	pf_fd = pf_dirfd = -1;
}

/* Take over an existing entry: regular, ours, one link.  fd or -1. */
static int
pidfile_take_over(void)
{
	struct stat	 st, fst;
	int		 fd;

	if (fstatat(pf_dirfd, pf_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		log_warn("pid-file %s", pf_path);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		log_warnx("pid-file %s is a symbolic link, refused", pf_path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("pid-file %s is not a regular file, refused",
		    pf_path);
		return -1;
	}
	fd = openat(pf_dirfd, pf_name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("pid-file %s", pf_path);
		return -1;
	}
	/* What was looked at is what was opened, and it is ours. */
	if (fstat(fd, &fst) == -1 || !S_ISREG(fst.st_mode) ||
	    fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
		log_warnx("pid-file %s changed while it was opened, refused",
		    pf_path);
		goto fail;
	}
	if (fst.st_uid != geteuid() || fst.st_nlink != 1) {
		log_warnx("pid-file %s exists and is not ours (owner %lu, "
		    "%lu links), refused", pf_path,
		    (unsigned long)fst.st_uid, (unsigned long)fst.st_nlink);
		goto fail;
	}
	if (ftruncate(fd, 0) == -1) {
		log_warn("pid-file %s", pf_path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
pidfile_open(const char *path)
{
	struct stat	 st;
	const char	*slash, *base;
	char		 dir[PATH_MAX];
	size_t		 dlen;

	pidfile_close();
	pf_text[0] = '\0';
	(void)snprintf(pf_path, sizeof(pf_path), "%s", path);
	slash = strrchr(path, '/');
	base = slash != NULL ? slash + 1 : path;
	if (slash == NULL)
		dlen = snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		dlen = snprintf(dir, sizeof(dir), "/");
	else
		dlen = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path),
		    path);
	if (dlen >= sizeof(dir) || strlen(base) >= sizeof(pf_name) ||
	    *base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		log_warnx("pid-file %s: not a file name", pf_path);
		return -1;
	}
	memcpy(pf_name, base, strlen(base) + 1);
	if ((pf_dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("pid-file %s: directory %s", pf_path, dir);
		return -1;
	}
	pf_fd = openat(pf_dirfd, pf_name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
	if (pf_fd == -1 && errno == EEXIST)
		pf_fd = pidfile_take_over();
	else if (pf_fd == -1)
		log_warn("pid-file %s", pf_path);
	if (pf_fd == -1 || fstat(pf_fd, &st) == -1) {
		pidfile_close();
		return -1;
	}
	pf_dev = st.st_dev;
	pf_ino = st.st_ino;
	return 0;
}

int
pidfile_write(pid_t pid)
{
	size_t	 len, off = 0;
	ssize_t	 n;

	if (pf_fd == -1)
		return 0;
	len = (size_t)snprintf(pf_text, sizeof(pf_text), "%ld\n", (long)pid);
	while (off < len) {
		n = pwrite(pf_fd, pf_text + off, len - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("pid-file %s", pf_path);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(pf_fd) == -1) {
		pf_fd = -1;
		log_warn("pid-file %s", pf_path);
		return -1;
	}
	pf_fd = -1;
	return 0;
}

int
pidfile_dirfd(void)
{
	return pf_dirfd;
}

void
pidfile_remove(void)
{
	struct stat	 st;
	char		 buf[sizeof(pf_text)];
	ssize_t		 n;
	int		 fd;

	if (pf_dirfd == -1)
		return;
	if (fstatat(pf_dirfd, pf_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    st.st_dev != pf_dev || st.st_ino != pf_ino) {
		log_debug("pid-file %s was replaced, left alone", pf_path);
		goto done;
	}
	if ((fd = openat(pf_dirfd, pf_name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1) {
		log_warn("pid-file %s", pf_path);
		goto done;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n < 0 || (size_t)n != strlen(pf_text) ||
	    memcmp(buf, pf_text, (size_t)n) != 0) {
		log_debug("pid-file %s was rewritten, left alone", pf_path);
		goto done;
	}
	if (unlinkat(pf_dirfd, pf_name, 0) == -1)
		log_warn("cannot remove pid-file %s", pf_path);
done:
	pidfile_close();
}

void
pidfile_forget(void)
{
	pidfile_close();
}
