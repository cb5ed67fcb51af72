/*
 * test_ifaddr.c: the interface address table.  Crafted rtnetlink
 * messages through ifaddr_parse() and ifaddr_dump_input() (good ones,
 * and every way a length can lie), the subnet and name matching, the
 * lookups on a table set by hand, and one real dump from this host's
 * kernel (loopback is always there).
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ifaddr.h"
#include "unit.h"

/* A message under construction, 4-byte aligned like the kernel's. */
struct nlbuf {
	uint8_t	 b[65536] __attribute__((aligned(4)));
	size_t	 len;		/* of the datagram so far */
	size_t	 msg;		/* start of the message being made */
};

static struct nlbuf	nb;

static void
msg_start(uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid,
    int family, unsigned int prefixlen, uint8_t ifaflags, unsigned int index)
{
	struct nlmsghdr		*nh;
	struct ifaddrmsg	*ifa;

	nb.msg = nb.len;
	nh = (struct nlmsghdr *)(nb.b + nb.msg);
	memset(nh, 0, NLMSG_LENGTH(sizeof(*ifa)));
	nh->nlmsg_type = type;
	nh->nlmsg_flags = flags;
	nh->nlmsg_seq = seq;
	nh->nlmsg_pid = pid;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	ifa = NLMSG_DATA(nh);
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_flags = ifaflags;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	nb.len = nb.msg + NLMSG_ALIGN(nh->nlmsg_len);
}

static void
msg_attr(uint16_t type, const void *data, size_t len)
{
	struct nlmsghdr	*nh = (struct nlmsghdr *)(nb.b + nb.msg);
	struct rtattr	*rta;

	rta = (struct rtattr *)(nb.b + nb.msg + NLMSG_ALIGN(nh->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	nb.len = nb.msg + NLMSG_ALIGN(nh->nlmsg_len);
}

static void
msg_plain(uint16_t type, uint32_t seq, uint32_t pid)
{
	struct nlmsghdr	*nh;

	nb.msg = nb.len;
	nh = (struct nlmsghdr *)(nb.b + nb.msg);
	memset(nh, 0, sizeof(*nh) + 4);
	nh->nlmsg_type = type;
	nh->nlmsg_seq = seq;
	nh->nlmsg_pid = pid;
	nh->nlmsg_len = NLMSG_LENGTH(4);
	nb.len = nb.msg + NLMSG_ALIGN(nh->nlmsg_len);
}

static struct nlmsghdr *
msg_hdr(void)
{
	return (struct nlmsghdr *)(nb.b + nb.msg);
}

static void
v4(const char *s, void *out)
{
	ck_assert_int_eq(inet_pton(AF_INET, s, out), 1);
}

static void
v6(const char *s, void *out)
{
	ck_assert_int_eq(inet_pton(AF_INET6, s, out), 1);
}

START_TEST(test_parse_v4)
{
	struct ifaddr_entry	 a;
	uint8_t			 local[4], peer[4];
	char			 got[INET_ADDRSTRLEN];

	/* Point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer. */
	memset(&nb, 0, sizeof(nb));
	v4("10.0.0.1", local);
	v4("10.0.0.2", peer);
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, IFA_F_PERMANENT, 3);
	msg_attr(IFA_ADDRESS, peer, 4);
	msg_attr(IFA_LOCAL, local, 4);
	msg_attr(IFA_LABEL, "eth0:1", 7);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), 1);
	ck_assert_int_eq(a.af, AF_INET);
	ck_assert_uint_eq(a.ifindex, 3);
	ck_assert_uint_eq(a.prefixlen, 24);
	inet_ntop(AF_INET, a.addr.b, got, sizeof(got));
	ck_assert_str_eq(got, "10.0.0.1");
	ck_assert_str_eq(a.label, "eth0:1");
	ck_assert_str_eq(ifaddr_match_name(&a), "eth0:1");
	ck_assert_int_eq(ifaddr_usable(&a), 1);

	/* Only IFA_ADDRESS: that is the address. */
	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_DELADDR, 0, 0, 0, AF_INET, 8, 0, 1);
	msg_attr(IFA_ADDRESS, peer, 4);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), 1);
	inet_ntop(AF_INET, a.addr.b, got, sizeof(got));
	ck_assert_str_eq(got, "10.0.0.2");
	ck_assert_str_eq(a.label, "");
}
END_TEST

