/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named network namespaces made, attached, removed and listed with the
 * semantics of iproute2 6.1's `ip netns add/attach/delete/list`, so that
 * the admin API and `ip netns` see each other's work: the same directory
 * set-up under the same flock, the same empty mode-0 file with a bind mount
 * of a namespace on it, and the same tolerance for stale entries on delete.
 *
 * Every operation returns 0 or a negative errno, and on failure records in
 * *fail (when not NULL) which step failed, for the HTTP status and the
 * message; nothing a failed create or attach made is left behind.
 */
#ifndef NSE_NETNS_ADMIN_H
#define NSE_NETNS_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "exposition.h"

/* Longest name a create accepts; delete accepts up to NAME_MAX bytes. */
#define NETNS_ADMIN_NAME_MAX 64

struct netns_admin {
	const char *dir;    /* the directory of names, e.g. /run/netns */
	const char *procfs; /* where /proc/PID/ns/net is found for attach */
};

enum netns_admin_step {
	NETNS_STEP_NONE,
	NETNS_STEP_NAME,    /* the name (or the request) is refused */
	NETNS_STEP_DIR,	    /* creating or opening the directory */
	NETNS_STEP_SHARE,   /* making the directory a shared mount point */
	NETNS_STEP_FILE,    /* creating the entry */
	NETNS_STEP_UNSHARE, /* creating the network namespace */
	NETNS_STEP_BIND,    /* bind-mounting the namespace onto the entry */
	NETNS_STEP_PROCESS, /* opening the network namespace of a process */
	NETNS_STEP_REMOVE,  /* removing the entry */
	NETNS_STEP_LIST,    /* reading the directory */
};

struct netns_admin_failure {
	enum netns_admin_step step;
	int err;	    /* negative errno */
	const char *reason; /* static detail for NETNS_STEP_NAME, or NULL */
};

/* Creates NAME as `ip netns add NAME` does. -EEXIST if it exists. */
int netns_admin_create(const struct netns_admin *admin, const char *name,
		       struct netns_admin_failure *fail);

/*
 * Names the network namespace of process pid as `ip netns attach NAME PID`
 * does (a bind mount, never a symlink). -ENOENT when there is no such
 * process.
 */
int netns_admin_attach(const struct netns_admin *admin, const char *name,
		       pid_t pid, struct netns_admin_failure *fail);

/*
 * Removes NAME as `ip netns delete NAME` does: a detached unmount, whose
 * failure is ignored so that stale entries go too, then unlink. Symlinks
 * are removed, never followed. 0 only when the entry is gone; -EBUSY when
 * another mount stacked on the entry keeps it (the top one is detached).
 */
int netns_admin_delete(const struct netns_admin *admin, const char *name,
		       struct netns_admin_failure *fail);

struct netns_admin_entry {
	char *name;
	bool is_netns;	/* an nsfs file: the inode identifies a netns */
	uint64_t inode; /* only when is_netns */
	bool has_nsid;
	int32_t nsid; /* the id this netns has in ours, if assigned */
};

/*
 * Lists the directory like `ip netns list`, sorted by name, into a new
 * array (free with netns_admin_entries_free). A missing directory is an
 * empty list. The netns id is asked for with RTM_GETNSID from the calling
 * thread's network namespace, which must be the exporter's own; ids are
 * only read, never assigned.
 */
int netns_admin_list(const struct netns_admin *admin,
		     struct netns_admin_entry **entries, size_t *n_entries,
		     struct netns_admin_failure *fail);
void netns_admin_entries_free(struct netns_admin_entry *entries, size_t n);

/*
 * Fills entry (its name is a copy, free it) for NAME alone, as the list
 * would. 0, or -ENOENT when there is no such entry.
 */
int netns_admin_lookup(const struct netns_admin *admin, const char *name,
		       struct netns_admin_entry *entry);

/* One entry as the JSON object the list holds. */
void netns_admin_entry_json(const struct netns_admin_entry *entry,
			    struct outbuf *out);

/*
 * Writes the list as a JSON array of objects with name, url_name (the name
 * percent-encoded, exact even when the name is not UTF-8), inode and nsid
 * (null when absent).
 */
void netns_admin_list_json(const struct netns_admin_entry *entries, size_t n,
			   struct outbuf *out);

/*
 * Name rules. _create: 1 to 64 characters of [A-Za-z0-9._-], not "." or
 * "..". _any: whatever `ip netns add` accepts: 1 to NAME_MAX bytes, no '/',
 * not "." or "..". 0 or -EINVAL (-ENAMETOOLONG for length) with a static
 * reason.
 */
int netns_admin_name_check_create(const char *name, const char **reason);
int netns_admin_name_check_any(const char *name, const char **reason);

/*
 * Decodes one raw (still percent-encoded) URL path segment into out. An
 * encoded NUL, a '/' in any spelling, ".", "..", an empty or over-long name
 * and malformed escapes are refused with -EINVAL or -ENAMETOOLONG and a
 * static reason. out_size must be at least NAME_MAX + 1.
 */
int netns_admin_name_decode(const char *raw, size_t raw_len, char *out,
			    size_t out_size, const char **reason);

/*
 * Reads a POST body: empty, {} or {"pid": N}. Sets *pid to N, or 0 when no
 * pid is given. 0 or -EINVAL with a static reason.
 */
int netns_admin_parse_body(const char *body, size_t len, pid_t *pid,
			   const char **reason);

/* The HTTP status for a failure: 409, 404, 400, 503 or 500. */
int netns_admin_http_status(const struct netns_admin_failure *fail);

/* A one-line message for a failure: the step and the errno text. */
void netns_admin_error_text(const struct netns_admin_failure *fail, char *buf,
			    size_t len);

/*
 * The mount that dir lies on according to mountinfo (the text of a
 * /proc/PID/mountinfo): the one whose mount point is dir or its nearest
 * parent, the last listed when several are stacked there. Writes its
 * mount point into point (point_size at least the longest line + 1) and
 * returns 1 when it is shared (mounts made under it reach its peers in
 * other mount namespaces), 0 when not, -ENOENT when no mount covers dir.
 */
int netns_admin_dir_mount(const char *mountinfo, size_t len, const char *dir,
			  char *point, size_t point_size);

/*
 * Tells at start-up whether the admin API's mounts will be seen outside
 * the exporter: fine in the host's mount namespace (that of kthreadd, when
 * procfs shows it); in a mount namespace of its own only when the mount
 * the netns directory lies on is shared (Kubernetes' Bidirectional
 * propagation), else a warning says that `ip netns` elsewhere will not
 * see what the API creates.
 */
void netns_admin_mount_check(const struct netns_admin *admin);

#endif
