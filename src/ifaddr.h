/*
 * ifaddr.h: the host's interface addresses (IPv4 and IPv6), from
 * rtnetlink, followed live.  Used by the stub door to bind interface=
 * addresses (and to follow them with bind-dynamic), to tell whether a
 * client is on a directly attached network (local-service), and by the
 * answer path for localise-queries (ifaddr_on_subnet()).
 *
 * The table is rebuilt from a full dump (RTM_GETADDR) at start and after
 * every RTM_NEWADDR or RTM_DELADDR notification, never patched from
 * single notifications (the route6.c approach): a lost notification only
 * costs a dump.  The parsing of what the kernel sends is pure and
 * unit-tested (ifaddr_parse(), ifaddr_dump_input()).
 */
#ifndef BRISKDNS_IFADDR_H
#define BRISKDNS_IFADDR_H

#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct nlmsghdr;

#define IFADDR_MAX	4096	/* addresses kept; more: left out, logged */

struct ifaddr_entry {
	unsigned int	 ifindex;
	char		 ifname[IF_NAMESIZE];	/* if_indextoname(), dump end */
	/* IPv4: IFA_LABEL ("eth0:1" for an alias); IPv6: "" (the name). */
	char		 label[IF_NAMESIZE];
	int		 af;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
		uint8_t		 b[16];
	}		 addr;
	unsigned int	 prefixlen;
	uint32_t	 flags;		/* IFA_F_* */
	unsigned int	 scope;		/* RT_SCOPE_* */
};

/* Whether an address is one to listen on (duplicate detection not failed). */
int	ifaddr_usable(const struct ifaddr_entry *);
/* Duplicate address detection still running: bind it with IP_FREEBIND. */
int	ifaddr_tentative(const struct ifaddr_entry *);
/* The name dnsmasq matches interface= against: the IPv4 label, else name. */
const char *ifaddr_match_name(const struct ifaddr_entry *);

struct ifaddr_table {
	struct ifaddr_entry	*v;
	size_t		 n, cap;
	int		 overflow;	/* more than IFADDR_MAX offered */
};
void	ifaddr_table_clear(struct ifaddr_table *);

/*
 * One RTM_NEWADDR or RTM_DELADDR message, nh->nlmsg_len already checked
 * against what was received.  1: *out holds an address; 0: not one of
 * ours (another family, no address); -1: malformed.
 */
int	ifaddr_parse(const struct nlmsghdr *nh, struct ifaddr_entry *out);

/*
 * A dump in progress, fed with each datagram from the kernel.  Messages
 * of the dump (seq and portid match) fill tab; NLMSG_DONE ends it (done),
 * NLMSG_ERROR fails it (failed), NLM_F_DUMP_INTR marks it interrupted
 * (intr: start again).  Any RTM_NEWADDR or RTM_DELADDR not of the dump
 * is a notification: need_dump.  Loops are bounded by len.
 */
struct ifaddr_dump {
	uint32_t		 seq;
	uint32_t		 portid;
	int			 dumping;
	int			 done, failed, intr, need_dump;
	size_t			 malformed;
	struct ifaddr_table	 tab;
};
void	ifaddr_dump_input(struct ifaddr_dump *, const uint8_t *buf,
	    size_t len);

/* Whether addr (af's size) is inside net/prefixlen.  Pure. */
int	ifaddr_prefix_match(int af, const void *net, unsigned int prefixlen,
	    const void *addr);
/* interface= matching: exact, or a trailing '*' matches any rest. */
int	ifaddr_name_match(const char *pattern, const char *name);

/*
 * Open the netlink socket, dump the addresses (waited for, bounded) and
 * follow changes from the event loop; cb (may be NULL) is called after
 * each change of the table.  0, or -1 (logged).
 */
int	ifaddr_init(struct event_base *, void (*cb)(void));
void	ifaddr_shutdown(void);
int	ifaddr_running(void);

/* The current table (valid until the next event loop turn). */
const struct ifaddr_entry *ifaddr_list(size_t *n);

/*
 * Whether addr (an in_addr or in6_addr, by af) is on a subnet of
 * interface ifindex (0: of any interface): a directly attached network.
 * 0 when the table is not running.
 */
int	ifaddr_on_subnet(unsigned int ifindex, int af, const void *addr);
/* The interface that holds addr, 0 if none (or not running). */
unsigned int ifaddr_index_of(int af, const void *addr);

/* For tests: replace the table (copied). */
int	ifaddr_set_table(const struct ifaddr_entry *, size_t n);

#endif
