/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin API over netns_admin: GET /api/v1/netns lists, POST
 * /api/v1/netns/NAME creates (or attaches, with {"pid": N}), DELETE
 * /api/v1/netns/NAME removes. Every answer but 204 has a JSON body, every
 * error is {"error": "..."}, every request is logged (remote address,
 * user, operation, name, status, duration; never a password) and counted
 * in namespace_exporter_admin_requests_total{operation,code}.
 */
#ifndef NSE_ADMIN_API_H
#define NSE_ADMIN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin_metrics.h"
#include "config.h"
#include "exposition.h"
#include "http.h"
#include "netns_admin.h"
#include "web_access.h"

#define ADMIN_API_PATH "/api/v1/netns"

struct admin_api;

/*
 * The API over netns, authorised by access. With access NULL or without an
 * admin file its routes answer 404 (the API is off). netns and access must
 * outlive it. NULL when out of memory.
 */
struct admin_api *admin_api_new(const struct netns_admin *netns,
				struct web_access *access);
/* Call after the server that routes to it is freed. NULL-safe. */
void admin_api_free(struct admin_api *api);

/* Routes ADMIN_API_PATH and ADMIN_API_PATH/ to api. 0 or a negative errno. */
int admin_api_register(struct admin_api *api, struct http_server *server);

/*
 * Admin over plain HTTP is refused unless every listen address is
 * loopback or allow_insecure is set. 0, or -EPERM with a message in err.
 */
int admin_api_transport_check(const struct config *config, bool tls,
			      bool allow_insecure, char *err, size_t err_len);

#endif
