/* Atomic outputs: every file is written to a temporary file in the output
 * folder and flushed; only when all are complete are they renamed over the
 * old ones.  Any failure, or a signal, leaves the old outputs as they were
 * and no temporary file behind. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MAX_OUT 16

static char tmp_paths[MAX_OUT][4096];
static volatile sig_atomic_t ntmp;

static void
on_signal(int sig)
{
	for (sig_atomic_t i = 0; i < ntmp; i++)
		unlink(tmp_paths[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0777) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
cleanup(void)
{
	for (sig_atomic_t i = 0; i < ntmp; i++)
		unlink(tmp_paths[i]);
	ntmp = 0;
}

void
out_add(struct out_file *f, char *data, size_t len)
{
	GROW(f->parts, f->nparts);
	f->parts[f->nparts].data = data;
	f->parts[f->nparts].len = len;
	f->nparts++;
}

void
out_free(struct out_file *f)
{
	for (size_t i = 0; i < f->nparts; i++)
		free(f->parts[i].data);
	free(f->parts);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

int
write_outputs(const char *dir, struct out_file *f, size_t n,
    struct quire_diag *d)
{
	struct sigaction sa, old[3];
	const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	struct loc l = { dir, 0, 0 };
	int rc = -1, fd;

	if (n > MAX_OUT)
		return diag_syserr(d, &l, "too many outputs");
	if (mkdirs(dir) == -1)
		return diag_syserr(d, &l, "cannot create the output folder: "
		    "%s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	ntmp = 0;
	for (size_t i = 0; i < n; i++) {
		struct loc fl = { NULL, 0, 0 };
		char *final = path_join(dir, f[i].name);

		fl.path = final;
		snprintf(tmp_paths[i], sizeof(tmp_paths[i]),
		    "%s/.%s.tmp-XXXXXX", dir, f[i].name);
		if ((fd = mkstemp(tmp_paths[i])) == -1) {
			diag_syserr(d, &fl, "cannot write: %s",
			    strerror(errno));
			free(final);
			goto fail;
		}
		ntmp = (sig_atomic_t)(i + 1);
		for (size_t k = 0; k < f[i].nparts && fd != -1; k++)
			if (write_all(fd, f[i].parts[k].data,
			    f[i].parts[k].len) == -1) {
				diag_syserr(d, &fl, "cannot write: %s",
				    strerror(errno));
				close(fd);
				fd = -1;
			}
		if (fd == -1) {
			free(final);
			goto fail;
		}
		if (fsync(fd) == -1 || fchmod(fd, 0644) == -1) {
			diag_syserr(d, &fl, "cannot write: %s",
			    strerror(errno));
			close(fd);
			free(final);
			goto fail;
		}
		if (close(fd) == -1) {
			diag_syserr(d, &fl, "cannot write: %s",
			    strerror(errno));
			free(final);
			goto fail;
		}
		free(final);
	}
	for (size_t i = 0; i < n; i++) {
		char *final = path_join(dir, f[i].name);
		if (rename(tmp_paths[i], final) == -1) {
			struct loc fl = { final, 0, 0 };
			diag_syserr(d, &fl, "cannot replace: %s",
			    strerror(errno));
			free(final);
			goto fail;
		}
		tmp_paths[i][0] = '\0';
		free(final);
	}
	ntmp = 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
fail:
	cleanup();
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	return rc;
}
