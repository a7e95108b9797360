/* page.c - collection paging and its links (see page.h). */
#include "page.h"
#include "ids.h"

#include <stdio.h>
#include <string.h>

#define TOKEN_V 2
/* version, offset, resume key, resume id, filter digest, MAC */
#define TOKEN_RAW (1 + 8 + 8 + 16 + 8 + 16)
#define TOKEN_SIGNED (1 + 8 + 8 + 16 + 8)

static const char page_key_name[] = "pagetoken-key";

/* Keep fresh as the page key unless another process did first (cv_txn_fn). */
static enum cv_err page_key_txn(struct cv_store *st, DB_TXN *txn, void *fresh)
{
	enum cv_err e = cv_store_put(st, CV_DB_META, txn, page_key_name, sizeof(page_key_name) - 1, fresh, 32,
				     DB_NOOVERWRITE);

	return e == CV_EEXIST ? CV_OK : e;
}

/* The page key: 32 random bytes in the meta database, made by the first process that needs them. */
static enum cv_err page_key(struct cv_store *st, unsigned char key[32])
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_META, NULL, page_key_name, sizeof(page_key_name) - 1, &b);

	if (e == CV_ENOTFOUND) {
		unsigned char fresh[32];

		cv_random(fresh, sizeof(fresh));
		e = cv_store_txn(st, 0, page_key_txn, fresh);
		if (!e)
			e = cv_store_get(st, CV_DB_META, NULL, page_key_name, sizeof(page_key_name) - 1, &b);
	}
	if (!e && b.len != 32)
		e = CV_EINVAL;
	if (!e)
		memcpy(key, b.p, 32);
	cv_buf_release(&b);
	return e;
}

/* What a token is bound to: the path, the user, and the filters (every parameter but paging). */
static uint64_t filter_digest(struct cv_req *r)
{
	struct cv_buf b = CV_BUF_INIT(0);
	unsigned char h[32];

	cv_buf_add(&b, r->path, strlen(r->path) + 1);
	cv_buf_add(&b, r->tok.user, strlen(r->tok.user) + 1);
	for (size_t i = 0; i < r->nparams; i++) {
		const char *n = r->params[i][0];

		if (!strcmp(n, "pageToken") || !strcmp(n, "indexRange") || !strcmp(n, "pageSize"))
			continue;
		cv_buf_add(&b, n, strlen(n) + 1);
		cv_buf_add(&b, r->params[i][1], strlen(r->params[i][1]) + 1);
	}
	cv_sha256(b.p, b.len, h);
	cv_buf_release(&b);
	return cv_be64_get(h);
}

/* A token's MAC: HMAC-SHA-256 truncated to its first 16 bytes (page.h). */
static void mac(const unsigned char key[32], const unsigned char *data, size_t n, unsigned char out[16])
{
	unsigned char full[32];

	cv_hmac_sha256(key, 32, data, n, full);
	memcpy(out, full, 16);
}

static bool token_make(struct cv_req *r, int64_t offset, int64_t key_, const unsigned char id[16],
		       char *out, size_t outsz)
{
	unsigned char raw[TOKEN_RAW], key[32];

	if (outsz < 4 * ((TOKEN_RAW + 2) / 3) + 1 || page_key(r->store, key))
		return false;
	raw[0] = TOKEN_V;
	cv_be64_put(raw + 1, (uint64_t)offset);
	cv_be64_put(raw + 9, (uint64_t)key_);
	memcpy(raw + 17, id, 16);
	cv_be64_put(raw + 33, filter_digest(r));
	mac(key, raw, TOKEN_SIGNED, raw + TOKEN_SIGNED);
	cv_b64url(raw, sizeof(raw), out);
	return true;
}

