/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the kinesis sink's parts without a network (drivers/sink/
 * kinesis.h): SigV4 against AWS's published examples (the signature-v4
 * test suite's get-vanilla, get-vanilla-query-order-key-case and
 * post-vanilla, the IAM ListUsers walkthrough with its signing key, and
 * the S3 GetObject example), where credentials come from (environment,
 * shared file and profile, a file others may read refused, web identity
 * needing its role; STS's answer read), and PutRecords' request and
 * response bodies, partial failures included.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "sink/kinesis.h"
#include "weir_cunit.h"

/* The examples' secret and key id (AWS documentation). */
#define EX_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define EX_KEY_ID "AKIDEXAMPLE"
#define EX_DATE	  "20150830T123600Z"
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char g_dir[64];

static int
suite_init(void)
{
	strcpy(g_dir, "/tmp/weir-kinesis-XXXXXX");
	return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int
suite_clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void
test_sigv4_signing_key(void)
{
	uint8_t key[32];
	char h[65];

	/* The signing-key walkthrough of the SigV4 documentation (IAM). */
	weir_sigv4_signing_key(EX_SECRET, "20150830", "us-east-1", "iam", key);
	hex(key, 32, h);
	CU_ASSERT_STRING_EQUAL(h,
			       "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

/* The test suite's requests: host example.amazonaws.com, service "service". */
static void
suite_sign(const char *method, const char *query, char *auth, size_t len)
{
	struct weir_sigv4_header hs[] = {
		{"x-amz-date", EX_DATE},
		{"host", "example.amazonaws.com"},
	};
	struct weir_sigv4_req r = {
		.method = method,
		.path = "/",
		.query = query,
		.headers = hs,
		.n_headers = 2,
		.payload = "",
		.payload_len = 0,
		.region = "us-east-1",
		.service = "service",
		.amz_date = EX_DATE,
		.key_id = EX_KEY_ID,
		.secret = EX_SECRET,
	};

	CU_ASSERT_EQUAL(weir_sigv4_sign(&r, auth, len), 0);
}

static void
test_sigv4_test_suite(void)
{
	char auth[512];

	suite_sign("GET", "", auth, sizeof(auth));
	CU_ASSERT_STRING_EQUAL(auth,
			       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
			       "service/aws4_request, SignedHeaders=host;x-amz-date, "
			       "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8a"
			       "ae1d763fbf31");
	suite_sign("GET", "Param1=value1&Param2=value2", auth, sizeof(auth));
	CU_ASSERT_PTR_NOT_NULL(strstr(
		auth,
		"Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
	suite_sign("POST", "", auth, sizeof(auth));
	CU_ASSERT_STRING_EQUAL(auth,
			       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
			       "service/aws4_request, SignedHeaders=host;x-amz-date, "
			       "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb6"
			       "8e92efbe5d6b");
	/* Too small a buffer is said, not cut. */
	{
		struct weir_sigv4_header h = {"host", "x"};
		struct weir_sigv4_req r = {"GET", "/", "",  &h,	     1,		"",
					   0,	  "r", "s", EX_DATE, EX_KEY_ID, EX_SECRET};

		CU_ASSERT_EQUAL(weir_sigv4_sign(&r, auth, 20), -ENOSPC);
		r.amz_date = "2015";
		CU_ASSERT_EQUAL(weir_sigv4_sign(&r, auth, sizeof(auth)), -EINVAL);
	}
}

static void
test_sigv4_iam_and_s3(void)
{
	struct weir_sigv4_header iam_h[] = {
		{"host", "iam.amazonaws.com"},
		{"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
		{"x-amz-date", EX_DATE},
	};
	struct weir_sigv4_req iam = {
		.method = "GET",
		.path = "/",
		.query = "Action=ListUsers&Version=2010-05-08",
		.headers = iam_h,
		.n_headers = 3,
		.payload = "",
		.region = "us-east-1",
		.service = "iam",
		.amz_date = EX_DATE,
		.key_id = EX_KEY_ID,
		.secret = EX_SECRET,
	};
	struct weir_sigv4_header s3_h[] = {
		{"range", "bytes=0-9"},
		{"host", "examplebucket.s3.amazonaws.com"},
		{"x-amz-date", "20130524T000000Z"},
		{"x-amz-content-sha256", EMPTY_SHA},
	};
	struct weir_sigv4_req s3 = {
		.method = "GET",
		.path = "/test.txt",
		.query = "",
		.headers = s3_h,
		.n_headers = 4,
		.payload = "",
		.region = "us-east-1",
		.service = "s3",
		.amz_date = "20130524T000000Z",
		.key_id = "AKIAIOSFODNN7EXAMPLE",
		.secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	};
	char auth[512];

	/* IAM ListUsers, the SigV4 documentation's worked example. */
	CU_ASSERT_EQUAL(weir_sigv4_sign(&iam, auth, sizeof(auth)), 0);
	CU_ASSERT_STRING_EQUAL(auth,
			       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
			       "iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, "
			       "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b"
			       "5924a6f2b5d7");
	/* S3 GetObject with a Range header (S3's SigV4 header example). */
	CU_ASSERT_EQUAL(weir_sigv4_sign(&s3, auth, sizeof(auth)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(auth, "SignedHeaders=host;range;x-amz-content-sha256;"
					    "x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed"
					    "310bd44f0170aba48dd91039c6036bdb41"));
}

static void
env_clear(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	unsetenv("AWS_ROLE_ARN");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	CU_ASSERT_EQUAL(chmod(path, mode), 0);
}

static void
test_creds(void)
{
	struct weir_aws_creds c;
	char path[128], err[512];

	env_clear();
	setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tok", 1);
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.key_id, "AKENV");
	CU_ASSERT_STRING_EQUAL(c.secret, "secretenv");
	CU_ASSERT_STRING_EQUAL(c.token, "tok");
	CU_ASSERT_STRING_EQUAL(c.source, "environment");
	/* Half a pair is an error, not a fall through to the file. */
	unsetenv("AWS_SECRET_ACCESS_KEY");
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), -EINVAL);

	env_clear();
	snprintf(path, sizeof(path), "%s/credentials", g_dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	write_file(path,
		   "# comment\n[default]\naws_access_key_id = AKDEF\n"
		   "aws_secret_access_key=secretdef\n\n[prod]\n"
		   " aws_access_key_id = AKPROD \naws_secret_access_key = secretprod\n"
		   "aws_session_token = tokprod\n[half]\naws_access_key_id = AKHALF\n",
		   0600);
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.key_id, "AKDEF");
	CU_ASSERT_STRING_EQUAL(c.token, "");
	CU_ASSERT_EQUAL(weir_aws_creds_load("prod", &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.key_id, "AKPROD");
	CU_ASSERT_STRING_EQUAL(c.secret, "secretprod");
	CU_ASSERT_STRING_EQUAL(c.token, "tokprod");
	setenv("AWS_PROFILE", "prod", 1);
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.key_id, "AKPROD");
	/* The configured profile wins over AWS_PROFILE. */
	CU_ASSERT_EQUAL(weir_aws_creds_load("default", &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.key_id, "AKDEF");
	unsetenv("AWS_PROFILE");
	CU_ASSERT_EQUAL(weir_aws_creds_load("nosuch", &c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no profile [nosuch]"));
	CU_ASSERT_EQUAL(weir_aws_creds_load("half", &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "lacks"));
	CU_ASSERT_STRING_EQUAL(c.key_id, ""); /* nothing half-filled is left */

	/* Readable by others: refused, whatever it holds. */
	CU_ASSERT_EQUAL(chmod(path, 0644), 0);
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "readable or writable by group or others"));
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), -EACCES);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);

	/* Web identity: before the file, and it needs its role. */
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token", 1);
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "AWS_ROLE_ARN is not"));
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/weir", 1);
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), WEIR_AWS_CREDS_WEB);
	CU_ASSERT_STRING_EQUAL(c.web_token_file, "/var/run/token");
	CU_ASSERT_STRING_EQUAL(c.role_arn, "arn:aws:iam::123456789012:role/weir");
	CU_ASSERT_STRING_EQUAL(c.session_name, "weir");
	CU_ASSERT_STRING_EQUAL(c.key_id, "");
	env_clear();
	snprintf(path, sizeof(path), "%s/missing", g_dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	CU_ASSERT_EQUAL(weir_aws_creds_load("", &c, err, sizeof(err)), -ENOENT);
	env_clear();
}

