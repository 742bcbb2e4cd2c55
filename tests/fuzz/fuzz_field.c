/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the field extractors (rules/rules_field.c): the input is
 * a record; the key is "k".
 *
 * Always: nothing read outside the input (ASan); a found value lies in
 * the input (end <= size), holds at most WEIR_FIELD_MAX bytes, and a kv
 * value's at_end says whether it ran to the end; cutting the input just
 * after a found JSON value finds the same value, and cutting it inside
 * the value never finds a different one (INCOMPLETE, or MALFORMED when
 * the cut leaves a number like "1." behind).
 *
 * Oracle: when jansson reads the input as JSON (duplicate keys refused)
 * and the input has no \u escape (weir matches a key as written, jansson
 * decodes it), the members named "k" at any depth are counted: none means
 * ABSENT; exactly one with a scalar value means FOUND with jansson's value
 * (a string's bytes, a number's value, true/false/null); one object or
 * array means MALFORMED.
 */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "rules_field.h"

static unsigned int
fuzz_count_k(json_t *j, json_t **found)
{
	unsigned int n = 0;
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach(j, key, v)
		{
			if (strcmp(key, "k") == 0) {
				n++;
				*found = v;
			}
			n += fuzz_count_k(v, found);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) n += fuzz_count_k(v, found);
	}
	return n;
}

static void
fuzz_oracle(const uint8_t *data, size_t size, enum weir_field_res r, const struct weir_field_val *v)
{
	json_error_t err;
	json_t *root, *want = NULL;
	unsigned int n;

	if (memmem(data, size, "\\u", 2) != NULL || memchr(data, 0, size) != NULL)
		return;
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (root == NULL)
		return;
	n = fuzz_count_k(root, &want);
	if (n == 0) {
		FUZZ_CHECK(r == WEIR_FIELD_ABSENT, "no member k, got %d", r);
	} else if (n == 1 && (json_is_object(want) || json_is_array(want))) {
		FUZZ_CHECK(r == WEIR_FIELD_MALFORMED, "k is no scalar, got %d", r);
	} else if (n == 1) {
		FUZZ_CHECK(r == WEIR_FIELD_FOUND, "one member k, got %d", r);
		if (json_is_string(want)) {
			size_t len = json_string_length(want);

			FUZZ_CHECK(v->type == WEIR_FV_STRING, "type %u", v->type);
			if (!v->truncated)
				FUZZ_CHECK(v->len == len &&
						   memcmp(v->bytes, json_string_value(want), len) ==
							   0,
					   "string differs (%u vs %zu bytes)", v->len, len);
		} else if (json_is_number(want)) {
			double d;

			FUZZ_CHECK(v->type == WEIR_FV_NUMBER, "type %u", v->type);
			if (!v->truncated)
				FUZZ_CHECK(weir_field_number(v, &d) && d == json_number_value(want),
					   "number differs");
		} else if (json_is_null(want)) {
			FUZZ_CHECK(v->type == WEIR_FV_NULL, "type %u", v->type);
		} else {
			FUZZ_CHECK(v->type == WEIR_FV_BOOL &&
					   v->bytes[0] == (json_is_true(want) ? 't' : 'f'),
				   "bool differs");
		}
	}
	json_decref(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weir_field_val v, w;
	enum weir_field_res r, r2;
	char masked[WEIR_FIELD_MAX + 1];
	uint32_t len = size > 65536 ? 65536 : (uint32_t)size;

	r = weir_field_json_find(data, len, "k", 1, &v);
	FUZZ_CHECK(r >= WEIR_FIELD_MALFORMED && r <= WEIR_FIELD_FOUND, "result %d", r);
	if (r == WEIR_FIELD_FOUND) {
		uint32_t cut;

		FUZZ_CHECK(v.end <= len && v.len <= WEIR_FIELD_MAX, "end %u len %u", v.end, v.len);
		FUZZ_CHECK(v.type != WEIR_FV_NONE, "found, no type");
		r2 = weir_field_json_find(data, v.end + (v.end < len), "k", 1, &w);
		FUZZ_CHECK(r2 == WEIR_FIELD_FOUND && w.len == v.len &&
				   memcmp(w.bytes, v.bytes, v.len) == 0,
			   "the record cut after the value reads %d", r2);
		for (cut = v.end > 8 ? v.end - 8 : 0; cut < v.end; cut++) {
			r2 = weir_field_json_find(data, cut, "k", 1, &w);
			FUZZ_CHECK(r2 != WEIR_FIELD_FOUND || w.end <= cut, "cut at %u", cut);
		}
		FUZZ_CHECK(weir_field_mask(&v, masked, sizeof(masked)) == v.len, "mask");
	}
	if (size == len)
		fuzz_oracle(data, size, r, &v);
	r = weir_field_kv_find(data, len, "k", 1, '=', size > 0 && (data[0] & 1), &v);
	FUZZ_CHECK(r >= WEIR_FIELD_MALFORMED && r <= WEIR_FIELD_FOUND, "result %d", r);
	if (r == WEIR_FIELD_FOUND)
		FUZZ_CHECK(v.end <= len && v.len <= WEIR_FIELD_MAX && v.at_end == (v.end == len),
			   "kv end %u len %u at_end %d", v.end, v.len, v.at_end);
	return 0;
}
