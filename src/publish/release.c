/* Releases: the ledger of every release built into an output folder
 * (releases.xml), what changed between consecutive ones, and the switch
 * that makes a release's books, ledger, page, catalog and sums appear
 * together or not at all.
 *
 * The folder's books are written once and never replaced.  The files that
 * change with every release (releases.xml, index.html, catalog.xml,
 * SHA256SUMS, SHA256SUMS.sig) live in a generation folder .quire/g-*;
 * .quire/current is a symbolic link to the generation in force, and the
 * names in the output folder are links through it.  A release writes its
 * books, then a new generation, then replaces .quire/current with one
 * rename(): a build killed at any moment leaves the last consistent set.
 * What a killed build left (temporary files, unfinished generations) is
 * removed by the next one. */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "publish/publish.h"
#include "private.h"

/* ---- the release being built ---- */

/* A release's own identifier: a name-based UUID from the book's and the
 * version (RFC 9562 version 8), the same at every build. */
static char *
release_uuid(const char *book, const char *version)
{
	char *seed = xasprintf("quire-release:%s:%s", book, version);
	char *u = uuid_v8(seed);

	free(seed);
	return u;
}

/* An out_file's size and digest, its parts inflated on the way. */

static void
add_file(struct release *r, const struct out_file *f, const char *role,
    const char *mime)
{
	struct rel_file *rf;

	GROW(r->files, r->nfiles);
	rf = &r->files[r->nfiles++];
	memset(rf, 0, sizeof(*rf));
	rf->name = xstrdup(f->name);
	rf->role = xstrdup(role);
	rf->mime = xstrdup(mime);
	out_digest(f, rf->sha, &rf->size);
}

static void
release_make(struct release *r, const struct book *b, const char *version,
    struct out_file *out, size_t nout, const struct out_file *cover,
    const char *cover_mime)
{
	memset(r, 0, sizeof(*r));
	r->version = xstrdup(version);
	r->date = iso_time(b->mtime);
	r->uuid = release_uuid(b->uuid, version);
	r->title = xstrdup(b->title);
	r->subtitle = b->subtitle ? xstrdup(b->subtitle) : NULL;
	r->description = b->description ? xstrdup(b->description) : NULL;
	r->lang = xstrdup(b->lang);
	for (size_t i = 0; i < b->authors.n; i++)
		strv_push(&r->authors, xstrdup(b->authors.v[i]));
	for (size_t i = 0; i < nout; i++) {
		int epub = path_has_ext(out[i].name, ".epub");
		add_file(r, &out[i], epub ? "epub" : "html",
		    epub ? "application/epub+zip" : "text/html");
	}
	add_file(r, cover, "cover", cover_mime);
	for (size_t i = 0; i < b->nessays; i++) {
		const struct essay *e = &b->essays[i];
		struct rel_essay *re;

		GROW(r->essays, r->nessays);
		re = &r->essays[r->nessays++];
		re->title = xstrdup(e->title ? e->title : e->rel);
		hex32(e->src_sha, re->sha);
		re->words = e->words;
	}
}

/* The essays of r by title (the first of each), as an index plus one. */
static void
titles(const struct release *r, struct idset *set)
{
	for (size_t i = 0; i < r->nessays; i++)
		if (idset_add(set, r->essays[i].title))
			*idset_val(set, r->essays[i].title) = i + 1;
}

static const struct rel_essay *
essay_titled(const struct release *r, const struct idset *set,
    const char *title)
{
	size_t *v = idset_val(set, title);

	return v ? &r->essays[*v - 1] : NULL;
}

static void
add_change(struct release *r, int kind, const char *title, long words,
    long delta)
{
	GROW(r->changes, r->nchanges);
	r->changes[r->nchanges++] = (struct rel_change){ kind,
	    xstrdup(title), words, delta };
}

/* What changed from prev to r: essays added and changed in r's order,
 * then those removed in prev's. */
static void
release_diff(struct release *r, const struct release *prev)
{
	struct idset now = { 0 }, before = { 0 };

	/* By title through an index: 40,000 essays are not compared with
	 * 40,000 each. */
	titles(r, &now);
	titles(prev, &before);
	for (size_t i = 0; i < r->nessays; i++) {
		const struct rel_essay *e = &r->essays[i];
		const struct rel_essay *p = essay_titled(prev, &before,
		    e->title);

		if (p == NULL)
			add_change(r, CH_ADDED, e->title, e->words, 0);
		else if (strcmp(p->sha, e->sha) != 0)
			add_change(r, CH_CHANGED, e->title, e->words,
			    e->words - p->words);
	}
	for (size_t i = 0; i < prev->nessays; i++)
		if (essay_titled(r, &now, prev->essays[i].title) == NULL)
			add_change(r, CH_REMOVED, prev->essays[i].title,
			    prev->essays[i].words, 0);
	idset_free(&now);
	idset_free(&before);
}

