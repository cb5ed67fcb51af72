/*
 * config_keys.c: the key table, and the setters of the general keys.
 *
 * One table drives the file parser, getopt_long, --help and the
 * print-back of --test.  A key's setter both validates and stores, so the
 * file and the command line cannot disagree about what a value means.
 * Groups of keys have their setters in their own file (config_impl.h).
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "briskdns.h"
#include "config.h"
#include "config_impl.h"

#define F(field)	offsetof(struct config, field), \
			sizeof(((struct config *)0)->field)

/* The keys, in the order of --help and the print-back. */
const struct key config_keys[] = {
	{ "conf-file", 'C', KT_STRING, K_NODEFAULT, CONFIG_DEFAULT_FILE,
	    "PATH", F(conf_file), 0, 0, set_conf_file, print_conf_file,
	    "configuration file to read; in a file: include it" },
	{ "test", 0, KT_FLAG, K_CMDLINE | K_NOPRINT, NULL, NULL, F(test),
	    0, 0, NULL, NULL,
	    "check the configuration, print it and exit" },
	{ "no-daemon", 'd', KT_FLAG, 0, NULL, NULL, F(no_daemon), 0, 0,
	    NULL, NULL, "stay in the foreground, log to stderr" },
	{ "keep-in-foreground", 'k', KT_FLAG, 0, NULL, NULL,
	    F(keep_in_foreground), 0, 0, NULL, NULL,
	    "stay in the foreground, log to syslog" },
	{ "port", 'p', KT_NUMBER, 0, "53", "PORT", F(port), 0, 65535,
	    NULL, NULL, "port of the stub listener, UDP and TCP; 0: none" },
	{ "listen-address", 'a', KT_ADDRESS, K_REPEAT | K_NODEFAULT,
	    "127.0.0.1 and ::1", "ADDR[,ADDR...]", 0, 0, 0, 0,
	    set_listen_list, NULL, "address to listen on (repeatable)" },
	{ "server", 'S', KT_SERVER, K_REPEAT | K_NODEFAULT,
	    "from resolv-file", "[/DOMAIN/]ADDR[#PORT][@IF][@SRC]", 0,
	    0, 0, 0, set_server, print_servers, "upstream server, for DOMAIN "
	    "only if given; /DOMAIN/ alone: local (NXDOMAIN), /DOMAIN/#: "
	    "the default servers (repeatable)" },
	{ "resolv-file", 'r', KT_STRING, 0, "/etc/resolv.conf", "PATH",
	    F(resolv_file), 0, 0, set_path, NULL,
	    "where upstream servers come from when no server is given" },
	{ "no-resolv", 'R', KT_FLAG, 0, NULL, NULL, F(no_resolv), 0, 0,
	    NULL, NULL, "do not read resolv-file" },
	{ "strict-order", 'o', KT_FLAG, 0, NULL, NULL, F(strict_order), 0, 0,
	    NULL, NULL, "try upstream servers in the order given" },
	{ "all-servers", 0, KT_FLAG, 0, NULL, NULL, F(all_servers), 0, 0,
	    NULL, NULL, "send each query to all upstream servers" },
	{ "dns-forward-max", '0', KT_NUMBER, 0, "1000", "COUNT",
	    F(dns_forward_max), 1, 1000000, NULL, NULL,
	    "most queries in flight to upstream servers" },
	{ "cache-size", 'c', KT_SIZE, 0, "10000", "ENTRIES", F(cache_size),
	    0, CONFIG_MAX_CACHE, NULL, NULL,
	    "entries in the answer cache; 0: no cache" },
	{ "neg-ttl", 0, KT_NUMBER, 0, NULL, "SECONDS", F(neg_ttl), 0,
	    2147483647, NULL, print_unset_zero,
	    "TTL of negative answers without SOA (default: not cached)" },
	{ "min-cache-ttl", 0, KT_NUMBER, 0, "0", "SECONDS", F(min_cache_ttl),
	    0, CONFIG_MAX_TTL, NULL, NULL,
	    "shortest time an answer is cached" },
	{ "max-cache-ttl", 0, KT_NUMBER, 0, "86400", "SECONDS",
	    F(max_cache_ttl), 1, CONFIG_MAX_TTL, NULL, NULL,
	    "longest time an answer is cached" },
	{ "serve-stale", 0, KT_NUMBER, 0, "0", "SECONDS", F(serve_stale), 0,
	    CONFIG_MAX_TTL, NULL, NULL,
	    "answer from expired entries up to this long when upstream "
	    "servers fail (RFC 8767); 0: off" },
	{ "prefetch", 0, KT_FLAG, 0, NULL, NULL, F(prefetch), 0, 0,
	    NULL, NULL, "refresh popular entries shortly before they expire" },
	{ "aaaa-mode", 0, KT_STRING, 0, "empty",
	    "empty|forward|auto|deadline:MS|after-a[:MS]|learn[:MS]",
	    F(aaaa_mode), 0, 0, set_aaaa_mode, print_aaaa_mode,
	    "how AAAA queries are handled (after-a:50: Happy Eyeballs; "
	    "learn: a deadline of 250 ms for servers learnt slow)" },
	{ "filter-AAAA", 0, KT_FLAG, K_NOPRINT, NULL, NULL, 0, 0, 0, 0,
	    set_filter_aaaa, NULL, "the same as aaaa-mode=empty (dnsmasq)" },
	{ "aaaa-forward", 0, KT_DOMAINLIST, K_REPEAT, NULL,
	    "/DOMAIN[/DOMAIN...]/", 0, 0, 0, 0, set_aaaa_forward,
	    print_domain_flag,
	    "always forward AAAA queries for these domains (repeatable)" },
	{ "aaaa-empty", 0, KT_DOMAINLIST, K_REPEAT, NULL,
	    "/DOMAIN[/DOMAIN...]/", 0, 0, 0, 0, set_aaaa_empty,
	    print_domain_flag,
	    "answer AAAA queries for these domains empty at once, whatever "
	    "aaaa-mode says (repeatable)" },
	{ "aaaa-forward-client", 0, KT_STRING, K_REPEAT, NULL,
	    "CIDR[,CIDR...]", 0, 0, 0, 0, set_aaaa_forward_client,
	    print_aaaa_client, "forward the AAAA queries of clients in these "
	    "networks, whatever aaaa-mode says; longest prefix wins "
	    "(repeatable)" },
	{ "aaaa-empty-client", 0, KT_STRING, K_REPEAT, NULL,
	    "CIDR[,CIDR...]", 0, 0, 0, 0, set_aaaa_empty_client,
	    print_aaaa_client, "answer the AAAA queries of clients in these "
	    "networks empty at once, whatever aaaa-mode says (repeatable)" },
	{ "slow-types", 0, KT_STRING, 0, NULL, "TYPE[,TYPE...]",
	    0, 0, 0, 0, set_slow_types, print_slow_types,
	    "queries of these types (HTTPS, SVCB) are handled as AAAA "
	    "queries are by aaaa-mode and the aaaa-forward/-empty rules" },
	{ "local-ttl", 0, KT_NUMBER, 0, "60", "SECONDS", F(local_ttl), 0,
	    2147483647, NULL, NULL,
	    "TTL of the SOA in briskdns's own empty answers" },
	{ "edns-packet-max", 0, KT_NUMBER, 0, "1232", "BYTES",
	    F(edns_packet_max), 512, 4096, NULL, NULL,
	    "largest UDP answer sent to a client, and the EDNS size offered "
	    "upstream; larger answers are truncated (TC)" },
	{ "log-queries", 'q', KT_FLAG, K_OPTVALUE, NULL, "extra|proto",
	    F(log_queries), 0, 0, set_log_queries, print_log_queries,
	    "log every query and how it was answered; extra: with a serial "
	    "number and the client's address first" },
	{ "pid-file", 'x', KT_STRING, 0, NULL, "PATH", F(pid_file), 0, 0,
	    set_path, NULL, "write the process id there" },
	{ "user", 'u', KT_STRING, 0, "nobody", "NAME", F(user), 0, 0,
	    set_name, NULL, "user to run as after binding, when root" },
	{ "group", 'g', KT_STRING, 0, "nogroup", "NAME", F(group), 0, 0,
	    set_name, NULL, "group to run as after binding, when root" },
	{ "nfqueue", 0, KT_NUMBER, K_NODEFAULT, "off", "QUEUE", F(nfqueue),
	    0, 65535, set_nfqueue, print_nfqueue,
	    "intercept the traffic of the DNS server on nfqueue-port through "
	    "this netfilter queue" },
	{ "nfqueue-port", 0, KT_NUMBER, 0, "53", "PORT", F(nfqueue_port), 1,
	    65535, NULL, NULL, "port of the DNS server whose traffic is "
	    "intercepted" },
	{ "nfqueue-rules", 0, KT_STRING, 0, "auto", "auto|none",
	    F(nfqueue_rules_auto), 0, 0, set_nfqueue_rules,
	    print_nfqueue_rules, "auto: briskdns adds and removes the "
	    "netfilter rules; none: the user does" },

	/* ---- local answers: domain rules and records (config_local.c) */
	{ "local", 0, KT_SERVER, K_REPEAT | K_NODEFAULT | K_NOPRINT, NULL,
	    "/DOMAIN[/DOMAIN...]/[ADDR]", 0, 0, 0, 0, set_server,
	    print_as_server, "the same as server (dnsmasq's name for "
	    "/DOMAIN/ without address: answered locally, NXDOMAIN)" },
	{ "address", 'A', KT_DOMAINLIST, K_REPEAT, NULL,
	    "/DOMAIN[/DOMAIN...]/[ADDR|#]", 0, 0, 0, 0, set_address,
	    print_address, "answer A or AAAA queries in DOMAIN with ADDR "
	    "(#: 0.0.0.0 and ::, nothing: NXDOMAIN); other types are "
	    "forwarded (repeatable)" },
	{ "rev-server", 0, KT_SERVER, K_REPEAT | K_NODEFAULT | K_NOPRINT, NULL,
	    "ADDR[/PREFIX][,SERVER[#PORT][@...]]", 0, 0, 0, 0, set_rev_server,
	    print_as_server, "server= for the reverse zone of ADDR/PREFIX "
	    "(repeatable)" },
	{ "rebind-domain-ok", 0, KT_DOMAINLIST, K_REPEAT, NULL,
	    "DOMAIN|/DOMAIN[/DOMAIN...]/", 0, 0, 0, 0, set_rebind_domain_ok,
	    print_domain_flag, "exempt these domains from stop-dns-rebind "
	    "(repeatable)" },

	/* ---- hosts files and records (config_hosts.c) ---- */
	{ "no-hosts", 0, KT_FLAG, 0, NULL, NULL, F(no_hosts), 0, 0,
	    NULL, NULL, "do not read /etc/hosts" },
	{ "addn-hosts", 'H', KT_STRING, K_REPEAT, NULL, "FILE|DIR", 0, 0, 0,
	    0, set_hosts_path, print_hosts_list,
	    "also read this hosts file, or every file in this directory "
	    "(repeatable)" },
	{ "hostsdir", 0, KT_STRING, K_REPEAT, NULL, "DIR", 0, 0, 0, 0,
	    set_hosts_path, print_hosts_list,
	    "read every hosts file in DIR, and again when they change "
	    "(repeatable)" },
	{ "domain", 's', KT_STRING, 0, NULL, "DOMAIN", F(domain), 0, 0,
	    set_hosts_domain, NULL, "the local domain, for expand-hosts" },
	{ "expand-hosts", 'E', KT_FLAG, 0, NULL, NULL, F(expand_hosts), 0, 0,
	    NULL, NULL, "add domain to the plain names of hosts files" },
	{ "host-record", 0, KT_STRING, K_REPEAT, NULL,
	    "NAME[,NAME...],[IPv4],[IPv6][,TTL]", 0, 0, 0, 0,
	    set_hosts_record, print_hosts_record,
	    "A, AAAA and PTR records (repeatable)" },
	{ "cname", 0, KT_STRING, K_REPEAT, NULL,
	    "ALIAS[,ALIAS...],TARGET[,TTL]", 0, 0, 0, 0, set_hosts_record,
	    print_hosts_record, "a CNAME record (repeatable)" },
	{ "txt-record", 0, KT_STRING, K_REPEAT | K_QUOTES, NULL,
	    "NAME[,\"TEXT\"...]", 0, 0, 0, 0, set_hosts_record,
	    print_hosts_record, "a TXT record (repeatable)" },
	{ "ptr-record", 0, KT_STRING, K_REPEAT, NULL, "NAME[,TARGET]", 0, 0,
	    0, 0, set_hosts_record, print_hosts_record,
	    "a PTR record (repeatable)" },
	{ "srv-host", 'W', KT_STRING, K_REPEAT, NULL,
	    "_SERVICE._PROT.[DOMAIN],[TARGET[,PORT[,PRIORITY[,WEIGHT]]]]", 0,
	    0, 0, 0, set_hosts_record, print_hosts_record,
	    "an SRV record (repeatable)" },
	{ "mx-host", 'm', KT_STRING, K_REPEAT, NULL, "NAME[[,HOST],PREF]", 0,
	    0, 0, 0, set_hosts_record, print_hosts_record,
	    "an MX record (repeatable)" },
	{ "mx-target", 't', KT_STRING, 0, NULL, "HOST", F(mx_target), 0, 0,
	    set_hosts_name, NULL, "the host of mx-host= lines without one" },

	/* ---- where to listen (config_listen.c) ---- */
	{ "interface", 'i', KT_STRING, K_REPEAT, NULL, "NAME[,NAME...]",
	    0, 0, 0, 0, set_interface, print_interfaces,
	    "listen on every address of these interfaces, and of loopback; "
	    "a final '*' matches any rest (repeatable)" },
	{ "except-interface", 'I', KT_STRING, K_REPEAT, NULL,
	    "NAME[,NAME...]", 0, 0, 0, 0, set_interface, print_interfaces,
	    "never listen on these interfaces; without interface=: on all "
	    "the others (repeatable)" },
	{ "bind-interfaces", 'z', KT_FLAG, 0, NULL, NULL,
	    F(bind_interfaces), 0, 0, NULL, NULL,
	    "accepted: briskdns always binds each address on its own" },
	{ "bind-dynamic", 0, KT_FLAG, 0, NULL, NULL, F(bind_dynamic), 0, 0,
	    NULL, NULL, "also bind the addresses that appear later on a "
	    "matching interface, close those that go" },
	{ "local-service", 0, KT_STRING, K_OPTVALUE, NULL, "[net|host]",
	    F(local_service), 0, 0, set_local_service, print_local_service,
	    "answer only clients on directly attached networks (net, the "
	    "default) or on this host (host)" },
	{ "any-client", 0, KT_FLAG, 0, NULL, NULL, F(any_client), 0, 0,
	    NULL, NULL, "answer clients on any network (with a listen-address "
	    "beyond loopback and no interface=, only directly attached "
	    "networks are answered otherwise)" },
	{ "localise-queries", 'y', KT_FLAG, 0, NULL, NULL,
	    F(localise_queries), 0, 0, NULL, NULL,
	    "answer local names with the addresses on the subnet of the "
	    "interface the query was sent to" },

	/* ---- filtering and upstream keys (config_filter.c) ---- */
	{ "domain-needed", 'D', KT_FLAG, 0, NULL, NULL, F(domain_needed), 0,
	    0, NULL, print_filter_flag, "A and AAAA queries for plain names "
	    "(no dot) are answered NXDOMAIN, never forwarded" },
	{ "bogus-priv", 'b', KT_FLAG, 0, NULL, NULL, F(bogus_priv), 0, 0,
	    NULL, print_filter_flag, "reverse lookups of private ranges "
	    "(RFC 6303) are answered NXDOMAIN, never forwarded" },
	{ "bogus-nxdomain", 'B', KT_STRING, K_REPEAT, NULL, "ADDR[/PREFIX]",
	    F(bogus_nxdomain), 0, 0, set_bogus_nxdomain, print_filter_nets,
	    "an upstream answer with this address becomes NXDOMAIN "
	    "(repeatable)" },
	{ "ignore-address", 0, KT_STRING, K_REPEAT, NULL, "ADDR[/PREFIX]",
	    F(ignore_address), 0, 0, set_ignore_address, print_filter_nets,
	    "an upstream answer with this address is ignored, another one "
	    "is awaited (repeatable)" },
	{ "stop-dns-rebind", 0, KT_FLAG, 0, NULL, NULL, F(stop_dns_rebind), 0,
	    0, NULL, print_filter_flag, "upstream answers with private "
	    "addresses are emptied (logged)" },
	{ "rebind-localhost-ok", 0, KT_FLAG, 0, NULL, NULL,
	    F(rebind_localhost_ok), 0, 0, NULL, print_filter_flag,
	    "stop-dns-rebind lets 127.0.0.0/8, 0.0.0.0/8, ::1 and :: pass" },
	{ "no-negcache", 'N', KT_FLAG, 0, NULL, NULL, F(no_negcache), 0, 0,
	    NULL, print_filter_flag, "do not cache negative answers" },
	{ "filter-A", 0, KT_FLAG, K_NOPRINT, NULL, NULL, 0, 0, 0, 0,
	    set_filter_a, NULL, "A queries get the empty answer (the same as "
	    "filter-rr=A)" },
	{ "filter-rr", 0, KT_STRING, K_REPEAT, NULL, "TYPE[,TYPE...]",
	    F(filter_rr), 0, 0, set_filter_rr, print_filter_rr,
	    "queries of these types get the empty answer; AAAA: "
	    "aaaa-mode=empty (repeatable)" },
	{ "max-ttl", 0, KT_NUMBER, 0, NULL, "SECONDS", F(max_ttl), 0,
	    2147483647, NULL, print_filter_number,
	    "largest TTL handed to clients (the cache keeps the real one)" },
	{ "use-stale-cache", 0, KT_FLAG, K_OPTVALUE | K_NOPRINT, NULL,
	    "SECONDS", 0, 0, 0, 0, set_use_stale_cache, NULL,
	    "dnsmasq's name of serve-stale; no value: 86400, 0: the longest "
	    "(604800)" },
	{ "query-port", 'Q', KT_NUMBER, K_NOPRINT, NULL, "0", 0, 0, 0, 0,
	    set_query_port, NULL, "only 0 (a random port for each query, "
	    "the default); a fixed port is refused (RFC 5452)" },
	{ "min-port", 0, KT_NUMBER, 0, NULL, "PORT", F(min_port), 1, 65535,
	    NULL, print_filter_number, "lowest source port of queries to "
	    "upstream servers" },
	{ "max-port", 0, KT_NUMBER, 0, NULL, "PORT", F(max_port), 1, 65535,
	    NULL, print_filter_number, "highest source port of queries to "
	    "upstream servers" },

	/* ---- files and logging (config_files.c) ---- */
	{ "conf-dir", '7', KT_STRING, K_REPEAT, NULL,
	    "DIR[,.EXT...|,*.EXT...]", 0, 0, 0, 0, set_conf_dir,
	    print_conf_dir, "read the files of DIR, in name order, but "
	    "those ending in .EXT, or only those ending in EXT (repeatable)" },
	{ "servers-file", 0, KT_STRING, 0, NULL, "PATH", F(servers_file), 0,
	    0, set_servers_file, print_servers_file,
	    "read server= lines from this file (and again on SIGHUP)" },
	{ "no-poll", 'n', KT_FLAG, 0, NULL, NULL, F(no_poll), 0, 0, NULL,
	    NULL, "do not watch resolv-file for changes" },
	{ "clear-on-reload", 0, KT_FLAG, 0, NULL, NULL, F(clear_on_reload),
	    0, 0, NULL, NULL, "clear the cache when resolv-file changes" },
	{ "log-facility", '8', KT_STRING, 0, NULL, "FACILITY|FILE|-",
	    F(log_facility), 0, 0, set_log_facility, NULL,
	    "syslog facility (default daemon), or a file to append to "
	    "(a path with a /), or - for stderr" },
	{ "log-async", 0, KT_FLAG, K_OPTVALUE, NULL, "LINES", F(log_async), 0,
	    0, set_log_async, print_log_async,
	    "queue up to LINES log lines (default 5, at most 100) instead "
	    "of waiting for a slow log; 0: no queue at all (log-queries "
	    "otherwise has one of 1024 lines)" },
	{ "log-debug", 0, KT_FLAG, 0, NULL, NULL, F(log_debug), 0, 0, NULL,
	    NULL, "log debugging messages too" },

	/* ---- operations: control socket and metrics (config_ops.c) ---- */
	{ "control-socket", 0, KT_STRING, 0, NULL, "PATH", F(control_socket),
	    0, 0, set_control_socket, NULL, "Unix socket for briskdns-control "
	    "(mode 0660, the daemon's user and group); none: off" },
	{ "metrics-listen", 0, KT_STRING, 0, NULL, "ADDR:PORT",
	    F(metrics_listen), 0, 0, set_metrics_listen, NULL,
	    "serve Prometheus metrics over HTTP (GET /metrics) there; none: "
	    "off" },


	/* ---- dnsmasq keys with no effect (config_reject.c) ---- */
	{ "no-ident", 0, KT_FLAG, 0, NULL, NULL, F(no_ident), 0, 0, NULL,
	    NULL, "CHAOS queries (version.bind) get REFUSED, not briskdns's "
	    "name and version" },
	{ "domain-suffix", 0, KT_STRING, K_NOPRINT, NULL, "DOMAIN",
	    F(domain), 0, 0, set_hosts_domain, NULL,
	    "dnsmasq's old spelling of domain" },
	{ "cache-rr", 0, KT_STRING, K_OPTVALUE | K_REPEAT, NULL, "TYPE,...",
	    0, 0, 0, 0, set_noop, print_noop, "no effect: briskdns caches "
	    "answers of every record type already" },
	{ "no-round-robin", 0, KT_STRING, K_OPTVALUE, NULL, NULL, 0, 0, 1, 0,
	    set_noop, print_noop,
	    "no effect: briskdns does not reorder records" },
	{ "strip-mac", 0, KT_STRING, K_OPTVALUE, NULL, NULL, 0, 0, 2, 0,
	    set_noop, print_noop, "no effect: briskdns never forwards a "
	    "client's EDNS options (MAC)" },
	{ "strip-subnet", 0, KT_STRING, K_OPTVALUE, NULL, NULL, 0, 0, 3, 0,
	    set_noop, print_noop, "no effect: briskdns never forwards a "
	    "client's EDNS options (ECS)" },
	{ "fast-dns-retry", 0, KT_STRING, K_OPTVALUE, NULL, "[MS[,MS]]", 0,
	    0, 4, 0, set_noop, print_noop, "no effect: briskdns times "
	    "retransmissions per server from measured round-trip times" },
	{ "max-tcp-connections", 0, KT_STRING, K_OPTVALUE, NULL, "COUNT", 0,
	    0, 5, 0, set_noop, print_noop,
	    "no effect: briskdns bounds its TCP connections itself" },
	{ "port-limit", 0, KT_STRING, K_OPTVALUE, NULL, "COUNT", 0, 0, 6, 0,
	    set_noop, print_noop, "no effect: briskdns sends each upstream "
	    "query from a fresh random port (RFC 5452)" },
};
const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

