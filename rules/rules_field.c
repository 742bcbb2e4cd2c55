/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Field extraction and sensitive rendering (rules_field.h). The JSON
 * reader starts at a key Hyperscan found and reads one scalar value; it
 * never walks the record from its start, so it decides "is this a member
 * name" from the bytes just before the key (a member name follows `{` or
 * `,`; a quote inside a string is escaped), which holds for every JSON
 * text a record writer produces.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rules_field.h"
#include "rules_int.h"

static inline bool
field_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline void
field_put(struct weir_field_val *v, uint8_t c)
{
	if (v->len < WEIR_FIELD_MAX)
		v->bytes[v->len++] = c;
	else
		v->truncated = true;
}

/* UTF-8 of code point @p cp into @p v. */
static void
field_put_utf8(struct weir_field_val *v, uint32_t cp)
{
	if (cp < 0x80) {
		field_put(v, (uint8_t)cp);
	} else if (cp < 0x800) {
		field_put(v, (uint8_t)(0xc0 | cp >> 6));
		field_put(v, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		field_put(v, (uint8_t)(0xe0 | cp >> 12));
		field_put(v, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		field_put(v, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		field_put(v, (uint8_t)(0xf0 | cp >> 18));
		field_put(v, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
		field_put(v, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		field_put(v, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

/* Four hex digits at @p p (bounds checked by the caller). */
static int32_t
field_hex4(const uint8_t *p)
{
	int32_t v = 0;
	int i, h;

	for (i = 0; i < 4; i++) {
		h = weir_hex_digit(p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* A JSON string whose opening quote is at @p i. */
static enum weir_field_res
field_json_string(const uint8_t *buf, uint32_t len, uint32_t i, struct weir_field_val *v)
{
	v->type = WEIR_FV_STRING;
	for (i++; i < len; i++) {
		uint8_t c = buf[i];
		int32_t cp, lo;

		if (c == '"') {
			v->end = i + 1;
			return WEIR_FIELD_FOUND;
		}
		if (c < 0x20)
			return WEIR_FIELD_MALFORMED; /* raw control byte */
		if (c != '\\') {
			field_put(v, c);
			continue;
		}
		if (++i >= len)
			return WEIR_FIELD_INCOMPLETE;
		switch (buf[i]) {
		case '"':
		case '\\':
		case '/':
			field_put(v, buf[i]);
			break;
		case 'b':
			field_put(v, '\b');
			break;
		case 'f':
			field_put(v, '\f');
			break;
		case 'n':
			field_put(v, '\n');
			break;
		case 'r':
			field_put(v, '\r');
			break;
		case 't':
			field_put(v, '\t');
			break;
		case 'u':
			if (len - i < 5)
				return WEIR_FIELD_INCOMPLETE;
			cp = field_hex4(buf + i + 1);
			if (cp < 0)
				return WEIR_FIELD_MALFORMED;
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* a high surrogate: its low half must follow */
				if ((len - i > 1 && buf[i + 1] != '\\') ||
				    (len - i > 2 && buf[i + 2] != 'u'))
					return WEIR_FIELD_MALFORMED;
				if (len - i < 7)
					return WEIR_FIELD_INCOMPLETE;
				lo = field_hex4(buf + i + 3);
				if (lo < 0xdc00 || lo > 0xdfff)
					return WEIR_FIELD_MALFORMED;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return WEIR_FIELD_MALFORMED; /* a lone low half */
			}
			field_put_utf8(v, (uint32_t)cp);
			break;
		default:
			return WEIR_FIELD_MALFORMED;
		}
	}
	return WEIR_FIELD_INCOMPLETE;
}

/* A JSON number at @p i, as written (RFC 8259 grammar). */
static enum weir_field_res
field_json_number(const uint8_t *buf, uint32_t len, uint32_t i, struct weir_field_val *v)
{
	uint32_t s = i;
	bool digits = false;

	v->type = WEIR_FV_NUMBER;
	if (buf[i] == '-')
		i++;
	if (i < len && buf[i] == '0') {
		i++;
		digits = true;
	} else {
		while (i < len && buf[i] >= '0' && buf[i] <= '9') {
			i++;
			digits = true;
		}
	}
	if (i < len && buf[i] == '.') {
		bool frac = false;

		for (i++; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
			frac = true;
		if (!frac && i < len)
			return WEIR_FIELD_MALFORMED;
	}
	if (i < len && (buf[i] == 'e' || buf[i] == 'E')) {
		bool exp = false;

		i++;
		if (i < len && (buf[i] == '+' || buf[i] == '-'))
			i++;
		for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
			exp = true;
		if (!exp && i < len)
			return WEIR_FIELD_MALFORMED;
	}
	if (i == len)
		return WEIR_FIELD_INCOMPLETE; /* more digits may follow */
	if (!digits)
		return WEIR_FIELD_MALFORMED;
	if (!field_ws(buf[i]) && buf[i] != ',' && buf[i] != '}' && buf[i] != ']')
		return WEIR_FIELD_MALFORMED;
	for (; s < i; s++)
		field_put(v, buf[s]);
	v->end = i;
	return WEIR_FIELD_FOUND;
}

/* true, false or null at @p i. */
static enum weir_field_res
field_json_word(const uint8_t *buf, uint32_t len, uint32_t i, struct weir_field_val *v)
{
	static const struct {
		const char *w;
		uint8_t type;
	} words[] = {{"true", WEIR_FV_BOOL}, {"false", WEIR_FV_BOOL}, {"null", WEIR_FV_NULL}};
	unsigned int k;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		size_t n = strlen(words[k].w);

		if (buf[i] != (uint8_t)words[k].w[0])
			continue;
		if (len - i < n)
			return memcmp(buf + i, words[k].w, len - i) == 0 ? WEIR_FIELD_INCOMPLETE
									 : WEIR_FIELD_MALFORMED;
		if (memcmp(buf + i, words[k].w, n) != 0)
			return WEIR_FIELD_MALFORMED;
		if (len - i > n && !field_ws(buf[i + n]) && buf[i + n] != ',' &&
		    buf[i + n] != '}' && buf[i + n] != ']')
			return WEIR_FIELD_MALFORMED;
		v->type = words[k].type;
		memcpy(v->bytes, words[k].w, n);
		v->len = (uint16_t)n;
		v->end = i + (uint32_t)n;
		return WEIR_FIELD_FOUND;
	}
	return WEIR_FIELD_MALFORMED;
}

static void
field_reset(struct weir_field_val *v)
{
	v->type = WEIR_FV_NONE;
	v->truncated = false;
	v->at_end = false;
	v->len = 0;
	v->end = 0;
}

enum weir_field_res
weir_field_json_at(const uint8_t *buf, uint32_t len, uint32_t key_start, uint32_t klen,
		   struct weir_field_val *out)
{
	uint32_t i;

	field_reset(out);
	if (key_start >= len || buf[key_start] != '"')
		return WEIR_FIELD_ABSENT;
	/* a member name follows '{' or ',' */
	for (i = key_start; i > 0 && field_ws(buf[i - 1]); i--)
		;
	if (i == 0 || (buf[i - 1] != '{' && buf[i - 1] != ','))
		return WEIR_FIELD_ABSENT;
	i = key_start + 1 + klen;
	if (i >= len)
		return WEIR_FIELD_INCOMPLETE;
	if (buf[i] != '"')
		return WEIR_FIELD_ABSENT;
	for (i++; i < len && field_ws(buf[i]); i++)
		;
	if (i == len)
		return WEIR_FIELD_INCOMPLETE;
	if (buf[i] != ':')
		return WEIR_FIELD_ABSENT; /* a string value, not a name */
	for (i++; i < len && field_ws(buf[i]); i++)
		;
	if (i == len)
		return WEIR_FIELD_INCOMPLETE;
	if (buf[i] == '"')
		return field_json_string(buf, len, i, out);
	if (buf[i] == '-' || (buf[i] >= '0' && buf[i] <= '9'))
		return field_json_number(buf, len, i, out);
	return field_json_word(buf, len, i, out);
}

/*
 * The first occurrence of @p key (@p klen >= 1 bytes) in [p, end), or
 * NULL. Per record and field, so it matters: 16 positions at a time keep
 * those whose first and last bytes match the key's (SSE2, every x86-64),
 * and only they are compared whole. glibc's memmem builds a shift table
 * per call, which costs more than the search on a record of a few
 * hundred bytes.
 */
static const uint8_t *
field_find(const uint8_t *p, const uint8_t *end, const char *key, uint32_t klen)
{
	const uint8_t k0 = (uint8_t)key[0], kl = (uint8_t)key[klen - 1];

	if ((size_t)(end - p) < klen)
		return NULL;
#ifdef __SSE2__
	{
		const __m128i f = _mm_set1_epi8((char)k0), l = _mm_set1_epi8((char)kl);

		/* block at q: positions q..q+15, whose last bytes end at q+15+klen-1 */
		for (; end - p >= (ptrdiff_t)(16 + klen - 1); p += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)p);
			__m128i b = _mm_loadu_si128((const __m128i *)(p + klen - 1));
			unsigned int m = (unsigned int)_mm_movemask_epi8(
				_mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));

			while (m != 0) {
				unsigned int k = (unsigned int)__builtin_ctz(m);

				if (klen <= 2 || memcmp(p + k + 1, key + 1, klen - 2) == 0)
					return p + k;
				m &= m - 1;
			}
		}
	}
#endif
	for (; (size_t)(end - p) >= klen; p++)
		if (p[0] == k0 && p[klen - 1] == kl && memcmp(p, key, klen) == 0)
			return p;
	return NULL;
}

enum weir_field_res
weir_field_json_find(const uint8_t *buf, uint32_t len, const char *key, uint32_t klen,
		     struct weir_field_val *out)
{
	const uint8_t *p, *end = buf + len;

	field_reset(out);
	if (len < klen + 2)
		return WEIR_FIELD_ABSENT;
	/* each "KEY" as written, in order: KEY's occurrences (field_find),
	 * then its quotes; the first that is a member name wins */
	for (p = buf + 1; p + klen < end; p++) {
		uint32_t i;
		enum weir_field_res r;

		if (klen > 0) {
			p = field_find(p, end - 1, key, klen);
			if (p == NULL)
				break;
		}
		i = (uint32_t)(p - buf) - 1u;
		if (buf[i] != '"' || buf[i + 1 + klen] != '"')
			continue;
		r = weir_field_json_at(buf, len, i, klen, out);
		if (r != WEIR_FIELD_ABSENT)
			return r;
	}
	field_reset(out);
	return WEIR_FIELD_ABSENT;
}

static inline bool
field_kv_delim(uint8_t c)
{
	return c == '&' || c == '?' || c == ';' || c == ',' || field_ws(c);
}

static inline bool
field_kv_end(uint8_t c)
{
	return c == '&' || c == ';' || c == ',' || field_ws(c);
}

enum weir_field_res
weir_field_kv_find(const uint8_t *buf, uint32_t len, const char *key, uint32_t klen, char sep,
		   bool form, struct weir_field_val *out)
{
	const uint8_t *p, *end = buf + len;

	field_reset(out);
	if (klen == 0)
		return WEIR_FIELD_ABSENT;
	/* KEY's occurrences in order (field_find): the first followed by the
	 * separator that starts the bytes or follows a delimiter wins */
	for (p = buf; p + klen < end; p++) {
		uint32_t i, j;

		p = field_find(p, end - 1, key, klen);
		if (p == NULL)
			break;
		i = (uint32_t)(p - buf);
		if ((i > 0 && !field_kv_delim(buf[i - 1])) || buf[i + klen] != (uint8_t)sep)
			continue;
		out->type = WEIR_FV_STRING;
		for (j = i + klen + 1; j < len && !field_kv_end(buf[j]); j++) {
			int h, l;

			if (!form || (buf[j] != '+' && buf[j] != '%')) {
				field_put(out, buf[j]);
			} else if (buf[j] == '+') {
				field_put(out, ' ');
			} else if (len - j < 3) {
				return WEIR_FIELD_INCOMPLETE;
			} else if ((h = weir_hex_digit(buf[j + 1])) < 0 ||
				   (l = weir_hex_digit(buf[j + 2])) < 0) {
				return WEIR_FIELD_MALFORMED;
			} else {
				field_put(out, (uint8_t)(h << 4 | l));
				j += 2;
			}
		}
		out->end = j;
		out->at_end = j == len;
		return WEIR_FIELD_FOUND;
	}
	return WEIR_FIELD_ABSENT;
}

/*
 * [-]DIGITS[.DIGITS] with at most 15 significant digits and 22 after the
 * point, the amounts records carry, without strtod: the digits are an
 * integer m < 10^15 < 2^53 and 10^k (k <= 22) is exact in a double, so
 * m / 10^k is one correctly rounded IEEE division, the double strtod
 * returns (Clinger's fast path). false: not of that form (strtod decides).
 */
static bool
field_number_fast(const uint8_t *p, uint32_t n, double *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,	 1e3,  1e4,  1e5,  1e6,	 1e7,
				       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	uint64_t m = 0;
	uint32_t i = 0, digits = 0, frac = 0, lead;
	bool neg = false, point = false;

	if (n > 0 && p[0] == '-') {
		neg = true;
		i++;
	}
	lead = i;
	for (; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			m = m * 10 + (uint64_t)(p[i] - '0');
			if (m != 0)
				digits++;
			frac += point;
		} else if (p[i] == '.' && !point && i > lead) {
			point = true;
		} else {
			return false;
		}
		if (digits > 15 || frac > 22)
			return false;
	}
	if (i == lead || (point && p[n - 1] == '.' && n - 1 == lead))
		return false;
	*out = (double)m / pow10[frac];
	if (neg)
		*out = -*out;
	return true;
}

bool
weir_field_number(const struct weir_field_val *v, double *out)
{
	char tmp[WEIR_FIELD_MAX + 1];
	char *end;

	if ((v->type != WEIR_FV_NUMBER && v->type != WEIR_FV_STRING) || v->len == 0 || v->truncated)
		return false;
	if (field_number_fast(v->bytes, v->len, out))
		return true;
	memcpy(tmp, v->bytes, v->len);
	tmp[v->len] = '\0';
	/* strtod takes hex, inf and nan, which no amount is */
	if (strpbrk(tmp, "xXiInN") != NULL || field_ws((uint8_t)tmp[0]))
		return false;
	*out = strtod(tmp, &end);
	return end == tmp + v->len;
}

static unsigned int
field_digits(const struct weir_field_val *v)
{
	unsigned int i, n = 0;

	for (i = 0; i < v->len; i++)
		n += v->bytes[i] >= '0' && v->bytes[i] <= '9';
	return n;
}

size_t
weir_field_mask(const struct weir_field_val *v, char *out, size_t cap)
{
	unsigned int i, d = 0, n = field_digits(v);
	bool card = n >= 13;

	if (cap < (size_t)v->len + 1)
		return 0;
	for (i = 0; i < v->len; i++) {
		uint8_t c = v->bytes[i];

		if (c >= '0' && c <= '9') {
			out[i] = card && (d < 6 || d >= n - 4) ? (char)c : '*';
			d++;
		} else {
			out[i] = card && (c == ' ' || c == '-') ? (char)c : '*';
		}
	}
	out[v->len] = '\0';
	return v->len;
}

size_t
weir_field_hmac(const struct weir_field_val *v, const uint8_t *key, size_t klen, char *out,
		size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t msg[WEIR_FIELD_MAX], mac[EVP_MAX_MD_SIZE];
	unsigned int i, n = field_digits(v), mlen = 0, maclen = 0;

	if (cap < 5 + 32 + 1)
		return 0;
	if (n >= 13 && n <= 19) {
		for (i = 0; i < v->len; i++)
			if (v->bytes[i] >= '0' && v->bytes[i] <= '9')
				msg[mlen++] = v->bytes[i];
	} else {
		memcpy(msg, v->bytes, v->len);
		mlen = v->len;
	}
	if (HMAC(EVP_sha256(), key, (int)klen, msg, mlen, mac, &maclen) == NULL || maclen < 16)
		return 0;
	memcpy(out, "hmac:", 5);
	for (i = 0; i < 16; i++) {
		out[5 + 2 * i] = hex[mac[i] >> 4];
		out[5 + 2 * i + 1] = hex[mac[i] & 15];
	}
	out[37] = '\0';
	return 37;
}
