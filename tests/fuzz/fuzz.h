/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every fuzz target of tests/fuzz/ shares: the libFuzzer entry point
 * and FUZZ_CHECK, the invariant check. A target is built twice, once with
 * libFuzzer's main and once with replay_main.c for the regression suite, so
 * a check must fail the same way in both: it prints the broken invariant
 * and aborts, which libFuzzer reports as a crash (and saves the input) and
 * meson reports as a failed test. assert() is not used: it vanishes under
 * NDEBUG, and a release build must replay the inputs as strictly.
 */
#ifndef WEIR_FUZZ_H
#define WEIR_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void __attribute__((noreturn, format(printf, 4, 5)))
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: invariant broken: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* FUZZ_CHECK(cond, fmt, ...): abort with the message unless @p cond holds. */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                         \
	} while (0)

#endif /* WEIR_FUZZ_H */