int
set_flag(struct parse *p, const struct key *k, const char *v)
{
	*(int *)FIELD(p->cfg, k) = 1;
	return 0;
}

/* A number within the key's bounds, or -1 with the error reported. */
static int
key_number(struct parse *p, const struct key *k, const char *v,
    unsigned long *n)
{
	char	sb[SHOWBUF];

	if (parse_ulong(v, k->max, n) == -1 || *n < k->min) {
		kerr(p, k, "'%s' is not a number from %lu to %lu",
		    show(v, sb, sizeof(sb)), k->min, k->max);
		return -1;
	}
	return 0;
}

int
set_number(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	n;

	if (key_number(p, k, v, &n) == -1)
		return -1;
	if (k->type == KT_SIZE) {
		if (k->size != sizeof(size_t)) {
			kerr(p, k, "internal error: field size %zu", k->size);
			return -1;
		}
		*(size_t *)FIELD(p->cfg, k) = n;
		return 0;
	}
	switch (k->size) {
	case sizeof(uint16_t):
		*(uint16_t *)FIELD(p->cfg, k) = n;
		break;
	case sizeof(uint32_t):
		*(uint32_t *)FIELD(p->cfg, k) = n;
		break;
	default:
		kerr(p, k, "internal error: field size %zu", k->size);
		return -1;
	}
	return 0;
}

