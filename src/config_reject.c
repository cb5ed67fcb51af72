/*
 * config_reject.c: the dnsmasq 2.90 keys that briskdns does not take,
 * each with the reason, so that a dnsmasq.conf carried over is told why
 * a line is refused instead of "unknown key".
 *
 * A rejected key is still an error (exit status 1, reported with its
 * file and line like any other, all of them), never silently ignored:
 * a DNSSEC key accepted and not acted on would promise protection that
 * is not there, a DHCP key would promise leases nobody hands out.
 *
 * The table holds only keys that briskdns does not have: a key in
 * config_keys[] is never looked up here (config.c asks the key table
 * first), and test_config checks that the two tables do not overlap.
 * The short options are dnsmasq's, for its command line.
 */

#include <string.h>

#include "config.h"
#include "config_impl.h"

/* The reasons of whole groups; the man page lists them the same way. */
#define WHY_DHCP	"a DHCP key: briskdns does DNS only; keep dnsmasq " \
			"for DHCP with port=0"
#define WHY_TFTP	"a TFTP key: briskdns does DNS only; keep dnsmasq " \
			"for TFTP with port=0"
#define WHY_PXE		"a PXE boot key: briskdns does DNS only; keep " \
			"dnsmasq for DHCP and PXE with port=0"
#define WHY_RA		"a router advertisement key: briskdns does DNS " \
			"only; keep dnsmasq for router advertisements with " \
			"port=0"
#define WHY_DNSSEC	"briskdns does not validate DNSSEC; remove the key " \
			"and validate elsewhere (a validating upstream or " \
			"the client): accepting it would promise protection " \
			"that is not there"
#define WHY_SET		"briskdns does not put answered addresses into " \
			"firewall sets; keep dnsmasq for ipset and nftset"
#define WHY_CLIENT	"briskdns sends no client data upstream (no MAC, " \
			"subnet or device id): answers are cached for all " \
			"clients alike; remove the key"
#define WHY_AUTH	"an authoritative-server key: briskdns is a " \
			"forwarding stub, it serves no zones; keep dnsmasq " \
			"or an authoritative server for them"
#define WHY_BUS		"briskdns has no D-Bus or ubus interface; give " \
			"servers with server= or resolv-file, and SIGHUP"
#define WHY_RECORD	"a record type briskdns does not serve from local " \
			"data; it serves host-record, cname, txt-record, " \
			"ptr-record, srv-host and mx-host"

