/*
 * config.h: the configuration, from /etc/briskdns.conf (dnsmasq syntax) and
 * the command line.
 *
 * One table of keys (config.c) drives the file parser, getopt_long, --help
 * and the print-back of --test.  The module is pure: it reads the files it
 * is told to read and does no other I/O; errors are collected in a
 * struct config_errors, never printed, so the caller decides (stderr before
 * start, the log on SIGHUP).
 *
 * Merging: file lines are applied first, command-line options after them,
 * so for a single-valued key the command line wins and the values of a
 * repeatable key (server, listen-address, aaaa-forward) are combined.
 */
#ifndef BRISKDNS_CONFIG_H
#define BRISKDNS_CONFIG_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct clientnet;
struct domtab;

#define CONFIG_DEFAULT_FILE	SYSCONFDIR "/briskdns.conf"

#define CONFIG_MAX_SLOW_TYPES	2	/* slow-types=: HTTPS, SVCB */

enum aaaa_mode {
	AAAA_EMPTY = 0,		/* answer locally, at once */
	AAAA_FORWARD,		/* forward like any other type */
	AAAA_AUTO,		/* EMPTY while no global IPv6 route, else FORWARD */
	AAAA_DEADLINE,		/* forward; empty after aaaa_deadline_ms */
	AAAA_AFTER_A,		/* forward; empty aaaa_after_a_ms after the A */
	AAAA_LEARN		/* forward; empty after aaaa_learn_ms from a server
				   learnt slow at AAAA (learn.h); EMPTY as AUTO */
};

/* local-service[=net|host] (dnsmasq). */
enum local_service {
	LOCAL_SERVICE_OFF = 0,
	LOCAL_SERVICE_NET,	/* clients on a directly attached network */
	LOCAL_SERVICE_HOST	/* clients on this host */
};

/* Whom the stub listener answers. */
enum client_scope {
	CLIENTS_ANY = 0,	/* whoever reaches a bound address */
	CLIENTS_NET,		/* directly attached networks (and the host) */
	CLIENTS_HOST		/* this host only */
};

/* A domain in wire form, lower-cased, with its length (root: "\0", 1). */
struct config_domain {
	uint8_t		 wire[255];
	size_t		 len;
};

enum server_kind {
	SERVER_ADDR = 0,	/* forward to addr */
	SERVER_LOCAL,		/* server=/dom/ : answered locally, NXDOMAIN */
	SERVER_DEFAULT		/* server=/dom/# : use the servers without domain */
};

/* One server= line, expanded: a /a/b/ADDR line becomes one entry per domain. */
struct config_server {
	enum server_kind	 kind;
	int			 has_domain;	/* 0: a default upstream */
	struct config_domain	 domain;
	struct sockaddr_storage	 addr;		/* port filled in (53 default) */
	socklen_t		 addrlen;
	int			 from_resolv;	/* came from resolv-file */
	/* ADDR@INTERFACE and ADDR@SOURCE (dnsmasq; a #PORT is refused):
	 * how queries to this server leave; "" and family AF_UNSPEC: as
	 * the kernel routes. */
	char			 ifname[16];	/* IF_NAMESIZE */
	struct sockaddr_storage	 source;	/* port 0: any */
	socklen_t		 sourcelen;
	int			 from_cmdline;	/* errors name the option */
};

/* log-queries[=extra|proto] (dnsmasq); 0: off. */
#define LOG_QUERIES_ON		1
#define LOG_QUERIES_EXTRA	2	/* serial and client address first */
#define LOG_QUERIES_PROTO	3	/* dnsmasq 2.90: the same as ON */

#define CONFIG_LOG_ASYNC_DEFAULT	5	/* log-async without a value */
#define CONFIG_LOG_ASYNC_MAX		100	/* larger values: this */
/* log-queries without log-async: the queue's lines (main.c). */
#define CONFIG_LOG_QUERIES_QUEUE	1024

struct config_addr {
	struct sockaddr_storage	 addr;		/* port 0: the listener sets it */
	socklen_t		 addrlen;
};

/* A record key's value as given (canonical text), in order. */
struct config_record {
	const char		*key;		/* the key's name (static) */
	char			*value;
};

struct hosts;

/* ADDR[/PREFIX] of bogus-nxdomain= and ignore-address=. */
struct config_net {
	int			 family;	/* AF_INET or AF_INET6 */
	uint8_t			 addr[16];	/* network order, host bits 0 */
	unsigned int		 prefix;	/* 0-32 or 0-128 */
};

