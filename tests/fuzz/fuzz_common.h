/* fuzz_common.h: helpers shared by the libFuzzer harnesses (header-only, so
 * each target is a single translation unit). */
#ifndef QUIRE_FUZZ_COMMON_H
#define QUIRE_FUZZ_COMMON_H

#define _XOPEN_SOURCE 700  /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"

/* A 1x1 transparent PNG: a real image, so image references resolve and the
 * writers pack something. */
static const unsigned char fuzz_png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
	0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
	0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
	0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82
};

/* Writes len bytes to path; aborts on failure (a harness problem, not a
 * finding in quire). */
static inline void
fuzz_write_file(const char *path, const void *data, size_t len)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd == -1) {
		perror(path);
		abort();
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			perror(path);
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

static int
fuzz_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* rm -rf dir (never follows symbolic links). */
static inline void
fuzz_rm_tree(const char *dir)
{
	nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh folder /tmp/<prefix>-<pid>-XXXXXX in dir (PATH_MAX bytes).  A
 * sanitizer report ends the process without atexit handlers, so the
 * folders of a crashed run stay behind: fuzz_clean_stale removes those
 * whose process is gone. */
static inline void
fuzz_mkdtemp(char *dir, size_t size, const char *prefix)
{
	snprintf(dir, size, "/tmp/%s-%ld-XXXXXX", prefix, (long)getpid());
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

static inline void
fuzz_clean_stale(const char *prefix)
{
	size_t n = strlen(prefix);
	struct dirent *de;
	DIR *dp = opendir("/tmp");

	if (dp == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		char *end, path[4096];
		long pid;

		if (strncmp(de->d_name, prefix, n) != 0 || de->d_name[n] != '-')
			continue;
		pid = strtol(de->d_name + n + 1, &end, 10);
		if (end == de->d_name + n + 1 || *end != '-' || pid <= 0 ||
		    pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "/tmp/%s", de->d_name);
		fuzz_rm_tree(path);
	}
	closedir(dp);
}

/* The text as load.c hands it to the later stages: no BOM, LF line ends,
 * valid UTF-8 without NUL or other characters XML cannot carry (load.c's
 * normalise_text is static; this gives text of the same shape). */
static inline char *
fuzz_normalise(const uint8_t *data, size_t size, size_t *len)
{
	char *tmp = xmalloc(size + 1), *clean;
	size_t i = 0, n = 0;

	if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < size; i++) {
		if (data[i] == '\r') {
			tmp[n++] = '\n';
			if (i + 1 < size && data[i + 1] == '\n')
				i++;
		} else
			tmp[n++] = (char)data[i];
	}
	tmp[n] = '\0';
	clean = xml_clean(tmp, n);
	free(tmp);
	*len = strlen(clean);
	return clean;
}

#endif