/* A published release against the same version built again: 0 when
 * every file is the same bytes, else -1 after naming each difference. */
static int
release_same(const struct release *old, const struct release *cur,
    const struct loc *l, struct quire_diag *d)
{
	struct idset was = { 0 }, now = { 0 };
	int rc = 0;

	for (size_t i = 0; i < cur->nfiles; i++) {
		const struct rel_file *f = &cur->files[i];
		const struct rel_file *o = NULL;

		for (size_t k = 0; k < old->nfiles; k++)
			if (strcmp(old->files[k].name, f->name) == 0)
				o = &old->files[k];
		if (o == NULL)
			rc = diag_error(d, l, "release %s is published without "
			    "%s", old->version, f->name);
		else if (strcmp(o->sha, f->sha) != 0)
			rc = diag_error(d, l, "release %s is published: %s "
			    "would differ (SHA-256 %.16s..., now %.16s...)",
			    old->version, f->name, o->sha, f->sha);
	}
	for (size_t k = 0; k < old->nfiles; k++) {
		int found = 0;
		for (size_t i = 0; i < cur->nfiles; i++)
			found |= strcmp(old->files[k].name,
			    cur->files[i].name) == 0;
		if (!found)
			rc = diag_error(d, l, "release %s is published with "
			    "%s, which this build does not make",
			    old->version, old->files[k].name);
	}
	if (rc == 0)
		return 0;
	titles(old, &was);
	titles(cur, &now);
	for (size_t i = 0; i < cur->nessays; i++) {
		const struct rel_essay *e = &cur->essays[i];
		const struct rel_essay *p = essay_titled(old, &was, e->title);

		if (p == NULL)
			diag_error(d, l, "release %s: essay '%s' was not in "
			    "it", old->version, e->title);
		else if (strcmp(p->sha, e->sha) != 0)
			diag_error(d, l, "release %s: essay '%s' has changed",
			    old->version, e->title);
	}
	for (size_t i = 0; i < old->nessays; i++)
		if (essay_titled(cur, &now, old->essays[i].title) == NULL)
			diag_error(d, l, "release %s: essay '%s' is gone",
			    old->version, old->essays[i].title);
	idset_free(&was);
	idset_free(&now);
	return -1;
}

static void
report_written(const struct quire_options *opt, const char *dir,
    const char *name)
{
	char *p;

	if (opt->on_output == NULL)
		return;
	p = path_join(dir, name);
	opt->on_output(p, opt->arg);
	free(p);
}

/* Before a signed release: the files published so far must be what the
 * last SHA256SUMS lists, its signature made by the same key (when it is
 * signed), and the ledger must agree; else nothing is signed. */
static int
check_published(const char *key, const char *dir, const char *state,
    const struct loc *lc, struct quire_diag *d)
{
	size_t before = quire_diag_errors(d);
	char *signers = NULL;

	if (has_sig(state) &&
	    (signers = signers_of(key, dir, lc, d)) == NULL)
		return -1;
	quire_verify(dir, signers, NULL, NULL, d);
	if (signers) {
		unlink(signers);
		free(signers);
	}
	if (quire_diag_errors(d) == before)
		return 0;
	return diag_error(d, lc, "the published files are not what the last "
	    "%sSHA256SUMS lists: nothing signed (restore them, or publish "
	    "into a new folder)", has_sig(state) ? "signed " : "");
}

/* The release build: books, cover, ledger, page, catalog and sums. */
int
release_publish(struct book *b, const struct quire_options *opt,
    struct out_file *out, size_t nout, struct quire_diag *d)
{
	const char *dir = opt->out;
	char *state = path_join(dir, STATE), *ledger_path, *gen = NULL, *shown;
	struct out_file cover = { 0 }, files[NGEN];
	struct ledger l = { 0 };
	struct release cur;
	const char *cover_mime;
	char *png;
	struct loc lc;
	int lock, rc = -1, signed_ = 0;
	size_t len;

