/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared CUnit runner for weir's unit tests: each test binary builds its
 * registry, then returns weir_ut_run() from main(), i.e. the number of
 * failures (0 = pass), which is what meson test reads.
 */
#ifndef WEIR_CUNIT_H
#define WEIR_CUNIT_H

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#define WEIR_CU_ASSERT_FATAL(cond) CU_ASSERT_FATAL(cond)

/* Directory of ../shared/data (set by meson test), or NULL. */
static inline const char *
weir_ut_shared_data(void)
{
	return getenv("WEIR_SHARED_DATA");
}

static inline int
weir_ut_run(void)
{
	unsigned int failures;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0) {
		fprintf(stderr, "no test ran\n");
		failures = 1;
	}
	CU_cleanup_registry();
	return failures > 255 ? 255 : (int)failures;
}

#endif /* WEIR_CUNIT_H */
