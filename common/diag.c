/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics list: the caller-owned, bounded store that parsers report
 * into. Bounded so a file of a million bad lines cannot exhaust memory;
 * ->total still counts every problem.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

int
weir_diags_init(struct weir_diags *ds, unsigned int cap)
{
	memset(ds, 0, sizeof(*ds));
	ds->v = calloc(cap ? cap : 1, sizeof(*ds->v));
	if (ds->v == NULL)
		return -ENOMEM;
	ds->cap = cap ? cap : 1;
	return 0;
}

void
weir_diags_free(struct weir_diags *ds)
{
	free(ds->v);
	memset(ds, 0, sizeof(*ds));
}

/*
 * Copy @p src into @p dst (@p len bytes, NUL terminated, cut to fit) with
 * every ASCII control byte (0x00-0x1f, 0x7f) written as \xNN: messages
 * quote bytes from rule files, which may be binary, and an escape sequence
 * echoed to an operator's terminal could rewrite what it shows.
 */
static void
diag_copy_escaped(char *dst, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char c;

	for (; (c = (unsigned char)*src) != '\0'; src++) {
		if (c >= 0x20 && c != 0x7f) {
			if (o + 1 >= len)
				break;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 4 >= len)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	dst[o] = '\0';
}

void
weir_diag_add(struct weir_diags *ds, const char *file, unsigned int line, unsigned int col,
	      const char *keyword, const char *fmt, ...)
{
	struct weir_diag *d;
	char msg[sizeof(d->msg)];
	va_list ap;

	if (ds == NULL)
		return;
	ds->total++;
	if (ds->n >= ds->cap)
		return;
	d = &ds->v[ds->n++];
	diag_copy_escaped(d->file, sizeof(d->file), file ? file : "");
	d->line = line;
	d->col = col;
	diag_copy_escaped(d->keyword, sizeof(d->keyword), keyword ? keyword : "");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_copy_escaped(d->msg, sizeof(d->msg), msg);
}

int
weir_diag_format(const struct weir_diag *d, char *buf, size_t len)
{
	if (d->line == 0)
		return snprintf(buf, len, "%s: %s", d->file, d->msg);
	if (d->col == 0)
		return snprintf(buf, len, "%s:%u: %s", d->file, d->line, d->msg);
	return snprintf(buf, len, "%s:%u:%u: %s", d->file, d->line, d->col, d->msg);
}
