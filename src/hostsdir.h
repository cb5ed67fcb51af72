/*
 * hostsdir.h: follows the hostsdir= directories (inotify) and, when a
 * file in one is added, changed, moved or removed, reads them all again
 * into a new table that replaces the configuration's hosts_dir (so a
 * removed file's names go away at once, as in dnsmasq).
 */
#ifndef BRISKDNS_HOSTSDIR_H
#define BRISKDNS_HOSTSDIR_H

struct event_base;
struct config;

/*
 * Watch the directories of *confp (again: call after every reload; the
 * previous watch ends).  confp: where the daemon keeps its configuration,
 * read at each change.  Without hostsdir= nothing is watched.  A
 * directory that cannot be watched is logged; its files were still read
 * at load.
 */
void	hostsdir_watch(struct event_base *, struct config **confp);
void	hostsdir_stop(void);

#endif
