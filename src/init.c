/* quire init and quire new: a starter book (the files of assets/starter,
 * compiled in) and a new essay with its front matter. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"

extern const unsigned char asset_starter_collection[], asset_starter_first[],
    asset_starter_second[], asset_starter_figure[];
extern const size_t asset_starter_collection_len, asset_starter_first_len,
    asset_starter_second_len, asset_starter_figure_len;

static const struct {
	const char *name;
	const unsigned char *data;
	const size_t *len;
} starter[] = {
	{ "collection.yaml", asset_starter_collection,
	    &asset_starter_collection_len },
	{ "01-first-essay.md", asset_starter_first, &asset_starter_first_len },
	{ "02-second-essay.md", asset_starter_second,
	    &asset_starter_second_len },
	{ "images/figure.svg", asset_starter_figure,
	    &asset_starter_figure_len },
};

/* Writes a new file (never replacing one); 0, or -1 with errno set. */
static int
write_new(const char *path, const void *data, size_t len)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			unlink(path);
			errno = e;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0)
		return -1;
	return 0;
}

/* 1 when dir exists and holds anything, 0 when empty or missing, -1 when
 * it is not a folder. */
static int
has_files(const char *dir)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int any = 0;

	if (stat(dir, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode) || (d = opendir(dir)) == NULL)
		return -1;
	while (!any && (de = readdir(d)) != NULL)
		any = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return any;
}

/* mkdir -p */
static int
make_dirs(const char *dir)
{
	char *p = strdup(dir);
	int rc = 0;

	if (p == NULL)
		abort();
	for (char *s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			rc = -1;
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

int
cli_init(const char *dir)
{
	char path[4096];
	int h;

	if (*dir == '\0') {
		fprintf(stderr, "quire: error: init needs a folder's name\n");
		return QUIRE_EUSAGE;
	}
	h = has_files(dir);
	if (h != 0) {
		fprintf(stderr, "%s: error: %s\n", dir, h < 0 ? "not a folder" :
		    "the folder has files: quire init makes a new book in a "
		    "new or empty folder");
		return QUIRE_EINPUT;
	}
	snprintf(path, sizeof(path), "%s/images", dir);
	if (make_dirs(path) != 0) {
		fprintf(stderr, "%s: error: %s\n", path, strerror(errno));
		return QUIRE_ESYSTEM;
	}
	for (size_t i = 0; i < sizeof(starter) / sizeof(*starter); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    starter[i].name) >= sizeof(path) ||
		    write_new(path, starter[i].data, *starter[i].len) != 0) {
			fprintf(stderr, "%s: error: %s\n", path,
			    strerror(errno ? errno : ENAMETOOLONG));
			return QUIRE_ESYSTEM;
		}
		printf("%s\n", path);
	}
	fprintf(stderr, "quire: a new book in %s: edit it, then quire build "
	    "%s (or quire watch %s)\n", dir, dir, dir);
	return QUIRE_OK;
}

/* The file name of a title: lower-case ASCII letters and digits, words
 * joined by '-', other UTF-8 kept; "essay" when nothing is left. */
static char *
slug(const char *title)
{
	size_t n = strlen(title);
	char *s = malloc(n + 6), *p = s;

	if (s == NULL)
		abort();
	for (const unsigned char *t = (const unsigned char *)title; *t; t++) {
		if ((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') ||
		    *t >= 0x80)
			*p++ = (char)*t;
		else if (*t >= 'A' && *t <= 'Z')
			*p++ = (char)(*t - 'A' + 'a');
		else if (p > s && p[-1] != '-')
			*p++ = '-';
		if (p - s >= 80 && (t[1] & 0xc0) != 0x80)
			break;  /* long enough, not inside a character */
	}
	while (p > s && p[-1] == '-')
		p--;
	*p = '\0';
	if (*s == '\0')
		strcpy(s, "essay");
	return s;
}

int
cli_new(const char *title, const char *dir, long long epoch)
{
	char path[4096], date[16];
	struct stat st;
	struct tm tm;
	time_t t = epoch >= 0 ? (time_t)epoch : time(NULL);
	char *name, *text, *q;
	size_t len;
	int rc;

	if (*title == '\0' || *dir == '\0') {
		fprintf(stderr, "quire: error: new needs a title and a "
		    "folder\n");
		return QUIRE_EUSAGE;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: error: not a folder (quire init makes a "
		    "book)\n", dir);
		return QUIRE_EINPUT;
	}
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	name = slug(title);
	snprintf(path, sizeof(path), "%s/%s.md", dir, name);
	free(name);
	/* The title as a YAML double-quoted scalar. */
	q = malloc(2 * strlen(title) + 1);
	if (q == NULL)
		abort();
	len = 0;
	for (const char *c = title; *c; c++) {
		if (*c == '"' || *c == '\\')
			q[len++] = '\\';
		q[len++] = (*c == '\n' || *c == '\t') ? ' ' : *c;
	}
	q[len] = '\0';
	len = (size_t)snprintf(NULL, 0, "---\ntitle: \"%s\"\ndate: %s\n---\n\n"
	    "Write here.\n", q, date);
	text = malloc(len + 1);
	if (text == NULL)
		abort();
	snprintf(text, len + 1, "---\ntitle: \"%s\"\ndate: %s\n---\n\n"
	    "Write here.\n", q, date);
	free(q);
	rc = write_new(path, text, len);
	free(text);
	if (rc != 0) {
		int e = errno;

		fprintf(stderr, "%s: error: %s\n", path, e == EEXIST ?
		    "already there: quire new never replaces an essay" :
		    strerror(e));
		return e == EEXIST ? QUIRE_EINPUT : QUIRE_ESYSTEM;
	}
	printf("%s\n", path);
	return QUIRE_OK;
}
