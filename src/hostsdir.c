/*
 * hostsdir.c: the hostsdir= watch; see hostsdir.h.
 *
 * One inotify descriptor for all the directories, on the event loop.  A
 * burst of events (an editor writing a file) is read whole and answered
 * by one rebuild: the directories' files are read into a new table,
 * aside, which then replaces the old one in one pointer store, between
 * two queries.  The table of /etc/hosts and addn-hosts= is not touched.
 */
#include <sys/types.h>
#include <sys/inotify.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "hosts.h"
#include "hostsdir.h"
#include "log.h"

#define HOSTSDIR_EVENTS	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
			 IN_DELETE | IN_CREATE | IN_ATTRIB)

static int		 in_fd = -1;
static struct event	*in_ev;
static struct config	**in_conf;

static void
hostsdir_reread(void)
{
	struct config	*cfg = *in_conf;
	struct hosts	*nh, *old;

	nh = config_hosts_dir_load(cfg);
	if (nh == NULL) {
		log_warnx("hostsdir: out of memory, the old names stay");
		return;
	}
	old = cfg->hosts_dir;
	cfg->hosts_dir = nh;
	hosts_free(old);
	log_info("hostsdir: %zu names", hosts_names(nh));
}

static void
hostsdir_event(int fd, short ev, void *arg)
{
	char	 buf[8192] __attribute__((aligned(__alignof__(
	    struct inotify_event))));
	ssize_t	 r;
	int	 changed = 0;

	(void)ev;
	(void)arg;
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;		/* EAGAIN: all read */
		changed = 1;
	}
	if (changed && *in_conf != NULL && (*in_conf)->nhostsdir > 0)
		hostsdir_reread();
}

void
hostsdir_stop(void)
{
	if (in_ev != NULL)
		event_free(in_ev);
	in_ev = NULL;
	if (in_fd != -1)
		close(in_fd);
	in_fd = -1;
}

void
hostsdir_watch(struct event_base *base, struct config **confp)
{
	const struct config	*cfg = *confp;
	size_t			 i;

	hostsdir_stop();
	in_conf = confp;
	if (cfg->nhostsdir == 0)
		return;
	if ((in_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("hostsdir: inotify");
		return;
	}
	for (i = 0; i < cfg->nhostsdir; i++)
		if (inotify_add_watch(in_fd, cfg->hostsdir[i],
		    HOSTSDIR_EVENTS | IN_ONLYDIR) == -1)
			log_warn("hostsdir: cannot watch %s",
			    cfg->hostsdir[i]);
	in_ev = event_new(base, in_fd, EV_READ | EV_PERSIST, hostsdir_event,
	    NULL);
	if (in_ev == NULL || event_add(in_ev, NULL) == -1) {
		log_warnx("hostsdir: cannot watch");
		hostsdir_stop();
	}
}