int cv_page_init(struct cv_req *r, int64_t default_size, struct cv_page *pg)
{
	memset(pg, 0, sizeof(*pg));
	pg->size = r->q.has_page_size ? r->q.page_size : default_size;
	if (r->q.page_token) {
		unsigned char raw[TOKEN_RAW + 4], key[32], want[16];
		long n = cv_unb64url(r->q.page_token, strlen(r->q.page_token), raw, sizeof(raw));
		enum cv_err e;

		if (n != TOKEN_RAW || raw[0] != TOKEN_V)
			return cv_fail(r, 400, CV_C_BAD_PAGETOKEN, "pageToken is not one this server made");
		e = page_key(r->store, key);
		if (e)
			return cv_fail_store(r, e, "page key");
		mac(key, raw, TOKEN_SIGNED, want);
		if (!cv_memeq_ct(want, raw + TOKEN_SIGNED, 16))
			return cv_fail(r, 400, CV_C_BAD_PAGETOKEN, "pageToken is not one this server made");
		if (cv_be64_get(raw + 33) != filter_digest(r))
			return cv_fail(r, 400, CV_C_BAD_PAGETOKEN,
				       "pageToken belongs to another collection or other filters");
		pg->offset = (int64_t)cv_be64_get(raw + 1);
		pg->resume_key = (int64_t)cv_be64_get(raw + 9);
		memcpy(pg->resume_id, raw + 17, 16);
		pg->resume = true;
		if (pg->offset < 0)
			return cv_fail(r, 400, CV_C_BAD_PAGETOKEN, "pageToken is not one this server made");
		pg->limit = pg->size;
	} else if (r->q.has_range) {
		pg->offset = r->q.range_from;
		pg->limit = pg->size;
		if (r->q.range_to >= 0 && r->q.range_to - r->q.range_from + 1 < pg->limit)
			pg->limit = r->q.range_to - r->q.range_from + 1;
	} else {
		pg->limit = pg->size;
	}
	return 0;
}

/* base + raw path + every parameter except the paging ones, then `extra`. */
static void page_href(struct cv_req *r, struct cv_buf *b, const char *extra)
{
	static const char hex[] = "0123456789ABCDEF";
	bool first = true;

	cv_buf_reset(b);
	cv_buf_adds(b, r->base);
	cv_buf_add(b, r->raw_path, r->raw_path_len);
	for (size_t i = 0; i < r->nparams; i++) {
		const char *n = r->params[i][0], *v = r->params[i][1];

		if (!strcmp(n, "pageToken") || !strcmp(n, "indexRange") || !strcmp(n, "pageSize"))
			continue;
		cv_buf_addc(b, first ? '?' : '&');
		first = false;
		cv_buf_adds(b, n);
		cv_buf_addc(b, '=');
		for (; *v; v++) {
			unsigned char c = (unsigned char)*v;

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
				cv_buf_addc(b, (char)c);
			} else {
				char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

				cv_buf_add(b, esc, 3);
			}
		}
	}
	if (extra && *extra) {
		cv_buf_addc(b, first ? '?' : '&');
		cv_buf_adds(b, extra);
	}
}

static void put_link(struct cv_jw *w, const char *name, const struct cv_buf *href)
{
	cv_jw_key(w, name);
	cv_jw_obj(w);
	cv_jw_kstr(w, "href", cv_buf_str(href));
	cv_jw_end(w);
}

