/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kinesis sink's parts that need no network, each unit-tested alone:
 * AWS Signature Version 4 (kinesis_sigv4.c), where credentials come from
 * (kinesis_creds.c) and the PutRecords request and response JSON
 * (kinesis_api.c). sink_kinesis.c puts them together over libcurl.
 *
 * Threads: all of it is plain functions over the caller's memory, called
 * from the sink's thread (or main at open); nothing here keeps state.
 * Errors: 0 or -errno, with words in the caller's @p err when one is given.
 */
#ifndef WEIR_KINESIS_H
#define WEIR_KINESIS_H

#include <stddef.h>
#include <stdint.h>

/* The service's limits (PutRecords). */
#define WEIR_KINESIS_MAX_RECORDS    500
#define WEIR_KINESIS_MAX_CALL_BYTES (5u << 20) /* data + partition keys per call */
#define WEIR_KINESIS_MAX_REC_BYTES  (1u << 20) /* data + partition key per record */
#define WEIR_KINESIS_MAX_KEY	    256	       /* partition key, Unicode chars */

/* ---- SigV4 ---- */

/* One header to sign: the name in lower case, the value trimmed. */
struct weir_sigv4_header {
	const char *name;
	const char *value;
};

struct weir_sigv4_req {
	const char *method; /* "POST" */
	const char *path;   /* "/", already URI-encoded */
	const char *query;  /* canonical query string (sorted, encoded), "" = none */
	const struct weir_sigv4_header *headers; /* any order, host and x-amz-date among them */
	unsigned int n_headers;
	const void *payload;
	size_t payload_len;
	const char *region;   /* "us-east-1" */
	const char *service;  /* "kinesis" */
	const char *amz_date; /* "YYYYMMDDTHHMMSSZ", as in x-amz-date */
	const char *key_id;
	const char *secret;
};

#define WEIR_SIGV4_HEADERS_MAX 16

/** The signing key: HMAC chain over "AWS4"+secret, the date (YYYYMMDD),
 *  region, service and "aws4_request". */
void weir_sigv4_signing_key(const char *secret, const char *date8, const char *region,
			    const char *service, uint8_t key[32]);

/** The Authorization header's value for @p r into @p auth.
 *  @return 0, -EINVAL (a bad request: too many headers, a malformed date),
 *  -ENOSPC (@p len too small) or -ENOMEM. */
int weir_sigv4_sign(const struct weir_sigv4_req *r, char *auth, size_t len);

/* ---- credentials ---- */

struct weir_aws_creds {
	char key_id[128];
	char secret[128];
	char token[4096]; /* session token, "" = none */
	char source[320]; /* where they came from, for logs ("environment") */
	/* web identity (WEIR_AWS_CREDS_WEB): what STS needs, and when the
	 * keys it gave expire (Unix seconds, 0 = never) */
	char web_token_file[512];
	char role_arn[256];
	char session_name[65];
	int64_t expires;
};

/* weir_aws_creds_load(): the keys must come from STS (weir_sts_*) */
#define WEIR_AWS_CREDS_WEB 1

/**
 * Find credentials where an AWS user expects them: the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then a web
 * identity token file (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN and
 * optionally AWS_ROLE_SESSION_NAME), then the shared credentials file
 * (AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials) at @p profile
 * ("" = AWS_PROFILE, else "default"). A credentials file that group or
 * others may read or write is refused.
 * @return 0 (keys in @p c), WEIR_AWS_CREDS_WEB (@p c says what to ask STS
 *         for: the caller exchanges the token with weir_sts_*), -ENOENT (none
 *         found), -EACCES (file mode), -EINVAL (a profile without both keys,
 *         a token file without AWS_ROLE_ARN).
 */
int weir_aws_creds_load(const char *profile, struct weir_aws_creds *c, char *err, size_t err_len);

/** The body of an STS AssumeRoleWithWebIdentity call (form-encoded) for
 *  @p c and the token @p token, malloc'd. @return 0 or -ENOMEM. */
int weir_sts_body(const struct weir_aws_creds *c, const char *token, char **body);

/**
 * Read an STS AssumeRoleWithWebIdentity response (XML) into @p c's keys,
 * token and expiry. @return 0, or -EPROTO with the service's error code
 * and message (or what is missing) in @p err.
 */
int weir_sts_parse(const char *xml, size_t len, struct weir_aws_creds *c, char *err,
		   size_t err_len);

/* ---- PutRecords ---- */

struct weir_kinesis_rec {
	const char *data; /* the EVE line, without its '\n' */
	size_t len;
	const char *key; /* partition key, NUL-terminated */
};

/** The body of a PutRecords call (Data base64-encoded), malloc'd into
 *  @p *body (the caller frees it). @return 0, -EINVAL or -ENOMEM. */
int weir_kinesis_put_body(const char *stream, const struct weir_kinesis_rec *recs, unsigned int n,
			  char **body, size_t *body_len);

/* What became of one record of a call. */
enum weir_kinesis_outcome {
	WEIR_KINESIS_OK,
	WEIR_KINESIS_THROTTLED, /* ProvisionedThroughputExceeded, KMSThrottling: retry */
	WEIR_KINESIS_RETRY,	/* InternalFailure and the like: retry */
	WEIR_KINESIS_FAILED,	/* refused for good (drop_errors) */
};

/**
 * Parse a PutRecords response of a call with @p n records: one outcome per
 * record into @p out, and the first failure's ErrorCode and ErrorMessage into
 * @p err (may be NULL). @return the number of records not OK, or -EPROTO
 * when the body is not a PutRecords response for @p n records.
 */
int weir_kinesis_put_parse(const char *body, size_t len, unsigned int n, uint8_t *out, char *err,
			   size_t err_len);

/* What a whole failed call (HTTP status other than 200) means. */
enum weir_kinesis_call_error {
	WEIR_KINESIS_CALL_THROTTLED,   /* every record throttled: retry */
	WEIR_KINESIS_CALL_RETRY,       /* 5xx, transport: retry */
	WEIR_KINESIS_CALL_CREDENTIALS, /* signature, key, token refused: drop_errors */
	WEIR_KINESIS_CALL_FAILED,      /* stream missing, validation: drop_errors */
};

/**
 * Classify an error response by HTTP @p status and the body's __type
 * (namespace before '#' stripped), writing "Type: message" into @p what.
 */
enum weir_kinesis_call_error weir_kinesis_error_parse(long status, const char *body, size_t len,
						      char *what, size_t what_len);

#endif /* WEIR_KINESIS_H */
