/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PutRecords' JSON (kinesis.h): the request body, written by hand (each
 * record's Data is base64 of the EVE line, so only the stream name and the
 * partition keys need escaping), and the response and error bodies, read
 * with jansson. A response that does not say what became of each record
 * is -EPROTO, and the caller retries the whole call: a record is counted
 * written only when the service says it has it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "kinesis.h"

/* Bytes @p s takes as a JSON string's contents. */
static size_t
api_json_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		n += ch == '"' || ch == '\\' ? 2 : ch < 0x20 ? 6 : 1;
	}
	return n;
}

static char *
api_json_put(char *p, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = (char)ch;
		} else if (ch < 0x20) {
			memcpy(p, "\\u00", 4);
			p[4] = hex[ch >> 4];
			p[5] = hex[ch & 0xf];
			p += 6;
		} else {
			*p++ = (char)ch;
		}
	}
	return p;
}

int
weir_kinesis_put_body(const char *stream, const struct weir_kinesis_rec *recs, unsigned int n,
		      char **body, size_t *body_len)
{
	static const char head[] = "{\"StreamName\":\"", mid[] = "\",\"Records\":[",
			  rec1[] = "{\"Data\":\"", rec2[] = "\",\"PartitionKey\":\"",
			  rec3[] = "\"}", tail[] = "]}";
	size_t cap, i;
	char *p;

	*body = NULL;
	if (stream == NULL || n == 0 || n > WEIR_KINESIS_MAX_RECORDS)
		return -EINVAL;
	cap = sizeof(head) + api_json_len(stream) + sizeof(mid) + sizeof(tail);
	for (i = 0; i < n; i++) {
		if (recs[i].len > WEIR_KINESIS_MAX_REC_BYTES)
			return -EINVAL;
		cap += sizeof(rec1) + sizeof(rec2) + sizeof(rec3) + 1 +
		       4 * ((recs[i].len + 2) / 3) + api_json_len(recs[i].key);
	}
	*body = malloc(cap);
	if (*body == NULL)
		return -ENOMEM;
	p = *body;
	memcpy(p, head, sizeof(head) - 1);
	p = api_json_put(p + sizeof(head) - 1, stream);
	memcpy(p, mid, sizeof(mid) - 1);
	p += sizeof(mid) - 1;
	for (i = 0; i < n; i++) {
		if (i != 0)
			*p++ = ',';
		memcpy(p, rec1, sizeof(rec1) - 1);
		p += sizeof(rec1) - 1;
		p += EVP_EncodeBlock((unsigned char *)p, (const unsigned char *)recs[i].data,
				     (int)recs[i].len);
		memcpy(p, rec2, sizeof(rec2) - 1);
		p = api_json_put(p + sizeof(rec2) - 1, recs[i].key);
		memcpy(p, rec3, sizeof(rec3) - 1);
		p += sizeof(rec3) - 1;
	}
	memcpy(p, tail, sizeof(tail));
	*body_len = (size_t)(p - *body) + sizeof(tail) - 1;
	return 0;
}

static enum weir_kinesis_outcome
api_record_outcome(const char *code)
{
	if (strcmp(code, "ProvisionedThroughputExceededException") == 0 ||
	    strcmp(code, "KMSThrottlingException") == 0)
		return WEIR_KINESIS_THROTTLED;
	if (strcmp(code, "InternalFailure") == 0 || strcmp(code, "ServiceUnavailable") == 0 ||
	    strcmp(code, "InternalFailureException") == 0)
		return WEIR_KINESIS_RETRY;
	return WEIR_KINESIS_FAILED;
}

int
weir_kinesis_put_parse(const char *body, size_t len, unsigned int n, uint8_t *out, char *err,
		       size_t err_len)
{
	json_t *root, *records, *r, *code, *msg;
	int failed = 0, rc;
	size_t i;

	if (err != NULL && err_len != 0)
		err[0] = '\0';
	root = json_loadb(body, len, 0, NULL);
	if (root == NULL)
		return -EPROTO;
	records = json_object_get(root, "Records");
	if (!json_is_array(records) || json_array_size(records) != n) {
		rc = -EPROTO;
		goto out;
	}
	json_array_foreach(records, i, r)
	{
		code = json_object_get(r, "ErrorCode");
		if (!json_is_object(r)) {
			rc = -EPROTO;
			goto out;
		}
		if (!json_is_string(code)) {
			/* Success is a record with its sequence number. */
			if (!json_is_string(json_object_get(r, "SequenceNumber"))) {
				rc = -EPROTO;
				goto out;
			}
			out[i] = WEIR_KINESIS_OK;
			continue;
		}
		out[i] = (uint8_t)api_record_outcome(json_string_value(code));
		if (failed++ == 0 && err != NULL && err_len != 0) {
			msg = json_object_get(r, "ErrorMessage");
			snprintf(err, err_len, "%s: %s", json_string_value(code),
				 json_is_string(msg) ? json_string_value(msg) : "");
		}
	}
	rc = failed;
out:
	json_decref(root);
	return rc;
}

static bool
api_in(const char *type, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(type, *list) == 0)
			return true;
	return false;
}

enum weir_kinesis_call_error
weir_kinesis_error_parse(long status, const char *body, size_t len, char *what, size_t what_len)
{
	static const char *const throttled[] = {
		"ProvisionedThroughputExceededException",
		"LimitExceededException",
		"ThrottlingException",
		"KMSThrottlingException",
		NULL,
	};
	static const char *const credentials[] = {
		"UnrecognizedClientException",
		"InvalidSignatureException",
		"SignatureDoesNotMatch",
		"ExpiredTokenException",
		"ExpiredToken",
		"InvalidClientTokenId",
		"IncompleteSignature",
		"MissingAuthenticationToken",
		"AccessDeniedException",
		NULL,
	};
	enum weir_kinesis_call_error rc;
	json_t *root = NULL, *t, *m;
	const char *type = "", *msg = "", *hash;

	if (body != NULL && len != 0)
		root = json_loadb(body, len, 0, NULL);
	t = json_object_get(root, "__type");
	m = json_object_get(root, "message");
	if (m == NULL)
		m = json_object_get(root, "Message");
	if (json_is_string(t)) {
		type = json_string_value(t);
		hash = strrchr(type, '#');
		if (hash != NULL)
			type = hash + 1;
	}
	if (json_is_string(m))
		msg = json_string_value(m);
	if (type[0] != '\0')
		snprintf(what, what_len, "HTTP %ld %s: %s", status, type, msg);
	else
		snprintf(what, what_len, "HTTP %ld", status);
	if (api_in(type, throttled))
		rc = WEIR_KINESIS_CALL_THROTTLED;
	else if (api_in(type, credentials) || status == 401 || status == 403)
		rc = WEIR_KINESIS_CALL_CREDENTIALS;
	else if (status >= 500 || status == 408 || status == 429 || status == 0)
		rc = WEIR_KINESIS_CALL_RETRY;
	else
		rc = WEIR_KINESIS_CALL_FAILED;
	json_decref(root); /* type and msg point into it */
	return rc;
}
