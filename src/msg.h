/*
 * msg.h: DNS messages on the wire.  The only code that reads raw bytes
 * from clients and upstreams.
 *
 * Queries are parsed by hand (the hot path): msg_parse_query() turns
 * untrusted bytes into a small validated struct query or a precise error.
 * Upstream answers are read by one record iterator (msg_iter_*): it alone
 * decides what an answer is, for msg_check_answer(), msg_finish_answer()
 * and the cache alike, so no component accepts what another rejects.  A
 * rewrite that removes a record re-emits the names after it (decompressed
 * and compressed again) instead of cutting bytes.  Every answer briskdns
 * makes itself is built here, in the caller's buffer; nothing allocates.
 *
 * All loops over packet data are bounded by the packet's length and by a
 * hop count for compression pointers.
 */
#ifndef BRISKDNS_MSG_H
#define BRISKDNS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "briskdns.h"

struct query {
	uint16_t	 id;
	uint16_t	 flags;			/* the query's header flags */
	uint16_t	 qtype;
	uint16_t	 qclass;
	uint8_t		 qname[DNS_MAXNAME];	/* wire form, lower-cased */
	uint8_t		 qname_case[DNS_MAXNAME]; /* as the client wrote it */
	size_t		 qname_len;		/* incl. the root label */
	int		 edns;			/* the query had an OPT RR */
	uint16_t	 edns_size;		/* its UDP size, at least 512 */
	int		 edns_do;		/* DO bit */
	/* The client's EDNS options are checked, never kept: none goes
	 * upstream (the cache and coalescing share answers). */
};

/*
 * A query longer than this is FORMERR (header permitting), over UDP or
 * TCP: a question and an OPT with options need no more.
 */
#define MSG_QUERY_MAX	4096

enum msg_status {
	MSG_OK = 0,
	MSG_DROP,		/* no readable header, or QR set: no answer */
	MSG_FORMERR,		/* header readable, rest malformed */
	MSG_NOTIMP,		/* opcode other than QUERY */
	MSG_BADVERS,		/* EDNS version other than 0 */
};

/*
 * Parse a query: header, exactly one question (QDCOUNT must be 1, ANCOUNT
 * and NSCOUNT 0), an optional single OPT RR in the additional section
 * (other additional records are skipped), at most MSG_QUERY_MAX bytes.
 */
enum msg_status	msg_parse_query(const uint8_t *pkt, size_t len,
		    struct query *q);

/*
 * edns-packet-max: the largest UDP answer sent to any client and the EDNS
 * size offered upstream and in briskdns's own OPT records.  Clamped to
 * [512, 4096]; DNS_EDNS_PACKET_MAX until set.
 */
void		msg_set_edns_max(size_t max);
size_t		msg_edns_max(void);

/* Largest UDP answer for the client: min(512 or its EDNS size, edns max). */
size_t		msg_udp_limit(const struct query *q);

/*
 * The answers briskdns makes itself.  Each returns the length written, or
 * 0 if buf is too small (DNS_MAXMSG always suffices; 512 suffices for all
 * but the largest names with EDNS).
 *
 * msg_reply_error: header echoing ID, opcode, RD and CD of pkt; QR and RA
 *   set; rcode; no question.  For MSG_FORMERR and MSG_NOTIMP, where no
 *   struct query exists.  pkt must have at least DNS_HDRLEN bytes.
 * msg_reply_rcode: rcode (SERVFAIL, REFUSED, BADVERS via MSG_BADVERS...)
 *   with the question echoed in the client's case, OPT if the query had
 *   EDNS.  ede: an Extended DNS Error code to add (with EDNS), or -1.
 * msg_reply_empty: the empty answer of INTERFACE.md: NOERROR (or
 *   NXDOMAIN), question echoed, SOA for the query name in the authority
 *   section with TTL and MINIMUM ttl, MNAME "localhost.", RNAME
 *   "nobody.invalid.", AA clear, RA set; EDE ede when the query had EDNS.
 */
size_t	msg_reply_error(const uint8_t *pkt, size_t len, int rcode,
	    uint8_t *buf, size_t bufsz);
