/* The one way in to the content folder's files: a path relative to the
 * root, read only when it resolves inside the root. */
#include <sys/stat.h>
#include <sys/syscall.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book/book.h"

/* Whether the file open at fd is inside root, by what the kernel says
 * it opened (not by its name); 1 when that cannot be told. */
static int
opened_inside(int fd, const char *root)
{
	char link[64], path[4096];
	size_t rn = strlen(root);
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 0)
		return 1;
	path[n] = '\0';
	return strncmp(path, root, rn) == 0 &&
	    (path[rn] == '/' || path[rn] == '\0');
}

/* rel opened beneath the root, O_NONBLOCK (a FIFO would block open()
 * until someone writes to it): with openat2 and RESOLVE_BENEATH the
 * kernel resolves every component, links included, and refuses any
 * step out of the root, so nothing swapped in after a check can lead
 * outside.  Without openat2 (ENOSYS, or EPERM under a filter): realpath,
 * open, and then the opened file itself is checked.  -1 with errno set;
 * EXDEV: it resolves outside the root. */
static int
open_beneath(const struct book *bk, const char *rel, const char *full)
{
	size_t rn = strlen(bk->root_real);
	char *real;
	int fd;
#ifdef SYS_openat2
	struct open_how how;
	int dfd, e;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	if ((dfd = open(bk->root_real, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	fd = (int)syscall(SYS_openat2, dfd, *rel ? rel : ".", &how,
	    sizeof(how));
	e = errno;
	close(dfd);
	if (fd != -1 || (e != ENOSYS && e != EPERM)) {
		errno = e;
		return fd;
	}
#endif
	if ((real = realpath(full, NULL)) == NULL)
		return -1;
	if (strncmp(real, bk->root_real, rn) != 0 ||
	    (real[rn] != '/' && real[rn] != '\0')) {
		free(real);
		errno = EXDEV;
		return -1;
	}
	fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	free(real);
	if (fd != -1 && !opened_inside(fd, bk->root_real)) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

/* Reads rel (relative to the root) when it resolves inside the root;
 * what is checked is the file opened.  where: the place that asked for
 * it (NULL: the file itself). */
int
read_inside(const struct book *bk, const char *rel, const struct loc *where,
    struct quire_diag *d, char **data, size_t *len, time_t *mtime)
{
	char *full = path_join(bk->root, rel);
	struct loc fl = { full, 0, 0 };
	const struct loc *l = where ? where : &fl;
	struct buf b = { 0 };
	struct stat st;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = open_beneath(bk, rel, full)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = Q_ABSENT;
		else if (errno == EXDEV)
			diag_error(d, l, "refusing %s: it resolves outside the "
			    "content folder", full);
		else
			diag_errno(d, l, errno, "cannot read %s: %s", full,
			    strerror(errno));
		free(full);
		return rc;
	}
	if (fstat(fd, &st) == -1) {
		diag_errno(d, l, errno, "cannot read %s: %s", full,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, l, "%s is not a regular file", full);
		goto out;
	}
	if ((uintmax_t)st.st_size > MAX_FILE) {
		diag_error(d, l, "%s is too large (%jd bytes; the limit is "
		    "%u MiB)", full, (intmax_t)st.st_size, MAX_FILE >> 20);
		goto out;
	}
	if (mtime)
		*mtime = st.st_mtime;
	buf_grow(&b, (size_t)st.st_size);
	for (;;) {
		buf_grow(&b, 65536);
		r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || b.len + (size_t)r > MAX_FILE) {
			diag_errno(d, l, r < 0 ? errno : 0, "cannot read %s: "
			    "%s", full, r < 0 ? strerror(errno) :
			    "file too large");
			buf_free(&b);
			goto out;
		}
		b.len += (size_t)r;
	}
	b.data[b.len] = '\0';
	*len = b.len;
	*data = buf_take(&b);
	rc = 0;
out:
	close(fd);
	free(full);
	return rc;
}
