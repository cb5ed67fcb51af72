/*
 * config_impl.h: what the parts of the configuration module share, and
 * nothing outside it includes.
 *
 *   config.c         the file and command-line readers, building a
 *                    configuration, the SIGHUP comparison
 *   config_keys.c    the key table (one table for file, command line,
 *                    --help and --test) and the setters of the general keys
 *   config_util.c    errors, value parsers, address and domain helpers
 *   config_print.c   the print-back of --test and --help
 *   config_resolv.c  resolv-file reading
 *
 * Setters of a group of keys live beside the group (config_keys.c for the
 * general ones); each is declared here under its group.
 */
#ifndef BRISKDNS_CONFIG_IMPL_H
#define BRISKDNS_CONFIG_IMPL_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define CONFIG_MAX_LINE		4096		/* characters, without newline */
/* A blocklist of a million address= lines is about 40 MB. */
#define CONFIG_MAX_FILE		(256 * 1024 * 1024) /* bytes in one file */
#define CONFIG_MAX_READ		(256 * 1024 * 1024) /* bytes in one load */
#define CONFIG_MAX_VALUES	(16 * 1024 * 1024) /* key lines in one load */
#define CONFIG_MAX_DEPTH	8		/* conf-file and conf-dir nesting */
#define CONFIG_MAX_DIR_FILES	1024		/* files read from one conf-dir */
#define CONFIG_MAX_DIR_ENTRIES	65536		/* conf-dir entries looked at,
						   in one load (nested
						   conf-dirs must not
						   multiply the work) */
#define CONFIG_MAX_SUFFIXES	16		/* conf-dir suffixes */
#define CONFIG_MAX_ERRORS	100		/* kept; one more says so */
#define CONFIG_MAX_LISTEN	256		/* listen-address values */
#define CONFIG_MAX_RESOLV	16		/* nameservers from resolv.conf */
#define CONFIG_MAX_RESOLV_FILE	(64 * 1024)
#define CONFIG_SHOW		60		/* characters of a value in errors */
#define CONFIG_MAX_CACHE	10000000	/* cache-size entries */
#define CONFIG_MAX_TTL		604800		/* cache TTLs: 7 days (RFC 8767) */
#define CONFIG_MAX_DEADLINE	60000		/* aaaa-mode=deadline:MS */
#define CONFIG_LEARN_MS		250		/* aaaa-mode=learn's MS */

enum key_type {
	KT_FLAG,		/* no value */
	KT_NUMBER,		/* decimal, min..max, in a uint16_t or uint32_t */
	KT_SIZE,		/* decimal, min..max, in a size_t */
	KT_STRING,		/* a path or a name */
	KT_ADDRESS,		/* an IPv4 or IPv6 address, no port */
	KT_SERVER,		/* server= syntax */
	KT_DOMAINLIST		/* /DOMAIN[/DOMAIN...]/ */
};

#define K_REPEAT	0x01	/* values accumulate */
#define K_CMDLINE	0x02	/* only on the command line */
#define K_NOPRINT	0x04	/* not in the print-back */
#define K_NODEFAULT	0x08	/* def is descriptive, not applied */
#define K_OPTVALUE	0x10	/* a value may be given, or none (v NULL) */
#define K_QUOTES	0x20	/* file values keep their double quotes */

struct parse;
struct key;

typedef int	(*key_set_fn)(struct parse *, const struct key *, const char *);
typedef void	(*key_print_fn)(FILE *, const struct config *, const struct key *);

struct key {
	const char	*name;
	int		 shortopt;	/* 0: long option only */
	enum key_type	 type;
	int		 flags;
	const char	*def;		/* as shown by --help; NULL: none */
	const char	*arg;		/* metavariable for --help */
	size_t		 off;		/* the field in struct config */
	size_t		 size;		/* its size (numbers) */
	unsigned long	 min, max;	/* numbers */
	key_set_fn	 set;		/* NULL: by type */
	key_print_fn	 print;		/* NULL: by type */
	const char	*help;
};

/* Where values come from while a configuration is built. */
struct parse {
	struct config		*cfg;
	struct config_errors	*errs;
	const char		*file;	/* NULL: the command line */
	unsigned long		 line;
	int			 depth;	/* conf-file nesting, 0: top */
	size_t			 nvalues;
	size_t			 nread;
	size_t			 ndirents; /* conf-dir entries looked at */
	size_t			 nerr;	/* errors, kept or not */
	int			 stop;	/* a bound was hit: read no more */
	int			 args_only; /* config_args_parse: read no file */
	const char *const	*only;	/* NULL, or the keys a file may hold */
	char			 servers_file_at[128]; /* "file:line: " */
};