START_TEST(test_parse_v6)
{
	struct ifaddr_entry	 a;
	uint8_t			 addr[16];
	uint32_t		 flags = IFA_F_TENTATIVE | IFA_F_MANAGETEMPADDR;
	char			 got[INET6_ADDRSTRLEN];

	memset(&nb, 0, sizeof(nb));
	v6("2001:db8::5", addr);
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET6, 64, 0, 7);
	msg_attr(IFA_ADDRESS, addr, 16);
	msg_attr(IFA_FLAGS, &flags, 4);
	msg_attr(IFA_LABEL, "x", 2);	/* ignored for IPv6 */
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), 1);
	ck_assert_int_eq(a.af, AF_INET6);
	ck_assert_uint_eq(a.prefixlen, 64);
	ck_assert_uint_eq(a.flags, flags);
	inet_ntop(AF_INET6, a.addr.b, got, sizeof(got));
	ck_assert_str_eq(got, "2001:db8::5");
	ck_assert_str_eq(a.label, "");
	/* DAD not done: bound with IP_FREEBIND. */
	ck_assert_int_eq(ifaddr_tentative(&a), 1);
	ck_assert_int_eq(ifaddr_usable(&a), 1);
	/* DAD failed: never listened on. */
	a.flags |= IFA_F_DADFAILED;
	ck_assert_int_eq(ifaddr_usable(&a), 0);
}
END_TEST

/* Each way a message can be wrong: -1, or 0 where it is merely not ours. */
START_TEST(test_parse_bad)
{
	struct ifaddr_entry	 a;
	uint8_t			 addr[16] = { 10 }, long_label[20];

	memset(long_label, 'a', sizeof(long_label));
	long_label[sizeof(long_label) - 1] = '\0';

	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 33, 0, 1);
	msg_attr(IFA_LOCAL, addr, 4);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);	/* prefix */

	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET6, 129, 0, 1);
	msg_attr(IFA_ADDRESS, addr, 16);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);

	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, 0, 1);
	msg_attr(IFA_LOCAL, addr, 16);				/* size */
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);

	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET6, 64, 0, 1);
	msg_attr(IFA_ADDRESS, addr, 4);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);

	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, 0, 1);
	msg_attr(IFA_LOCAL, addr, 4);
	msg_attr(IFA_LABEL, "eth0", 4);			/* no NUL */
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);

	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, 0, 1);
	msg_attr(IFA_LOCAL, addr, 4);
	msg_attr(IFA_LABEL, long_label, sizeof(long_label));
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);

	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, 0, 1);
	msg_attr(IFA_LOCAL, addr, 4);
	msg_attr(IFA_FLAGS, addr, 2);				/* size */
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);

	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, 0, 0);	/* index 0 */
	msg_attr(IFA_LOCAL, addr, 4);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);

	/* Shorter than an ifaddrmsg. */
	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, 0, 1);
	msg_hdr()->nlmsg_len = NLMSG_LENGTH(2);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), -1);

	/* An attribute claiming more than the message holds: not read. */
	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, 0, 1);
	msg_attr(IFA_LOCAL, addr, 4);
	((struct rtattr *)((uint8_t *)msg_hdr() +
	    NLMSG_LENGTH(sizeof(struct ifaddrmsg))))->rta_len = 200;
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), 0);

	/* Not an address family of ours, no address, not an address. */
	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_PACKET, 0, 0, 1);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), 0);
	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWADDR, 0, 0, 0, AF_INET, 24, 0, 1);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), 0);
	memset(&nb, 0, sizeof(nb));
	msg_start(RTM_NEWROUTE, 0, 0, 0, AF_INET, 24, 0, 1);
	msg_attr(IFA_LOCAL, addr, 4);
	ck_assert_int_eq(ifaddr_parse(msg_hdr(), &a), 0);
}
END_TEST

