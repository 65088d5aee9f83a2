/* mdBook's book.toml, read with toml++: its [book] table's title,
 * description, language, source folder and authors handed one by one to
 * the read stage (collection.c), with where each is. */
#include <cstdlib>
#include <cstring>
#include <string>

#include <toml++/toml.h>

/* As read/private.h declares them (a C header this file cannot read). */
extern "C" {
typedef void (*toml_take_fn)(void *arg, const char *key,
    const char *value, int line, int col);
int booktoml_read(const char *text, size_t len, toml_take_fn fn, void *arg,
    char **error, int *line, int *col);
char *xstrdup(const char *);
}

namespace {

/* A string, or NULL for a value of another type. */
void
take(const toml::node &n, const char *key, toml_take_fn fn, void *arg)
{
	std::optional<std::string> s = n.value<std::string>();

	fn(arg, key, s ? s->c_str() : nullptr, (int)n.source().begin.line,
	    (int)n.source().begin.column);
}

}

extern "C" int
booktoml_read(const char *text, size_t len, toml_take_fn fn, void *arg,
    char **error, int *line, int *col)
{
	static const char *const keys[] = { "title", "description",
	    "language", "src" };

	*error = nullptr;
	try {
		toml::table t = toml::parse(std::string_view(text, len));
		const toml::table *book = t["book"].as_table();

		if (book == nullptr)
			return 0;
		for (const char *k : keys)
			if (const toml::node *n = book->get(k))
				take(*n, k, fn, arg);
		if (const toml::node *a = book->get("authors")) {
			if (const toml::array *arr = a->as_array())
				for (const toml::node &x : *arr)
					take(x, "authors", fn, arg);
			else
				take(*a, "authors", fn, arg);
		}
		return 0;
	} catch (const toml::parse_error &e) {
		*error = xstrdup(std::string(e.description()).c_str());
		*line = (int)e.source().begin.line;
		*col = (int)e.source().begin.column;
		return -1;
	} catch (const std::bad_alloc &) {
		abort();
	}
}