size_t	msg_reply_rcode(const struct query *q, int rcode, int ede,
	    uint8_t *buf, size_t bufsz);
size_t	msg_reply_badvers(const struct query *q, uint8_t *buf, size_t bufsz);
size_t	msg_reply_empty(const struct query *q, int rcode, uint32_t ttl,
	    int ede, uint8_t *buf, size_t bufsz);

/*
 * The query briskdns sends upstream for q: ID id, the client's RD and CD,
 * AD set (RFC 6840 5.7: the upstream says whether it validated; the client
 * sees AD only if it asked), the question in lower case, an OPT RR
 * offering msg_edns_max() with the client's DO bit and no option (always
 * sent, whether or not the client used EDNS; msg_finish_answer strips it
 * again), unless flags has MSG_FWD_NOEDNS.  None of the client's options
 * goes upstream, as with unbound: ECS (RFC 7871), cookies and the like
 * are per client, and the answer is shared through cache and coalescing.
 * MSG_FWD_TCP: prefix the 2-byte length.  Returns the length, or 0 if buf
 * is too small.
 */
#define MSG_FWD_TCP	0x1	/* the 2-byte length prefix (TCP) */
#define MSG_FWD_NOEDNS	0x2	/* no OPT RR: an EDNS-intolerant server */
size_t	msg_build_forward(const struct query *q, uint16_t id, int flags,
	    uint8_t *buf, size_t bufsz);

/* What an upstream answer is, from msg_check_answer(). */
enum msg_answer {
	ANSWER_OK = 0,		/* well formed, matches */
	ANSWER_TRUNCATED,	/* matches, TC set: retry over TCP */
	ANSWER_MISMATCH,	/* ID or question do not match: spoof, drop */
	ANSWER_MALFORMED,	/* matches, but does not parse */
};

/*
 * Check an upstream answer to the query q sent with ID id: QR set, ID,
 * opcode QUERY, QDCOUNT 1 and the question equal to q's (name compared
 * without regard to case), then (unless TC) every record through the
 * record iterator; with an OPT that records follow, also that the OPT can
 * be removed for a plain client by re-emitting them within the answer's
 * length (not so when a name is made of the bytes of its own record).
 * *rcode gets the answer's rcode when the result is not MISMATCH.
 */
enum msg_answer	msg_check_answer(const uint8_t *ans, size_t len,
		    uint16_t id, const struct query *q, int *rcode);

/*
 * Turn a checked upstream answer into the client's answer, in place: the
 * client's ID and header bits (msg_answer_flags), the question in the
 * client's letter case, the OPT RR removed if the client had no EDNS (the
 * records after it re-emitted), and if the result is longer than limit,
 * truncated (header and question, plus OPT for an EDNS client, TC set).
 * Returns the new length (never more than len).
 */
size_t	msg_finish_answer(uint8_t *ans, size_t len, const struct query *q,
	    size_t limit);
/* The same, and an OPT RR added for an EDNS client whose answer came
 * without one (RFC 6891 6.1.1), in ans's buffer of bufsz bytes. */
size_t	msg_finish_answer_opt(uint8_t *ans, size_t len, size_t bufsz,
	    const struct query *q, size_t limit);

/*
 * Take the SvcParam key (RFC 9460: 6 is ipv6hint) out of every SVCB and
 * HTTPS record of a checked answer ans[0..len), in place.  The records
 * stay, their other SvcParams byte for byte, unknown keys included; key
 * also leaves a mandatory list (key 0) that names it, and a mandatory list
 * left empty goes.  Names are re-emitted (as when an OPT is removed), so
 * compression pointers stay right wherever the records move.  Where a
 * record changed, the RRSIGs of its RRset (same section, owner and type
 * covered) are dropped and AD is cleared: the signatures no longer match.
 * A record whose SvcParams do not parse (lengths that do not fit its
 * RDATA, an odd mandatory list) is left as it is.  Returns the new length
 * (at most max; ans's buffer must hold max bytes), or 0 if nothing was
 * taken out (or the answer does not fit max rewritten): ans is then
 * unchanged, byte for byte.
 */
#define MSG_SVC_IPV6HINT	6
size_t	msg_svc_strip(uint8_t *ans, size_t len, size_t max, uint16_t key);

