/* The one way in to the content folder's files: a path relative to the
 * root, read only when it resolves inside the root. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book/book.h"

/* Reads rel (relative to the root) after checking that it resolves inside
 * the root; where: the place that asked for it (NULL: the file itself). */
int
read_inside(const struct book *bk, const char *rel, const struct loc *where,
    struct quire_diag *d, char **data, size_t *len, time_t *mtime)
{
	char *full = path_join(bk->root, rel), *real;
	struct loc fl = { full, 0, 0 };
	const struct loc *l = where ? where : &fl;
	size_t rn = strlen(bk->root_real);
	struct buf b = { 0 };
	struct stat st;
	ssize_t r;
	int fd = -1, rc = -1;

	if ((real = realpath(full, NULL)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = Q_ABSENT;
		else
			diag_errno(d, l, errno, "cannot read %s: %s", full,
			    strerror(errno));
		free(full);
		return rc;
	}
	if (strncmp(real, bk->root_real, rn) != 0 ||
	    (real[rn] != '/' && real[rn] != '\0')) {
		diag_error(d, l, "refusing %s: it resolves outside the "
		    "content folder", full);
		goto out;
	}
	/* O_NONBLOCK: a FIFO would block open() until someone writes to it;
	 * it is refused below like any other file that is not regular. */
	if ((fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
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
	if (fd != -1)
		close(fd);
	free(real);
	free(full);
	return rc;
}
