/*
 * metrics.c: the Prometheus endpoint (metrics-listen=ADDR:PORT), on
 * libevent's evhttp.  GET (or HEAD) /metrics answers the statistics
 * registry in the text exposition format 0.0.4 (stats_format); any
 * other path is 404, any other method 405.  A scrape reads the
 * counters, it never resets them.
 *
 * Bounds: the socket is bound at start (before privileges are dropped,
 * so a port below 1024 works); evhttp closes a connection idle or stuck
 * for METRICS_TIMEOUT_SEC, takes headers up to METRICS_MAX_HEADERS bytes
 * and bodies up to METRICS_MAX_BODY; every answer closes its
 * connection.  libevent 2.1's evhttp has no bound on connections (2.2
 * has evhttp_set_max_connections), so the listener is paused for
 * the rest of a METRICS_TIMEOUT_SEC window once METRICS_MAX_CONNS
 * connections were accepted in it: at most that many are open at a
 * time, give or take one window (the rest wait in the kernel's
 * backlog).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "briskdns.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "stats.h"

static struct {
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct event			*window;	/* re-opens the door */
	unsigned int			 accepted;	/* in this window */
	int				 paused;
	uint64_t			 scrapes;
} mx;

static void
metrics_reply(struct evhttp_request *req)
{
	struct evbuffer	*body;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*f;

	if ((body = evbuffer_new()) == NULL ||
	    (f = open_memstream(&text, &len)) == NULL) {
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	mx.scrapes++;
	if (stats_format(f, 1) == -1) {
		fclose(f);
		free(text);
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	fclose(f);
	evbuffer_add(body, text, len);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

static void
metrics_request(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	const char		*path;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);

	(void)arg;
	evhttp_add_header(h, "Connection", "close");
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(h, "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	metrics_reply(req);
}

static void
metrics_window(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	mx.accepted = 0;
	if (mx.paused) {
		mx.paused = 0;
		evconnlistener_enable(evhttp_bound_socket_get_listener(
		    mx.bound));
	}
}

/* evhttp's hook for each new connection: counted against the window. */
static struct bufferevent *
metrics_newconn(struct event_base *base, void *arg)
{
	struct timeval	 tv = { METRICS_TIMEOUT_SEC, 0 };

	(void)arg;
	if (mx.accepted++ == 0)
		evtimer_add(mx.window, &tv);
	if (mx.accepted >= METRICS_MAX_CONNS && !mx.paused) {
		mx.paused = 1;
		evconnlistener_disable(evhttp_bound_socket_get_listener(
		    mx.bound));
	}
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

int
metrics_init(struct event_base *base, const struct config *conf)
{
	int	 s, one = 1;

	mx.base = base;
	if (conf->metrics_listen == NULL)
		return 0;
	if ((s = socket(conf->metrics_addr.ss_family, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("metrics-listen %s: socket", conf->metrics_listen);
		return -1;
	}
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (conf->metrics_addr.ss_family == AF_INET6)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(s, (const struct sockaddr *)&conf->metrics_addr,
	    conf->metrics_addrlen) == -1 || listen(s, 16) == -1) {
		log_warn("metrics-listen %s", conf->metrics_listen);
		close(s);
		return -1;
	}
	if ((mx.http = evhttp_new(base)) == NULL ||
	    (mx.window = evtimer_new(base, metrics_window, NULL)) == NULL ||
	    (mx.bound = evhttp_accept_socket_with_handle(mx.http, s)) ==
	    NULL) {
		log_warnx("metrics-listen %s: cannot serve HTTP",
		    conf->metrics_listen);
		close(s);
		return -1;
	}
	evhttp_set_timeout(mx.http, METRICS_TIMEOUT_SEC);
	evhttp_set_max_headers_size(mx.http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(mx.http, METRICS_MAX_BODY);
	evhttp_set_allowed_methods(mx.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(mx.http, metrics_newconn, NULL);
	evhttp_set_gencb(mx.http, metrics_request, NULL);
	log_info("metrics on http://%s/metrics", conf->metrics_listen);
	return 0;
}

void
metrics_shutdown(void)
{
	if (mx.http != NULL)
		evhttp_free(mx.http);	/* closes the socket */
	if (mx.window != NULL)
		event_free(mx.window);
	memset(&mx, 0, sizeof(mx));
}