/* The command line, in order, to apply again on SIGHUP. */
struct config_arg {
	int	 key;		/* index in config_keys[] */
	char	*value;		/* NULL for a flag */
};

struct config_args {
	struct config_arg	*v;
	size_t			 n;
};

#define FIELD(cfg, k)	((void *)((char *)(cfg) + (k)->off))


/* The key table, in the order of --help and the print-back. */
extern const struct key	 config_keys[];
extern const size_t	 config_nkeys;
const struct key	*config_key_find(const char *name);
int			 config_key_apply(struct parse *, const struct key *,
			    const char *);

/* ---- errors (config_util.c) ---- */
void	errs_addline(struct parse *, const char *);
void	perr(struct parse *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
void	kerr(struct parse *, const struct key *, const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
const char *show(const char *, char *, size_t);
#define SHOWBUF	(CONFIG_SHOW * 4 + 8)

/* ---- values (config_util.c) ---- */
int	parse_ulong(const char *, unsigned long, unsigned long *);
int	parse_host(const char *, struct sockaddr_storage *, socklen_t *);
int	parse_addr_port(const char *, struct sockaddr_storage *, socklen_t *,
	    const char **);
const char *domain_text(const struct config_domain *, char *, size_t);
const char *addr_text(const struct sockaddr_storage *, char *, size_t);
uint16_t addr_port(const struct sockaddr_storage *);
int	addr_equal(const struct sockaddr_storage *,
	    const struct sockaddr_storage *);
int	addr_is_any(const struct sockaddr_storage *);
int	addr_is_loopback(const struct sockaddr_storage *);
int	addr_is_self(const struct sockaddr_storage *, const struct config_addr *,
	    size_t);
void	*grow(void *, size_t, size_t, size_t);

/* ---- the file reader (config.c) ---- */
char	*read_file(const char *, size_t, size_t *, const char **);
void	 parse_file(struct parse *, const char *, int);
void	 parse_buffer(struct parse *, const char *, size_t);

/* ---- general keys (config_keys.c) ---- */
int	set_flag(struct parse *, const struct key *, const char *);
int	set_number(struct parse *, const struct key *, const char *);
int	set_string(struct parse *, const struct key *, const char *);
int	set_path(struct parse *, const struct key *, const char *);
int	set_name(struct parse *, const struct key *, const char *);
int	set_listen(struct parse *, const struct key *, const char *);
void	config_set_aaaa_mode(struct config *, enum aaaa_mode, unsigned int);
int	set_aaaa_mode(struct parse *, const struct key *, const char *);
int	set_filter_aaaa(struct parse *, const struct key *, const char *);
int	set_slow_types(struct parse *, const struct key *, const char *);
int	set_conf_file(struct parse *, const struct key *, const char *);
int	set_nfqueue(struct parse *, const struct key *, const char *);
int	set_nfqueue_rules(struct parse *, const struct key *, const char *);
int	domains_parse(struct parse *, const struct key *, const char *,
	    const char **, struct config_domain **, size_t *);
#define AAAA_NMODES	(AAAA_LEARN + 1)
extern const char *const aaaa_mode_names[AAAA_NMODES];
int	string_quoted(const char *);
size_t	config_line_len(const struct key *, const char *, int);

/* ---- print-back (config_print.c) ---- */
void	print_conf_file(FILE *, const struct config *, const struct key *);
void	print_aaaa_mode(FILE *, const struct config *, const struct key *);
void	print_slow_types(FILE *, const struct config *, const struct key *);
void	print_unset_zero(FILE *, const struct config *, const struct key *);
void	print_nfqueue(FILE *, const struct config *, const struct key *);
void	print_nfqueue_rules(FILE *, const struct config *, const struct key *);

/* ---- local answers: domain rules and records (config_local.c) ---- */
int	set_server(struct parse *, const struct key *, const char *);
int	set_address(struct parse *, const struct key *, const char *);
int	set_rev_server(struct parse *, const struct key *, const char *);
int	set_aaaa_forward(struct parse *, const struct key *, const char *);
int	set_aaaa_empty(struct parse *, const struct key *, const char *);
int	set_rebind_domain_ok(struct parse *, const struct key *, const char *);
int	local_finish(struct parse *);
void	print_servers(FILE *, const struct config *, const struct key *);
void	print_as_server(FILE *, const struct config *, const struct key *);
void	print_address(FILE *, const struct config *, const struct key *);
void	print_domain_flag(FILE *, const struct config *, const struct key *);

/* ---- hosts files and records (config_hosts.c) ---- */
int	set_hosts_path(struct parse *, const struct key *, const char *);
int	set_hosts_record(struct parse *, const struct key *, const char *);
int	set_hosts_domain(struct parse *, const struct key *, const char *);
int	set_hosts_name(struct parse *, const struct key *, const char *);
void	print_hosts_list(FILE *, const struct config *, const struct key *);
void	print_hosts_record(FILE *, const struct config *, const struct key *);
void	config_hosts_build(struct parse *, int files);
void	config_hosts_free(struct config *);

/* ---- where to listen (config_listen.c) ---- */
#define CONFIG_MAX_INTERFACES	256	/* interface=, except-interface= */
int	set_listen_list(struct parse *, const struct key *, const char *);
int	set_interface(struct parse *, const struct key *, const char *);
int	set_local_service(struct parse *, const struct key *, const char *);
void	print_interfaces(FILE *, const struct config *, const struct key *);
void	print_local_service(FILE *, const struct config *, const struct key *);
int	listen_by_interface(const struct config *);
void	listen_finish(struct parse *);
void	listen_free(struct config *);
int	listen_keys_differ(const struct config *, const struct config *,
	    const char **names, size_t max);

/* ---- filtering and upstream keys (config_filter.c) ---- */
#define CONFIG_MAX_NETS		4096	/* bogus-nxdomain, ignore-address */
#define CONFIG_MAX_FILTER_RR	256	/* distinct filter-rr types */
int	set_bogus_nxdomain(struct parse *, const struct key *, const char *);
int	set_ignore_address(struct parse *, const struct key *, const char *);
int	set_filter_a(struct parse *, const struct key *, const char *);
int	set_filter_rr(struct parse *, const struct key *, const char *);
int	set_use_stale_cache(struct parse *, const struct key *, const char *);
int	set_query_port(struct parse *, const struct key *, const char *);
void	print_filter_flag(FILE *, const struct config *, const struct key *);
void	print_filter_nets(FILE *, const struct config *, const struct key *);
void	print_filter_rr(FILE *, const struct config *, const struct key *);
void	print_filter_number(FILE *, const struct config *, const struct key *);
void	filter_config_finish(struct parse *);
void	filter_config_free(struct config *);

/* ---- files and logging (config_files.c) ---- */
int	set_conf_dir(struct parse *, const struct key *, const char *);
int	set_servers_file(struct parse *, const struct key *, const char *);
int	set_log_facility(struct parse *, const struct key *, const char *);
int	set_log_async(struct parse *, const struct key *, const char *);
int	set_log_queries(struct parse *, const struct key *, const char *);
void	print_conf_dir(FILE *, const struct config *, const struct key *);
void	print_servers_file(FILE *, const struct config *, const struct key *);
void	print_log_async(FILE *, const struct config *, const struct key *);
void	print_log_queries(FILE *, const struct config *, const struct key *);
/* The reader of conf-dir (config.c): the files of dir, filtered, sorted. */
void	parse_dir(struct parse *, const struct key *, const char *dir,
	    char *const *skip, size_t nskip, char *const *match, size_t nmatch);
/* servers-file, read by config_finish once the last value is known. */
void	servers_file_read(struct parse *);

/* ---- operations: control socket and metrics (config_ops.c) ---- */
int	set_control_socket(struct parse *, const struct key *, const char *);
int	set_metrics_listen(struct parse *, const struct key *, const char *);
int	ops_keys_differ(const struct config *, const struct config *,
	    const char **names, size_t max);
void	ops_config_free(struct config *);

/* ---- keys outside briskdns's scope (config_reject.c) ---- */
struct reject {
	const char	*name;		/* dnsmasq's key */
	int		 shortopt;	/* dnsmasq's short option, 0: none */
	const char	*why;		/* one line: why briskdns refuses it */
};
extern const struct reject	 config_rejects[];
extern const size_t		 config_nrejects;
const struct reject	*config_reject_find(const char *);
const struct reject	*config_reject_find_short(int);
int	config_reject(struct parse *, const char *);
int	config_reject_short(struct parse *, int);
int	set_noop(struct parse *, const struct key *, const char *);
void	print_noop(FILE *, const struct config *, const struct key *);

/* ---- per-client AAAA rules (config_client.c) ---- */
int	set_aaaa_forward_client(struct parse *, const struct key *,
	    const char *);
int	set_aaaa_empty_client(struct parse *, const struct key *,
	    const char *);
void	print_aaaa_client(FILE *, const struct config *, const struct key *);

#endif