static void
add_v4(uint32_t seq, uint32_t pid, const char *addr, unsigned int plen,
    unsigned int index)
{
	uint8_t	 b[4];

	v4(addr, b);
	msg_start(RTM_NEWADDR, NLM_F_MULTI, seq, pid, AF_INET, plen, 0, index);
	msg_attr(IFA_LOCAL, b, 4);
	msg_attr(IFA_ADDRESS, b, 4);
}

START_TEST(test_dump)
{
	struct ifaddr_dump	 d;

	memset(&d, 0, sizeof(d));
	d.dumping = 1;
	d.seq = 5;
	d.portid = 77;
	/* First datagram: two addresses of the dump, one notification. */
	memset(&nb, 0, sizeof(nb));
	add_v4(5, 77, "127.0.0.1", 8, 1);
	add_v4(0, 0, "192.0.2.9", 24, 2);	/* a notification */
	add_v4(5, 77, "192.0.2.1", 24, 2);
	ifaddr_dump_input(&d, nb.b, nb.len);
	ck_assert_uint_eq(d.tab.n, 2);
	ck_assert_int_eq(d.need_dump, 1);
	ck_assert_int_eq(d.done, 0);
	/* Second: a stale dump's message (other seq), then DONE. */
	memset(&nb, 0, sizeof(nb));
	add_v4(4, 77, "198.51.100.1", 24, 3);
	msg_plain(NLMSG_DONE, 5, 77);
	add_v4(5, 77, "203.0.113.1", 24, 3);	/* after DONE: not read */
	ifaddr_dump_input(&d, nb.b, nb.len);
	ck_assert_uint_eq(d.tab.n, 2);
	ck_assert_int_eq(d.done, 1);
	ck_assert_int_eq(d.dumping, 0);
	ck_assert_int_eq(d.intr, 0);
	ck_assert_uint_eq(d.tab.v[1].ifindex, 2);
	ifaddr_table_clear(&d.tab);

	/* Interrupted, and an error. */
	memset(&d, 0, sizeof(d));
	d.dumping = 1;
	memset(&nb, 0, sizeof(nb));
	add_v4(0, 0, "192.0.2.1", 24, 2);
	msg_hdr()->nlmsg_flags |= NLM_F_DUMP_INTR;
	msg_plain(NLMSG_ERROR, 0, 0);
	ifaddr_dump_input(&d, nb.b, nb.len);
	ck_assert_int_eq(d.intr, 1);
	ck_assert_int_eq(d.failed, 1);
	ck_assert_int_eq(d.done, 0);
	ifaddr_table_clear(&d.tab);

	/* A malformed message is counted, the rest read. */
	memset(&d, 0, sizeof(d));
	d.dumping = 1;
	memset(&nb, 0, sizeof(nb));
	add_v4(0, 0, "192.0.2.1", 24, 0);
	add_v4(0, 0, "192.0.2.2", 24, 2);
	ifaddr_dump_input(&d, nb.b, nb.len);
	ck_assert_uint_eq(d.malformed, 1);
	ck_assert_uint_eq(d.tab.n, 1);
	ifaddr_table_clear(&d.tab);
}
END_TEST

/* Lengths that lie: nothing past the datagram is read (ASan run). */
START_TEST(test_dump_lengths)
{
	struct ifaddr_dump	 d;
	uint8_t			*copy;
	size_t			 cut, full;

	memset(&nb, 0, sizeof(nb));
	add_v4(0, 0, "192.0.2.1", 24, 2);
	add_v4(0, 0, "192.0.2.2", 24, 2);
	full = nb.len;
	/* Every truncation of the datagram, in a buffer of exactly that. */
	for (cut = 0; cut <= full; cut++) {
		copy = malloc(cut + 1);
		memcpy(copy, nb.b, cut);
		memset(&d, 0, sizeof(d));
		d.dumping = 1;
		ifaddr_dump_input(&d, copy, cut);
		ck_assert_uint_le(d.tab.n, 2);
		if (cut == full)
			ck_assert_uint_eq(d.tab.n, 2);
		ifaddr_table_clear(&d.tab);
		free(copy);
	}
	/* A header that claims more than the datagram. */
	memset(&d, 0, sizeof(d));
	d.dumping = 1;
	((struct nlmsghdr *)nb.b)->nlmsg_len = full + 4;
	ifaddr_dump_input(&d, nb.b, full);
	ck_assert_uint_eq(d.tab.n, 0);
	/* And one that claims less than a header: the walk stops. */
	((struct nlmsghdr *)nb.b)->nlmsg_len = 4;
	ifaddr_dump_input(&d, nb.b, full);
	ck_assert_uint_eq(d.tab.n, 0);
}
END_TEST