int
set_string(struct parse *p, const struct key *k, const char *v)
{
	char	**field = FIELD(p->cfg, k), *s;

	if ((s = strdup(v)) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	free(*field);
	*field = s;
	return 0;
}

/* Whether the print-back writes a string value in quotes, escaped. */
int
string_quoted(const char *s)
{
	return strpbrk(s, " #\"\\") != NULL;
}

/*
 * The length of the print-back line "key=value" of v, quoted and escaped
 * when quoted is set: it must fit CONFIG_MAX_LINE to read back.
 */
size_t
config_line_len(const struct key *k, const char *v, int quoted)
{
	size_t	 n = strlen(k->name) + 1 + strlen(v);

	if (quoted) {
		n += 2;
		for (; *v != '\0'; v++)
			if (*v == '"' || *v == '\\')
				n++;
	}
	return n;
}

int
set_path(struct parse *p, const struct key *k, const char *v)
{
	const char	*s;
	char		 sb[SHOWBUF];

	for (s = v; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s)) {
			kerr(p, k, "'%s' contains a control character",
			    show(v, sb, sizeof(sb)));
			return -1;
		}
	/* Escaped, it may be longer than the line that gave it. */
	if (config_line_len(k, v, string_quoted(v)) > CONFIG_MAX_LINE) {
		kerr(p, k, "'%s' is too long (the line %s=\"...\" would "
		    "exceed %d characters)", show(v, sb, sizeof(sb)), k->name,
		    CONFIG_MAX_LINE);
		return -1;
	}
	return set_string(p, k, v);
}

