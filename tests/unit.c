/* Unit tests of quire's stages and helpers, linked against libquire. */
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unistd.h>

#include <libxml/parser.h>
#include <librsvg/rsvg.h>
#include <png.h>
#include <zlib.h>
#include <libxml/parser.h>

#include "build.h"

static int failures, checks;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) check_str((got), (want), __FILE__, __LINE__)

static void
check(int ok, const char *what, const char *file, int line)
{
	checks++;
	if (!ok) {
		failures++;
		fprintf(stderr, "%s:%d: FAIL: %s\n", file, line, what);
	}
}

static void
check_str(const char *got, const char *want, const char *file, int line)
{
	checks++;
	if (got == NULL || strcmp(got, want) != 0) {
		failures++;
		fprintf(stderr, "%s:%d: FAIL: got \"%s\", want \"%s\"\n", file,
		    line, got ? got : "(null)", want);
	}
}

static void
test_slugs(void)
{
	static const char *const cases[][2] = {
		{ "Hello, World!", "hello-world" },
		{ "The janitor: cleaning stuck claims",
		  "the-janitor-cleaning-stuck-claims" },
		{ "Why set_config and not SET LOCAL",
		  "why-set_config-and-not-set-local" },
		{ "What didn't survive", "what-didnt-survive" },
		{ "CLAUDE.md as constitution", "claudemd-as-constitution" },
		{ "  Two  spaces ", "--two--spaces-" },
		{ "Café crème", "café-crème" },
		{ "Привет мир", "привет-мир" },
		{ "日本語の見出し", "日本語の見出し" },
		{ "Emoji 🎉 party", "emoji--party" },
		{ "C++ & Rust", "c--rust" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *s = slug_github(cases[i][0]);
		CHECK_STR(s, cases[i][1]);
		free(s);
	}
}

static void
test_paths(void)
{
	char *s;

	s = path_resolve("a/b.md", "c.md");
	CHECK_STR(s, "a/c.md");
	free(s);
	s = path_resolve("a/b.md", "../c.md");
	CHECK_STR(s, "c.md");
	free(s);
	s = path_resolve("a/b.md", "./sub/../d/e.png");
	CHECK_STR(s, "a/d/e.png");
	free(s);
	CHECK(path_resolve("b.md", "../../etc/passwd") == NULL);
	CHECK(path_resolve("a/b.md", "../../x") == NULL);
	CHECK(path_resolve("b.md", "/etc/passwd") == NULL);
	/* The content folder given as ".", "./" or "dir/": its own files. */
	s = path_join(".", "");
	CHECK_STR(s, ".");
	free(s);
	s = path_join("dir/", "");
	CHECK_STR(s, "dir/");
	free(s);
	s = path_join("./", "a.md");
	CHECK_STR(s, "./a.md");
	free(s);
	s = path_join(".", "a.md");
	CHECK_STR(s, "a.md");
	free(s);
	s = url_decode("caf%C3%A9%20x.png", 17);
	CHECK_STR(s, "café x.png");
	free(s);
	CHECK(url_decode("a%00b", 5) == NULL);
	s = url_decode("100%", 4);
	CHECK_STR(s, "100%");
	free(s);
	s = safe_name("My \"Quoted\" Essay", "x");
	CHECK_STR(s, "my-quoted-essay");
	free(s);
	s = safe_name("日本", "essay");
	CHECK_STR(s, "essay");
	free(s);
}

static void
test_text(void)
{
	unsigned char h[32];
	char hex[65], *s;

	sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	{
		/* 56 bytes: the padding spills into a second block. */
		const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
		sha256_hex(m, strlen(m), hex);
		CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1");
	}
	{
		const char *hay = "a data-foo data-footnote-ref>";
		const char *end = hay + strlen(hay);
		CHECK(find_bytes(hay, end, "data-footnote", 13) == hay + 11);
		CHECK(find_bytes(hay, end, "data-footnotes", 14) == NULL);
		CHECK(find_bytes(hay, hay + 20, "data-footnote", 13) == NULL);
		CHECK(find_bytes(hay, end, ">", 1) == end - 1);
	}
	/* Fed in pieces of every size, the same digest as at once. */
	{
		char m[300];
		unsigned char one[32], parts[32];

		for (size_t i = 0; i < sizeof(m); i++)
			m[i] = (char)('a' + i % 26);
		sha256(m, sizeof(m), one);
		for (size_t step = 1; step <= 130; step += 3) {
			struct sha256 c;

			sha256_init(&c);
			for (size_t off = 0; off < sizeof(m); off += step)
				sha256_update(&c, m + off, off + step <
				    sizeof(m) ? step : sizeof(m) - off);
			sha256_final(&c, parts);
			CHECK(memcmp(one, parts, 32) == 0);
		}
	}
	sha256("x", 1, h);
	CHECK(h[0] == 0x2d);
	s = xml_clean("a\x01" "b\xff" "c", 5);
	CHECK_STR(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
	free(s);
	/* xasprintf: formats of %s, %d and %zu joined without vsnprintf,
	 * the same as it makes them. */
	{
		char want[128];

		s = xasprintf("%s#%s-%d.%zu%%%s", "a.xhtml", "", -42,
		    (size_t)-1, "end");
		snprintf(want, sizeof(want), "%s#%s-%d.%zu%%%s", "a.xhtml", "",
		    -42, (size_t)-1, "end");
		CHECK_STR(s, want);
		free(s);
		s = xasprintf("%d %d %d%%", INT_MIN, 0, INT_MAX);
		snprintf(want, sizeof(want), "%d %d %d%%", INT_MIN, 0, INT_MAX);
		CHECK_STR(s, want);
		free(s);
		s = xasprintf("%s", "");
		CHECK_STR(s, "");
		free(s);
		s = xasprintf("%03d|%5s|%x", 7, "ab", 255);  /* vsnprintf's */
		CHECK_STR(s, "007|   ab|ff");
		free(s);
	}
	/* What needs no change, found eight bytes at a time: a byte that
	 * does stops it wherever it falls in its word. */
	{
		static const char *const stop[] = { "\x01", "\x1f", "\r",
		    "\x80", "\xc3(", "\xef\xbf\xbe", "\xed\xa0\x80",
		    "\xf4\x90\x80\x80" };
		char t[40];

		for (size_t k = 0; k < sizeof(stop) / sizeof(stop[0]); k++)
			for (size_t at = 0; at < 24; at++) {
				size_t sl = strlen(stop[k]);

				memset(t, 'x', sizeof(t));
				memcpy(t + 30, "\t\n\x7f ~", 5);
				memcpy(t + at, stop[k], sl);
				CHECK(xml_clean_span(t, sizeof(t)) == at);
				s = xml_clean(t, sizeof(t));
				CHECK(strncmp(s, t, at) == 0);
				/* A CR is XML; the line ends are the reader's. */
				CHECK(memcmp(s + at, *stop[k] == '\r' ? "\r" :
				    "\xef\xbf\xbd", *stop[k] == '\r' ? 1 : 3) == 0);
				free(s);
			}
		memset(t, 'x', sizeof(t));
		memcpy(t + 13, "\xe2\x80\x94\n\t\xf0\x9f\x98\x80", 9);
		CHECK(xml_clean_span(t, sizeof(t)) == sizeof(t));
	}
	CHECK(date_valid("2025-03-14"));
	CHECK(date_valid("2025-03"));
	CHECK(date_valid("2025"));
	CHECK(!date_valid("2025-13-01"));
	CHECK(!date_valid("yesterday"));
	s = date_human("2025-03-04");
	CHECK_STR(s, "4 March 2025");
	free(s);
	CHECK_STR(sniff_mime((const unsigned char *)"\x89PNG\r\n\x1a\n....",
	    12), "image/png");
	CHECK_STR(sniff_mime((const unsigned char *)"\xff\xd8\xff\xe0", 4),
	    "image/jpeg");
	CHECK_STR(sniff_mime((const unsigned char *)"GIF89a..", 8),
	    "image/gif");
	CHECK_STR(sniff_mime((const unsigned char *)
	    "<?xml version=\"1.0\"?>\n<svg xmlns=\"x\"/>", 38), "image/svg+xml");
	CHECK(sniff_mime((const unsigned char *)"hello", 5) == NULL);
}

static void
test_idset(void)
{
	struct idset s = { 0 };
	char name[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "id-%d", i);
		CHECK(idset_add(&s, name) == 1);
	}
	CHECK(idset_add(&s, "id-7") == 0);
	CHECK(idset_has(&s, "id-999"));
	CHECK(!idset_has(&s, "id-1000"));
	CHECK(s.n == 1000);
	idset_free(&s);
}

/* Equal bases take the next free suffix at once: the work for n of them
 * is linear (the set's own size counts the names tried). */
static void
test_unique(void)
{
	struct idset s = { 0 }, hint = { 0 };
	char *id;

	idset_add(&s, "same-2");
	for (int i = 0; i < 5000; i++) {
		id = idset_unique(&s, &hint, "same", 1);
		if (i == 0)
			CHECK_STR(id, "same");
		else if (i == 1)
			CHECK_STR(id, "same-1");
		else if (i == 2)
			CHECK_STR(id, "same-3");  /* same-2 was taken */
		else if (i == 4999)
			CHECK_STR(id, "same-5000");
		free(id);
	}
	CHECK(s.n == 5001);
	CHECK(*idset_val(&hint, "same") == 5001);
	id = idset_unique(&s, &hint, "other", 2);
	CHECK_STR(id, "other");
	free(id);
	id = idset_unique(&s, &hint, "other", 2);
	CHECK_STR(id, "other-2");
	free(id);
	idset_free(&s);
	idset_free(&hint);
}

/* Out of file descriptors is the machine's failure (status 3), a file
 * that is not there the content's (status 1). */
static void
test_out_of_fds(void)
{
	struct quire_diag *d = quire_diag_new(0);
	struct book b;
	struct loc l = { "x", 1, 1 };
	char *data = NULL;
	size_t len;
	int fds[4096], n = 0;
	struct rlimit old, lim;

	memset(&b, 0, sizeof(b));
	b.root = xstrdup(".");
	b.root_real = realpath(".", NULL);
	CHECK(read_inside(&b, "unit.c", &l, d, &data, &len, NULL) == 0);
	free(data);
	CHECK(diag_status(d) == QUIRE_OK);
	getrlimit(RLIMIT_NOFILE, &old);
	lim = old;
	lim.rlim_cur = 256;
	setrlimit(RLIMIT_NOFILE, &lim);
	while (n < 4096 && (fds[n] = open("unit.c", O_RDONLY)) != -1)
		n++;
	CHECK(n < 4096 && errno == EMFILE);
	CHECK(read_inside(&b, "unit.c", &l, d, &data, &len, NULL) == -1);
	while (n > 0)
		close(fds[--n]);
	setrlimit(RLIMIT_NOFILE, &old);
	CHECK(diag_status(d) == QUIRE_ESYSTEM);
	quire_diag_free(d);
	d = quire_diag_new(0);
	diag_errno(d, &l, ENOENT, "gone");
	CHECK(diag_status(d) == QUIRE_EINPUT);
	diag_errno(d, &l, ENFILE, "full");
	CHECK(diag_status(d) == QUIRE_ESYSTEM);
	quire_diag_free(d);
	free(b.root);
	free(b.root_real);
}

static struct essay
essay_of(const char *text)
{
	struct essay e;

	memset(&e, 0, sizeof(e));
	e.text = xstrdup(text);
	e.len = strlen(text);
	essay_set_path(&e, "dir", "e.md");
	return e;
}

static void
essay_clear(struct essay *e)
{
	essay_free(e);
}

/* Keys nothing reads are named, with the nearest known one when it is
 * a slip of the keyboard; the keys of site generators pass in silence. */
static void
test_keys(void)
{
	struct quire_diag *d = quire_diag_new(0);
	struct essay e;
	char *out;
	size_t n;
	FILE *fp;

	e = essay_of("---\nautor: X\ncategories: [a]\nlayout: post\n"
	    "titel: y\nfoo: 1\nslug: s\nlastmod: 2024-01-01\ndir: rtl\n"
	    "tgas: [a]\n---\nBody\n");
	CHECK(essay_front_matter(&e, d) == 0);
	CHECK_STR(EMORE(&e)->dir, "rtl");
	essay_clear(&e);
	e = essay_of("---\ndir: up\n---\n");
	CHECK(essay_front_matter(&e, d) < 0);
	essay_clear(&e);
	fp = tmpfile();
	quire_diag_flush(d, fp);
	n = (size_t)ftell(fp);
	rewind(fp);
	out = xcalloc(1, n + 1);
	CHECK(fread(out, 1, n, fp) == n);
	fclose(fp);
	CHECK(strstr(out, "dir/e.md:2:1: warning: unknown key 'autor'; did "
	    "you mean 'author'?\n") != NULL);
	CHECK(strstr(out, "dir/e.md:5:1: warning: unknown key 'titel'; did "
	    "you mean 'title'?\n") != NULL);
	CHECK(strstr(out, "dir/e.md:6:1: warning: unknown key 'foo' "
	    "(ignored)\n") != NULL);
	CHECK(strstr(out, "dir/e.md:10:1: warning: unknown key 'tgas'; did "
	    "you mean 'tags'?\n") != NULL);
	CHECK(strstr(out, "'dir' must be rtl, ltr or auto") != NULL);
	CHECK(strstr(out, "categories") == NULL);
	CHECK(strstr(out, "layout") == NULL);
	CHECK(strstr(out, "slug") == NULL);
	CHECK(strstr(out, "lastmod") == NULL);
	CHECK(strstr(out, "1 error, 4 warnings\n") != NULL);
	free(out);
	quire_diag_free(d);
}

/* The words and dates of a book come from the catalogues and CLDR for
 * the book's language, whatever the machine's locale says. */
static void
test_i18n(void)
{
	struct strv names = { 0 };
	char *s;

	CHECK(lang_rtl("ar") && lang_rtl("he-IL") && lang_rtl("fa") &&
	    lang_rtl("ckb") && lang_rtl("ur") && lang_rtl("yi"));
	CHECK(lang_rtl("ku-Arab") && lang_rtl("pa-Arab"));
	CHECK(!lang_rtl("en") && !lang_rtl("ar-Latn") && !lang_rtl("az") &&
	    !lang_rtl("ku") && !lang_rtl("hebrew") && !lang_rtl(NULL));
	setenv("LANG", "de_DE.UTF-8", 1);
	setenv("LC_ALL", "fr_FR.UTF-8", 1);
	setenv("LANGUAGE", "ru", 1);
	CHECK_STR(i18n_word("en", W_CONTENTS), "Contents");
	CHECK_STR(i18n_word("ar", W_CONTENTS), "المحتويات");
	CHECK_STR(i18n_word("he", W_NOTES), "הערות");
	CHECK_STR(i18n_word("de-AT", W_TITLE_PAGE), "Titelseite");
	CHECK_STR(i18n_word("pt-BR", W_CONTENTS), "Sumário");
	CHECK_STR(i18n_word("ja", W_COVER), "表紙");
	CHECK_STR(i18n_word("zh-Hans", W_CONTENTS), "目录");
	CHECK_STR(i18n_word("tlh", W_CONTENTS), "Contents");
	CHECK_STR(i18n_word("fr", W_WARNING), "Avertissement");
	s = i18n_fmt("de", W_VERSION, "2.0", NULL);
	CHECK_STR(s, "Version 2.0");
	free(s);
	s = i18n_fmt("ru", W_BACK_TO_REF, "2", NULL);
	CHECK_STR(s, "Назад к ссылке 2");
	free(s);
	strv_push(&names, xstrdup("A"));
	strv_push(&names, xstrdup("B"));
	s = i18n_list("fr", &names);
	CHECK_STR(s, "A et B");
	free(s);
	strv_push(&names, xstrdup("C"));
	s = i18n_list("en", &names);
	CHECK_STR(s, "A, B and C");
	free(s);
	s = i18n_list("ja", &names);
	CHECK_STR(s, "A、BとC");
	free(s);
	strv_free(&names);
	s = i18n_date("en-GB", "2025-03-04");
	CHECK_STR(s, "4 March 2025");
	free(s);
	s = i18n_date("de", "2025-03-04");
	CHECK_STR(s, "4. März 2025");
	free(s);
	s = i18n_date("es", "2025-03");
	CHECK_STR(s, "marzo de 2025");
	free(s);
	s = i18n_date("ja", "2025-03-04");
	CHECK_STR(s, "2025年3月4日");
	free(s);
	s = i18n_date("he", "2025-03-04");
	CHECK(strstr(s, "במרץ") != NULL);
	free(s);
	s = i18n_date("fr", "2025");
	CHECK_STR(s, "2025");
	free(s);
	unsetenv("LANG");
	unsetenv("LC_ALL");
	unsetenv("LANGUAGE");
}

static void
test_front_matter(void)
{
	struct quire_diag *d = quire_diag_new(0);
	struct essay e;
	char *out;
	size_t n;
	FILE *fp;

	e = essay_of("---\ntitle: \"A & B\"\nauthors: [Ann, Bo]\n"
	    "tags: x\norder: 3\ndraft: no\ndate: 2025-01-02\n"
	    "unknown: {a: 1}\n---\nBody\n");
	CHECK(essay_front_matter(&e, d) == 0);
	CHECK_STR(e.title, "A & B");
	CHECK(EMORE(&e)->authors.n == 2 &&
	    strcmp(EMORE(&e)->authors.v[1], "Bo") == 0);
	CHECK(EMORE(&e)->tags.n == 1);
	CHECK(e.has_order && e.order == 3);
	CHECK(!e.draft);
	CHECK_STR(e.date, "2025-01-02");
	CHECK(e.body_line == 10);
	CHECK_STR(e.text + e.body, "Body\n");
	CHECK(quire_diag_errors(d) == 0);
	essay_clear(&e);

	/* Wrong types are errors at the value's position. */
	e = essay_of("---\ntitle: ok\ntitle: [1, 2]\norder: abc\n---\n");
	CHECK(essay_front_matter(&e, d) < 0);
	essay_clear(&e);
	e = essay_of("---\ntitle: x\n");
	CHECK(essay_front_matter(&e, d) < 0);
	essay_clear(&e);
	e = essay_of("---\na: &x [1]\nb: *x\n---\n");
	CHECK(essay_front_matter(&e, d) < 0);
	essay_clear(&e);
	e = essay_of("---\ntitle: \"unclosed\n---\n");
	CHECK(essay_front_matter(&e, d) < 0);
	essay_clear(&e);
	CHECK(quire_diag_errors(d) == 5);

	fp = tmpfile();
	quire_diag_flush(d, fp);
	n = (size_t)ftell(fp);
	rewind(fp);
	out = xcalloc(1, n + 1);
	CHECK(fread(out, 1, n, fp) == n);
	fclose(fp);
	CHECK(strstr(out, "dir/e.md:3:8: error: 'title' must be a single "
	    "value, not a list\n") != NULL);
	CHECK(strstr(out, "dir/e.md:4:8: error: 'order' must be a number, "
	    "not 'abc'\n") != NULL);
	CHECK(strstr(out, "dir/e.md:1:1: error: front matter is not closed")
	    != NULL);
	CHECK(strstr(out, "dir/e.md:3:4: error: YAML aliases") != NULL);
	/* The key "a" of the alias case is one nothing reads. */
	CHECK(strstr(out, "dir/e.md:2:1: warning: unknown key 'a' (ignored)")
	    != NULL);
	CHECK(strstr(out, "dir/e.md:8:1: warning: unknown key 'unknown' "
	    "(ignored)") != NULL);
	CHECK(strstr(out, "5 errors, 2 warnings\n") != NULL);
	free(out);
	quire_diag_free(d);
}

static void
test_diag_order(void)
{
	struct quire_diag *d = quire_diag_new(0);
	struct loc a = { "b.md", 9, 1 }, b = { "a.md", 12, 4 },
	    c = { "a.md", 2, 7 };
	char buf[512] = { 0 };
	FILE *fp;

	diag_warn(d, &a, "third");
	diag_error(d, &b, "second");
	diag_warn(d, &c, "first");
	diag_set_strict(d, 1);
	CHECK(diag_warn(d, &c, "strict") < 0);
	fp = tmpfile();
	quire_diag_flush(d, fp);
	rewind(fp);
	CHECK(fread(buf, 1, sizeof(buf) - 1, fp) > 0);
	fclose(fp);
	CHECK_STR(buf, "a.md:2:7: warning: first\n"
	    "a.md:2:7: error: strict\n"
	    "a.md:12:4: error: second\n"
	    "b.md:9:1: warning: third\n"
	    "2 errors, 2 warnings\n");
	quire_diag_free(d);
}

/* The same messages, one way or the other: spilled to files (a big
 * book's: diag_spill()) as soon as they come, or after some, or kept in
 * memory. */
static char *
diag_run(int spill_at)
{
	struct quire_diag *d = quire_diag_new(0);
	char *out = NULL, path[32];
	size_t len = 0;
	FILE *fp;

	for (int i = 0; i < 260; i++) {
		struct loc l = { i % 2 ? "b.md" : "a.md", 300 - i, i % 7 + 1 };

		if (i == spill_at) {
			struct spill *texts = spill_open(".");
			struct spill *msgs = spill_open(".");

			/* Spilled, or the runs would not differ. */
			CHECK(texts != NULL && msgs != NULL);
			diag_spill(d, texts, msgs);
		}
		/* 130 of one kind in each file: 100 kept, 30 summed up. */
		diag_warn(d, &l, "link %d goes nowhere", i);
		/* Told once, at its earliest place: later ones are earlier. */
		snprintf(path, sizeof(path), "url-%d", i % 3);
		diag_once(d, path, L_WARNING, &l, "remote image %d", i % 3);
		if (i % 50 == 0)
			diag_error(d, &l, "bad thing %d", i);
	}
	fp = open_memstream(&out, &len);
	quire_diag_flush(d, fp);
	fclose(fp);
	quire_diag_free(d);
	return out;
}

static void
test_diag_spill(void)
{
	char *mem = diag_run(-1), *at0 = diag_run(0), *mid = diag_run(77);

	CHECK_STR(at0, mem);
	CHECK_STR(mid, mem);
	/* The earliest place of each told-once message, and the sums. */
	CHECK(strstr(mem, "a.md:42:7: warning: remote image 0\n") != NULL);
	CHECK(strstr(mem, "a.md:46:3: warning: remote image 2\n") != NULL);
	CHECK(strstr(mem, "b.md: note: 30 more warnings like this one, "
	    "not shown: link 1 goes nowhere\n") != NULL);
	CHECK(strstr(mem, "a.md:300:1: error: bad thing 0\n") != NULL);
	CHECK(strstr(mem, "6 errors, 263 warnings\n") != NULL);
	free(mem);
	free(at0);
	free(mid);
}

/* The XHTML an essay's EPUB hook deflated. */
static char *
inflated(const struct packed *z)
{
	char *out = xmalloc(z->len + 1);
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	CHECK(inflateInit2(&zs, -15) == Z_OK);
	zs.next_in = z->data;
	zs.avail_in = (uInt)z->zlen;
	zs.next_out = (unsigned char *)out;
	zs.avail_out = (uInt)z->len;
	CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
	CHECK(zs.total_out == z->len);
	CHECK(crc32(crc32(0L, Z_NULL, 0), (unsigned char *)out,
	    (uInt)z->len) == z->crc);
	inflateEnd(&zs);
	out[z->len] = '\0';
	return out;
}

/* One essay (and a second one to link to) through the whole per-essay
 * pipeline of a build; returns the first one's XHTML as packed. */
static char *
render(const char *md, struct quire_diag *d)
{
	struct quire_options opt = { 0 };
	struct book b;
	struct essay *e;
	char *out;

	opt.formats = QUIRE_EPUB;
	memset(&b, 0, sizeof(b));
	pthread_mutex_init(&b.lock, NULL);
	b.root = xstrdup(".");
	b.root_real = realpath(".", NULL);
	b.lang = xstrdup("en");
	b.essays = xcalloc(2, sizeof(*b.essays));
	b.nessays = 2;
	for (int i = 0; i < 2; i++) {
		e = &b.essays[i];
		*e = essay_of(i == 0 ? md : "## Target here\n");
		free(e->path);
		essay_set_path(e, "dir", i == 0 ? "e.md" : "sub/other.md");
		e->slug = xstrdup(i == 0 ? "e" : "other");
		e->file = xasprintf("%s.xhtml", e->slug);
		essay_front_matter(e, d);
	}
	cmark_init();
	render_book(&b, &opt, d);
	out = inflated(&b.essays[0].epub);
	book_free(&b);
	return out;
}

/* The essay's XHTML, its HTML read in segments (whole: as one raw
 * segment, which the HTML5 tree builder reads at once; as_xml: as one
 * plain segment of HTML, read as XML).  *ntrees: the segments whose
 * tree was made from cmark-gfm's nodes (direct.c). */
enum { SEGMENTS, WHOLE, AS_XML };

static char *
render_segments_how(const char *md, int how, size_t *nsegs, size_t *ntrees)
{
	struct quire_diag *d = quire_diag_new(0);
	struct book b;
	struct essay *e;
	struct segment *segs, one;
	size_t n, len;
	char *out;

	memset(&b, 0, sizeof(b));
	pthread_mutex_init(&b.lock, NULL);
	b.root = xstrdup(".");
	b.root_real = realpath(".", NULL);
	b.lang = xstrdup("en");
	b.essays = xcalloc(1, sizeof(*b.essays));
	b.nessays = 1;
	e = &b.essays[0];
	*e = essay_of(md);
	e->slug = xstrdup("e");
	e->file = xstrdup("e.xhtml");
	essay_front_matter(e, d);
	cmark_init();
	/* No diagnostics: tags of unknown names stay raw HTML (a build
	 * keeps those of prose as text), which is what the cases try. */
	parse_essay(e, NULL);
	n = parse_segments(e, &segs);
	*ntrees = 0;
	for (size_t i = 0; i < n; i++)
		*ntrees += segs[i].tree != NULL;
	if (how != SEGMENTS) {
		one.html = parse_render_html(e);
		one.raw = how == WHOLE;
		one.tree = NULL;
		render_essay_html(&b, e, &one, 1, d);
		free(one.html);
		for (size_t i = 0; i < n; i++)
			xmlFreeNode(segs[i].tree);
	} else
		render_essay_html(&b, e, segs, n, d);
	*nsegs = n;
	for (size_t i = 0; i < n; i++)
		free(segs[i].html);
	free(segs);
	essay_free_parse(e);
	out = xml_dump(e->w->xml, &len);
	book_free(&b);
	quire_diag_free(d);
	return out;
}

static char *
render_segments(const char *md, int whole, size_t *nsegs)
{
	size_t ntrees;

	return render_segments_how(md, whole ? WHOLE : SEGMENTS, nsegs,
	    &ntrees);
}

/* Plain runs get their tree straight from cmark-gfm's nodes: the very
 * tree that reading cmark-gfm's HTML for them as XML gives, for every
 * construct it writes; what it cannot make exactly goes the HTML way. */
static void
test_direct(void)
{
	static const struct {
		const char *md;
		int direct;         /* made from the nodes */
		const char *has[6]; /* in the XHTML */
	} cases[] = {
		{ "# Title *em*\n\nA paragraph with *em*, **strong**, `code`,"
		  " ~~gone~~, a [link](http://x.org/a%20b?c=d&e='f' \"T \\\"q\\\"\")"
		  " and www.example.com.  \nHard break\\\nand soft\nbreak.\n\n"
		  "## Second\n\n---\n\n> Quoted\n>\n> > nested\n",
		  1, { "<em>em</em>", "<strong>strong</strong>",
		  "<del>gone</del>", "title=\"T &quot;q&quot;\"",
		  "href=\"http://www.example.com\"", "<blockquote" } },
		{ "# L\n\n- tight\n- list\n  1. nested\n\n3. start\n4. four\n\n"
		  "- loose\n\n  para\n- [ ] task\n- [x] done\n",
		  1, { "<ol start=\"3\"", "class=\"task\"", "class=\"task done\"",
		  "\">tight</li>", NULL } },
		{ "# C\n\n```js\nlet a = 1;\n```\n\n    indented <b>\n\n"
		  "~~~\nplain\n~~~\n",
		  1, { "language-js", "indented &lt;b&gt;", NULL } },
		{ "# I\n\n![alt *em* `c`\nsoft](i.png \"t&i\") "
		  "![](<a b.png>)\n",
		  1, { "alt=\"alt em c soft\"", "title=\"t&amp;i\"", NULL } },
		{ "# T\n\n| a | b | c |\n|:-|:-:|-:|\n| 1 | `2` | ~~3~~ |\n"
		  "| x |\n\n| head only |\n|---|\n",
		  1, { "<thead>", "<tbody>", "style=\"text-align: right\"",
		  "style=\"text-align: center\"", NULL } },
		{ "# F\n\nOne[^a] two[^\xc3\xa9&] three[^a].\n\n[^a]: Note *a*.\n\n"
		  "    more\n\n[^\xc3\xa9&]:\n    ```\n    code\n    ```\n",
		  1, { "fnref-a-2", "fn-%C3%A9&amp;", "data-footnotes=\"\"",
		  "footnote-backref", ">code\n</code></pre>\n<a href=\"#fnref-%C3%A9",
		  NULL } },
		/* quire's own HTML in a plain run, read as XML alone. */
		{ "# Q\n\nInline $x^2$ TeX.\n\n```python title=\"Example\"\n"
		  "print(1)\n```\n", 1, { "class=\"math\"", "Example", NULL } },
		/* What the XML way would change or refuse: the HTML way. */
		{ "# R\n\nThe data-footnote attribute.\n", 1, { NULL } },
		{ "# R\n\n[l](u \"a data-footnote b\").\n", 0, { NULL } },
		{ "# R\n\nA &#13; return.\n", 0, { NULL } },
		{ "# R\n\n" ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>"
		  ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>"
		  ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>"
		  ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>"
		  ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>> deep\n",
		  0, { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t n, n1, trees, trees1;
		char *a = render_segments_how(cases[i].md, SEGMENTS, &n,
		    &trees);
		char *b = render_segments_how(cases[i].md, AS_XML, &n1,
		    &trees1);

		if (strcmp(a, b) != 0)
			printf("direct tree differs for case %zu:\n%s\n--\n%s\n",
			    i, a, b);
		CHECK(strcmp(a, b) == 0);
		CHECK(n == 1);
		CHECK(trees == (size_t)cases[i].direct);
		for (size_t j = 0; j < 6 && cases[i].has[j]; j++) {
			const char *want = cases[i].has[j];

			if (strstr(a, want) == NULL)
				printf("case %zu lacks %s:\n%s\n", i,
				    want ? want : "", a);
			CHECK(strstr(a, want) != NULL);
		}
		free(a);
		free(b);
	}
}

/* Raw HTML read in segments gives the tree a whole-document parse
 * gives, however the raw HTML is written; and plain runs do make
 * segments of their own. */
static void
test_segments(void)
{
	static const struct {
		const char *md;
		size_t min_segs;
	} cases[] = {
		{ "<p align=\"center\"><img src=\"x.png\" alt=\"x\"></p>\n\n"
		  "# Title\n\nPlain *text*.\n\n## More\n\nEnd.\n", 2 },
		{ "Intro.\n\n<details>\n<summary>Open</summary>\n\n"
		  "Inside **markdown**.\n\n</details>\n\nAfter.\n", 3 },
		{ "A.\n\n<p>stray <a href=\"#x\">link</a>)</a></p>\n\nB.\n", 3 },
		{ "A.\n\n</p>\n\nB *b*.\n\n</div>\n\nC.\n", 2 },
		{ "A.\n\n<div>\n\nopen, never closed\n\nC.\n", 2 },
		{ "A.\n\n<b>bold\n\nB.\n\nC.\n", 2 },
		{ "A.\n\n<b><i>x</b></i>\n\nB.\n", 2 },
		{ "A <b>inline</b> and <br> and </p> stray.\n\nB.\n", 1 },
		{ "A [link <a href=\"y\">in</a> it](x).\n\nB.\n", 1 },
		{ "A.\n\n<table><tr><td>\n\n*cell*\n\n</td></tr></table>\n\n"
		  "B.\n", 3 },
		{ "A.\n\n<h1>one</h2>\n\nB.\n\n</h1>\n\nC.\n", 2 },
		{ "A.\n\n<script>x</script>\n\n<style>p{}</style>\n\nB.\n", 2 },
		{ "A.\n\n<!-- a comment\n\nstill -->\n\nB.\n", 2 },
		{ "A.\n\n<!-- unclosed\n\nB.\n", 2 },
		{ "A.\n\n<svg viewBox=\"0 0 1 1\"><circle r=\"1\"/></svg>\n\n"
		  "B.\n", 2 },
		{ "A.\n\n<ul><li>one<li>two</ul>\n\nB.\n", 2 },
		{ "A.\n\n<title>T</title>\n\n<plaintext>rest\n\nB.\n", 2 },
		{ "A.\n\n<p title='it>s'>q</p>\n\nB.\n\n<x a=b'>y</x>\n\nC.\n",
		  3 },
		{ "A[^1].\n\n<kbd>K</kbd>\n\n[^1]: Note <b>b</b>.\n", 2 },
		{ "- item <span>x\n- item two</span>\n\nB.\n", 1 },
		{ "> <div>quoted\n\nB.\n\n</div>\n\nC.\n", 1 },
		/* An end tag in a table cell does not close what was opened
		 * before the cell: the element is reopened after the table. */
		{ "A<em>\n</em>\n|-\n\ns\n", 1 },
		{ "A <b>x\n\n| c </b> | d |\n|---|---|\n| e | f |\n\nB.\n", 1 },
		{ "| a <em>x</em> | b |\n|---|---|\n\nB *b*.\n", 2 },
		/* Unknown elements left open in a paragraph are closed by
		 * its </p>: what follows is a segment of its own. */
		{ "A <COPYRIGHT HOLDER> b.\n\nB *b*.\n\nC.\n", 2 },
		{ "A <x>b</x> <y a='1'>c<br> *d* [e](f).\n\nB *b*.\n", 2 },
		{ "A *<x>b* [<y>c](d) e.\n\nB *b*.\n\n<z>\n\nC.\n", 2 },
		/* ... but not when something else may have closed it first,
		 * nor when it was open before the paragraph. */
		{ "A <div>a</div><x>b.\n\nB *b*.\n\nC.\n", 1 },
		{ "A <x> <hr> b.\n\nB *b*.\n\n- c\n", 1 },
		{ "<x>\n\nA <y>b.\n\nB *b*.\n", 1 },
		{ "- A <x>b.\n\n  B *b*.\n\nC.\n", 1 },
		{ "- `list` **{String|Array<string>}**: x\n- b\n\nB *b*.\n\n"
		  "C.\n", 2 },
		{ "> A <x>b\n> <y>\n\nB *b*.\n", 2 },
		{ "## H <x>b\n\nB *b*.\n", 2 },
		{ "1. A <x>b\n   - c <y>\n\n     <z>\n2. d\n\nB *b*.\n", 2 },
		{ "- A <x>b\n- <div>c\n\nB *b*.\n", 1 },
		{ "<x>\n\n- A <y>b\n\nB *b*.\n", 1 },
		/* Items and quotes pop what their raw HTML left open, but
		 * for elements that leave a trace or stop the search. */
		{ "- A\n  <details>\n  <summary>\n  S\n  </summary>\n\n"
		  "  ```\n  x\n  ```\n- B\n\nB *b*.\n\nC.\n", 2 },
		{ "> <div><p>q\n>\n> r\n\nB *b*.\n", 2 },
		{ "- <div>a\n- <b>c\n\nB *b*.\n\nC *c*.\n", 1 },
		{ "- <table><tr><td>a\n\nB *b*.\n", 1 },
		{ "- a <li>b\n- <div>c\n\nB *b*.\n", 1 },
		{ "- <form>a\n\nB *b*.\n\n<form>\n\nC.\n", 1 },
		{ "## H <h3>x</h3> <y>z\n\nB *b*.\n", 1 },
		{ "A <y>b <div>c</div> d.\n\nB *b*.\n", 1 },
		/* An <a> left open is copied around the text until the next
		 * link's start tag ends it: the span ends with that block. */
		{ "# T <a name=\"t\" />\n\nA *b* c.\n\nD [l](u) e.\n\n"
		  "F *f*.\n\nG.\n", 2 },
		{ "<a name=\"x\" />\n\n## H\n\nA [l](u).\n\nB *b*.\n", 2 },
		{ "<a name=x/>\n\n<div>\n\n[l](u)\n\n</div>\n\n[m](v)\n\n"
		  "B *b*.\n", 2 },
		{ "<a name=x/>\n\n| [l](u) | b |\n|---|---|\n\nB *b*.\n\n"
		  "[m](n)\n\nC *c*.\n", 2 },
		{ "A <a name=x/> [l](u) <a name=y/>.\n\nB *b*.\n\n[m](n) o."
		  "\n\nC *c*.\n", 2 },
		{ "<a name=x/>\n\n*A* **[l](u)** `c`.\n\n> B *b*.\n", 2 },
		{ "- <a name=x/>\n- *i* [l](u)\n\n[m](v)\n\nB *b*.\n", 2 },
		{ "A <a name=x/>[^1].\n\n[^1]: [l](u)\n\nB *b*.\n\n"
		  "C *c*.\n", 1 },
		{ "<a name=x/><b>\n\n[l](u)\n\nB *b*.\n", 1 },
		/* A link in an image's text writes no <a>. */
		{ "<a href=\"#q\"/>\n\n![[l](u)](i.png)\n\nB *b*.\n", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t n, n1;
		char *a = render_segments(cases[i].md, 0, &n);
		char *b = render_segments(cases[i].md, 1, &n1);

		if (strcmp(a, b) != 0)
			printf("segments differ for case %zu:\n%s\n--\n%s\n", i,
			    a, b);
		CHECK(strcmp(a, b) == 0);
		CHECK(n >= cases[i].min_segs);
		free(a);
		free(b);
	}
}

/* repair(): what raw HTML may not hold where it stands is renamed, by
 * the content model: an element that holds phrasing only becomes a div
 * around a block (through a link, too), items and captions outside
 * their lists and figures become divs, ruby text outside ruby a span,
 * an empty header cell an ordinary one, a list's loose text an item. */
static void
test_repair(void)
{
	struct quire_diag *d = quire_diag_new(0);
	char *x;

	x = render("# T\n\n<div><span><p>x</p></span></div>\n\n"
	    "<div><em><a href=\"#t\"><section>y</section></a></em></div>\n\n"
	    "<div><b><a href=\"#t\">z</a></b></div>\n\n"
	    "<div><li>i</li><dt>t</dt><figcaption>f</figcaption>"
	    "<summary>s</summary><rt>r</rt></div>\n\n"
	    "<div><ruby>k<rt>kk</rt></ruby></div>\n\n"
	    "<table><tr><th> </th><th>h</th></tr></table>\n\n"
	    "<ol><li>a</li>loose</ol>\n\n<dl><dd>d</dd></dl>\n\n"
	    "<figure><p>a</p><figcaption>c</figcaption></figure>\n\n"
	    "<details><summary><p>s</p></summary>b</details>\n", d);
	CHECK(strstr(x, "<div><div><p>x</p></div></div>") != NULL);
	CHECK(strstr(x, "<div><div><a href=\"#t\"><section>y</section></a>"
	    "</div></div>") != NULL);
	CHECK(strstr(x, "<div><b><a href=\"#t\">z</a></b></div>") != NULL);
	CHECK(strstr(x, "<div><div>i</div><div>t</div><div>f</div>"
	    "<div>s</div><span>r</span></div>") != NULL);
	CHECK(strstr(x, "<div><ruby>k<rt>kk</rt></ruby></div>") != NULL);
	CHECK(strstr(x, "<tr><td> </td><th>h</th></tr>") != NULL);
	CHECK(strstr(x, "<ol><li>a</li><li>loose</li></ol>") != NULL);
	CHECK(strstr(x, "<div><div>d</div></div>") != NULL);
	CHECK(strstr(x, "<figure><p>a</p><figcaption>c</figcaption></figure>")
	    != NULL);
	CHECK(strstr(x, "<details><div><p>s</p></div>b</details>") != NULL);
	free(x);
	quire_diag_free(d);
}

static void
test_render(void)
{
	struct quire_diag *d = quire_diag_new(0);
	char *x;

	/* Raw HTML is normalised to valid XHTML. */
	x = render("# Title\n\nA<br>b &nbsp; <font color=red>c</font>\n\n"
	    "<center>mid</center>\n\n<p>unclosed\n\n<details><summary>S"
	    "</summary>body</details>\n\n<!-- a -- comment -->\n\n"
	    "<script>alert(1)</script><img src=\"x.png\">\n\n"
	    "<svg viewBox=\"0 0 10 10\"><circle r=\"4\" onclick=\"x()\"/></svg>\n",
	    d);
	CHECK(strstr(x, "<title>Title</title>") != NULL);
	CHECK(strstr(x, "<h1 id=\"essay-title\">Title</h1>") != NULL);
	CHECK(strstr(x, "A<br/>b \xc2\xa0 <span>c</span>") != NULL);
	CHECK(strstr(x, "<div>mid</div>") != NULL);
	CHECK(strstr(x, "<details><summary>S</summary>body</details>") != NULL);
	CHECK(strstr(x, "comment") == NULL);
	CHECK(strstr(x, "script") == NULL && strstr(x, "alert") == NULL);
	CHECK(strstr(x, "font") == NULL && strstr(x, "center") == NULL);
	CHECK(strstr(x, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 10 10\">") != NULL);
	CHECK(strstr(x, "onclick") == NULL);
	CHECK(strstr(x, "<p>unclosed\n</p><details>") != NULL);
	free(x);

	/* Headings: GitHub ids, repeats numbered; links of each form. */
	x = render("---\ntitle: T\n---\n## Intro\n\n## Intro\n\n### 見出し\n\n"
	    "[a](#intro-1) [b](sub/other.md) [c](sub/other.md#target-here) "
	    "[d](#nope) [e](https://example.com/a b) [f](missing.md)\n", d);
	CHECK(strstr(x, "<h2 id=\"intro\">Intro</h2>") != NULL);
	CHECK(strstr(x, "<h2 id=\"intro-1\">Intro</h2>") != NULL);
	CHECK(strstr(x, "<h3 id=\"見出し\">") != NULL);
	CHECK(strstr(x, "<a href=\"#intro-1\">a</a>") != NULL);
	CHECK(strstr(x, "<a href=\"other.xhtml\">b</a>") != NULL);
	CHECK(strstr(x, "<a href=\"other.xhtml#target-here\">c</a>") != NULL);
	CHECK(strstr(x, "</a> d [e]") != NULL && strstr(x, "#nope") == NULL);
	CHECK(strstr(x, " b) f</p>") != NULL && strstr(x, "missing") == NULL);
	free(x);

	/* A link into a section another essay lacks is judged once every
	 * essay is rendered; the essay is then written again without the
	 * section in that href, and told once. */
	{
		struct quire_diag *d2 = quire_diag_new(0);
		x = render("[g](sub/other.md#nope) [h](sub/other.md#target-here) "
		    "[i](sub/other.md#nope)\n", d2);
		CHECK(strstr(x, "<a href=\"other.xhtml\">g</a>") != NULL);
		CHECK(strstr(x, "<a href=\"other.xhtml#target-here\">h</a>") !=
		    NULL);
		CHECK(strstr(x, "<a href=\"other.xhtml\">i</a>") != NULL);
		CHECK(strstr(x, "#nope") == NULL);
		CHECK(quire_diag_warnings(d2) == 2);
		CHECK(quire_diag_errors(d2) == 0);
		free(x);
		quire_diag_free(d2);
	}

	/* Footnotes: numbered notes, back link first, used twice. */
	x = render("One[^n] two[^n] three[^m].\n\n[^n]: Note N.\n[^m]: Note M.\n",
	    d);
	CHECK(strstr(x, "<sup class=\"noteref\"><a href=\"#fn-1\" "
	    "id=\"fnref-1\" epub:type=\"noteref\" role=\"doc-noteref\">1</a>"
	    "</sup>") != NULL);
	CHECK(strstr(x, "id=\"fnref-1-2\"") != NULL);
	CHECK(strstr(x, "<aside id=\"fn-1\" class=\"footnote\" "
	    "epub:type=\"footnote\" role=\"doc-footnote\">") != NULL);
	CHECK(strstr(x, "<p><a href=\"#fnref-1\" role=\"doc-backlink\" "
	    "class=\"backlink\">1.</a> Note N.") != NULL);
	CHECK(strstr(x, "href=\"#fnref-1-2\"") != NULL);
	CHECK(strstr(x, "<aside id=\"fn-2\"") != NULL);
	CHECK(strstr(x, "data-footnote") == NULL);
	CHECK(strstr(x, "footnote-backref") == NULL);
	free(x);

	/* Content models: a block inside an inline, text inside a list. */
	x = render("<span><div>x</div></span>\n\n<ul>loose<li>i</li></ul>\n\n"
	    "<li>stray</li>\n\nA <em>b <table><tr><td>c</td></tr></table></em>"
	    "\n\n<b><p>d</p></b>\n", d);
	CHECK(strstr(x, "<p><span></span></p><div>x</div>\n") != NULL);
	CHECK(strstr(x, "<p></p>") == NULL);
	CHECK(strstr(x, "<div>A <div>b <table>") != NULL);
	CHECK(strstr(x, "<p><b></b></p><p><b>d</b></p>") != NULL);
	CHECK(strstr(x, "<ul><li>loose</li><li>i</li></ul>") != NULL);
	CHECK(strstr(x, "<div>stray</div>") != NULL);
	free(x);
	quire_diag_free(d);
}

/* The sanitiser's judges: URLs, CSS, data: URIs, image bytes. */
static void
test_sanitize(void)
{
	unsigned char *bytes;
	size_t len;
	char *mime, out[96], big[200];

	CHECK(san_tables_sorted());
	CHECK(san_url("#a") == URL_FRAG);
	CHECK(san_url("  #a") == URL_FRAG);
	CHECK(san_url("img/a.png") == URL_LOCAL);
	CHECK(san_url("https://x/") == URL_REMOTE);
	CHECK(san_url("HTTP://x/") == URL_REMOTE);
	CHECK(san_url("//x/") == URL_REMOTE);
	CHECK(san_url("data:image/png;base64,AA==") == URL_DATA);
	CHECK(san_url("javascript:alert(1)") == URL_BAD);
	CHECK(san_url("JaVaScRiPt:alert(1)") == URL_BAD);
	CHECK(san_url("java\tscript:alert(1)") == URL_BAD);
	CHECK(san_url(" \x01javascript:alert(1)") == URL_BAD);
	CHECK(san_url("vbscript:x") == URL_BAD);
	CHECK(san_css_ok("fill: red; stroke-width: 2", 0));
	CHECK(san_css_ok("fill: url(#g)", 0));
	CHECK(san_css_ok("fill: url( '#g' )", 0));
	CHECK(san_css_ok("fill: rgb(1, 2, 3); width: calc(1px + (2px))", 0));
	CHECK(!san_css_ok("fill: url(http://x/)", 0));
	CHECK(!san_css_ok("fill: URL(http://x/)", 0));
	CHECK(!san_css_ok("fill: \\75 rl(http://x/)", 0));
	CHECK(!san_css_ok("fill: u\\rl(http://x/)", 0));
	CHECK(!san_css_ok("fill: url(#a) url(x)", 0));
	CHECK(!san_css_ok("background: image-set('x.png' 1x)", 0));
	CHECK(!san_css_ok("width: expression(alert(1))", 0));
	CHECK(!san_css_ok("@import 'x.css'", 0));
	CHECK(!san_css_ok("@import 'x.css';", 1));
	CHECK(!san_css_ok("a { fill: red } </style><script>", 1));
	CHECK(!san_css_ok("fill: u/**/rl(x)", 0));
	CHECK(san_css_ok("@media print { .a > .b { fill: red } }", 1));
	CHECK(!san_css_ok("@font-face { src: local(x) }", 1));
	CHECK(base64_decode("aGk=", 4, &bytes, &len) == 0 && len == 2 &&
	    memcmp(bytes, "hi", 2) == 0);
	free(bytes);
	CHECK(base64_decode("aGk", 3, &bytes, &len) == 0 && len == 2);
	free(bytes);
	CHECK(base64_decode("a Gl0\n", 6, &bytes, &len) == 0 && len == 3 &&
	    memcmp(bytes, "hit", 3) == 0);
	free(bytes);
	CHECK(base64_decode("a", 1, &bytes, &len) == -1);
	CHECK(base64_decode("aG=k", 4, &bytes, &len) == -1);
	CHECK(base64_decode("a*Gk", 4, &bytes, &len) == -1);
	CHECK(data_uri_decode("data:Image/PNG;base64,aGk=", &bytes, &len,
	    &mime) == 0 && len == 2);
	CHECK_STR(mime, "image/png");
	free(mime);
	free(bytes);
	CHECK(data_uri_decode("data:image/png,hi", &bytes, &len, NULL) == -1);
	CHECK(data_uri_decode("http://x/;base64,aGk=", &bytes, &len,
	    NULL) == -1);
	CHECK_STR(clip_url("data:short", out), "data:short");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[79] = '\xc3';
	big[80] = '\xa9';
	CHECK(strlen(clip_url(big, out)) == 79 + 3);
	CHECK(san_image_ok("image/gif", (const unsigned char *)
	    "GIF89a\1\0\1\0\0\0\0;alert(1)", 22) == 0);
	CHECK(san_image_ok("image/png", (const unsigned char *)
	    "\x89PNG\r\n\x1a\n", 8) == 0);
	CHECK(san_xml_name("viewBox") && !san_xml_name("a\"b") &&
	    !san_xml_name("1x") && !san_xml_name("foo:bar") &&
	    !san_xml_name(""));
	CHECK(san_rule(SAN_SVG, "script") == NULL);
	CHECK(san_rule(SAN_SVG, "set") == NULL);
	CHECK(san_rule(SAN_SVG, "animate") == NULL);
	CHECK(san_rule(SAN_MATHML, "mglyph") == NULL);
	CHECK(san_rule(SAN_MATHML, "annotation-xml") == NULL);
	CHECK(san_rule(SAN_HTML, "script")->act == R_DROP);
	CHECK(san_attr(SAN_SVG, san_rule(SAN_SVG, "rect"), "onload") < 0);
	CHECK(san_attr(SAN_SVG, san_rule(SAN_SVG, "rect"), "href") < 0);
	CHECK(san_attr(SAN_SVG, san_rule(SAN_SVG, "use"), "href") >= 0);
	CHECK(san_attr(SAN_SVG, san_rule(SAN_SVG, "rect"), "viewBox") >= 0);
	CHECK(san_attr(SAN_MATHML, san_rule(SAN_MATHML, "mi"), "src") < 0);
	CHECK(san_attr(SAN_MATHML, san_rule(SAN_MATHML, "math"), "alttext")
	    >= 0);
	{
		/* An unwrapped element declares the namespace its children
		 * use: they keep it once it is gone (ASan saw the children
		 * point at the freed declaration). */
		static const char svg[] = "<svg xmlns=\"" NS_SVG "\"><a "
		    "xmlns:s=\"" NS_SVG "\"><s:rect width=\"1\" height=\"2\"/>"
		    "</a></svg>";
		char *o = NULL, *why = NULL;
		size_t olen = 0;
		xmlDoc *doc;
		xmlNode *k;

		CHECK(san_svg_file((const unsigned char *)svg,
		    sizeof(svg) - 1, &o, &olen, &why) == 0);
		doc = o ? xmlReadMemory(o, (int)olen, NULL, NULL,
		    XML_PARSE_NONET) : NULL;
		k = doc ? xmlFirstElementChild(xmlDocGetRootElement(doc)) :
		    NULL;
		CHECK(k && xmlStrEqual(k->name, BAD_CAST "rect") && k->ns &&
		    xmlStrEqual(k->ns->href, BAD_CAST NS_SVG));
		xmlFreeDoc(doc);
		free(o);
		free(why);
	}
}

/* The class of the span covering code[at], or NULL. */
static const char *
class_at(const struct hl_span *sp, size_t n, size_t at)
{
	for (size_t i = 0; i < n; i++)
		if (sp[i].start <= at && at < sp[i].end)
			return sp[i].cls;
	return NULL;
}

static void
test_highlight(void)
{
	/* Each language's reserved words, literals and comments, as its
	 * own definition classes them. */
	static const struct {
		const char *lang, *code, *token, *cls;
	} cases[] = {
		{ "ts", "const s: string = \"x\"; // note\n", "const", "hl-kw" },
		{ "ts", "const s: string = \"x\"; // note\n", "\"x\"", "hl-str" },
		{ "ts", "const s: string = \"x\"; // note\n", "// note", "hl-com" },
		{ "TypeScript", "let n = 42;\n", "42", "hl-num" },
		{ "JS", "while (true) { break; }\n", "while", "hl-kw" },
		{ "python", "def f():\n    return 'a'  # c\n", "def", "hl-kw" },
		{ "python", "def f():\n    return 'a'  # c\n", "'a'", "hl-str" },
		{ "python", "def f():\n    return 'a'  # c\n", "# c", "hl-com" },
		{ "sql", "SELECT 'a' FROM t; -- c\n", "SELECT", "hl-kw" },
		{ "sql", "SELECT 'a' FROM t; -- c\n", "-- c", "hl-com" },
		{ "sql", "SELECT 7 FROM t;\n", "7", "hl-num" },
		{ "bash", "if true; then echo \"y\"; fi # c\n", "then", "hl-kw" },
		{ "shell", "if true; then echo \"y\"; fi # c\n", "# c", "hl-com" },
		{ "c", "int main(void) { return 0; } /* c */\n", "return", "hl-kw" },
		{ "go", "func main() { s := \"g\" } // c\n", "\"g\"", "hl-str" },
		{ "rust", "fn main() { let v = 1; } // c\n", "let", "hl-kw" },
		{ "java", "class A { int x; } // c\n", "class", "hl-kw" },
		{ "yaml", "key: 'v' # c\n", "# c", "hl-com" },
		{ "json", "{\"k\": false}\n", "false", "hl-num" },
		{ "css", "a { color: red; } /* c */\n", "/* c */", "hl-com" },
		{ "html", "<p class=\"x\">t</p>\n", "p", "hl-tag" },
		/* Tokens named by a node inside a pattern's parent, which the
		 * compiled query checks by kind (put_unanalysed). */
		{ "js", "obj.send(1);\n", "send", "hl-fn" },
		{ "ts", "a.b = function () {};\n", "b", "hl-fn" },
		{ "tsx", "x.y(z);\n", "y", "hl-fn" },
		{ "yaml", "title: x\n", "title", "hl-prop" },
		{ "yaml", "{ k: v }\n", "k", "hl-prop" },
		{ "rust", "fn f() { v.push(1); }\n", "push", "hl-fn" },
		{ "rust", "fn f() { std::mem::drop(x); }\n", "drop", "hl-fn" },
		{ "go", "func f() { fmt.Println(1) }\n", "Println", "hl-fn" },
		{ "c", "void f(void) { s->g(); }\n", "g", "hl-fn" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct hl_span *sp;
		size_t n, at = strstr(cases[i].code, cases[i].token) -
		    cases[i].code, len = strlen(cases[i].code);
		const char *cls;

		CHECK(highlight(cases[i].lang, cases[i].code, len, &sp,
		    &n) == 0);
		cls = class_at(sp, n, at);
		if (cls == NULL || strcmp(cls, cases[i].cls) != 0)
			fprintf(stderr, "%s: '%s' is %s\n", cases[i].lang,
			    cases[i].token, cls ? cls : "plain");
		CHECK(cls != NULL && strcmp(cls, cases[i].cls) == 0);
		/* The whole token, in order, no overlap. */
		for (size_t k = 0; k < n; k++) {
			CHECK(sp[k].start < sp[k].end && sp[k].end <= len);
			CHECK(k == 0 || sp[k - 1].end <= sp[k].start);
		}
		free(sp);
	}
	{
		struct hl_span *sp = (void *)1;
		size_t n = 1;

		CHECK(highlight("klingon", "x", 1, &sp, &n) == -1);
		CHECK(sp == NULL && n == 0);
		CHECK(highlight(NULL, "x", 1, &sp, &n) == -1);
		CHECK(highlight_grammar("sh") != NULL);
		CHECK(highlight_grammar("diff") == NULL);
	}
	/* Every grammar's query compiles as quire rewrites it (nested
	 * parents as wildcards checked by kind), not in a fallback form. */
	{
		static const char *const names[] = { "bash", "c", "css", "go",
		    "html", "java", "javascript", "json", "python", "rust",
		    "sql", "tsx", "typescript", "yaml" };

		for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
			int form = highlight_query_form(names[i]);

			if (form != 0)
				fprintf(stderr, "%s: query form %d\n",
				    names[i], form);
			CHECK(form == 0);
		}
		CHECK(highlight_query_form("diff") == -1);
	}
	/* In the tree: the text is unchanged, only wrapped in spans. */
	{
		const char *src = "<pre xmlns='http://www.w3.org/1999/xhtml'>"
		    "<code class='x language-py'>import os\n# a &lt; b\n</code>"
		    "</pre>";
		xmlDoc *doc = xmlReadMemory(src, (int)strlen(src), NULL, NULL,
		    0);
		xmlNode *pre = xmlDocGetRootElement(doc);
		xmlChar *before = xmlNodeGetContent(pre), *after;
		xmlBuffer *b = xmlBufferCreate();

		highlight_tree(pre);
		after = xmlNodeGetContent(pre);
		CHECK_STR((char *)after, (char *)before);
		xmlNodeDump(b, doc, pre, 0, 0);
		CHECK(strstr((char *)xmlBufferContent(b),
		    "<span class=\"hl-kw\">import</span> os\n"
		    "<span class=\"hl-com\"># a &lt; b</span>") != NULL);
		xmlBufferFree(b);
		xmlFree(before);
		xmlFree(after);
		xmlFreeDoc(doc);
	}
}

/* Blocks in several languages, for the reuse test below. */
static const struct {
	const char *lang, *code;
} hl_blocks[] = {
	{ "sql", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$"
	    " LANGUAGE sql;\n" },
	{ "js", "x = require; y = foo; z = Foo; w = FOO_BAR;\n" },
	{ "bash", "cat <<EOF\n$HOME\nEOF\necho \"$1\" # c\n" },
	{ "python", "def f(a):\n    return a + 1  # c\n" },
	{ "yaml", "k: |\n  text\nl: [1, 2]\n" },
	{ "tsx", "const a = <A b={1}>t</A>;\n" },
	{ "sql", "SELECT 'a' FROM t; -- c\n" },
	{ "html", "<p class=\"x\">t</p>\n" },
};
#define NHL (sizeof(hl_blocks) / sizeof(*hl_blocks))

struct hl_run {
	int backwards;
	int rc[NHL];
	struct hl_span *sp[NHL];
	size_t n[NHL];
};

static void *
hl_run_all(void *arg)
{
	struct hl_run *r = arg;

	for (size_t k = 0; k < NHL; k++) {
		size_t i = r->backwards ? NHL - 1 - k : k;

		r->rc[i] = highlight(hl_blocks[i].lang, hl_blocks[i].code,
		    strlen(hl_blocks[i].code), &r->sp[i], &r->n[i]);
	}
	return NULL;
}

/* A thread keeps its parser from block to block and from language to
 * language: each block's spans are the same whatever was highlighted
 * before it, on this thread or on another.  Predicates (#eq?, #match?)
 * judge the captures of their own pattern only. */
static void
test_highlight_reuse(void)
{
	struct hl_run first = { 0 }, again = { 0 }, other = { 0 };
	pthread_t tid;
	const char *js = hl_blocks[1].code;
	static const struct {
		const char *token, *cls;
	} js_want[] = {
		{ "require", "hl-fn" },   /* #eq? */
		{ "foo", NULL },          /* no predicate holds */
		{ "Foo", "hl-type" },     /* #match? "^[A-Z]" */
		{ "FOO_BAR", "hl-num" },  /* both match: the later pattern */
	};

	hl_run_all(&first);
	again.backwards = 1;
	hl_run_all(&again);
	other.backwards = 1;
	CHECK(pthread_create(&tid, NULL, hl_run_all, &other) == 0);
	pthread_join(tid, NULL);
	for (size_t i = 0; i < NHL; i++) {
		CHECK(first.rc[i] == 0 && first.n[i] > 0);
		for (int k = 0; k < 2; k++) {
			struct hl_run *r = k ? &other : &again;
			int same = r->rc[i] == first.rc[i] &&
			    r->n[i] == first.n[i];

			for (size_t j = 0; same && j < first.n[i]; j++)
				same = r->sp[i][j].start == first.sp[i][j].start &&
				    r->sp[i][j].end == first.sp[i][j].end &&
				    r->sp[i][j].cls == first.sp[i][j].cls;
			if (!same)
				fprintf(stderr, "%s block %zu: other spans %s\n",
				    hl_blocks[i].lang, i,
				    k ? "on another thread" : "the second time");
			CHECK(same);
			free(r->sp[i]);
		}
	}
	for (size_t i = 0; i < sizeof(js_want) / sizeof(*js_want); i++) {
		const char *cls = class_at(first.sp[1], first.n[1],
		    (size_t)(strstr(js, js_want[i].token) - js));

		if (js_want[i].cls == NULL)
			CHECK(cls == NULL);
		else
			CHECK(cls != NULL && strcmp(cls, js_want[i].cls) == 0);
	}
	for (size_t i = 0; i < NHL; i++)
		free(first.sp[i]);
}

/* Release helpers: sizes for people, words across inline and block
 * elements (the header left out), the ledger written and read back. */
static void
test_release(void)
{
	const char *x = "<section xmlns=\"http://www.w3.org/1999/xhtml\">"
	    "<header><h1>Four words of title</h1></header>"
	    "<p>one <em>two</em>three</p><ul><li>four</li><li>five\nsix"
	    "</li></ul><p>seven</p></section>";
	xmlDoc *doc = xmlReadMemory(x, (int)strlen(x), NULL, NULL, 0);
	struct ledger l = { 0 }, back;
	struct release *r;
	struct quire_diag *d = quire_diag_new(0);
	char *s, path[] = "/tmp/quire-unit-XXXXXX";
	size_t len;
	FILE *fp;
	int fd;

	CHECK(doc != NULL);
	CHECK(count_words(xmlDocGetRootElement(doc)) == 6);
	xmlFreeDoc(doc);
	s = human_size(999);
	CHECK_STR(s, "999 bytes");
	free(s);
	s = human_size(83435);
	CHECK_STR(s, "83.4 KB");
	free(s);
	s = human_size(1250000);
	CHECK_STR(s, "1.2 MB");
	free(s);
	l.book = xstrdup("urn:uuid:x");
	l.rel = xcalloc(1, sizeof(*l.rel));
	l.n = 1;
	r = &l.rel[0];
	r->version = xstrdup("1.0 <&>");
	r->date = xstrdup("2025-01-01T00:00:00Z");
	r->uuid = xstrdup("urn:uuid:y");
	r->title = xstrdup("T\xc3\xa9");
	r->lang = xstrdup("en");
	r->files = xcalloc(1, sizeof(*r->files));
	r->nfiles = 1;
	r->files[0].name = xstrdup("t-1.0.epub");
	r->files[0].role = xstrdup("epub");
	r->files[0].mime = xstrdup("application/epub+zip");
	r->files[0].size = 5000000000ULL;
	memset(r->files[0].sha, 'a', 64);
	r->changes = xcalloc(1, sizeof(*r->changes));
	r->nchanges = 1;
	r->changes[0] = (struct rel_change){ CH_CHANGED, xstrdup("E"), 10,
	    -3 };
	s = change_text(&r->changes[0]);
	CHECK_STR(s, "Changed \xe2\x80\x9c" "E\xe2\x80\x9d (-3 words, now 10)");
	free(s);
	s = ledger_xml(&l, &len);
	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	fwrite(s, 1, len, fp);
	fclose(fp);
	free(s);
	CHECK(ledger_read(path, path, &back, d) == 0);
	CHECK(back.n == 1 && strcmp(back.rel[0].version, "1.0 <&>") == 0);
	CHECK(back.n == 1 && back.rel[0].nfiles == 1 &&
	    back.rel[0].files[0].size == 5000000000ULL);
	CHECK(back.n == 1 && back.rel[0].nchanges == 1 &&
	    back.rel[0].changes[0].delta == -3);
	ledger_free(&back);
	unlink(path);
	ledger_free(&l);
	CHECK(release_name_ok("a.epub") && !release_name_ok("../a") &&
	    !release_name_ok(".quire") && !release_name_ok("a/b"));
	quire_diag_free(d);
}

/* Which dollars open math (pandoc's rules), read before escapes: with
 * no converter each formula is its TeX in span.math, verbatim. */
static void
test_math(void)
{
	static const char *const cases[][2] = {
		{ "It costs $5 and $10.", NULL },
		{ "Money $5$ is not math.", "5" },
		{ "Inline $x$ here.", "x" },
		{ "No $ x$ space after the opener.", NULL },
		{ "No $x $ space before the closer.", NULL },
		{ "Not $x$5 before a digit.", NULL },
		{ "Escaped \\$x$ dollar.", NULL },
		{ "An escaped $a\\$b$ inside.", "a\\$b" },
		{ "TeX $\\{x\\}\\,y$ as written.", "\\{x\\}\\,y" },
		{ "No emphasis $a*b*c$ inside.", "a*b*c" },
		{ "Quotes $\"a\" -- b$ kept.", "\"a\" -- b" },
		{ "Code `$x$` stays code.", NULL },
		{ "Display $$ a + b $$ in a line.", "a + b" },
		{ "Unclosed $$x and more.", NULL },
	};
	struct quire_diag *d;
	char *x, *want;

	setenv("QUIRE_MATH", "/nonexistent/quire-math.js", 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		d = quire_diag_new(0);
		x = render(cases[i][0], d);
		if (cases[i][1] == NULL)
			CHECK(strstr(x, "class=\"math") == NULL);
		else {
			want = xasprintf(">%s</span>", cases[i][1]);
			CHECK(strstr(x, "class=\"math") != NULL);
			CHECK(strstr(x, want) != NULL);
			free(want);
		}
		free(x);
		quire_diag_free(d);
	}
	x = render("Display $$a$$ and a fence:\n\n```math\nb < c\n```\n",
	    d = quire_diag_new(0));
	CHECK(strstr(x, "<span class=\"math display\">a</span>") != NULL);
	CHECK(strstr(x, "<p><span class=\"math display\">b &lt; c</span></p>")
	    != NULL);
	free(x);
	quire_diag_free(d);
	math_cleanup();
	unsetenv("QUIRE_MATH");
}

/* Counts the newlines of s. */
static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
test_site(void)
{
	struct quire_diag *d = quire_diag_new(0);
	struct book b;
	struct essay e;
	char *k;
	const char *md;

	/* Site keys: pretty URLs, files and folders' index pages meet. */
	k = site_key("/Functions/strings/Trim/");
	CHECK_STR(k, "functions/strings/trim");
	free(k);
	k = site_key("functions/strings/Trim.md");
	CHECK_STR(k, "functions/strings/trim");
	free(k);
	k = site_key("about/index.html");
	CHECK_STR(k, "about");
	free(k);
	k = site_key("blog/_index.md");
	CHECK_STR(k, "blog");
	free(k);
	k = site_key("src/README.md");
	CHECK_STR(k, "src");
	free(k);
	k = site_key("ch01.html");
	CHECK_STR(k, "ch01");
	free(k);
	k = site_key("notindex.md");
	CHECK_STR(k, "notindex");
	free(k);

	/* Typographic punctuation; Markdown in a title stays as written. */
	k = site_smart("Don't \"panic\" -- or...");
	CHECK_STR(k, "Don\xe2\x80\x99t \xe2\x80\x9cpanic\xe2\x80\x9d "
	    "\xe2\x80\x93 or\xe2\x80\xa6");
	free(k);
	k = site_smart("*not* `code` [x](y) <b> & 'q'");
	CHECK_STR(k, "*not* `code` [x](y) <b> & \xe2\x80\x98q\xe2\x80\x99");
	free(k);
	k = site_smart("1. It's a list");
	CHECK_STR(k, "1. It's a list");  /* not a paragraph: kept */
	free(k);
	k = site_smart("No quotes");
	CHECK_STR(k, "No quotes");
	free(k);

	/* The pre-pass keeps every line on its line, and code as it is. */
	memset(&b, 0, sizeof(b));
	md = "---\nparams:\n  sig: f(x)\n---\n"
	    "A {{< param sig >}} b\n"
	    "{{< figure\n  src=\"a.png\"\n  caption=\"C\" >}}\n"
	    "`{{< param sig >}}` and ``{{ x }}``\n"
	    "```\n{{< youtube abc >}}\n```\n"
	    "{% highlight c %}\nint {{ x }};\n{% endhighlight %}\n"
	    "[r]({{< ref \"other.md\" >}}) {{< what >}} {{< what >}}\n";
	e = essay_of(md);
	CHECK(essay_front_matter(&e, d) == 0);
	site_prepass(&b, &e, d);
	CHECK(count_lines(e.text) == count_lines(md));
	CHECK(strstr(e.text, "A f(x) ") != NULL);
	CHECK(strstr(e.text, "<figcaption>C</figcaption></figure>\n\n\n`") !=
	    NULL);
	/* Hugo expands a shortcode in code too: its value as it is. */
	CHECK(strstr(e.text, "`f(x)` and ``{{ x }}``\n") != NULL);
	CHECK(strstr(e.text, "```\n{{< youtube abc >}}\n```\n") != NULL);
	CHECK(strstr(e.text, "```c\nint {{ x }};\n```\n") != NULL);
	/* Padded to the length it had: columns after it stay true. */
	{
		const char *r = strstr(e.text, "[r](other.md ");
		CHECK(r != NULL && r[4 + 22] == ')');
	}
	CHECK(idset_has(&ESITE(&e)->siterefs, "other.md"));
	CHECK(quire_diag_warnings(d) == 1);  /* 'what', once */
	essay_clear(&e);
	quire_diag_free(d);
}

static int
emit_put(void *arg, const char *p, size_t n)
{
	buf_put(arg, p, n);
	return 0;
}

/* Resource bytes streamed from a file in blocks: the base64 of the whole
 * file whatever its size against the block size; a file changed since it
 * was hashed is refused, the same size or not. */
static void
test_resource_emit(void)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 49151, 49152, 49153,
	    3 * 49152 + 2, 200001 };
	char path[] = "/tmp/quire-unit-res-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd != -1);
	if (fd == -1)
		return;
	close(fd);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		size_t n = sizes[k];
		unsigned char *bytes = xmalloc(n);
		struct resource r;
		struct buf got = { 0 };
		char *want;
		FILE *f;

		for (size_t i = 0; i < n; i++)
			bytes[i] = (unsigned char)(i * 7 + k + (i >> 9));
		f = fopen(path, "wb");
		fwrite(bytes, 1, n, f);
		fclose(f);
		memset(&r, 0, sizeof(r));
		r.file = path;
		r.len = n;
		sha256(bytes, n, r.hash);
		want = base64(bytes, n);
		CHECK(resource_emit(&r, 1, emit_put, &got) == 0);
		buf_putc(&got, '\0');
		CHECK(got.data && strcmp(got.data, want) == 0);
		buf_free(&got);
		/* From memory, the same. */
		r.data = bytes;
		CHECK(resource_emit(&r, 1, emit_put, &got) == 0);
		buf_putc(&got, '\0');
		CHECK(got.data && strcmp(got.data, want) == 0);
		buf_free(&got);
		r.data = NULL;
		free(want);
		/* One byte changed, the size the same: refused. */
		bytes[n / 2] ^= 1;
		f = fopen(path, "wb");
		fwrite(bytes, 1, n, f);
		fclose(f);
		CHECK(resource_emit(&r, 1, emit_put, &got) == Q_CHANGED);
		buf_free(&got);
		CHECK(resource_bytes(&r) == NULL);
		/* Longer, then shorter: refused. */
		bytes[n / 2] ^= 1;
		f = fopen(path, "wb");
		fwrite(bytes, 1, n, f);
		fputc('x', f);
		fclose(f);
		CHECK(resource_emit(&r, 0, emit_put, &got) == Q_CHANGED);
		buf_free(&got);
		f = fopen(path, "wb");
		fwrite(bytes, 1, n - 1, f);
		fclose(f);
		CHECK(resource_emit(&r, 0, emit_put, &got) == Q_CHANGED);
		buf_free(&got);
		free(bytes);
	}
	unlink(path);
	CHECK(mime_compressed("image/jpeg") && mime_compressed("image/png") &&
	    mime_compressed("font/woff2") && !mime_compressed("image/svg+xml"));
}

/* A big book's source is let go after loading and read again when it is
 * rendered: the same bytes come back, and a file changed in between is
 * an error, not a book made of two versions. */
static void
test_reload(void)
{
	char dir[] = "/tmp/quire-unit-XXXXXX", *path;
	struct quire_options opt;
	struct quire_diag *d = quire_diag_new(0), *d2;
	struct book b;
	struct essay *e;
	char *was;
	FILE *fp;

	CHECK(mkdtemp(dir) != NULL);
	path = path_join(dir, "one.md");
	fp = fopen(path, "w");
	fputs("---\ntitle: One\n---\nFirst words.\n", fp);
	fclose(fp);
	memset(&opt, 0, sizeof(opt));
	opt.src = dir;
	setenv("QUIRE_TEST_SQUEEZE", "0", 1);
	book_init(&b);
	CHECK(load_book(&b, &opt, d) == 0);
	unsetenv("QUIRE_TEST_SQUEEZE");
	CHECK(b.nessays == 1);
	e = &b.essays[0];
	CHECK(e->text == NULL && e->reread);
	CHECK(essay_reload(&b, e, d) == 0 && e->text != NULL);
	CHECK(quire_diag_errors(d) == 0);
	was = e->text ? xstrdup(e->text + e->body) : NULL;
	CHECK_STR(was, "First words.\n");
	free(e->text);
	e->text = NULL;
	fp = fopen(path, "w");
	fputs("---\ntitle: One\n---\nOther words.\n", fp);
	fclose(fp);
	d2 = quire_diag_new(0);
	CHECK(essay_reload(&b, e, d2) == -1 && e->text == NULL);
	CHECK(quire_diag_errors(d2) == 1);
	quire_diag_free(d2);
	free(was);
	book_free(&b);
	unlink(path);
	rmdir(dir);
	free(path);
	quire_diag_free(d);
}

/* Whether an essay may have a formula, so that node starts early: every
 * formula pandoc's rules find must be seen; what is plainly not one,
 * code in a fence or a code span among them, should not start it. */
static void
test_math_candidate(void)
{
	static const char *const yes[] = { "Let $x$ be.", "a $$x$$ b",
	    "$$\nx\n$$", "```math\nx\n```", "  ~~~ math\nx\n~~~",
	    "so $a+b$.", "end $x$", "$\\$$ and $y$", "one\ntwo $x^2$\n",
	    "```sql\nAS $$\n```\nthen $x$", "`code` and $x$",
	    "``a`b`` then $x$", "`unclosed $x$", "``` a`b\n$x$",
	    "~~~\n~~~ x\n$x$\n~~~\n$y$", "> ```math\n> x\n> ```" };
	static const char *const no[] = { "costs $5 and $10", "$ npm i",
	    "plain text", "a $x\ny$ b", "```js\nmath\n```", "x $a $ b",
	    "", "```sql\nAS $$\nSELECT 1;\n$$;\n```",
	    "run `echo $HOME:$PATH` now", "~~~\n$x$\n~~~",
	    "````\n```\n$x$\n````", "   ```\n$$\n   ```  ",
	    "``$a$`` and `$b$`", "> ```sql\n> AS $$\n> ```",
	    "- ```sh\n  echo $HOME:$PATH\n  ```" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		CHECK(math_candidate(yes[i], strlen(yes[i])) == 1);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		CHECK(math_candidate(no[i], strlen(no[i])) == 0);
	/* Only the bytes given are looked at. */
	CHECK(math_candidate("$x$", 2) == 0);
}

/* The generated cover holds the whole title, however long: every word in
 * its <text>s, each line narrower than the frame's 1400 px by the cover's
 * own measure, and the PNG drawn from it 1600 x 2560. */
static void
test_cover(void)
{
	struct book b = { 0 };
	struct buf words = { 0 };
	struct quire_diag *d = quire_diag_new(0);
	char *svg, *png;
	size_t len, n = 0;
	xmlDoc *doc;

	for (int i = 0; i < 60; i++)
		buf_printf(&words, "%sword%d", i ? " " : "", i);
	buf_puts(&words, " Pneumonoultramicroscopicsilicovolcanoconiosis"
	    "Pneumonoultramicroscopicsilicovolcanoconiosis");
	b.title = words.data;
	b.lang = (char *)"en";
	svg = cover_svg(&b, &len);
	doc = xmlReadMemory(svg, (int)len, NULL, NULL, 0);
	CHECK(doc != NULL);
	if (doc) {
		struct buf all = { 0 };
		for (xmlNode *k = xmlDocGetRootElement(doc)->children; k;
		    k = k->next) {
			xmlChar *t, *size;
			if (k->type != XML_ELEMENT_NODE ||
			    strcmp((char *)k->name, "text") != 0)
				continue;
			t = xmlNodeGetContent(k);
			size = xmlGetProp(k, BAD_CAST "font-size");
			/* 14 characters a line at 170 px: 2400 px / size. */
			CHECK(strlen((char *)t) * (size_t)atoi((char *)size) <=
			    2400);
			buf_printf(&all, "%s%s", all.len ? " " : "", t);
			xmlFree(t);
			xmlFree(size);
			n++;
		}
		CHECK(n > 4);
		/* The words back, the long one cut into lines of it. */
		{
			char *x = all.data, *y = words.data;
			size_t i = 0, j = 0;
			int same = 1;
			while (x[i] || y[j]) {
				if (x[i] == ' ') { i++; continue; }
				if (y[j] == ' ') { j++; continue; }
				if (x[i++] != y[j++]) { same = 0; break; }
			}
			CHECK(same);
		}
		buf_free(&all);
		xmlFreeDoc(doc);
	}
	free(svg);
	CHECK(cover_raster(&b, d, &png, &len) == 0);
	CHECK(png != NULL && len > 24 && memcmp(png, "\x89PNG", 4) == 0);
	if (png && len > 24) {
		unsigned w = (unsigned)(unsigned char)png[16] << 24 |
		    (unsigned)(unsigned char)png[17] << 16 |
		    (unsigned)(unsigned char)png[18] << 8 |
		    (unsigned char)png[19];
		unsigned h = (unsigned)(unsigned char)png[22] << 8 |
		    (unsigned char)png[23];
		CHECK(w == 1600 && h == 2560);
	}
	free(png);
	buf_free(&words);
	quire_diag_free(d);
}

/* A PNG read back by libpng (which checks every chunk's CRC) as RGB
 * bytes; its colour type in *type.  NULL if libpng cannot read it. */
static unsigned char *
png_rgb(const char *png, size_t len, int *w, int *h, int *type)
{
	png_image im = { .version = PNG_IMAGE_VERSION };
	unsigned char *rgb;

	*type = len > 25 ? (unsigned char)png[25] : -1;
	if (!png_image_begin_read_from_memory(&im, png, len))
		return NULL;
	im.format = PNG_FORMAT_RGB;
	rgb = xmalloc(PNG_IMAGE_SIZE(im));
	if (!png_image_finish_read(&im, NULL, rgb, 0, NULL)) {
		png_image_free(&im);
		free(rgb);
		return NULL;
	}
	*w = (int)im.width;
	*h = (int)im.height;
	return rgb;
}

/* svg drawn here by librsvg into a w x h RGB24 surface on white, as the
 * cover is (no text: the fonts are the cover's own), as RGB bytes. */
static unsigned char *
svg_rgb(const char *svg, int w, int h)
{
	RsvgHandle *r = rsvg_handle_new_from_data((const guint8 *)svg,
	    strlen(svg), NULL);
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
	    w, h);
	cairo_t *cr = cairo_create(s);
	unsigned char *rgb = xmalloc((size_t)w * (size_t)h * 3), *data;
	int stride = cairo_image_surface_get_stride(s);

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	CHECK(r && rsvg_handle_render_document(r, cr,
	    &(RsvgRectangle){ 0, 0, w, h }, NULL));
	cairo_destroy(cr);
	cairo_surface_flush(s);
	data = cairo_image_surface_get_data(s);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t c;
			memcpy(&c, data + (size_t)y * (size_t)stride +
			    (size_t)x * 4, 4);
			rgb[((size_t)y * (size_t)w + (size_t)x) * 3] =
			    (unsigned char)(c >> 16);
			rgb[((size_t)y * (size_t)w + (size_t)x) * 3 + 1] =
			    (unsigned char)(c >> 8);
			rgb[((size_t)y * (size_t)w + (size_t)x) * 3 + 2] =
			    (unsigned char)c;
		}
	cairo_surface_destroy(s);
	if (r)
		g_object_unref(r);
	return rgb;
}