static void
test_sts(void)
{
	/* The shape of the AssumeRoleWithWebIdentity example in the STS API
	 * reference. */
	static const char ok[] =
		"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/"
		"2011-06-15/\">\n  <AssumeRoleWithWebIdentityResult>\n"
		"    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A"
		"</SubjectFromWebIdentityToken>\n    <Credentials>\n"
		"      "
		"<SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>\n"
		"      "
		"<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
		"      <Expiration>2014-10-24T23:00:23Z</Expiration>\n"
		"      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>\n    </Credentials>\n"
		"  </AssumeRoleWithWebIdentityResult>\n</AssumeRoleWithWebIdentityResponse>\n";
	static const char refused[] =
		"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
		"<Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token "
		"audience</Message></Error></ErrorResponse>";
	struct weir_aws_creds c;
	char err[256], *body;

	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(weir_sts_parse(ok, sizeof(ok) - 1, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.key_id, "ASgeIAIOSFODNN7EXAMPLE");
	CU_ASSERT_STRING_EQUAL(c.secret, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	CU_ASSERT_STRING_EQUAL(c.token, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
	CU_ASSERT_EQUAL(c.expires, 1414191623); /* 2014-10-24T23:00:23Z */
	CU_ASSERT_EQUAL(weir_sts_parse(refused, sizeof(refused) - 1, &c, err, sizeof(err)),
			-EPROTO);
	CU_ASSERT_STRING_EQUAL(err, "STS InvalidIdentityToken: Incorrect token audience");
	CU_ASSERT_EQUAL(weir_sts_parse("<x/>", 4, &c, err, sizeof(err)), -EPROTO);

	snprintf(c.role_arn, sizeof(c.role_arn), "arn:aws:iam::1:role/a b");
	snprintf(c.session_name, sizeof(c.session_name), "weir");
	CU_ASSERT_EQUAL_FATAL(weir_sts_body(&c, "tok+en/=", &body), 0);
	CU_ASSERT_STRING_EQUAL(body,
			       "Action=AssumeRoleWithWebIdentity&RoleArn=arn%3Aaws%3Aiam%3A%3A1%"
			       "3Arole%2Fa%20b&RoleSessionName=weir&Version=2011-06-15&"
			       "WebIdentityToken=tok%2Ben%2F%3D");
	free(body);
}

static void
test_put_body(void)
{
	/* Data goes base64; keys and the stream name are JSON-escaped. */
	struct weir_kinesis_rec recs[] = {
		{"{\"a\":1}", 7, "42"},
		{"x\ny\"z", 5, "k\"ey\\"},
	};
	unsigned char dec[64];
	json_t *root, *arr, *r;
	size_t len;
	char *body;
	int n;

	CU_ASSERT_EQUAL(weir_kinesis_put_body("s", recs, 0, &body, &len), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(weir_kinesis_put_body("my\"stream", recs, 2, &body, &len), 0);
	CU_ASSERT_EQUAL(strlen(body), len);
	root = json_loadb(body, len, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "StreamName")),
			       "my\"stream");
	arr = json_object_get(root, "Records");
	CU_ASSERT_EQUAL_FATAL(json_array_size(arr), 2);
	r = json_array_get(arr, 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "Data")), "eyJhIjoxfQ==");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "PartitionKey")), "42");
	r = json_array_get(arr, 1);
	n = EVP_DecodeBlock(
		dec, (const unsigned char *)json_string_value(json_object_get(r, "Data")), 8);
	CU_ASSERT_EQUAL(n, 6); /* 5 bytes and one pad */
	CU_ASSERT_EQUAL(memcmp(dec, "x\ny\"z", 5), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "PartitionKey")), "k\"ey\\");
	json_decref(root);
	free(body);
}

