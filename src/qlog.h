/*
 * qlog.h: the text of log-queries lines, in dnsmasq 2.90's shapes.
 *
 * dnsmasq writes what became of a query as lines "WORD NAME is VALUE"
 * (WORD: reply, cached, config, a hosts file's path...), one per record
 * of the answer: an address, <CNAME>, a TXT record's text, <TYPE> for
 * other types; then, where the chain ends without a record of the
 * question's type, NXDOMAIN, NODATA-IPv4, NODATA-IPv6 or NODATA; an
 * answer that is neither NOERROR nor NXDOMAIN is "error is RCODE".
 * qlog_answer() walks an answer and hands each line's NAME and VALUE to
 * a callback: query.c adds the word and writes it.
 *
 * A pure module: no state, no allocation; the answer is untrusted (a
 * malformed one gives the lines read so far, then stops).
 */
#ifndef BRISKDNS_QLOG_H
#define BRISKDNS_QLOG_H

#include <stddef.h>
#include <stdint.h>

#define QLOG_NAME	1024	/* a name's text, escaped (msg_name_text) */
#define QLOG_VALUE	256	/* a value's text */
#define QLOG_MAX_LINES	64	/* records logged of one answer */

/* One line: NAME (no final dot, "." for the root) and VALUE. */
typedef void	(*qlog_line_fn)(void *arg, const char *name,
		    const char *value);

#define QLOG_TXT_TEXT	0x1	/* TXT: its text (upstream's), not <TXT> */

/*
 * The lines of the answer pkt[0..len) to a question of qtype: as above.
 * flags: QLOG_TXT_TEXT.  Returns the number of lines.
 */
int	qlog_answer(const uint8_t *pkt, size_t len, uint16_t qtype, int flags,
	    qlog_line_fn fn, void *arg);

/* "NODATA-IPv4" (A), "NODATA-IPv6" (AAAA) or "NODATA" (other types). */
const char	*qlog_nodata(uint16_t qtype);

/* A wire name (flat, len bytes) as dnsmasq writes it: no final dot. */
void	qlog_name(const uint8_t *wire, size_t len, char *buf, size_t bufsz);

#endif
