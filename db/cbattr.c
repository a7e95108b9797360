/* cbattr.c - the packed form of a list of callback attributes (see cbattr.h). */
#include "config.h"
#include "cbattr.h"

#include <string.h>
#include <strings.h>

bool cv_cbattr_header_reserved(const char *name)
{
	static const char *const reserved[] = {
		"host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
		"expect", "proxy-connection", "proxy-authorization", "content-type", "content-encoding", "user-agent",
		"webhook-id", "webhook-timestamp", "webhook-signature", NULL,
	};

	for (size_t i = 0; reserved[i]; i++)
		if (!strcasecmp(name, reserved[i]))
			return true;
	return false;
}

bool cv_cbattr_type_ok(int64_t type)
{
	return type >= CV_CBA_HEADER && type <= CV_CBA_QUERY;
}

enum cv_err cv_cbattr_pack(struct cv_buf *b, const struct cv_cb_attr *a, size_t n, size_t max)
{
	size_t len = b->len;
	enum cv_err e;

	if (n > max || n > UINT8_MAX)
		return CV_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!cv_cbattr_type_ok(a[i].type))
			return CV_EINVAL;
	e = cv_wr_uint(b, n, 1);
	for (size_t i = 0; i < n && !e; i++) {
		e = cv_wr_uint(b, a[i].type, 1);
		if (!e)
			e = cv_wr_str(b, a[i].key);
		if (!e)
			e = cv_wr_str(b, a[i].value);
	}
	if (e)
		cv_buf_truncate(b, len);
	return e;
}

void cv_cbattr_unpack(struct cv_rd *rd, struct cv_cb_attr *a, size_t max, size_t *n)
{
	size_t count = (size_t)cv_rd_uint(rd, 1);

	*n = 0;
	if (count > max)
		rd->bad = true;
	for (size_t i = 0; i < count && !rd->bad; i++) {
		a[i].type = (uint8_t)cv_rd_uint(rd, 1);
		if (!cv_cbattr_type_ok(a[i].type))
			rd->bad = true;
		cv_rd_str(rd, a[i].key, sizeof(a[i].key));
		cv_rd_str(rd, a[i].value, sizeof(a[i].value));
	}
	if (!rd->bad)
		*n = count;
}
