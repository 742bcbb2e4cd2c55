/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sink registry and the control-path wrappers of sink.h. The emitter looks a
 * sink up by its configured name once at start-up, opens it, and from then
 * on reaches it only through the ops table. The registry is an explicit
 * array rather than constructor registration: a static library drops an
 * object file whose only reference is a constructor (STYLE.md, Driver/sink
 * ops).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sink.h"

extern const struct weir_sink_ops jsonl_sink_ops;

static const struct weir_sink_ops *const sink_registry[] = {
	&jsonl_sink_ops,
};

const struct weir_sink_ops *
weir_sink_find(const char *name)
{
	size_t i;

	if (name != NULL) {
		for (i = 0; i < sizeof(sink_registry) / sizeof(sink_registry[0]); i++)
			if (strcmp(sink_registry[i]->name, name) == 0)
				return sink_registry[i];
	}
	errno = ENOENT;
	return NULL;
}

int
weir_sink_open(struct weir_sink *s, const struct weir_sink_ops *ops,
	       const struct weir_sink_conf *conf)
{
	int rc;

	if (s == NULL || ops == NULL || ops->open == NULL || conf == NULL)
		return -EINVAL;
	s->ops = ops;
	if (s->name == NULL)
		s->name = ops->name;
	s->priv = NULL;
	memset(&s->st, 0, sizeof(s->st));
	rc = ops->open(s, conf);
	if (rc < 0) {
		/* Leave nothing that weir_sink_close() would act on. */
		s->ops = NULL;
		s->priv = NULL;
	}
	return rc;
}

int
weir_sink_reopen(struct weir_sink *s)
{
	if (s->ops == NULL)
		return -EBADF;
	if (s->ops->reopen == NULL)
		return -ENOTSUP;
	return s->ops->reopen(s);
}

void
weir_sink_close(struct weir_sink *s)
{
	/* Safe on a sink that failed to open or is already closed. */
	if (s->ops == NULL)
		return;
	if (s->ops->close != NULL)
		s->ops->close(s);
	s->ops = NULL;
	s->priv = NULL;
}