void cv_page_finish(struct cv_jw *w, struct cv_req *r, const struct cv_page *pg)
{
	struct cv_buf href = CV_BUF_INIT(0), self = CV_BUF_INIT(0);
	char extra[160];
	int64_t size = pg->size > 0 ? pg->size : 1;
	int64_t total_pages = (pg->total + size - 1) / size;
	int64_t last_start = total_pages > 0 ? (total_pages - 1) * size : 0;

	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_buf_adds(&self, r->base);
	cv_buf_add(&self, r->raw_path, r->raw_path_len);
	if (r->query_string && *r->query_string) {
		cv_buf_addc(&self, '?');
		cv_buf_adds(&self, r->query_string);
	}
	put_link(w, "self", &self);
	snprintf(extra, sizeof(extra), "pageSize=%lld&indexRange=0-", (long long)size);
	page_href(r, &href, extra);
	put_link(w, "first", &href);
	if (pg->offset > 0) {
		int64_t p = pg->offset > size ? pg->offset - size : 0;

		snprintf(extra, sizeof(extra), "pageSize=%lld&indexRange=%lld-", (long long)size, (long long)p);
		page_href(r, &href, extra);
		put_link(w, "prev", &href);
	}
	if (pg->more) {
		char tok[80];

		if (token_make(r, pg->offset + pg->count, pg->next_key, pg->next_id, tok, sizeof(tok))) {
			snprintf(extra, sizeof(extra), "pageSize=%lld&pageToken=%s", (long long)size, tok);
			page_href(r, &href, extra);
			put_link(w, "next", &href);
		}
	}
	snprintf(extra, sizeof(extra), "pageSize=%lld&indexRange=%lld-", (long long)size, (long long)last_start);
	page_href(r, &href, extra);
	put_link(w, "last", &href);
	cv_jw_end(w);
	cv_jw_kint(w, "total", pg->total);
	cv_jw_kint(w, "totalPage", total_pages);
	cv_jw_kint(w, "currentPage", pg->offset / size + 1);
	cv_buf_release(&href);
	cv_buf_release(&self);
}

enum cv_page_step cv_page_step(struct cv_page *pg, int64_t *skip, int64_t key, const unsigned char *id)
{
	if (skip && *skip > 0) {
		(*skip)--;
		return CV_PAGE_SKIP;
	}
	if (pg->count >= pg->limit) {
		pg->more = true;
		pg->next_key = key;
		if (id)
			memcpy(pg->next_id, id, sizeof(pg->next_id));
		return CV_PAGE_STOP;
	}
	return CV_PAGE_TAKE;
}

bool cv_page_from(const struct cv_page *pg, int64_t oldest, int64_t newest, int64_t *start)
{
	*start = newest;
	if (!pg->resume)
		return true;
	if (oldest > pg->resume_key)
		return false;
	if (pg->resume_key < newest)
		*start = pg->resume_key;
	return true;
}

enum cv_err cv_page_intervals(struct cv_page *pg, const struct cv_interval *iv, size_t n,
			      const struct cv_page_source *src, void *ctx)
{
	enum cv_err e = CV_OK;

	pg->total = 0;
	for (size_t i = 0; i < n && !e; i++)
		e = src->count(ctx, &iv[i], &pg->total);
	for (size_t i = 0; i < n && !e && !pg->more; i++) {
		int64_t oldest = src->positions ? CV_POS(iv[i].from, 0) : iv[i].from;
		int64_t newest = src->positions ? CV_POS(iv[i].to - 1, 0xffff) : iv[i].to - 1;
		int64_t start;

		if (cv_page_from(pg, oldest, newest, &start))
			e = src->walk(ctx, &iv[i], start);
	}
	return e;
}

void cv_page_open(struct cv_jw *w, struct cv_req *r, const char *embedded)
{
	cv_jw_init(w, &r->out);
	cv_jw_obj(w);
	cv_jw_key(w, "_embedded");
	cv_jw_obj(w);
	cv_jw_key(w, embedded);
	cv_jw_arr(w);
}

int cv_page_close(struct cv_jw *w, struct cv_req *r, const struct cv_page *pg)
{
	cv_jw_end(w);
	cv_jw_end(w);
	cv_page_finish(w, r, pg);
	cv_jw_end(w);
	return w->err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

int cv_page_close_ranked(struct cv_jw *w, struct cv_req *r, struct cv_page *pg, int64_t total)
{
	pg->total = total;
	pg->next_key = pg->offset + pg->count;
	return cv_page_close(w, r, pg);
}
