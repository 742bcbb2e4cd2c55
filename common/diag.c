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

void
weir_diag_add(struct weir_diags *ds, const char *file, unsigned int line, unsigned int col,
	      const char *keyword, const char *fmt, ...)
{
	struct weir_diag *d;
	va_list ap;

	if (ds == NULL)
		return;
	ds->total++;
	if (ds->n >= ds->cap)
		return;
	d = &ds->v[ds->n++];
	snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
	d->line = line;
	d->col = col;
	snprintf(d->keyword, sizeof(d->keyword), "%s", keyword ? keyword : "");
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
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
