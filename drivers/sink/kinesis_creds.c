/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the kinesis sink's AWS credentials come from (kinesis.h), in the
 * order the AWS SDKs look: the environment, a web identity token file,
 * the shared credentials file. Never the command line or weir's
 * configuration, which --dump-config and ps would show.
 *
 * A web identity token file (EKS, IRSA) is exchanged for keys by the sink
 * with STS AssumeRoleWithWebIdentity (an unsigned call: the token is the
 * proof); this file only says so, and parses the answer (weir_sts_*).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "kinesis.h"

static void
creds_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static const char *
creds_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static bool
creds_copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

static char *
creds_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Read @p profile's keys from the INI file @p path. */
static int
creds_file(const char *path, const char *profile, struct weir_aws_creds *c, char *err,
	   size_t err_len)
{
	char line[4400], *l, *eq, *name, *value, *dst;
	bool in = false, found = false;
	struct stat st;
	unsigned int lineno = 0;
	size_t cap = 0;
	FILE *f;
	int rc = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		creds_err(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fileno(f), &st) < 0) {
		rc = -errno;
		creds_err(err, err_len, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		rc = -EACCES;
		creds_err(err, err_len,
			  "%s: readable or writable by group or others (mode %04o): refused; "
			  "chmod 600 it",
			  path, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		l = creds_trim(line);
		if (l[0] == '\0' || l[0] == '#' || l[0] == ';')
			continue;
		if (l[0] == '[') {
			char *end = strchr(l, ']');

			if (end == NULL) {
				rc = -EINVAL;
				creds_err(err, err_len, "%s:%u: a section without ']'", path,
					  lineno);
				goto out;
			}
			*end = '\0';
			in = strcmp(creds_trim(l + 1), profile) == 0;
			found |= in;
			continue;
		}
		if (!in)
			continue;
		eq = strchr(l, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		name = creds_trim(l);
		value = creds_trim(eq + 1);
		dst = NULL;
		if (strcmp(name, "aws_access_key_id") == 0) {
			dst = c->key_id;
			cap = sizeof(c->key_id);
		} else if (strcmp(name, "aws_secret_access_key") == 0) {
			dst = c->secret;
			cap = sizeof(c->secret);
		} else if (strcmp(name, "aws_session_token") == 0) {
			dst = c->token;
			cap = sizeof(c->token);
		}
		if (dst != NULL && !creds_copy(dst, cap, value)) {
			rc = -EINVAL;
			creds_err(err, err_len, "%s:%u: %s is too long", path, lineno, name);
			goto out;
		}
	}
	if (!found) {
		rc = -ENOENT;
		creds_err(err, err_len, "%s: no profile [%s]", path, profile);
	} else if (c->key_id[0] == '\0' || c->secret[0] == '\0') {
		rc = -EINVAL;
		creds_err(err, err_len,
			  "%s: profile [%s] lacks aws_access_key_id or aws_secret_access_key", path,
			  profile);
	} else {
		snprintf(c->source, sizeof(c->source), "%.200s [%.100s]", path, profile);
	}
out:
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	return rc;
}

int
weir_aws_creds_load(const char *profile, struct weir_aws_creds *c, char *err, size_t err_len)
{
	const char *id = creds_env("AWS_ACCESS_KEY_ID"),
		   *secret = creds_env("AWS_SECRET_ACCESS_KEY");
	const char *token = creds_env("AWS_SESSION_TOKEN"), *home, *file;
	char path[512];
	int rc;

	memset(c, 0, sizeof(*c));
	if (id != NULL || secret != NULL) {
		if (id == NULL || secret == NULL) {
			creds_err(err, err_len,
				  "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go "
				  "together, one is not set");
			return -EINVAL;
		}
		if (!creds_copy(c->key_id, sizeof(c->key_id), id) ||
		    !creds_copy(c->secret, sizeof(c->secret), secret) ||
		    (token != NULL && !creds_copy(c->token, sizeof(c->token), token))) {
			creds_err(err, err_len, "environment: an AWS_* credential is too long");
			return -EINVAL;
		}
		snprintf(c->source, sizeof(c->source), "environment");
		return 0;
	}
	file = creds_env("AWS_WEB_IDENTITY_TOKEN_FILE");
	if (file != NULL) {
		const char *arn = creds_env("AWS_ROLE_ARN");
		const char *name = creds_env("AWS_ROLE_SESSION_NAME");

		if (arn == NULL) {
			creds_err(err, err_len,
				  "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
			return -EINVAL;
		}
		if (!creds_copy(c->web_token_file, sizeof(c->web_token_file), file) ||
		    !creds_copy(c->role_arn, sizeof(c->role_arn), arn) ||
		    !creds_copy(c->session_name, sizeof(c->session_name),
				name != NULL ? name : "weir")) {
			creds_err(err, err_len,
				  "AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN or "
				  "AWS_ROLE_SESSION_NAME is too long");
			return -EINVAL;
		}
		snprintf(c->source, sizeof(c->source), "web identity %.200s for %.100s", file, arn);
		return WEIR_AWS_CREDS_WEB;
	}
	if (profile == NULL || profile[0] == '\0')
		profile = creds_env("AWS_PROFILE");
	if (profile == NULL)
		profile = "default";
	file = creds_env("AWS_SHARED_CREDENTIALS_FILE");
	if (file == NULL) {
		home = creds_env("HOME");
		if (home == NULL) {
			creds_err(err, err_len,
				  "no credentials: AWS_ACCESS_KEY_ID not set, no "
				  "AWS_SHARED_CREDENTIALS_FILE and no HOME");
			return -ENOENT;
		}
		snprintf(path, sizeof(path), "%s/.aws/credentials", home);
		file = path;
	}
	rc = creds_file(file, profile, c, err, err_len);
	if (rc < 0)
		OPENSSL_cleanse(c, sizeof(*c));
	return rc;
}

/* Append @p s form-encoded (RFC 3986 unreserved kept, the rest %XX). */
static char *
sts_encode(char *p, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			*p++ = (char)ch;
		} else {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 0xf];
		}
	}
	return p;
}

