/*
 * test_config_reject.c: the dnsmasq keys briskdns refuses
 * (src/config_reject.c): the table itself (no key of config_keys[] in
 * it, a one-line reason for each, no name or short option twice), and
 * the refusal as the file reader and the command line report it.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include "config.h"
#include "config_impl.h"

#define WHY_DHCP	"a DHCP key: briskdns does DNS only; keep dnsmasq " \
			"for DHCP with port=0"

START_TEST(test_reject_not_a_key)
{
	size_t	i, j;

	ck_assert_uint_gt(config_nrejects, 100);
	for (i = 0; i < config_nrejects; i++) {
		const struct reject *r = &config_rejects[i];

		ck_assert_msg(config_key_find(r->name) == NULL,
		    "'%s' is in the key table and the reject table", r->name);
		for (j = 0; j < config_nkeys; j++) {
			ck_assert_msg(strcmp(config_keys[j].name, r->name) != 0,
			    "'%s' is a key", r->name);
			ck_assert_msg(r->shortopt == 0 ||
			    config_keys[j].shortopt != r->shortopt,
			    "-%c of '%s' is the short option of '%s'",
			    r->shortopt, r->name, config_keys[j].name);
		}
	}
}
END_TEST

START_TEST(test_reject_reasons)
{
	size_t	i, j;

	for (i = 0; i < config_nrejects; i++) {
		const struct reject *r = &config_rejects[i];

		ck_assert_msg(r->name != NULL && r->name[0] != '\0' &&
		    r->name[0] != '-', "entry %zu: no name", i);
		ck_assert_msg(r->why != NULL && strlen(r->why) >= 20,
		    "'%s': no reason", r->name);
		ck_assert_msg(strchr(r->why, '\n') == NULL,
		    "'%s': the reason is more than one line", r->name);
		/* Room in perr's line for a long path, line and key. */
		ck_assert_msg(strlen(r->why) < 240, "'%s': reason too long",
		    r->name);
		ck_assert_msg(strncmp(r->why, "unknown", 7) != 0,
		    "'%s': says unknown", r->name);
		for (j = i + 1; j < config_nrejects; j++) {
			ck_assert_msg(strcmp(r->name, config_rejects[j].name)
			    != 0, "'%s' twice", r->name);
			ck_assert_msg(r->shortopt == 0 ||
			    r->shortopt != config_rejects[j].shortopt,
			    "-%c twice", r->shortopt);
		}
		ck_assert_ptr_eq(config_reject_find(r->name), r);
		if (r->shortopt != 0)
			ck_assert_ptr_eq(config_reject_find_short(r->shortopt),
			    r);
	}
	ck_assert_ptr_null(config_reject_find("dhcp"));
	ck_assert_ptr_null(config_reject_find("DHCP-RANGE"));
	ck_assert_ptr_null(config_reject_find(""));
	ck_assert_ptr_null(config_reject_find_short(0));
}
END_TEST

/* The groups the issue names are there, each with its reason. */
static const struct {
	const char	*name;
	const char	*why;		/* the reason starts so */
} groups[] = {
	{ "dhcp-range", WHY_DHCP },
	{ "dhcp-host", WHY_DHCP },
	{ "dhcp-option", WHY_DHCP },
	{ "enable-tftp", "a TFTP key: briskdns does DNS only" },
	{ "pxe-service", "a PXE boot key: briskdns does DNS only" },
	{ "enable-ra", "a router advertisement key: briskdns does DNS only" },
	{ "dnssec", "briskdns does not validate DNSSEC" },
	{ "trust-anchor", "briskdns does not validate DNSSEC" },
	{ "dnssec-check-unsigned", "briskdns does not validate DNSSEC" },
	{ "ipset", "briskdns does not put answered addresses into firewall" },
	{ "nftset", "briskdns does not put answered addresses into firewall" },
	{ "add-mac", "briskdns sends no client data upstream" },
	{ "add-subnet", "briskdns sends no client data upstream" },
	{ "add-cpe-id", "briskdns sends no client data upstream" },
	{ "auth-zone", "an authoritative-server key" },
	{ "enable-dbus", "briskdns has no D-Bus or ubus interface" },
	{ "enable-ubus", "briskdns has no D-Bus or ubus interface" },
};

