/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fields from payloads, for stateful fraud rules (tracker issue 18): the
 * value of a JSON member or of a key=value pair, located from the key's
 * position in the bytes a rule's Hyperscan stage selected, without a
 * parser pass over the record; bounded; and rendered so that a sensitive
 * value (a card number) is never written in full.
 *
 * The extractors are pure: no allocation, no state, any thread. The
 * rule-level part at the end (rules_field_rule.c) reads a rule's field:
 * keywords (json, kv, pcre captures, byte_extract variables) on the
 * bytes it matched, for window observations and for the EVE
 * alert.context of an ordinary alert (README "Stateful rules (windows)").
 */
#ifndef WEIR_RULES_FIELD_H
#define WEIR_RULES_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest value kept, in bytes after decoding; longer ones are cut and
 * flagged (a card, an amount, a city, an id fit). */
#define WEIR_FIELD_MAX 128

enum weir_field_type {
	WEIR_FV_NONE = 0,
	WEIR_FV_STRING, /* JSON string (escapes decoded, UTF-8) or a kv value */
	WEIR_FV_NUMBER, /* JSON number, as written */
	WEIR_FV_BOOL,	/* "true" / "false" */
	WEIR_FV_NULL,	/* "null" */
};

/* What an extractor returns. */
enum weir_field_res {
	WEIR_FIELD_FOUND = 1,
	WEIR_FIELD_ABSENT = 0,	    /* no member / pair with that key */
	WEIR_FIELD_INCOMPLETE = -1, /* the value runs past the bytes given:
				       more stream bytes may complete it */
	WEIR_FIELD_MALFORMED = -2,  /* a bad escape, an unterminated
				       literal, a value that is no scalar */
};

struct weir_field_val {
	uint8_t type;	/* enum weir_field_type */
	bool truncated; /* longer than WEIR_FIELD_MAX: bytes holds the start */
	bool at_end;	/* kv: the value ran to the end of the bytes given */
	uint16_t len;	/* bytes used in bytes[] */
	uint32_t end;	/* offset in the buffer just past the value */
	uint8_t bytes[WEIR_FIELD_MAX];
};

/**
 * The JSON member whose name starts with the quote at @p key_start of
 * @p buf (@p len bytes) and is @p klen bytes long as written (the match
 * of the literal `"KEY"` ends at key_start + klen + 2). It is a member
 * when the name's quote follows `{` or `,` (whitespace between allowed:
 * a quote inside a string value is escaped and follows a backslash) and
 * the name is followed by `:`. The value is a string (escapes \" \\ \/
 * \b \f \n \r \t \uXXXX decoded, surrogate pairs joined, to UTF-8), a
 * number, true, false or null; an object or array is no scalar
 * (WEIR_FIELD_MALFORMED). Thread: any.
 */
enum weir_field_res weir_field_json_at(const uint8_t *buf, uint32_t len, uint32_t key_start,
				       uint32_t klen, struct weir_field_val *out);

/** The first member named @p key (@p klen bytes, as written) at any depth
 *  of @p buf: weir_field_json_at() at each `"KEY"` found, until one is a
 *  member. INCOMPLETE or MALFORMED of that member is returned as is.
 *  Thread: any. */
enum weir_field_res weir_field_json_find(const uint8_t *buf, uint32_t len, const char *key,
					 uint32_t klen, struct weir_field_val *out);

/**
 * The first pair @p key @p sep VALUE of @p buf: the key starts the buffer
 * or follows one of `&?;,` or whitespace, and the value ends at `&`, `;`,
 * `,`, whitespace or the end of the bytes (then at_end is set: in a
 * stream, more bytes may follow). With @p form, `+` is a space and `%XX`
 * a byte (application/x-www-form-urlencoded); a bad `%` escape is
 * MALFORMED. Thread: any.
 */
enum weir_field_res weir_field_kv_find(const uint8_t *buf, uint32_t len, const char *key,
				       uint32_t klen, char sep, bool form,
				       struct weir_field_val *out);

/** A number value (JSON number, or a string/kv value holding one, e.g.
 *  "10000.50") as a double. @return false when it is none. Thread: any. */