	memset(files, 0, sizeof(files));
	memset(&cur, 0, sizeof(cur));
	ledger_path = path_join(state, "current/" LEDGER);
	shown = path_join(dir, LEDGER);
	lc = (struct loc){ shown, 0, 0 };
	if ((lock = release_lock(dir, d)) == -1)
		goto done;
	release_tidy(dir);
	if (mkdir(state, 0777) == -1 && errno != EEXIST) {
		diag_syserr(d, &lc, "cannot create %s: %s", state,
		    strerror(errno));
		goto done;
	}
	switch (ledger_read(ledger_path, shown, &l, d)) {
	case -1:
		goto done;
	case Q_ABSENT:
		l.book = xstrdup(b->uuid);
		break;
	}
	if (opt->sign && l.n > 0 &&
	    check_published(opt->sign, dir, state, &lc, d) == -1)
		goto done;
	/* The cover, a file of its own for the catalog and the page: a
	 * raster image, as catalogs' thumbnails and stores want. */
	if (cover_raster(b, d, &png, &len) < 0)
		goto done;
	if (png) {
		cover.name = xasprintf("%s-cover.png", b->slug);
		out_add(&cover, png, len);
		cover_mime = "image/png";
	} else {
		const char *ext = strrchr(b->cover_res->name, '.');
		cover.name = xasprintf("%s-cover%s", b->slug, ext ? ext : "");
		if (b->cover_res->data) {
			out_add(&cover, xmalloc(b->cover_res->len ?
			    b->cover_res->len : 1), b->cover_res->len);
			memcpy(cover.parts[0].data, b->cover_res->data,
			    b->cover_res->len);
		} else {
			unsigned char *bytes = resource_bytes(b->cover_res);
			struct loc cl = { b->cover_res->file, 0, 0 };

			if (bytes == NULL) {
				diag_error(d, &cl, "the image changed while the "
				    "book was being made; nothing was written");
				goto done;
			}
			out_add(&cover, (char *)bytes, b->cover_res->len);
		}
		cover_mime = b->cover_res->mime;
	}
	release_make(&cur, b, opt->release, out, nout, &cover, cover_mime);
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.rel[i].version, cur.version) != 0)
			continue;
		if (release_same(&l.rel[i], &cur, &lc, d) == -1)
			goto done;
		/* The same bytes: nothing to do but mend the links a
		 * killed build may have left unmade. */
		if (link_all(dir, has_sig(state)) == -1) {
			diag_syserr(d, &lc, "cannot link the release files: %s",
			    strerror(errno));
			goto done;
		}
		rc = 0;
		goto done;
	}
	/* Versions whose names differ only in characters a file name
	 * cannot hold (1.0 and 1-0) would share files. */
	for (size_t i = 0; i < l.n; i++)
		for (size_t k = 0; k < l.rel[i].nfiles; k++)
			for (size_t j = 0; j < cur.nfiles; j++)
				if (strcmp(l.rel[i].files[k].name,
				    cur.files[j].name) == 0) {
					diag_error(d, &lc, "%s is a file of "
					    "release %s: choose a version "
					    "that names files of its own",
					    cur.files[j].name,
					    l.rel[i].version);
					goto done;
				}
	if (l.n)
		release_diff(&cur, &l.rel[l.n - 1]);
	GROW(l.rel, l.n);
	l.rel[l.n++] = cur;
	memset(&cur, 0, sizeof(cur));

	/* The new generation: ledger, page, catalog, sums; signed. */
	files[0].name = xstrdup(LEDGER);
	{
		char *s = ledger_xml(&l, &len);
		out_add(&files[0], s, len);
	}
	{
		struct edition ed = { &l, &cover, cover_mime,
		    opt->sign != NULL };
		int pst = page_write(&ed, &files[1], d);
		if (opds_write(&ed, &files[2], d) == -1 || pst == -1)
			goto done;
	}
	files[3].name = xstrdup(SUMS);
	{
		char *s = sums_text(&l, files, 3, &len);
		out_add(&files[3], s, len);
	}
	gen = path_join(state, "g-XXXXXX");
	if (mkdtemp(gen) == NULL) {
		diag_syserr(d, &lc, "cannot create %s: %s", gen,
		    strerror(errno));
		goto done;
	}
	chmod(gen, 0755);
	if (write_outputs(gen, files, NGEN, NULL, d) == -1)
		goto done;
	if (opt->sign) {
		char *sp = path_join(gen, SUMS);
		int st = sign_file(opt->sign, sp, &lc, d);
		free(sp);
		if (st == -1)
			goto done;
		signed_ = 1;
		sp = path_join(gen, SIG);
		chmod(sp, 0644);
		free(sp);
		fsync_dir(gen);
	}
	/* The books, new names beside the published ones: until the switch
	 * below no ledger names them. */
	{
		struct out_file all[MAX_RELEASE_FILES];
		size_t n = 0;
		for (size_t i = 0; i < nout; i++)
			all[n++] = out[i];
		all[n++] = cover;
		if (write_outputs(dir, all, n, NULL, d) == -1)
			goto done;
	}
	/* The switch. */
	{
		char *tmp = path_join(state, "current.new");
		char *curp = path_join(state, "current");
		int st;

		unlink(tmp);
		st = symlink(path_basename(gen), tmp) == -1 ||
		    rename(tmp, curp) == -1 ? -1 : 0;
		if (st == -1)
			diag_syserr(d, &lc, "cannot switch to the new release: "
			    "%s", strerror(errno));
		unlink(tmp);
		free(tmp);
		free(curp);
		if (st == -1)
			goto done;
		fsync_dir(state);
	}
	free(gen);
	gen = NULL;
	if (link_all(dir, signed_) == -1) {
		diag_syserr(d, &lc, "cannot link the release files: %s",
		    strerror(errno));
		goto done;
	}
	fsync_dir(dir);
	release_tidy(dir);
	for (size_t i = 0; i < nout; i++)
		report_written(opt, dir, out[i].name);
	report_written(opt, dir, cover.name);
	for (size_t i = 0; i < NGEN; i++)
		report_written(opt, dir, gen_names[i]);
	if (signed_)
		report_written(opt, dir, SIG);
	rc = 0;
