// SPDX-License-Identifier: Apache-2.0
/* JSON string escaping over the exposition output buffer. */
#include <string.h>

#include "json.h"

/* Length of the UTF-8 sequence a lead byte announces; 0 for a bad lead. */
static size_t utf8_lead_length(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

static void json_escape_byte(struct outbuf *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};

	switch (c) {
	case '"':
		outbuf_puts(out, "\\\"");
		break;
	case '\\':
		outbuf_puts(out, "\\\\");
		break;
	case '\n':
		outbuf_puts(out, "\\n");
		break;
	case '\t':
		outbuf_puts(out, "\\t");
		break;
	case '\r':
		outbuf_puts(out, "\\r");
		break;
	default:
		outbuf_puts(out, esc);
	}
}

void json_string(struct outbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	outbuf_putc(out, '"');
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' &&
		    p[i] != '\\') {
			outbuf_putc(out, (char)p[i++]);
			continue;
		}
		if (p[i] < 0x80) {
			json_escape_byte(out, p[i++]);
			continue;
		}
		n = utf8_lead_length(p[i]);
		if (n && n <= len - i && utf8_valid(s + i, n)) {
			outbuf_put(out, s + i, n);
			i += n;
		} else {
			outbuf_puts(out, "\\ufffd");
			i++;
		}
	}
	outbuf_putc(out, '"');
}

void json_error_body(struct outbuf *out, const char *message)
{
	outbuf_puts(out, "{\"error\":");
	json_string(out, message, strlen(message));
	outbuf_puts(out, "}\n");
}