START_TEST(test_reject_groups)
{
	const struct reject	*r;
	size_t			 i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		r = config_reject_find(groups[i].name);
		ck_assert_msg(r != NULL, "'%s' not refused", groups[i].name);
		ck_assert_msg(strncmp(r->why, groups[i].why,
		    strlen(groups[i].why)) == 0, "'%s': %s", r->name, r->why);
	}
}
END_TEST

static const char bad_conf[] =
    "# a router's dnsmasq.conf, DNS and DHCP\n"
    "dhcp-range=192.168.1.50,192.168.1.150,12h\n"
    "cache-size=1000\n"
    "dnssec\n"
    "trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
    "no-such-key\n"
    "dhcp-option = 3,192.168.1.1\n";

START_TEST(test_reject_file)
{
	struct config_errors	 e = { NULL, 0 };
	struct config		*c;

	c = config_load_buffer("r.conf", bad_conf, sizeof(bad_conf) - 1, &e);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(e.n, 5);
	ck_assert_str_eq(e.msg[0], "r.conf:2: dhcp-range: " WHY_DHCP);
	ck_assert_msg(strncmp(e.msg[1], "r.conf:4: dnssec: briskdns does "
	    "not validate DNSSEC", 40) == 0, "%s", e.msg[1]);
	ck_assert_msg(strncmp(e.msg[2], "r.conf:5: trust-anchor: briskdns "
	    "does not validate DNSSEC", 46) == 0, "%s", e.msg[2]);
	ck_assert_str_eq(e.msg[3], "r.conf:6: unknown key 'no-such-key'");
	ck_assert_str_eq(e.msg[4], "r.conf:7: dhcp-option: " WHY_DHCP);
	config_errors_clear(&e);
}
END_TEST

START_TEST(test_reject_cmdline)
{
	char			*argv[] = { "briskdns", "--dhcp-range=1,2",
	    "--dnssec", "-p", "5353", "--no-such-option", "-K", NULL };
	char			*argv2[] = { "briskdns", "-!", NULL };
	struct config_errors	 e = { NULL, 0 };
	struct config_args	*a = NULL;
	enum config_action	 act;

	ck_assert_int_eq(config_args_parse(7, argv, &a, &act, &e), -1);
	ck_assert_ptr_null(a);
	ck_assert_uint_eq(e.n, 4);
	ck_assert_str_eq(e.msg[0], "option --dhcp-range: " WHY_DHCP);
	ck_assert_msg(strncmp(e.msg[1], "option --dnssec: briskdns does not "
	    "validate DNSSEC", 50) == 0, "%s", e.msg[1]);
	ck_assert_str_eq(e.msg[2], "option --no-such-option: unknown option");
	ck_assert_str_eq(e.msg[3], "option -K (--dhcp-authoritative): "
	    WHY_DHCP);
	config_errors_clear(&e);

	/* A short option dnsmasq does not have either: unknown. */
	ck_assert_int_eq(config_args_parse(2, argv2, &a, &act, &e), -1);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_str_eq(e.msg[0], "option -!: unknown option");
	config_errors_clear(&e);
}
END_TEST

static Suite *
reject_suite(void)
{
	Suite	*s = suite_create("config_reject");
	TCase	*tc = tcase_create("reject");

	tcase_add_test(tc, test_reject_not_a_key);
	tcase_add_test(tc, test_reject_reasons);
	tcase_add_test(tc, test_reject_groups);
	tcase_add_test(tc, test_reject_file);
	tcase_add_test(tc, test_reject_cmdline);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(reject_suite());
}