/* A user or group name: what useradd(8) accepts, more or less. */
int
set_name(struct parse *p, const struct key *k, const char *v)
{
	const char	*s;
	char		 sb[SHOWBUF];
	int		 ok = *v != '-' && strlen(v) <= 32;

	for (s = v; ok && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(isalnum(c) && c < 0x80) && c != '_' && c != '-' &&
		    c != '.' && !(c == '$' && s[1] == '\0'))
			ok = 0;
	}
	if (!ok) {
		kerr(p, k, "'%s' is not a valid %s name",
		    show(v, sb, sizeof(sb)), k->name);
		return -1;
	}
	return set_string(p, k, v);
}

int
set_listen(struct parse *p, const struct key *k, const char *v)
{
	struct config		*cfg = p->cfg;
	struct config_addr	*a;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	size_t			 i;
	char			 sb[SHOWBUF];

	if (strchr(v, '#') != NULL) {
		kerr(p, k, "'%s': a port is not allowed here, use port=",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	if (parse_host(v, &ss, &len) == -1) {
		kerr(p, k, "'%s' is not an IPv4 or IPv6 address",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	/* An address given twice (file and command line) is bound once. */
	for (i = 0; i < cfg->nlisten; i++)
		if (addr_equal(&cfg->listen[i].addr, &ss))
			return 0;
	if (cfg->nlisten >= CONFIG_MAX_LISTEN) {
		kerr(p, k, "more than %d addresses", CONFIG_MAX_LISTEN);
		return -1;
	}
	if ((a = grow(cfg->listen, cfg->nlisten, 1, sizeof(*a))) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	cfg->listen = a;
	a[cfg->nlisten].addr = ss;
	a[cfg->nlisten].addrlen = len;
	cfg->nlisten++;
	return 0;
}

/*
 * "/a/b/" of a server= or aaaa-forward= value: calls fn for each domain.
 * *rest is left at the text after the last '/'.  0 or -1 (reported).
 */
int
domains_parse(struct parse *p, const struct key *k, const char *v,
    const char **rest, struct config_domain **out, size_t *nout)
{
	const char		*last, *s, *e;
	char			 buf[DNS_MAXNAME * 4 + 1], sb[SHOWBUF];
	struct config_domain	*d;
	size_t			 n = 0, cap, len;

	*out = NULL;
	*nout = 0;
	last = strrchr(v, '/');
	if (*v != '/' || last == v) {
		kerr(p, k, "'%s': expected /DOMAIN/ at the start",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	/* At most one domain per two characters of the line. */
	cap = (size_t)(last - v) / 2 + 1;
	if ((d = calloc(cap, sizeof(*d))) == NULL) {
		kerr(p, k, "out of memory");
		return -1;
	}
	for (s = v + 1; s <= last && n < cap; s = e + 1) {
		e = strchr(s, '/');
		if ((size_t)(e - s) == 0) {
			kerr(p, k, "'%s': empty domain (dnsmasq's form for "
			    "unqualified names is not supported)",
			    show(v, sb, sizeof(sb)));
			free(d);
			return -1;
		}
		/* A name too long for buf is cut, and fails below. */
		len = (size_t)(e - s) < sizeof(buf) ? (size_t)(e - s) :
		    sizeof(buf) - 1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (len == sizeof(buf) - 1 ||
		    config_domain_from_text(buf, &d[n]) == -1) {
			kerr(p, k, "'%s' is not a valid domain",
			    show(buf, sb, sizeof(sb)));
			free(d);
			return -1;
		}
		n++;
		if (e == last)
			break;
	}
	*rest = last + 1;
	*out = d;
	*nout = n;
	return 0;
}

/* By enum aaaa_mode; "deadline" and "learn" are printed with their
 * ":MS", "after-a" with its ":MS" when not 0. */
const char *const aaaa_mode_names[AAAA_NMODES] = { "empty", "forward",
    "auto", "deadline", "after-a", "learn" };

/* The AAAA mode and its one MS (deadline, after-a, learn); the other
 * modes' MS fields are 0. */
void
config_set_aaaa_mode(struct config *cfg, enum aaaa_mode mode,
    unsigned int ms)
{
	cfg->aaaa_mode = mode;
	cfg->aaaa_deadline_ms = mode == AAAA_DEADLINE ? ms : 0;
	cfg->aaaa_after_a_ms = mode == AAAA_AFTER_A ? ms : 0;
	cfg->aaaa_learn_ms = mode == AAAA_LEARN ? ms : 0;
}

/*
 * empty, forward, auto, deadline:MS (MS 1 to CONFIG_MAX_DEADLINE),
 * after-a[:MS] (MS 0 to CONFIG_MAX_DEADLINE; after-a alone is 0) or
 * learn[:MS] (MS 1 to CONFIG_MAX_DEADLINE; learn alone is
 * CONFIG_LEARN_MS).  aaaa_deadline_ms is 0 unless the mode is deadline,
 * aaaa_after_a_ms 0 unless it is after-a, aaaa_learn_ms 0 unless learn.
 */
int
set_aaaa_mode(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	ms;
	size_t		i;
	char		sb[SHOWBUF];

	if (strncmp(v, "deadline", 8) == 0 && (v[8] == ':' || v[8] == '\0')) {
		if (v[8] != ':' || parse_ulong(v + 9, CONFIG_MAX_DEADLINE,
		    &ms) == -1 || ms < 1) {
			kerr(p, k, "'%s': expected deadline:MS, MS a number of "
			    "milliseconds from 1 to %d",
			    show(v, sb, sizeof(sb)), CONFIG_MAX_DEADLINE);
			return -1;
		}
		config_set_aaaa_mode(p->cfg, AAAA_DEADLINE, ms);
		return 0;
	}
	if (strncmp(v, "after-a:", 8) == 0) {
		if (parse_ulong(v + 8, CONFIG_MAX_DEADLINE, &ms) == -1) {
			kerr(p, k, "'%s': expected after-a:MS, MS a number of "
			    "milliseconds from 0 to %d",
			    show(v, sb, sizeof(sb)), CONFIG_MAX_DEADLINE);
			return -1;
		}
		config_set_aaaa_mode(p->cfg, AAAA_AFTER_A, ms);
		return 0;
	}
	if (strncmp(v, "learn", 5) == 0 && (v[5] == ':' || v[5] == '\0')) {
		ms = CONFIG_LEARN_MS;
		if (v[5] == ':' && (parse_ulong(v + 6, CONFIG_MAX_DEADLINE,
		    &ms) == -1 || ms < 1)) {
			kerr(p, k, "'%s': expected learn or learn:MS, MS a "
			    "number of milliseconds from 1 to %d",
			    show(v, sb, sizeof(sb)), CONFIG_MAX_DEADLINE);
			return -1;
		}
		config_set_aaaa_mode(p->cfg, AAAA_LEARN, ms);
		return 0;
	}
	for (i = 0; i < sizeof(aaaa_mode_names) / sizeof(*aaaa_mode_names);
	    i++)
		if (i != AAAA_DEADLINE && strcmp(v, aaaa_mode_names[i]) == 0) {
			config_set_aaaa_mode(p->cfg, (enum aaaa_mode)i, 0);
			return 0;
		}
	kerr(p, k, "'%s' is not one of empty, forward, auto, deadline:MS, "
	    "after-a[:MS], learn[:MS]", show(v, sb, sizeof(sb)));
	return -1;
}

int
set_filter_aaaa(struct parse *p, const struct key *k, const char *v)
{
	config_set_aaaa_mode(p->cfg, AAAA_EMPTY, 0);
	return 0;
}

/*
 * slow-types=TYPE[,TYPE...]: HTTPS, SVCB, 65, 64 (or TYPE65, TYPE64), in
 * any letter case; the last slow-types= replaces the earlier ones (the
 * command line the file's).  Other types are refused by name: what the
 * AAAA modes do to an answer is known for these only.
 */
int
set_slow_types(struct parse *p, const struct key *k, const char *v)
{
	static const struct {
		const char	*name;
		uint16_t	 type;
	} allowed[] = {
		{ "HTTPS", DNS_TYPE_HTTPS }, { "65", DNS_TYPE_HTTPS },
		{ "TYPE65", DNS_TYPE_HTTPS }, { "SVCB", DNS_TYPE_SVCB },
		{ "64", DNS_TYPE_SVCB }, { "TYPE64", DNS_TYPE_SVCB },
	};
	uint16_t	 types[CONFIG_MAX_SLOW_TYPES];
	size_t		 n = 0, i, j, len;
	const char	*s, *e;
	char		 sb[SHOWBUF], item[CONFIG_SHOW + 1];

	for (s = v;; s = e + 1) {
		e = strchr(s, ',');
		len = e != NULL ? (size_t)(e - s) : strlen(s);
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (strlen(allowed[i].name) == len &&
			    strncasecmp(s, allowed[i].name, len) == 0)
				break;
		if (i == sizeof(allowed) / sizeof(allowed[0])) {
			if (len >= sizeof(item))
				len = sizeof(item) - 1;
			memcpy(item, s, len);
			item[len] = '\0';
			kerr(p, k, "'%s' is not a slow type: HTTPS (65) and "
			    "SVCB (64) are", show(item, sb, sizeof(sb)));
			return -1;
		}
		for (j = 0; j < n && types[j] != allowed[i].type; j++)
			;
		if (j == n)
			types[n++] = allowed[i].type;
		if (e == NULL)
			break;
	}
	memcpy(p->cfg->slow_types, types, n * sizeof(types[0]));
	p->cfg->nslow_types = n;
	return 0;
}

/*
 * A queue number, 0 to 65535, into an int whose -1 means "off".  Parsed
 * in every build; config_finish rejects it without HAVE_NFQUEUE.
 */
int
set_nfqueue(struct parse *p, const struct key *k, const char *v)
{
	unsigned long	n;

	if (key_number(p, k, v, &n) == -1)
		return -1;
	p->cfg->nfqueue = (int)n;
	return 0;
}

int
set_nfqueue_rules(struct parse *p, const struct key *k, const char *v)
{
	char	sb[SHOWBUF];

	if (strcmp(v, "auto") == 0)
		p->cfg->nfqueue_rules_auto = 1;
	else if (strcmp(v, "none") == 0)
		p->cfg->nfqueue_rules_auto = 0;
	else {
		kerr(p, k, "'%s' is not one of auto, none",
		    show(v, sb, sizeof(sb)));
		return -1;
	}
	return 0;
}


/* conf-file=PATH in a file includes PATH; on the command line it chose. */
int
set_conf_file(struct parse *p, const struct key *k, const char *v)
{
	char	sb[SHOWBUF];

	if (p->file == NULL)
		return 0;	/* the command line: used to pick the file */
	if (p->depth + 1 > CONFIG_MAX_DEPTH) {
		kerr(p, k, "'%s': included more than %d levels deep",
		    show(v, sb, sizeof(sb)), CONFIG_MAX_DEPTH);
		return -1;
	}
	p->depth++;
	parse_file(p, v, 0);
	p->depth--;
	return 0;
}