int
weir_sts_body(const struct weir_aws_creds *c, const char *token, char **body)
{
	char *p;

	*body = malloc(256 + 3 * (strlen(c->role_arn) + strlen(c->session_name) + strlen(token)));
	if (*body == NULL)
		return -ENOMEM;
	p = *body;
	p += sprintf(p, "Action=AssumeRoleWithWebIdentity&RoleArn=");
	p = sts_encode(p, c->role_arn);
	p += sprintf(p, "&RoleSessionName=");
	p = sts_encode(p, c->session_name);
	p += sprintf(p, "&Version=2011-06-15&WebIdentityToken=");
	p = sts_encode(p, token);
	*p = '\0';
	return 0;
}

/* The text of the first <tag>...</tag> in @p xml into @p out. */
static bool
sts_tag(const char *xml, size_t len, const char *tag, char *out, size_t out_len)
{
	char open[64], close[64];
	const char *a, *b, *end = xml + len;
	size_t ol, n;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	ol = strlen(open);
	a = memmem(xml, len, open, ol);
	if (a == NULL)
		return false;
	a += ol;
	b = memmem(a, (size_t)(end - a), close, strlen(close));
	if (b == NULL)
		return false;
	n = (size_t)(b - a);
	if (n >= out_len)
		return false;
	memcpy(out, a, n);
	out[n] = '\0';
	return true;
}

int
weir_sts_parse(const char *xml, size_t len, struct weir_aws_creds *c, char *err, size_t err_len)
{
	char code[128], msg[256], exp[64];
	struct tm tm;
	char *rest;

	if (sts_tag(xml, len, "Code", code, sizeof(code))) {
		if (!sts_tag(xml, len, "Message", msg, sizeof(msg)))
			msg[0] = '\0';
		creds_err(err, err_len, "STS %s: %s", code, msg);
		return -EPROTO;
	}
	if (!sts_tag(xml, len, "AccessKeyId", c->key_id, sizeof(c->key_id)) ||
	    !sts_tag(xml, len, "SecretAccessKey", c->secret, sizeof(c->secret)) ||
	    !sts_tag(xml, len, "SessionToken", c->token, sizeof(c->token))) {
		creds_err(err, err_len, "STS: no AccessKeyId, SecretAccessKey or SessionToken");
		return -EPROTO;
	}
	c->expires = 0;
	if (sts_tag(xml, len, "Expiration", exp, sizeof(exp))) {
		memset(&tm, 0, sizeof(tm));
		rest = strptime(exp, "%Y-%m-%dT%H:%M:%S", &tm);
		if (rest == NULL) {
			creds_err(err, err_len, "STS: Expiration '%s' is not a time", exp);
			return -EPROTO;
		}
		c->expires = (int64_t)timegm(&tm);
	}
	return 0;
}
