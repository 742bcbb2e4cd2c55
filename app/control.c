/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control side's start and stop (control.h).
 */
#include <errno.h>
#include <grp.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "telemetry.h"

int
weir_control_group(const char *name, gid_t *gid)
{
	const struct group *gr;

	if (name == NULL || name[0] == '\0')
		return -ENOENT;
	gr = getgrnam(name);
	if (gr == NULL)
		return -EINVAL;
	*gid = gr->gr_gid;
	return 0;
}

void
weir_control_start(struct weir_control *cs, const struct weir_conf *c, struct weir_obs *obs,
		   bool offline)
{
	struct weir_ctl_conf cc = {.path = c->ctl_socket,
				   .max_clients = c->ctl_max_clients,
				   .idle_ms = c->ctl_idle_timeout_ms};

	cs->ctl = NULL;
	cs->metrics = NULL;
	/* weir_control_conf_check() found both groups at start */
	if (weir_control_group(c->ctl_admin_group, &cc.admin_gid) == 0) {
		cc.has_admin_group = true;
		cc.admin_group = c->ctl_admin_group;
	}
	if (weir_control_group(c->ctl_monitor_group, &cc.monitor_gid) == 0) {
		cc.has_monitor_group = true;
		cc.monitor_group = c->ctl_monitor_group;
	}
	weir_telemetry_attach(obs);
	if (c->ctl_enabled && (!offline || c->ctl_keep_alive) &&
	    weir_ctl_parse_mode(c->ctl_mode, &cc.mode) == 0) {
		cs->ctl = weir_ctl_start(obs, &cc);
		if (cs->ctl == NULL)
			WEIR_LOG(ERR, app, "ctl: cannot serve %s: %s; running without it", cc.path,
				 strerror(errno));
	}
	if (c->metrics_listen[0] != '\0') {
		cs->metrics = weir_metrics_start(obs, c->metrics_listen, c->metrics_max_clients,
						 c->metrics_timeout_ms);
		if (cs->metrics == NULL)
			WEIR_LOG(ERR, app, "metrics: cannot listen on %s: %s; running without it",
				 c->metrics_listen, strerror(errno));
	}
}

void
weir_control_stop(struct weir_control *cs)
{
	weir_metrics_stop(cs->metrics);
	cs->metrics = NULL;
	weir_ctl_stop(cs->ctl);
	cs->ctl = NULL;
	weir_telemetry_detach();
}