const struct reject config_rejects[] = {
	/* ---- DHCP ---- */
	{ "dhcp-range", 'F', WHY_DHCP },
	{ "dhcp-host", 'G', WHY_DHCP },
	{ "dhcp-hostsfile", 0, WHY_DHCP },
	{ "dhcp-hostsdir", 0, WHY_DHCP },
	{ "dhcp-optsfile", 0, WHY_DHCP },
	{ "dhcp-optsdir", 0, WHY_DHCP },
	{ "dhcp-option", 'O', WHY_DHCP },
	{ "dhcp-option-force", 0, WHY_DHCP },
	{ "dhcp-userclass", 'j', WHY_DHCP },
	{ "dhcp-vendorclass", 'U', WHY_DHCP },
	{ "dhcp-circuitid", 0, WHY_DHCP },
	{ "dhcp-remoteid", 0, WHY_DHCP },
	{ "dhcp-subscrid", 0, WHY_DHCP },
	{ "dhcp-mac", '4', WHY_DHCP },
	{ "dhcp-match", 0, WHY_DHCP },
	{ "dhcp-name-match", 0, WHY_DHCP },
	{ "tag-if", 0, WHY_DHCP },
	{ "dhcp-ignore", 'J', WHY_DHCP },
	{ "dhcp-ignore-names", 0, WHY_DHCP },
	{ "dhcp-ignore-clid", 0, WHY_DHCP },
	{ "dhcp-broadcast", 0, WHY_DHCP },
	{ "dhcp-authoritative", 'K', WHY_DHCP },
	{ "dhcp-leasefile", 'l', WHY_DHCP },
	{ "dhcp-lease", 0, WHY_DHCP },
	{ "dhcp-lease-max", 'X', WHY_DHCP },
	{ "leasefile-ro", '9', WHY_DHCP },
	{ "dhcp-script", '6', WHY_DHCP },
	{ "dhcp-luascript", 0, WHY_DHCP },
	{ "dhcp-scriptuser", 0, WHY_DHCP },
	{ "script-arp", 0, WHY_DHCP },
	{ "script-on-renewal", 0, WHY_DHCP },
	{ "dhcp-no-override", 0, WHY_DHCP },
	{ "dhcp-alternate-port", 0, WHY_DHCP },
	{ "dhcp-fqdn", 0, WHY_DHCP },
	{ "dhcp-client-update", 0, WHY_DHCP },
	{ "dhcp-generate-names", 0, WHY_DHCP },
	{ "dhcp-proxy", 0, WHY_DHCP },
	{ "dhcp-relay", 0, WHY_DHCP },
	{ "dhcp-sequential-ip", 0, WHY_DHCP },
	{ "dhcp-duid", 0, WHY_DHCP },
	{ "dhcp-ttl", 0, WHY_DHCP },
	{ "dhcp-reply-delay", 0, WHY_DHCP },
	{ "dhcp-rapid-commit", 0, WHY_DHCP },
	{ "no-dhcp-interface", '2', WHY_DHCP },
	{ "no-dhcpv4-interface", 0, WHY_DHCP },
	{ "no-dhcpv6-interface", 0, WHY_DHCP },
	{ "bootp-dynamic", '3', WHY_DHCP },
	{ "read-ethers", 'Z', WHY_DHCP },
	{ "no-ping", '5', WHY_DHCP },
	{ "bridge-interface", 0, WHY_DHCP },
	{ "shared-network", 0, WHY_DHCP },
	{ "log-dhcp", 0, WHY_DHCP },
	{ "quiet-dhcp", 0, WHY_DHCP },
	{ "quiet-dhcp6", 0, WHY_DHCP },

	/* ---- TFTP ---- */
	{ "enable-tftp", 0, WHY_TFTP },
	{ "tftp-root", 0, WHY_TFTP },
	{ "tftp-unique-root", 0, WHY_TFTP },
	{ "tftp-secure", 0, WHY_TFTP },
	{ "tftp-no-fail", 0, WHY_TFTP },
	{ "tftp-max", 0, WHY_TFTP },
	{ "tftp-mtu", 0, WHY_TFTP },
	{ "tftp-no-blocksize", 0, WHY_TFTP },
	{ "tftp-lowercase", 0, WHY_TFTP },
	{ "tftp-port-range", 0, WHY_TFTP },
	{ "tftp-single-port", 0, WHY_TFTP },
	{ "quiet-tftp", 0, WHY_TFTP },

	/* ---- PXE and BOOTP boot ---- */
	{ "dhcp-boot", 'M', WHY_PXE },
	{ "dhcp-pxe-vendor", 0, WHY_PXE },
	{ "pxe-prompt", 0, WHY_PXE },
	{ "pxe-service", 0, WHY_PXE },

	/* ---- router advertisement ---- */
	{ "enable-ra", 0, WHY_RA },
	{ "ra-param", 0, WHY_RA },
	{ "quiet-ra", 0, WHY_RA },

	/* ---- DNSSEC ---- */
	{ "dnssec", 0, WHY_DNSSEC },
	{ "trust-anchor", 0, WHY_DNSSEC },
	{ "dnssec-check-unsigned", 0, WHY_DNSSEC },
	{ "dnssec-no-timecheck", 0, WHY_DNSSEC },
	{ "dnssec-timestamp", 0, WHY_DNSSEC },
	{ "dnssec-limits", 0, WHY_DNSSEC },
	{ "dnssec-debug", 0, WHY_DNSSEC },
	{ "proxy-dnssec", 0, "briskdns does not validate DNSSEC and does "
	    "not vouch for an upstream's validation; remove the key and "
	    "validate in the client if the AD bit matters" },

	/* ---- firewall sets ---- */
	{ "ipset", 0, WHY_SET },
	{ "nftset", 0, WHY_SET },
	{ "connmark-allowlist-enable", 0, "briskdns does not filter "
	    "queries by connection mark; keep dnsmasq for it" },
	{ "connmark-allowlist", 0, "briskdns does not filter queries by "
	    "connection mark; keep dnsmasq for it" },
	{ "conntrack", 0, "briskdns does not copy connection marks to "
	    "upstream queries; keep dnsmasq for it" },

	/* ---- client data sent upstream ---- */
	{ "add-mac", 0, WHY_CLIENT },
	{ "add-subnet", 0, WHY_CLIENT },
	{ "add-cpe-id", 0, WHY_CLIENT },
	{ "umbrella", 0, WHY_CLIENT },

	/* ---- authoritative zones ---- */
	{ "auth-server", 0, WHY_AUTH },
	{ "auth-zone", 0, WHY_AUTH },
	{ "auth-ttl", 0, WHY_AUTH },
	{ "auth-soa", 0, WHY_AUTH },
	{ "auth-sec-servers", 0, WHY_AUTH },
	{ "auth-peer", 0, WHY_AUTH },

	/* ---- control interfaces ---- */
	{ "enable-dbus", '1', WHY_BUS },
	{ "enable-ubus", 0, WHY_BUS },

	/* ---- DNS features briskdns does not have ---- */
	{ "naptr-record", 0, WHY_RECORD },
	{ "caa-record", 0, WHY_RECORD },
	{ "dns-rr", 0, WHY_RECORD },
	{ "interface-name", 0, "briskdns does not answer names with an "
	    "interface's addresses; use host-record" },
	{ "dynamic-host", 0, "briskdns does not follow interface addresses "
	    "in local records; use host-record" },
	{ "synth-domain", 0, "briskdns does not synthesize names for "
	    "address ranges; use host-record or a hosts file" },
	{ "selfmx", 'e', "briskdns makes no MX records for hosts; use "
	    "mx-host" },
	{ "localmx", 'L', "briskdns makes no MX records for hosts; use "
	    "mx-host" },
	{ "alias", 'V', "briskdns does not rewrite addresses in upstream "
	    "answers" },
	{ "filterwin2k", 'f', "briskdns does not filter by query pattern; "
	    "to block names use address=/DOMAIN/ or local=/DOMAIN/" },
	{ "dumpfile", 0, "briskdns writes no packet dumps; use tcpdump, "
	    "and log-queries" },
	{ "dumpmask", 0, "briskdns writes no packet dumps; use tcpdump, "
	    "and log-queries" },
	{ "dns-loop-detect", 0, "briskdns does not probe its upstreams for "
	    "forwarding loops; it refuses at start a server= that is itself "
	    "(its listen address and port) and leaves its own addresses out "
	    "of resolv-file; remove the key" },
	{ "conf-script", 0, "briskdns runs no programs from its "
	    "configuration; write the output to a file and use conf-file "
	    "or conf-dir" },
};
const size_t config_nrejects = sizeof(config_rejects) /
    sizeof(config_rejects[0]);