bool weir_field_number(const struct weir_field_val *v, double *out);

/**
 * A sensitive value as PCI DSS allows it to be shown: the first six and
 * the last four digits, every other digit as `*`, other bytes (spaces,
 * dashes) kept: "4111 1111 1111 1111" -> "4111 11** **** 1111". A value
 * with fewer than 13 digits (no card) is masked whole. Writes a NUL
 * terminated string into @p out; @return its length, or 0 when @p cap is
 * too small (then nothing usable is written). Thread: any.
 */
size_t weir_field_mask(const struct weir_field_val *v, char *out, size_t cap);

/**
 * A sensitive value as a keyed token: "hmac:" and the first 16 bytes of
 * HMAC-SHA256(@p key, the value's digits when it holds 13 to 19 of them
 * (so "4111 1111 1111 1111" and "4111111111111111" give one token),
 * else its bytes), in hex: equal values give equal tokens under one key,
 * and the value cannot be recovered without it. @return the length
 * written (NUL terminated), 0 on failure or when @p cap < 38.
 * Thread: any.
 */
size_t weir_field_hmac(const struct weir_field_val *v, const uint8_t *key, size_t klen, char *out,
		       size_t cap);

/* ---- a rule's fields (rules_field_rule.c) -------------------------- */

struct weir_ruleset;

/* The captures of one match of a rule with pcre or byte_extract fields,
 * computed once (lazily) for all its fields: set done = false before the
 * first weir_rule_field() of a match. */
struct weir_field_caps {
	bool done; /* the rule's field program ran */
	bool ok;   /* and it matched (else no pcre/byte_extract field is found) */
	uint32_t start[10], end[10];
	uint64_t vals[32];
};

/**
 * Field @p i of rule @p idx of @p rs on the bytes the rule matched:
 * json and kv search the record [@p rb, @p re) of @p buf; pcre and
 * byte_extract run the rule's field program (its confirm program with the
 * last pcre capturing) once over all of [@p buf, +@p len), with worker
 * @p worker's match context, and take capture group N (its bytes, at most
 * WEIR_FIELD_MAX, a string) or the variable's value (a number, in
 * decimal). ABSENT: no such member or pair, a group that took no part,
 * or the program did not match these bytes. Thread: worker @p worker;
 * allocates nothing.
 */
enum weir_field_res weir_rule_field(const struct weir_ruleset *rs, unsigned int worker,
				    uint32_t idx, unsigned int i, const uint8_t *buf, uint32_t len,
				    uint32_t rb, uint32_t re, struct weir_field_caps *caps,
				    struct weir_field_val *out);

/** The record around a match: from the last newline before @p match_end
 *  to the first one after it (the whole buffer when it has none). */
void weir_field_record(const uint8_t *buf, uint32_t len, uint32_t match_end, uint32_t *rb,
		       uint32_t *re);

/* How sensitive values are written (outputs.sensitive-rendering). */
struct weir_field_rend {
	bool hmac; /* else mask */
	const uint8_t *key;
	size_t klen;
};

/**
 * alert.context.fields of an ordinary alert of rule @p idx (a rule with
 * field: and no window:): `{"NAME":value,...}` into @p out (@p cap
 * bytes, no NUL), the fields in rule order, each found on the bytes
 * the rule matched (@p buf, @p len, the match ending at @p match_end).
 * Strings are JSON strings, numbers (a JSON number, a byte_extract
 * value) and true/false/null as written; a sensitive value is its
 * rendering (@p rend), always a string. A field not found, or that no
 * longer fits in @p cap, is left out and counted in *@p missing.
 * @return the length written (at least "{}"), 0 when @p cap < 2.
 * Thread: worker @p worker; allocates nothing.
 */
size_t weir_rule_fields_context(const struct weir_ruleset *rs, unsigned int worker, uint32_t idx,
				const uint8_t *buf, uint32_t len, uint32_t match_end,
				const struct weir_field_rend *rend, char *out, size_t cap,
				unsigned int *missing);

#endif /* WEIR_RULES_FIELD_H */