static size_t
colours(const unsigned char *rgb, size_t pixels)
{
	unsigned char *seen = calloc(1 << 21, 1);
	size_t n = 0;

	for (size_t i = 0; i < pixels; i++) {
		uint32_t c = (uint32_t)rgb[i * 3] << 16 |
		    (uint32_t)rgb[i * 3 + 1] << 8 | rgb[i * 3 + 2];
		if (!(seen[c >> 3] & 1 << (c & 7))) {
			seen[c >> 3] |= (unsigned char)(1 << (c & 7));
			n++;
		}
	}
	free(seen);
	return n;
}

/* The raster cover of an SVG one: the PNG's pixels are the drawing's,
 * written with a palette (colour type 3) when it has at most 256
 * colours, as RGB (2) otherwise.  Returns the count of colours. */
static size_t
cover_round_trip(const char *svg, int w, int h)
{
	struct resource r = { .src = (char *)"cover.svg",
		.mime = "image/svg+xml", .data = (unsigned char *)svg,
		.len = strlen(svg) };
	struct book b = { .title = (char *)"T", .lang = (char *)"en",
		.cover_res = &r };
	struct quire_diag *d = quire_diag_new(0);
	unsigned char *want = svg_rgb(svg, w, h), *got = NULL;
	size_t len, n = colours(want, (size_t)w * (size_t)h);
	char *png;
	int pw = 0, ph = 0, type;

	CHECK(cover_raster(&b, d, &png, &len) == 0);
	if (png)
		got = png_rgb(png, len, &pw, &ph, &type);
	CHECK(got != NULL && pw == w && ph == h);
	CHECK(type == (n <= 256 ? PNG_COLOR_TYPE_PALETTE :
	    PNG_COLOR_TYPE_RGB));
	CHECK(got && pw == w && ph == h &&
	    memcmp(got, want, (size_t)w * (size_t)h * 3) == 0);
	free(got);
	free(want);
	free(png);
	quire_diag_free(d);
	return n;
}