/*
 * The header bits of an answer (upstream's or cached) as q's client gets
 * them: RD and CD echoed, RA set, AA clear (briskdns is no authority), AD
 * kept only if the client set AD or DO (RFC 6840 5.7-5.8).  The ID is
 * the caller's.
 */
void	msg_answer_flags(uint8_t *ans, const struct query *q);

/*
 * The record iterator: the one reader of an answer's records.  After
 * msg_iter_start() (header, QDCOUNT 1, an uncompressed question),
 * msg_iter_next() gives each record in order: 1, or 0 at the end of the
 * counted records, or -1 if the message is malformed from that record on
 * (the records before it stand).  Malformed: a name breaking the label or
 * length limits or with a compression pointer that does not point
 * strictly backwards, or not at a label start of a name read before it
 * (the question, an owner, or a name in the RDATA of a type that has
 * one: never into the header, TTLs or opaque RDATA, which rewrites and
 * the cache change), or leads to labels that do not lie wholly before
 * it (or more than 64 pointers), a record running past
 * len, an RDATA whose names (types of RFC 1035, RFC 3597 section 4, and
 * RRSIG, NSEC, SRV, NAPTR, DNAME...) do not fit its length exactly, an
 * OPT outside the additional section, not owned by the root, or a second
 * OPT (RFC 6891 6.1.1).  Bytes after the last counted record are
 * it->end's business, not an error.
 */
#define MSG_SEC_ANSWER		0
#define MSG_SEC_AUTHORITY	1
#define MSG_SEC_ADDITIONAL	2

struct msg_rr {
	int		 section;	/* MSG_SEC_* */
	size_t		 owner;		/* offset of the owner name */
	uint16_t	 type;
	uint16_t	 class;
	size_t		 ttl;		/* offset of the TTL field */
	size_t		 rdata;		/* offset of the RDATA */
	size_t		 rdlen;
	size_t		 end;		/* offset after the record */
};

#define MSG_MARKS	0x4000	/* offsets a compression pointer reaches */

struct msg_iter {
	const uint8_t	*pkt;
	size_t		 len;
	size_t		 qend;		/* after the question */
	size_t		 end;		/* after the last record read */
	int		 section;
	uint16_t	 left;		/* records left in the section */
	unsigned int	 nopt;
	size_t		 opt;		/* the OPT's offset, if nopt */
	size_t		 optend;
	uint8_t		 marks[MSG_MARKS / 8]; /* label starts of names read */
};

int	msg_iter_start(struct msg_iter *, const uint8_t *pkt, size_t len);
int	msg_iter_next(struct msg_iter *, struct msg_rr *);

/* How many records of type the answer section of a checked answer holds. */
unsigned int	msg_answer_count(const uint8_t *ans, size_t len, uint16_t type);

/* Helpers for logs: a wire name as text ("example.com."), a type name. */
void		 msg_name_text(const uint8_t *wire, size_t len, char *buf,
		    size_t bufsz);
const char	*msg_type_text(uint16_t type, char *buf, size_t bufsz);
const char	*msg_rcode_text(int rcode);
/*
 * Record rr of pkt (from msg_iter_next) as one line of zone-file text,
 * with ttl for its TTL ("name. TTL IN TYPE RDATA", RFC 3597's \# for
 * types not known here), no newline.  Its length, or 0 if it does not
 * fit bufsz or does not parse.  For dump-cache.
 */
size_t		 msg_rr_text(const uint8_t *pkt, size_t len,
		    const struct msg_rr *rr, uint32_t ttl, char *buf,
		    size_t bufsz);
/* The (possibly compressed) name at pkt[off], flat and lower-cased, into
 * out (DNS_MAXNAME bytes): its length, or 0 if malformed.  For logs. */
size_t		 msg_name_flat(const uint8_t *pkt, size_t len, size_t off,
		    uint8_t *out);

/*
 * Skip a (possibly compressed) name at pkt[off]; return the offset after
 * it, or 0 if malformed.  Shared by the parsers here and in tests.
 */
size_t	msg_skip_name(const uint8_t *pkt, size_t len, size_t off);

#endif