struct config {
	char			*conf_file;	/* NULL: default, missing is fine */
	int			 conf_file_given;
	int			 test;
	int			 no_daemon;
	int			 keep_in_foreground;
	uint16_t		 port;		/* 0: no stub listener */
	struct config_addr	*listen;	/* default 127.0.0.1 and ::1 */
	size_t			 nlisten;
	int			 listen_default; /* listen is the default */
	struct config_server	*servers;	/* server= lines, in order */
	size_t			 nservers;
	char			*resolv_file;
	int			 no_resolv;
	int			 strict_order;
	int			 all_servers;
	unsigned int		 dns_forward_max;
	enum aaaa_mode		 aaaa_mode;
	unsigned int		 aaaa_deadline_ms;	/* deadline:MS, 1-60000 */
	unsigned int		 aaaa_after_a_ms;	/* after-a:MS, 0-60000 */
	unsigned int		 aaaa_learn_ms;		/* learn:MS, 1-60000 */
	/* slow-types=: query types that get an AAAA query's treatment from
	 * aaaa-mode, aaaa-empty= and aaaa-forward= (policy.c). */
	uint16_t		 slow_types[CONFIG_MAX_SLOW_TYPES];
	size_t			 nslow_types;
	uint32_t		 local_ttl;
	uint16_t		 edns_packet_max; /* bytes, 512-4096 */
	size_t			 cache_size;	/* entries; 0: no cache */
	uint32_t		 neg_ttl;	/* 0: not set (no SOA: not cached) */
	uint32_t		 min_cache_ttl;
	uint32_t		 max_cache_ttl;
	uint32_t		 serve_stale;	/* seconds past expiry; 0: off */
	int			 prefetch;
	int			 nfqueue;	/* queue number; -1: no interception */
	uint16_t		 nfqueue_port;	/* default 53 */
	int			 nfqueue_rules_auto; /* nfqueue-rules=auto (default) */
	int			 log_queries;	/* LOG_QUERIES_* */
	char			*pid_file;
	char			*user;
	char			*group;

	/* ---- local answers: domain rules and records (config_local.c) */
	/* server=/d/, local=, address=, rev-server=, aaaa-forward=,
	 * rebind-domain-ok=: read-only once loaded (domtab.h); NULL: none.
	 * A server=/d/ADDR rule's route is its index + 1 in servers. */
	struct domtab		*domains;

	/* ---- hosts files and records (config_hosts.c) ---- */
	int			 no_hosts;	/* do not read /etc/hosts */
	char			**addn_hosts;	/* files or directories */
	size_t			 naddn_hosts;
	char			**hostsdir;	/* watched directories */
	size_t			 nhostsdir;
	char			*domain;	/* domain=, for expand-hosts */
	int			 expand_hosts;
	char			*mx_target;
	struct config_record	*records;	/* host-record=, cname=... */
	size_t			 nrecords;
	/* Built at the end of a load, immutable (hosts.h): the records,
	 * /etc/hosts and addn-hosts; and the hostsdir= files, which the
	 * daemon replaces whole when the directories change. */
	struct hosts		*hosts;
	struct hosts		*hosts_dir;

	/* ---- where to listen (config_listen.c) ---- */
	char			**interfaces;	/* interface=; "eth*": prefix */
	size_t			 ninterfaces;
	char			**except_interfaces; /* except-interface= */
	size_t			 nexcept_interfaces;
	int			 bind_interfaces; /* accepted: always so */
	int			 bind_dynamic;	/* follow interface addresses */
	enum local_service	 local_service;	/* as given */
	int			 any_client;	/* no default restriction */
	int			 localise_queries;
	/* Who is answered, decided from the above (listen_finish()). */
	enum client_scope	 clients;
	int			 clients_default; /* the default made it NET */
	int			 local_service_ignored; /* as dnsmasq */

	/* ---- filtering and upstream keys (config_filter.c) ---- */
	int			 domain_needed;
	int			 bogus_priv;
	struct config_net	*bogus_nxdomain;
	size_t			 nbogus_nxdomain;
	struct config_net	*ignore_address;
	size_t			 nignore_address;
	int			 stop_dns_rebind;
	int			 rebind_localhost_ok;
	int			 no_negcache;
	uint16_t		*filter_rr;	/* query types answered empty */
	size_t			 nfilter_rr;
	uint32_t		 max_ttl;	/* to clients; 0: not set */
	uint16_t		 min_port;	/* upstream source ports; */
	uint16_t		 max_port;	/* 0, 0: the kernel's choice */

	/* ---- files and logging (config_files.c) ---- */
	char			**conf_dirs;	/* conf-dir values, as given */
	size_t			 nconf_dirs;
	char			*servers_file;	/* server= lines only */
	int			 no_poll;	/* do not watch resolv-file */
	int			 clear_on_reload; /* resolv-file change: clear */
	char			*log_facility;	/* NULL: daemon (syslog) */
	unsigned int		 log_async;	/* queued lines; 0: off */
	int			 log_async_off;	/* log-async=0 given: no
						 * queue even for log-queries */
	int			 log_debug;	/* log_debug() lines too */