/* More addresses than IFADDR_MAX: the table stops there, says so. */
START_TEST(test_dump_bound)
{
	struct ifaddr_dump	 d;
	char			 a[32];
	int			 i, n = 0;

	memset(&d, 0, sizeof(d));
	d.dumping = 1;
	while (n < IFADDR_MAX + 10) {
		memset(&nb, 0, sizeof(nb));
		for (i = 0; i < 500 && n < IFADDR_MAX + 10; i++, n++) {
			snprintf(a, sizeof(a), "10.%d.%d.1", n / 256, n % 256);
			add_v4(0, 0, a, 24, 2);
		}
		ifaddr_dump_input(&d, nb.b, nb.len);
	}
	ck_assert_uint_eq(d.tab.n, IFADDR_MAX);
	ck_assert_int_eq(d.tab.overflow, 1);
	ifaddr_table_clear(&d.tab);
}
END_TEST

START_TEST(test_prefix_match)
{
	static const struct {
		int		 af;
		const char	*net;
		unsigned int	 plen;
		const char	*addr;
		int		 want;
	} t[] = {
		{ AF_INET, "192.0.2.1", 24, "192.0.2.200", 1 },
		{ AF_INET, "192.0.2.1", 24, "192.0.3.1", 0 },
		{ AF_INET, "192.0.2.1", 25, "192.0.2.127", 1 },
		{ AF_INET, "192.0.2.1", 25, "192.0.2.128", 0 },
		{ AF_INET, "192.0.2.1", 32, "192.0.2.1", 1 },
		{ AF_INET, "192.0.2.1", 32, "192.0.2.2", 0 },
		{ AF_INET, "192.0.2.1", 0, "8.8.8.8", 1 },
		{ AF_INET, "127.0.0.1", 8, "127.9.9.9", 1 },
		{ AF_INET6, "2001:db8::1", 64, "2001:db8::ffff:1", 1 },
		{ AF_INET6, "2001:db8::1", 64, "2001:db8:0:1::1", 0 },
		{ AF_INET6, "fe80::1", 64, "fe80::abcd", 1 },
		{ AF_INET6, "2001:db8::", 127, "2001:db8::1", 1 },
		{ AF_INET6, "2001:db8::", 127, "2001:db8::2", 0 },
		{ AF_INET6, "::1", 128, "::1", 1 },
	};
	uint8_t	 n[16], a[16];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(*t); i++) {
		ck_assert_int_eq(inet_pton(t[i].af, t[i].net, n), 1);
		ck_assert_int_eq(inet_pton(t[i].af, t[i].addr, a), 1);
		ck_assert_msg(ifaddr_prefix_match(t[i].af, n, t[i].plen, a) ==
		    t[i].want, "%s/%u %s", t[i].net, t[i].plen, t[i].addr);
	}
	ck_assert_int_eq(ifaddr_prefix_match(AF_UNIX, n, 0, a), 0);
}
END_TEST

START_TEST(test_name_match)
{
	ck_assert_int_eq(ifaddr_name_match("eth0", "eth0"), 1);
	ck_assert_int_eq(ifaddr_name_match("eth0", "eth01"), 0);
	ck_assert_int_eq(ifaddr_name_match("eth", "eth0"), 0);
	ck_assert_int_eq(ifaddr_name_match("eth*", "eth0"), 1);
	ck_assert_int_eq(ifaddr_name_match("eth*", "eth"), 1);
	ck_assert_int_eq(ifaddr_name_match("eth*", "wlan0"), 0);
	ck_assert_int_eq(ifaddr_name_match("*", "anything"), 1);
	ck_assert_int_eq(ifaddr_name_match("eth0:1", "eth0:1"), 1);
	ck_assert_int_eq(ifaddr_name_match("eth0", "eth0:1"), 0);
}
END_TEST

