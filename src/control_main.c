/*
 * control_main.c: briskdns-control, the client of the control socket
 * (control.h).  Sends one command line, copies the answer to standard
 * output but for its last line, the status: "OK" exits 0, "ERROR: why"
 * prints why on standard error and exits 1.  Usage errors and a socket
 * that cannot be reached (or an answer without a status) exit 2.
 *
 * The socket: -s PATH, else the control-socket= line of -c FILE
 * (default the installed configuration file; only that file is read,
 * not the files it includes).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define CTL_TIMEOUT_SEC	300	/* a reload of a huge configuration */
#define CTL_MAX_CMD	1024

static void
usage(void)
{
	fprintf(stderr, "usage: briskdns-control [-s SOCKET | -c CONFIG] "
	    "COMMAND [ARG]\n"
	    "commands: stats, status, flush [NAME], dump-cache, reload\n");
	exit(2);
}

/* The last control-socket= value of file; NULL if none. */
static char *
socket_from_config(const char *file)
{
	FILE	*f;
	char	*line = NULL, *found = NULL, *s, *e;
	size_t	 cap = 0;
	ssize_t	 n;

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "briskdns-control: %s: %s\n", file,
		    strerror(errno));
		exit(2);
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, "control-socket", 14) != 0)
			continue;
		s += 14;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '=')
			continue;
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' ||
		    e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s == '"' && e > s + 1 && e[-1] == '"') {
			*--e = '\0';
			s++;
		}
		free(found);
		found = strcmp(s, "none") == 0 ? NULL : strdup(s);
	}
	free(line);
	fclose(f);
	return found;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { CTL_TIMEOUT_SEC, 0 };
	const char		*sock = NULL, *conf = SYSCONFDIR "/briskdns.conf";
	char			 cmd[CTL_MAX_CMD + 2], *line = NULL, *last = NULL;
	char			*found = NULL;
	size_t			 cap = 0, len = 0;
	ssize_t			 n;
	FILE			*f;
	int			 ch, s, i;

	while ((ch = getopt(argc, argv, "c:hs:")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	cmd[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL ||
		    len + strlen(argv[i]) + 2 > sizeof(cmd)) {
			fprintf(stderr, "briskdns-control: command too "
			    "long\n");
			return 2;
		}
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%s",
		    i > 0 ? " " : "", argv[i]);
	}
	cmd[len++] = '\n';
	cmd[len] = '\0';

	if (sock == NULL) {
		if ((found = socket_from_config(conf)) == NULL) {
			fprintf(stderr, "briskdns-control: %s sets no "
			    "control-socket; give -s SOCKET\n", conf);
			return 2;
		}
		sock = found;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "briskdns-control: %s: name too long\n", sock);
		return 2;
	}
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "briskdns-control: %s: %s\n", sock,
		    strerror(errno));
		return 2;
	}
	(void)setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* A daemon that refuses (too many connections) may answer and
	 * close before the command is sent: read its answer anyway. */
	(void)send(s, cmd, len, MSG_NOSIGNAL);
	(void)shutdown(s, SHUT_WR);
	if ((f = fdopen(s, "r")) == NULL) {
		fprintf(stderr, "briskdns-control: out of memory\n");
		return 2;
	}
	/* Every line but the last goes out as it comes. */
	while ((n = getline(&line, &cap, f)) != -1) {
		if (n == 0 || line[n - 1] != '\n')
			break;		/* cut short: no status */
		if (last != NULL) {
			fputs(last, stdout);
			free(last);
		}
		if ((last = strdup(line)) == NULL) {
			fprintf(stderr, "briskdns-control: out of memory\n");
			return 2;
		}
	}
	if (ferror(f) && last == NULL) {
		fprintf(stderr, "briskdns-control: %s: %s\n", sock,
		    strerror(errno));
		return 2;
	}
	fclose(f);
	free(line);
	free(found);
	if (fflush(stdout) == EOF)
		return 2;
	if (last != NULL && strcmp(last, "OK\n") == 0) {
		free(last);
		return 0;
	}
	if (last != NULL && strncmp(last, "ERROR: ", 7) == 0) {
		fprintf(stderr, "briskdns-control: %s", last + 7);
		free(last);
		return 1;
	}
	if (last != NULL)
		fputs(last, stdout);
	fprintf(stderr, "briskdns-control: the answer has no status line\n");
	free(last);
	return 2;
}