	/* ---- operations: control socket and metrics (config_ops.c) ---- */
	char			*control_socket; /* absolute path; NULL: off */
	char			*metrics_listen; /* as given; NULL: off */
	struct sockaddr_storage	 metrics_addr;	/* parsed metrics_listen */
	socklen_t		 metrics_addrlen;

	/* ---- dnsmasq keys with no effect (config_reject.c) ---- */
	int			 no_ident;	/* CHAOS queries: REFUSED */
	uint32_t		 noop_given;	/* keys accepted, no effect */

	/* ---- per-client AAAA rules (config_client.c) ---- */
	/* aaaa-forward-client=, aaaa-empty-client=: read-only once loaded
	 * (clientnet.h); NULL: none. */
	struct clientnet	*aaaa_clients;
};

/* Errors, each a full line: "file:line: what" or "option --key: what". */
struct config_errors {
	char			**msg;
	size_t			 n;
};

/* The command line, kept so that SIGHUP can apply it again on top. */
struct config_args;

/*
 * Parse argv (getopt_long over the key table).  Fills *args; "--help" and
 * "--version" set *action.  Returns 0, or -1 with errors in *errs.
 */
enum config_action { CONFIG_RUN = 0, CONFIG_HELP, CONFIG_VERSION };
int	config_args_parse(int argc, char *argv[], struct config_args **args,
	    enum config_action *action, struct config_errors *errs);
void	config_args_free(struct config_args *);
/*
 * Make the paths given on the command line (conf-file, resolv-file,
 * pid-file) absolute against cwd: the daemon changes to "/" and SIGHUP
 * reads them again.  0, or -1 (out of memory).
 */
int	config_args_absolute(struct config_args *, const char *cwd);

/*
 * Build a configuration: defaults, then the file (args' conf-file, or the
 * default file, whose absence is no error), then args on top, then checks
 * across keys.  Returns NULL with every error in *errs.
 */
struct config	*config_load(const struct config_args *args,
		    struct config_errors *errs);
/* The same from a file path and no args (tests, fuzzing): NULL on errors. */
struct config	*config_load_file(const char *path, struct config_errors *errs);
/* The same from a buffer, errors named "name:line" (fuzzing). */
struct config	*config_load_buffer(const char *name, const char *buf,
		    size_t len, struct config_errors *errs);
void		 config_free(struct config *);

/* Print the effective configuration, one key=value a line, table order. */
void	config_print(FILE *, const struct config *);
/* --help text, from the table. */
void	config_usage(FILE *, const char *progname);

void	config_errors_clear(struct config_errors *);
void	config_errors_print(FILE *, const struct config_errors *);

/*
 * resolv-file: the nameserver lines, as SERVER_ADDR default servers with
 * from_resolv set, leaving out any address in `self` (briskdns's own
 * listen addresses on port 53).  Returns the count (0 is possible), or -1
 * if the file cannot be read.  *out is malloc'ed.
 */
int	config_read_resolv(const char *path, const struct config_addr *self,
	    size_t nself, uint16_t self_port, struct config_server **out);

/* Parse "ADDR[#PORT]" (port default 53).  0 or -1. */
int	config_parse_addr(const char *s, struct sockaddr_storage *,
	    socklen_t *);
/* Domain text to lower-cased wire form.  0 or -1. */
int	config_domain_from_text(const char *s, struct config_domain *);

/*
 * The table of the hostsdir= files, read again (NULL: no hostsdir, or out
 * of memory).  The daemon swaps it into cfg->hosts_dir when they change.
 */
struct hosts	*config_hosts_dir_load(const struct config *);
/* The hosts file read unless no-hosts: /etc/hosts (tests change it). */
extern const char *config_hosts_file;

/*
 * log-facility: the syslog facility (LOG_DAEMON, ...) of a name as
 * syslog.conf(5) spells it, in either case; -1 if it is none.
 */
int	config_log_facility(const char *name);

/*
 * SIGHUP: new takes old's interface=, except-interface=, bind-dynamic,
 * local-service and any-client (restart keys of config_listen.c).
 */
void	config_listen_keep(struct config *new, struct config *old);
/* SIGHUP: keep old's control-socket and metrics-listen (need a restart). */
void	config_ops_keep(struct config *new, struct config *old);

/*
 * The dnsmasq keys given that briskdns accepts with no effect: note(key,
 * why, arg) for each, for a line in the log at start.
 */
void	config_noop_notes(const struct config *,
	    void (*note)(const char *key, const char *why, void *), void *arg);

/* Keys that need a restart (SIGHUP keeps their old values). */
int	config_restart_keys_differ(const struct config *old,
	    const struct config *new, char *which, size_t whichlen);

#endif