static struct ifaddr_entry
entry(int af, const char *addr, unsigned int plen, unsigned int index)
{
	struct ifaddr_entry	 e;

	memset(&e, 0, sizeof(e));
	e.af = af;
	ck_assert_int_eq(inet_pton(af, addr, e.addr.b), 1);
	e.prefixlen = plen;
	e.ifindex = index;
	return e;
}

START_TEST(test_lookups)
{
	struct ifaddr_entry	 t[4];
	uint8_t			 a[16];

	t[0] = entry(AF_INET, "127.0.0.1", 8, 1);
	t[1] = entry(AF_INET, "192.0.2.1", 24, 2);
	t[2] = entry(AF_INET6, "2001:db8:1::1", 64, 2);
	t[3] = entry(AF_INET, "198.51.100.1", 24, 3);
	ck_assert_int_eq(ifaddr_set_table(t, 4), 0);

	v4("192.0.2.77", a);
	ck_assert_int_eq(ifaddr_on_subnet(0, AF_INET, a), 1);
	ck_assert_int_eq(ifaddr_on_subnet(2, AF_INET, a), 1);
	ck_assert_int_eq(ifaddr_on_subnet(3, AF_INET, a), 0);
	ck_assert_uint_eq(ifaddr_index_of(AF_INET, a), 0);
	v4("198.51.100.1", a);
	ck_assert_uint_eq(ifaddr_index_of(AF_INET, a), 3);
	v4("203.0.113.1", a);
	ck_assert_int_eq(ifaddr_on_subnet(0, AF_INET, a), 0);
	v6("2001:db8:1::99", a);
	ck_assert_int_eq(ifaddr_on_subnet(0, AF_INET6, a), 1);
	ck_assert_int_eq(ifaddr_on_subnet(2, AF_INET6, a), 1);
	ck_assert_int_eq(ifaddr_on_subnet(1, AF_INET6, a), 0);
	v6("2001:db8:2::1", a);
	ck_assert_int_eq(ifaddr_on_subnet(0, AF_INET6, a), 0);
	v6("2001:db8:1::1", a);
	ck_assert_uint_eq(ifaddr_index_of(AF_INET6, a), 2);
	/* A v4 address's bytes are not looked up as v6. */
	v4("192.0.2.1", a);
	memset(a + 4, 0, 12);
	ck_assert_uint_eq(ifaddr_index_of(AF_INET6, a), 0);
	ck_assert_int_eq(ifaddr_set_table(NULL, 0), 0);
	v4("192.0.2.77", a);
	ck_assert_int_eq(ifaddr_on_subnet(0, AF_INET, a), 0);
}
END_TEST

/* The real thing: this host's kernel has loopback, named lo. */
START_TEST(test_live)
{
	struct event_base	*base = event_base_new();
	const struct ifaddr_entry *v;
	size_t			 n, i;
	uint8_t			 a[4];
	int			 found = 0;

	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(ifaddr_init(base, NULL), 0);
	ck_assert_int_eq(ifaddr_running(), 1);
	v = ifaddr_list(&n);
	for (i = 0; i < n; i++)
		if (v[i].af == AF_INET && v[i].addr.b[0] == 127 &&
		    strcmp(v[i].ifname, "lo") == 0)
			found = 1;
	ck_assert_msg(found, "no 127.x address on lo in %zu addresses", n);
	v4("127.0.0.53", a);
	ck_assert_int_eq(ifaddr_on_subnet(0, AF_INET, a), 1);
	ifaddr_shutdown();
	ck_assert_int_eq(ifaddr_running(), 0);
	ck_assert_int_eq(ifaddr_on_subnet(0, AF_INET, a), 0);
	event_base_free(base);
}
END_TEST

static Suite *
ifaddr_suite(void)
{
	Suite	*s = suite_create("ifaddr");
	TCase	*tc = tcase_create("ifaddr");

	tcase_add_test(tc, test_parse_v4);
	tcase_add_test(tc, test_parse_v6);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_dump);
	tcase_add_test(tc, test_dump_lengths);
	tcase_add_test(tc, test_dump_bound);
	tcase_add_test(tc, test_prefix_match);
	tcase_add_test(tc, test_name_match);
	tcase_add_test(tc, test_lookups);
	tcase_add_test(tc, test_live);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(ifaddr_suite());
}
