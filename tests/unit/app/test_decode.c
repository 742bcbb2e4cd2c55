/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include "weir_cunit.h"
static void test_placeholder(void) { CU_FAIL("not written yet"); }
int main(void) { CU_pSuite s; if (CU_initialize_registry() != CUE_SUCCESS) return 1; s = CU_add_suite("placeholder", NULL, NULL); CU_ADD_TEST(s, test_placeholder); return weir_ut_run(); }
