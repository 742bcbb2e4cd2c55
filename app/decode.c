/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include "decode.h"
enum weir_decode_res weir_decode(const uint8_t *data, uint32_t len, enum weir_l2 l2, struct weir_decoded *out) { (void)data; (void)len; (void)l2; (void)out; return WEIR_DEC_MALFORMED; }
