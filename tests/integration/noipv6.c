/*
 * noipv6.c: an LD_PRELOAD shim that makes a process see a kernel booted
 * with ipv6.disable=1, where the IPv6 module is not loaded: every
 * socket(AF_INET6, ...) fails with EAFNOSUPPORT.  Built by test_hosts.py
 * with cc into a temporary directory.
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

int
socket(int domain, int type, int protocol)
{
	static int	(*real)(int, int, int);

	if (domain == AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (real == NULL)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(domain, type, protocol);
}