done:
	if (gen) {
		rm_tree(gen);
		free(gen);
	}
	for (size_t i = 0; i < NGEN; i++)
		out_free(&files[i]);
	out_free(&cover);
	release_free(&cur);
	ledger_free(&l);
	if (lock != -1)
		close(lock);
	free(ledger_path);
	free(shown);
	free(state);
	return rc;
}

/* A build without --release: its books, and SHA256SUMS only in a folder
 * that has no releases.  Where there are releases, a book whose name is a
 * published file is left alone when it is the same bytes and an error
 * when it is not: the working copy never touches a release. */
int
release_working_copy(const struct quire_options *opt, struct out_file *out,
    size_t nout, struct quire_diag *d)
{
	const char *dir = opt->out;
	char *state = path_join(dir, STATE);
	char *ledger_path = path_join(state, "current/" LEDGER);
	char *shown = path_join(dir, LEDGER);
	struct loc lc = { shown, 0, 0 };
	struct out_file keep[MAX_RELEASE_FILES];
	struct ledger l = { 0 };
	size_t n = 0;
	int lock, rc = -1, st;

	if ((lock = release_lock(dir, d)) == -1)
		goto done;
	release_tidy(dir);
	if ((st = ledger_read(ledger_path, shown, &l, d)) == -1)
		goto done;
	if (st == Q_ABSENT) {
		rc = write_outputs(dir, out, nout, SUMS, d);
		if (rc == 0)
			for (size_t i = 0; i < nout; i++)
				report_written(opt, dir, out[i].name);
		goto done;
	}
	for (size_t i = 0; i < nout; i++) {
		const struct rel_file *pub = NULL;
		const char *ver = NULL;

		for (size_t r = 0; r < l.n; r++)
			for (size_t k = 0; k < l.rel[r].nfiles; k++)
				if (strcmp(l.rel[r].files[k].name,
				    out[i].name) == 0) {
					pub = &l.rel[r].files[k];
					ver = l.rel[r].version;
				}
		if (pub == NULL) {
			keep[n++] = out[i];
			continue;
		}
		{
			char hex[65];
			unsigned long long size;
			out_digest(&out[i], hex, &size);
			if (strcmp(hex, pub->sha) != 0) {
				diag_error(d, &lc, "%s is a file of release "
				    "%s, which this build would change: "
				    "build with --release and a new version",
				    out[i].name, ver);
				goto done;
			}
		}
	}
	if (n && write_outputs(dir, keep, n, NULL, d) == -1)
		goto done;
	for (size_t i = 0; i < n; i++)
		report_written(opt, dir, keep[i].name);
	rc = 0;
done:
	ledger_free(&l);
	if (lock != -1)
		close(lock);
	free(ledger_path);
	free(shown);
	free(state);
	return rc;
}
