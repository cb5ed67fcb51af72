/*
 * replay.c: run a fuzz target over files, without libFuzzer.
 *
 *   replay_query FILE|DIR...
 *
 * Directories are walked recursively (hidden entries skipped).  Each file
 * is read whole into a buffer of exactly its size, so a sanitizer sees any
 * read past the input.  Prints how many inputs ran; exits 0, or 1 if a
 * file cannot be read (a crash in the target ends the program anyway).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define REPLAY_MAXFILE	(1024 * 1024)
#define REPLAY_MAXDEPTH	16

static unsigned long	 replay_ran;
static int		 replay_failed;

static void
replay_file(const char *path, off_t size)
{
	FILE	*f;
	uint8_t	*buf;
	size_t	 n;

	if (size < 0 || size > REPLAY_MAXFILE) {
		fprintf(stderr, "%s: too large, skipped\n", path);
		return;
	}
	/* At least one byte so malloc(0) is no special case. */
	if ((buf = malloc(size > 0 ? (size_t)size : 1)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		replay_failed = 1;
		return;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		replay_failed = 1;
		free(buf);
		return;
	}
	n = fread(buf, 1, (size_t)size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	replay_ran++;
	free(buf);
}

static void
replay_path(const char *path, int depth)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 sub[PATH_MAX];

	if (stat(path, &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		replay_failed = 1;
		return;
	}
	if (S_ISREG(st.st_mode)) {
		replay_file(path, st.st_size);
		return;
	}
	if (!S_ISDIR(st.st_mode) || depth >= REPLAY_MAXDEPTH)
		return;
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		replay_failed = 1;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    de->d_name) >= sizeof(sub))
			continue;
		replay_path(sub, depth + 1);
	}
	closedir(d);
}

int
main(int argc, char *argv[])
{
	int	 i;

	for (i = 1; i < argc; i++)
		replay_path(argv[i], 0);
	printf("%s: %lu inputs ran\n", argc > 0 ? argv[0] : "replay",
	    replay_ran);
	return replay_failed ? 1 : 0;
}