static void
test_cover_png(void)
{
	struct buf svg = { 0 };
	char *png;
	size_t len, n;
	struct book b = { .title = (char *)"Essays",
		.lang = (char *)"en" };
	struct quire_diag *d = quire_diag_new(0);
	unsigned char *rgb;
	int w, h, type;

	/* The generated cover of a short title (one colour of text,
	 * antialiased): a palette, the background at its corner, the
	 * frame's gold on its left side. */
	CHECK(cover_raster(&b, d, &png, &len) == 0);
	rgb = png ? png_rgb(png, len, &w, &h, &type) : NULL;
	CHECK(rgb != NULL && w == 1600 && h == 2560);
	if (rgb && w == 1600 && h == 2560) {
		n = colours(rgb, (size_t)w * (size_t)h);
		CHECK(n > 2 && n <= 256 && type == PNG_COLOR_TYPE_PALETTE);
		CHECK(memcmp(rgb, "\x1f\x2a\x36", 3) == 0);
		CHECK(memcmp(rgb + (1280 * 1600 + 100) * 3, "\xc9\xa4\x5c",
		    3) == 0);
	}
	free(rgb);
	free(png);
	quire_diag_free(d);

	/* The antialiased edges of two discs, and a square: a palette
	 * (the small disc: rows that differ from the one above only on
	 * the right). */
	n = cover_round_trip("<svg xmlns='http://www.w3.org/2000/svg' "
	    "width='160' height='256'><rect width='160' height='256' "
	    "fill='#1f2a36'/><circle cx='80' cy='100' r='57.3' "
	    "fill='#f4efe6'/><circle cx='140' cy='20' r='9.7' fill='#f4efe6'/>"
	    "<rect x='20' y='200' width='120' height='30' "
	    "fill='#c9a45c'/></svg>",
	    1600, 2560);
	CHECK(n > 100 && n <= 256);
	/* Two gradients and a disc on the right: over 256 colours, RGB. */
	n = cover_round_trip("<svg xmlns='http://www.w3.org/2000/svg' "
	    "width='256' height='256'><defs><linearGradient id='a'>"
	    "<stop offset='0' stop-color='#000'/><stop offset='1' "
	    "stop-color='#fff'/></linearGradient><linearGradient id='b'>"
	    "<stop offset='0' stop-color='#000'/><stop offset='1' "
	    "stop-color='#f00'/></linearGradient></defs><rect width='256' "
	    "height='128' fill='url(#a)'/><rect y='128' width='256' "
	    "height='128' fill='url(#b)'/><circle cx='230' cy='60' r='20' "
	    "fill='#0f0'/></svg>", 2560, 2560);
	CHECK(n > 256);
	/* 256 colours, and 257: a square of each, the last drawn or not. */
	for (int extra = 0; extra < 2; extra++) {
		buf_puts(&svg, "<svg xmlns='http://www.w3.org/2000/svg' "
		    "width='16' height='16'>");
		for (int i = 0; i < 256; i++)
			buf_printf(&svg, "<rect x='%d' y='%d' width='1' "
			    "height='1' fill='#%02x%02x%02x'/>", i % 16,
			    i / 16, i, 255 - i, (i * 7) & 255);
		if (extra)
			buf_puts(&svg, "<rect width='0.5' height='0.5' "
			    "fill='#123456'/>");
		buf_puts(&svg, "</svg>");
		CHECK(cover_round_trip(svg.data, 2560, 2560) ==
		    (size_t)(256 + extra));
		buf_free(&svg);
	}
	/* The 257th colour met at the first row of the second band (320)
	 * and in its middle (400): the rows above it are written from the
	 * palette's indexes, the band it is in is not drawn again, and the
	 * pixels are still the drawing's. */
	for (int mid = 0; mid < 2; mid++) {
		double top = mid ? 2.5 : 2;

		buf_puts(&svg, "<svg xmlns='http://www.w3.org/2000/svg' "
		    "width='16' height='16'><rect width='16' height='16' "
		    "fill='#123456'/>");
		for (int i = 0; i < 256; i++)
			buf_printf(&svg, "<rect x='%d' y='%g' width='1' "
			    "height='%g' fill='#%02x%02x%02x'/>", i % 16,
			    top / 16 * (i / 16), top / 16, i, 255 - i,
			    (i * 7) & 255);
		buf_puts(&svg, "</svg>");
		CHECK(cover_round_trip(svg.data, 2560, 2560) == 257);
		buf_free(&svg);
	}
}

