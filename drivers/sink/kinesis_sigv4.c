/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AWS Signature Version 4 for one request (kinesis.h): canonical request,
 * string to sign, signing key and signature, with OpenSSL's SHA-256 and
 * HMAC. Only what a JSON API call needs: the caller gives the path and
 * query already canonical; headers are lower-cased names with trimmed
 * values, sorted here. Checked against AWS's published test vectors
 * (tests/unit/drivers/test_kinesis.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "kinesis.h"

static void
sigv4_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static void
sigv4_hmac(const uint8_t *key, size_t key_len, const char *msg, size_t msg_len, uint8_t out[32])
{
	unsigned int len = 32;

	HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, msg_len, out, &len);
}

void
weir_sigv4_signing_key(const char *secret, const char *date8, const char *region,
		       const char *service, uint8_t key[32])
{
	char k0[160];
	uint8_t a[32], b[32];
	int n;

	n = snprintf(k0, sizeof(k0), "AWS4%s", secret);
	if (n < 0 || (size_t)n >= sizeof(k0))
		n = (int)sizeof(k0) - 1;
	sigv4_hmac((const uint8_t *)k0, (size_t)n, date8, strlen(date8), a);
	sigv4_hmac(a, 32, region, strlen(region), b);
	sigv4_hmac(b, 32, service, strlen(service), a);
	sigv4_hmac(a, 32, "aws4_request", 12, key);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
}

static int
sigv4_header_cmp(const void *a, const void *b)
{
	const struct weir_sigv4_header *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Append to a growing buffer; false once it would overflow. */
struct sigv4_buf {
	char *p;
	size_t len, cap;
};

static bool
sigv4_put(struct sigv4_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap)
		return false;
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
	return true;
}

int
weir_sigv4_sign(const struct weir_sigv4_req *r, char *auth, size_t len)
{
	const struct weir_sigv4_header *sorted[WEIR_SIGV4_HEADERS_MAX];
	char payload_hex[65], creq_hex[65], sig_hex[65], date8[9], scope[160], signed_hdrs[512];
	uint8_t digest[32], key[32], sig[32];
	struct sigv4_buf cr = {0}, sh = {signed_hdrs, 0, sizeof(signed_hdrs)};
	char sts[512];
	unsigned int i;
	bool ok = true;
	int n, rc = 0;

	if (r->n_headers > WEIR_SIGV4_HEADERS_MAX || strlen(r->amz_date) != 16)
		return -EINVAL;
	memcpy(date8, r->amz_date, 8);
	date8[8] = '\0';
	for (i = 0; i < r->n_headers; i++)
		sorted[i] = &r->headers[i];
	qsort(sorted, r->n_headers, sizeof(sorted[0]), sigv4_header_cmp);

	SHA256(r->payload, r->payload_len, digest);
	sigv4_hex(digest, 32, payload_hex);

	/* The canonical request: method, path, query, headers, signed
	 * header names, payload hash, one per line. */
	cr.cap = strlen(r->method) + strlen(r->path) + strlen(r->query) + 128;
	for (i = 0; i < r->n_headers; i++)
		cr.cap += 2 * strlen(sorted[i]->name) + strlen(sorted[i]->value) + 4;
	cr.p = malloc(cr.cap);
	if (cr.p == NULL)
		return -ENOMEM;
	cr.p[0] = '\0';
	ok = sigv4_put(&cr, r->method) && sigv4_put(&cr, "\n") && sigv4_put(&cr, r->path) &&
	     sigv4_put(&cr, "\n") && sigv4_put(&cr, r->query) && sigv4_put(&cr, "\n");
	signed_hdrs[0] = '\0';
	for (i = 0; ok && i < r->n_headers; i++) {
		ok = sigv4_put(&cr, sorted[i]->name) && sigv4_put(&cr, ":") &&
		     sigv4_put(&cr, sorted[i]->value) && sigv4_put(&cr, "\n") &&
		     (i == 0 || sigv4_put(&sh, ";")) && sigv4_put(&sh, sorted[i]->name);
	}
	ok = ok && sigv4_put(&cr, "\n") && sigv4_put(&cr, signed_hdrs) && sigv4_put(&cr, "\n") &&
	     sigv4_put(&cr, payload_hex);
	if (!ok) {
		rc = -ENOSPC;
		goto out;
	}
	SHA256((const unsigned char *)cr.p, cr.len, digest);
	sigv4_hex(digest, 32, creq_hex);

	n = snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date8, r->region, r->service);
	if (n < 0 || (size_t)n >= sizeof(scope)) {
		rc = -EINVAL;
		goto out;
	}
	n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", r->amz_date, scope,
		     creq_hex);
	if (n < 0 || (size_t)n >= sizeof(sts)) {
		rc = -EINVAL;
		goto out;
	}
	weir_sigv4_signing_key(r->secret, date8, r->region, r->service, key);
	sigv4_hmac(key, 32, sts, (size_t)n, sig);
	OPENSSL_cleanse(key, sizeof(key));
	sigv4_hex(sig, 32, sig_hex);
	n = snprintf(auth, len, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		     r->key_id, scope, signed_hdrs, sig_hex);
	if (n < 0 || (size_t)n >= len)
		rc = -ENOSPC;
out:
	free(cr.p);
	return rc;
}
