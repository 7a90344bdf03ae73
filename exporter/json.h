/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The little JSON the admin API writes: strings escaped for any bytes a
 * file name may hold, and the {"error": "..."} body of every error answer.
 */
#ifndef NSE_JSON_H
#define NSE_JSON_H

#include <stddef.h>

#include "exposition.h"

/*
 * Writes s as a quoted JSON string. Control characters, '"' and '\' are
 * escaped; bytes that are not valid UTF-8 become U+FFFD, since a JSON text
 * must be UTF-8 (callers that need the exact bytes send them percent-encoded
 * as well).
 */
void json_string(struct outbuf *out, const char *s, size_t len);

/* Writes {"error":"message"} and a newline. */
void json_error_body(struct outbuf *out, const char *message);

#endif