/* A build draws its cover once: the EPUB writer and a release's cover
 * file are given the same drawing, even if the SVG changed in between
 * (here its bytes, as a file changed on disk would); after cover_stop()
 * the next build draws the SVG as it is then. */
static void
test_cover_once(void)
{
	static const char red[] = "<svg xmlns='http://www.w3.org/2000/svg' "
	    "width='16' height='16'><rect width='16' height='16' "
	    "fill='#c00'/></svg>";
	static const char blue[] = "<svg xmlns='http://www.w3.org/2000/svg' "
	    "width='16' height='16'><rect width='16' height='16' "
	    "fill='#00c'/></svg>";
	struct resource r = { .src = (char *)"cover.svg",
		.mime = "image/svg+xml", .data = (unsigned char *)red,
		.len = sizeof(red) - 1 };
	struct book b = { .title = (char *)"T", .lang = (char *)"en",
		.cover_res = &r };
	struct quire_diag *d = quire_diag_new(0);
	char *png[3] = { NULL, NULL, NULL };
	size_t len[3] = { 0, 0, 0 };
	unsigned char *rgb;
	int w, h, type;

	cover_keep(&b);
	CHECK(cover_raster(&b, d, &png[0], &len[0]) == 0);
	r.data = (unsigned char *)blue;
	r.len = sizeof(blue) - 1;
	CHECK(cover_raster(&b, d, &png[1], &len[1]) == 0);
	CHECK(png[0] && png[1] && png[0] != png[1] && len[0] == len[1] &&
	    memcmp(png[0], png[1], len[0]) == 0);
	cover_stop();
	CHECK(cover_raster(&b, d, &png[2], &len[2]) == 0);
	rgb = png[2] ? png_rgb(png[2], len[2], &w, &h, &type) : NULL;
	CHECK(rgb != NULL && memcmp(rgb, "\x00\x00\xcc", 3) == 0);
	free(rgb);
	rgb = png[0] ? png_rgb(png[0], len[0], &w, &h, &type) : NULL;
	CHECK(rgb != NULL && memcmp(rgb, "\xcc\x00\x00", 3) == 0);
	free(rgb);
	for (int i = 0; i < 3; i++)
		free(png[i]);
	CHECK(quire_diag_errors(d) == 0);
	quire_diag_free(d);
}

int
main(void)
{
	test_slugs();
	test_paths();
	test_text();
	test_idset();
	test_unique();
	test_out_of_fds();
	test_front_matter();
	test_keys();
	test_i18n();
	test_diag_order();
	test_diag_spill();
	test_render();
	test_repair();
	test_segments();
	test_direct();
	test_sanitize();
	test_highlight();
	test_highlight_reuse();
	test_release();
	test_math();
	test_site();
	test_resource_emit();
	test_reload();
	test_math_candidate();
	test_cover();
	test_cover_png();
	test_cover_once();
	quire_cleanup();
	printf("%d checks, %d failures\n", checks, failures);
	return failures != 0;
}