static void
test_put_parse(void)
{
	static const char ok[] =
		"{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":"
		"\"shardId-000000000000\"},{\"SequenceNumber\":\"2\",\"ShardId\":\"s\"}]}";
	/* The PutRecords documentation's partial failure, one of each kind. */
	static const char partial[] =
		"{\"FailedRecordCount\":3,\"Records\":["
		"{\"SequenceNumber\":\"4955\",\"ShardId\":\"shardId-000000000001\"},"
		"{\"ErrorCode\":\"ProvisionedThroughputExceededException\",\"ErrorMessage\":"
		"\"Rate exceeded for shard shardId-000000000001 in stream exampleStreamName under "
		"account 111111111111.\"},"
		"{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"Internal service "
		"failure.\"},"
		"{\"ErrorCode\":\"KMSAccessDeniedException\",\"ErrorMessage\":\"denied\"}]}";
	uint8_t out[4];
	char err[256];

	CU_ASSERT_EQUAL(weir_kinesis_put_parse(ok, sizeof(ok) - 1, 2, out, err, sizeof(err)), 0);
	CU_ASSERT(out[0] == WEIR_KINESIS_OK && out[1] == WEIR_KINESIS_OK);
	CU_ASSERT_EQUAL(
		weir_kinesis_put_parse(partial, sizeof(partial) - 1, 4, out, err, sizeof(err)), 3);
	CU_ASSERT_EQUAL(out[0], WEIR_KINESIS_OK);
	CU_ASSERT_EQUAL(out[1], WEIR_KINESIS_THROTTLED);
	CU_ASSERT_EQUAL(out[2], WEIR_KINESIS_RETRY);
	CU_ASSERT_EQUAL(out[3], WEIR_KINESIS_FAILED);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(err, "ProvisionedThroughputExceededException: Rate exceeded"));
	/* Not a response for this call: the count differs, not JSON, no
	 * sequence number. */
	CU_ASSERT_EQUAL(weir_kinesis_put_parse(ok, sizeof(ok) - 1, 3, out, NULL, 0), -EPROTO);
	CU_ASSERT_EQUAL(weir_kinesis_put_parse("<html>", 6, 1, out, NULL, 0), -EPROTO);
	CU_ASSERT_EQUAL(weir_kinesis_put_parse("{\"Records\":[{}]}", 16, 1, out, NULL, 0), -EPROTO);
}

