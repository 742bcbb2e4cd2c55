/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
int main(void) { fprintf(stderr, "weir: not supported yet\n"); return 1; }
