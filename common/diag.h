/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics: how every parser of weir (rule files, the YAML config)
 * reports a problem with a place in a file, instead of printing. The caller
 * owns the list and prints it; parsers never print and never exit.
 *
 * Threads: a weir_diags belongs to one caller at a time (the main thread
 * for the configuration and the first rule load, the reload thread for a
 * reload); these functions keep no global state and may run on any
 * thread, on a list no other thread touches meanwhile.
 */
#ifndef WEIR_DIAG_H
#define WEIR_DIAG_H

#include <stddef.h>

/* One diagnostic: modelled on hs_compile_error_t. */
struct weir_diag {
	char file[256];
	unsigned int line; /* 1-based; 0 when the error is not about a line */
	unsigned int col;  /* 1-based; 0 when unknown */
	char keyword[32];  /* offending keyword/flag, "" when none */
	char msg[256];	   /* reason, including Hyperscan's own text */
};

/* A bounded list of diagnostics the caller owns. */
struct weir_diags {
	struct weir_diag *v;
	unsigned int n; /* stored */
	unsigned int cap;
	unsigned int total; /* reported, including those that did not fit */
};

/**
 * Format one diagnostic as "file:line:col: msg" into @p buf, NUL
 * terminated: without a line "file: msg", without a column "file:line:
 * msg". The keyword is not added: messages that concern one start with it.
 * Thread: any; reads @p d only. @p d and @p buf are borrowed for the call.
 * @return the length snprintf() would have written (>= @p len: truncated),
 *         or snprintf()'s negative value on an encoding error; never -errno.
 */
int weir_diag_format(const struct weir_diag *d, char *buf, size_t len);

/**
 * Append a diagnostic (printf-style message), copying @p file, @p keyword
 * (either may be NULL: stored as "") and the message into the list, each
 * truncated to its field, every ASCII control byte (a binary rule file's
 * bytes quoted in a message) written as \xNN. Keeps counting in ->total when the list is full.
 * A NULL @p ds is allowed and ignored. Never allocates, so it cannot fail.
 * Thread: the list's current owner (see above).
 */
void weir_diag_add(struct weir_diags *ds, const char *file, unsigned int line, unsigned int col,
		   const char *keyword, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/**
 * Zero @p ds and allocate room for @p cap diagnostics (0 is taken as 1);
 * the caller owns the storage until weir_diags_free().
 * Thread: any (the caller becomes the list's owner).
 * @return 0, or -ENOMEM (@p ds is then zeroed, and freeing it is safe).
 */
int weir_diags_init(struct weir_diags *ds, unsigned int cap);
/**
 * Free the list's storage and zero @p ds; safe on a zeroed or freed list
 * (not on NULL). Strings formatted from it by weir_diag_format() are the
 * caller's own copies and stay valid. Thread: the list's owner.
 */
void weir_diags_free(struct weir_diags *ds);

#endif /* WEIR_DIAG_H */