static void
test_error_parse(void)
{
	char what[256];
	static const char bad_key[] =
		"{\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token "
		"included in the request is invalid.\"}";
	static const char expired[] =
		"{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\","
		"\"message\":\"The security token included in the request "
		"is expired\"}";
	static const char throttled[] = "{\"__type\":\"ProvisionedThroughputExceededException\"}";
	static const char missing[] = "{\"__type\":\"ResourceNotFoundException\",\"message\":"
				      "\"Stream s under account 1 not found.\"}";

	CU_ASSERT_EQUAL(
		weir_kinesis_error_parse(400, bad_key, sizeof(bad_key) - 1, what, sizeof(what)),
		WEIR_KINESIS_CALL_CREDENTIALS);
	CU_ASSERT_STRING_EQUAL(what, "HTTP 400 UnrecognizedClientException: The security token "
				     "included in the request is invalid.");
	CU_ASSERT_EQUAL(
		weir_kinesis_error_parse(400, expired, sizeof(expired) - 1, what, sizeof(what)),
		WEIR_KINESIS_CALL_CREDENTIALS);
	CU_ASSERT_PTR_NOT_NULL(strstr(what, "HTTP 400 ExpiredTokenException: "));
	CU_ASSERT_EQUAL(
		weir_kinesis_error_parse(400, throttled, sizeof(throttled) - 1, what, sizeof(what)),
		WEIR_KINESIS_CALL_THROTTLED);
	CU_ASSERT_EQUAL(
		weir_kinesis_error_parse(400, missing, sizeof(missing) - 1, what, sizeof(what)),
		WEIR_KINESIS_CALL_FAILED);
	CU_ASSERT_EQUAL(weir_kinesis_error_parse(503, "", 0, what, sizeof(what)),
			WEIR_KINESIS_CALL_RETRY);
	CU_ASSERT_STRING_EQUAL(what, "HTTP 503");
	CU_ASSERT_EQUAL(weir_kinesis_error_parse(403, "nope", 4, what, sizeof(what)),
			WEIR_KINESIS_CALL_CREDENTIALS);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("kinesis", suite_init, suite_clean);
	CU_ADD_TEST(su, test_sigv4_signing_key);
	CU_ADD_TEST(su, test_sigv4_test_suite);
	CU_ADD_TEST(su, test_sigv4_iam_and_s3);
	CU_ADD_TEST(su, test_creds);
	CU_ADD_TEST(su, test_sts);
	CU_ADD_TEST(su, test_put_body);
	CU_ADD_TEST(su, test_put_parse);
	CU_ADD_TEST(su, test_error_parse);
	return weir_ut_run();
}
