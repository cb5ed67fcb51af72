/*
 * qlog.c: the text of log-queries lines, in dnsmasq 2.90's shapes (see
 * qlog.h and briskdns.conf(5), log-queries).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "briskdns.h"
#include "msg.h"
#include "qlog.h"

void
qlog_name(const uint8_t *wire, size_t len, char *buf, size_t bufsz)
{
	size_t	 n;

	msg_name_text(wire, len, buf, bufsz);
	n = strlen(buf);
	if (n > 1 && buf[n - 1] == '.')
		buf[n - 1] = '\0';	/* dnsmasq writes no final dot */
}

const char *
qlog_nodata(uint16_t qtype)
{
	if (qtype == DNS_TYPE_A)
		return "NODATA-IPv4";
	if (qtype == DNS_TYPE_AAAA)
		return "NODATA-IPv6";
	return "NODATA";
}

/* A TXT record's first string, printable ASCII only ('?' for others). */
static void
txt_text(const uint8_t *rd, size_t rdlen, char *buf, size_t bufsz)
{
	size_t	 n = 0, i, l;

	if (rdlen > 0) {
		l = rd[0];
		if (l > rdlen - 1)
			l = rdlen - 1;
		for (i = 0; i < l && n + 1 < bufsz; i++)
			buf[n++] = rd[1 + i] >= 0x20 && rd[1 + i] < 0x7f ?
			    (char)rd[1 + i] : '?';
	}
	buf[n] = '\0';
}

/* The value of one answer record; *target set to a CNAME's target. */
static void
rr_value(const uint8_t *pkt, size_t len, const struct msg_rr *rr, int flags,
    char *buf, size_t bufsz, uint8_t *target, size_t *targetlen)
{
	uint8_t	 flat[DNS_MAXNAME];
	char	 tb[16];
	size_t	 n;

	switch (rr->type) {
	case DNS_TYPE_A:
		if (rr->rdlen == 4 && inet_ntop(AF_INET, pkt + rr->rdata, buf,
		    (socklen_t)bufsz) != NULL)
			return;
		break;
	case DNS_TYPE_AAAA:
		if (rr->rdlen == 16 && inet_ntop(AF_INET6, pkt + rr->rdata,
		    buf, (socklen_t)bufsz) != NULL)
			return;
		break;
	case DNS_TYPE_CNAME:
		if ((n = msg_name_flat(pkt, len, rr->rdata, flat)) > 0) {
			memcpy(target, flat, n);
			*targetlen = n;
		}
		break;
	case DNS_TYPE_PTR:
		if ((n = msg_name_flat(pkt, len, rr->rdata, flat)) > 0) {
			qlog_name(flat, n, buf, bufsz);
			return;
		}
		break;
	case DNS_TYPE_TXT:
		if (flags & QLOG_TXT_TEXT) {
			txt_text(pkt + rr->rdata, rr->rdlen, buf, bufsz);
			return;
		}
		break;
	}
	snprintf(buf, bufsz, "<%s>", msg_type_text(rr->type, tb, sizeof(tb)));
}

int
qlog_answer(const uint8_t *pkt, size_t len, uint16_t qtype, int flags,
    qlog_line_fn fn, void *arg)
{
	struct msg_iter	 it;
	struct msg_rr	 rr;
	uint8_t		 owner[DNS_MAXNAME], last[DNS_MAXNAME];
	size_t		 olen, lastlen;
	char		 name[QLOG_NAME], value[QLOG_VALUE];
	int		 rcode, n = 0, found = 0;

	if (len < DNS_HDRLEN)
		return 0;
	rcode = DNS_RCODE(pkt[3]);
	if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN) {
		fn(arg, "error", msg_rcode_text(rcode));
		return 1;
	}
	if (msg_iter_start(&it, pkt, len) == -1 ||
	    (lastlen = msg_name_flat(pkt, len, DNS_HDRLEN, last)) == 0)
		return 0;
	while (msg_iter_next(&it, &rr) == 1 &&
	    rr.section == MSG_SEC_ANSWER) {
		if (rr.type == DNS_TYPE_RRSIG)
			continue;
		if ((olen = msg_name_flat(pkt, len, rr.owner, owner)) == 0)
			break;
		if (rr.type == qtype || qtype == DNS_TYPE_ANY)
			found = 1;
		rr_value(pkt, len, &rr, flags, value, sizeof(value), last,
		    &lastlen);
		if (n < QLOG_MAX_LINES) {
			qlog_name(owner, olen, name, sizeof(name));
			fn(arg, name, value);
			n++;
		}
	}
	if (!found) {
		qlog_name(last, lastlen, name, sizeof(name));
		fn(arg, name, rcode == DNS_RCODE_NXDOMAIN ? "NXDOMAIN" :
		    qlog_nodata(qtype));
		n++;
	}
	return n;
}