const struct reject *
config_reject_find(const char *name)
{
	size_t	i;

	for (i = 0; i < config_nrejects; i++)
		if (strcmp(config_rejects[i].name, name) == 0)
			return &config_rejects[i];
	return NULL;
}

const struct reject *
config_reject_find_short(int c)
{
	size_t	i;

	if (c == 0)
		return NULL;
	for (i = 0; i < config_nrejects; i++)
		if (config_rejects[i].shortopt == c)
			return &config_rejects[i];
	return NULL;
}

/*
 * Report name (a key of the file, or a long option without its "--") as
 * refused with its reason: 0.  -1 when it is not a refused dnsmasq key
 * (the caller reports it as unknown).
 */
int
config_reject(struct parse *p, const char *name)
{
	const struct reject	*r;

	if ((r = config_reject_find(name)) == NULL)
		return -1;
	if (p->file != NULL)
		perr(p, "%s: %s", r->name, r->why);
	else
		perr(p, "option --%s: %s", r->name, r->why);
	return 0;
}

/* The same for a short option of dnsmasq's command line. */
int
config_reject_short(struct parse *p, int c)
{
	const struct reject	*r;

	if ((r = config_reject_find_short(c)) == NULL)
		return -1;
	perr(p, "option -%c (--%s): %s", c, r->name, r->why);
	return 0;
}

/* ---- dnsmasq keys accepted with no effect ------------------------------ */

/*
 * Keys whose purpose briskdns already meets by itself: a dnsmasq.conf
 * that has them starts unchanged, a line at start says that the key has
 * no effect and why, and --test prints it back as a comment.  The key's
 * min field is its bit in cfg->noop_given, its help the reason.
 */
int
set_noop(struct parse *p, const struct key *k, const char *v)
{
	(void)v;
	p->cfg->noop_given |= 1U << k->min;
	return 0;
}

void
print_noop(FILE *f, const struct config *cfg, const struct key *k)
{
	if (cfg->noop_given & (1U << k->min))
		fprintf(f, "# %s: %s\n", k->name, k->help);
	else
		fprintf(f, "# %s: not given\n", k->name);
}

void
config_noop_notes(const struct config *cfg,
    void (*note)(const char *key, const char *why, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].set == set_noop &&
		    (cfg->noop_given & (1U << config_keys[i].min)))
			note(config_keys[i].name, config_keys[i].help, arg);
}
