/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network namespace collector: devices, their counters and addresses in
 * every network namespace, read over rtnetlink by worker threads that enter
 * each namespace only to create a socket there.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "array.h"
#include "collector.h"
#include "config.h"
#include "log.h"
#include "netns_discover.h"
#include "netns_peer.h"
#include "netns_render.h"
#include "ns_scan.h"
#include "registry.h"
#include "rtnl.h"
#include "rtnl_parse.h"

/*
 * The calling thread's own namespace: the exporter's, whatever procfs the
 * collectors observe.
 */
#define NETNS_HOME_PATH "/proc/thread-self/ns/net"

/* What all workers of one collection share. */
struct netns_job {
	const struct config *config;
	const struct netns_targets *targets;
	struct netns_ns *results; /* one per target */
	/* the indices of the targets to read; NULL: all of them */
	const size_t *todo;
	size_t n_todo;
	double deadline;
	int home_fd;
	atomic_size_t next; /* the queue: position of the next in todo */
};

/* A growable array of parsed messages, reused from namespace to namespace. */
struct netns_vec {
	void *items;
	size_t n;
	size_t cap;
	size_t size;	  /* of one item */
	bool holds_links; /* struct rtnl_link items, else struct rtnl_addr */
	/* links whose name matches are dropped as they are parsed */
	const regex_t *exclude;
};

struct netns_worker {
	struct netns_job *job;
	pthread_t thread;
	struct netns_vec links;
	struct netns_vec addrs;
	char buf[MNL_SOCKET_DUMP_SIZE];
};

static void *netns_vec_push(struct netns_vec *vec)
{
	void *items;

	items = array_grow(vec->items, &vec->cap, vec->n + 1, vec->size, 16);
	if (!items)
		return NULL;
	vec->items = items;
	return (char *)vec->items + vec->n++ * vec->size;
}

static void netns_vec_reset(void *data)
{
	struct netns_vec *vec = data;

	vec->n = 0;
}

/* Parses one dump message into the next item of vec. */
static int message_cb(const struct nlmsghdr *nlh, void *data)
{
	struct netns_vec *vec = data;
	void *item;
	int err;

	item = netns_vec_push(vec);
	if (!item) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	err = vec->holds_links ? rtnl_link_parse(nlh, item)
			       : rtnl_addr_parse(nlh, item);
	if (!err && vec->exclude &&
	    !regexec(vec->exclude, ((struct rtnl_link *)item)->ifname, 0, NULL,
		     0)) {
		/* its addresses go too: they name an ifindex no link has */
		vec->n--;
		return MNL_CB_OK;
	}
	if (!err)
		return MNL_CB_OK;
	vec->n--;
	if (err == -EAFNOSUPPORT)
		return MNL_CB_OK; /* neither IPv4 nor IPv6: not ours to show */
	errno = -err;
	return MNL_CB_ERROR;
}

/*
 * A route socket in target's namespace. -ENOENT means the namespace is
 * gone, or the nsfs file was of another namespace type (setns says EINVAL).
 */
static int target_socket(const struct config *config, int home_fd,
			 const struct netns_target *target,
			 struct mnl_socket **out)
{
	int fd, err;

	if (target->self) {
		*out = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
		return *out ? 0 : -errno;
	}
	fd = netns_target_open(target, config);
	if (fd < 0)
		return fd;
	err = rtnl_open_in(fd, home_fd, out);
	close(fd);
	return err == -EINVAL ? -ENOENT : err;
}

static int target_dump(struct netns_worker *worker, struct mnl_socket *nl)
{
	const struct rtnl_sink links = {message_cb, &worker->links,
					netns_vec_reset};
	const struct rtnl_sink addrs = {message_cb, &worker->addrs,
					netns_vec_reset};
	double deadline = worker->job->deadline;
	int err;

	err = rtnl_setup(nl, deadline);
	if (!err)
		err = rtnl_dump(nl, RTM_GETLINK, &links, worker->buf, deadline);
	if (!err)
		err = rtnl_dump(nl, RTM_GETADDR, &addrs, worker->buf, deadline);
	return err;
}

/* Reads one namespace into its result. Returns RTNL_STRANDED or 0. */
static int target_read(struct netns_worker *worker, size_t index)
{
	struct netns_job *job = worker->job;
	const struct netns_target *target = &job->targets->items[index];
	struct netns_ns *ns = &job->results[index];
	struct mnl_socket *nl = NULL;
	char inode[32];
	int err;

	if (job->deadline > 0 && monotonic_seconds() >= job->deadline)
		err = -ETIMEDOUT;
	else
		err = target_socket(job->config, job->home_fd, target, &nl);
	if (!err) {
		err = target_dump(worker, nl);
		mnl_socket_close(nl);
	} else if (err == -ENOENT) {
		/* deleted between discovery and now: not listed, no error */
		ns->state = NETNS_STATE_GONE;
		log_debug("network namespace vanished before it was read",
			  "collector", "netns", "netns", target->name,
			  "netns_inode",
			  log_num(inode, (long long)target->inode), NULL);
		return 0;
	}
	if (!err)
		err = netns_ns_fill(ns, worker->links.items, worker->links.n,
				    worker->addrs.items, worker->addrs.n);
	if (err) {
		ns->state = NETNS_STATE_FAILED;
		ns->err = err;
		log_debug("cannot read network namespace", "collector", "netns",
			  "netns", target->name, "netns_inode",
			  log_num(inode, (long long)target->inode), "err",
			  strerror(-err), NULL);
	}
	return err == RTNL_STRANDED ? err : 0;
}

static void *worker_main(void *arg)
{
	struct netns_worker *worker = arg;
	struct netns_job *job = worker->job;
	size_t next, index;

	while ((next = atomic_fetch_add(&job->next, 1)) < job->n_todo) {
		index = job->todo ? job->todo[next] : next;
		if (target_read(worker, index) == RTNL_STRANDED) {
			log_error(
				"thread cannot return to the exporter's network namespace; it stops",
				"collector", "netns", NULL);
			break;
		}
	}
	return NULL;
}

static size_t worker_count(const struct config *config, size_t n_targets)
{
	long cpus;
	size_t n = config->netns_workers;

	if (!n) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (size_t)cpus : 1;
	}
	return n < n_targets ? n : n_targets;
}

static void worker_release(struct netns_worker *worker)
{
	free(worker->links.items);
	free(worker->addrs.items);
}

/* The threads working on one job. */
struct netns_crew {
	struct netns_worker *workers;
	size_t n;
	size_t started;
	int err; /* why the first one that did not start did not */
};

/*
 * Starts threads on job; crew_finish waits for them. A failure is kept
 * for crew_finish to tell.
 */
static void crew_start(struct netns_crew *crew, struct netns_job *job)
{
	struct netns_worker *workers;
	size_t i;

	memset(crew, 0, sizeof(*crew));
	crew->n = worker_count(job->config, job->n_todo);
	if (!crew->n)
		return;
	workers = calloc(crew->n, sizeof(*workers));
	if (!workers) {
		crew->err = -ENOMEM;
		return;
	}
	crew->workers = workers;
	for (i = 0; i < crew->n; i++) {
		workers[i].job = job;
		workers[i].links.size = sizeof(struct rtnl_link);
		workers[i].links.holds_links = true;
		workers[i].links.exclude = job->config->device_exclude;
		workers[i].addrs.size = sizeof(struct rtnl_addr);
		crew->err = -pthread_create(&workers[i].thread, NULL,
					    worker_main, &workers[i]);
		if (crew->err)
			break;
		crew->started++;
	}
}

/* Waits for crew's threads and frees them. 0 or -errno. */
static int crew_finish(struct netns_crew *crew)
{
	size_t i;

	for (i = 0; i < crew->started; i++)
		pthread_join(crew->workers[i].thread, NULL);
	for (i = 0; crew->workers && i < crew->n; i++)
		worker_release(&crew->workers[i]);
	free(crew->workers);
	crew->workers = NULL;
	/* fewer threads than asked for still read every namespace */
	return crew->started || !crew->n ? 0 : crew->err;
}

static struct netns_set *set_new(const struct netns_targets *targets)
{
	struct netns_set *set;
	size_t i;

	set = calloc(1, sizeof(*set));
	if (!set)
		return NULL;
	set->items = calloc(targets->n ? targets->n : 1, sizeof(*set->items));
	if (!set->items) {
		free(set);
		return NULL;
	}
	for (i = 0; i < targets->n; i++) {
		set->n++;
		if (netns_ns_init(&set->items[i], targets->items[i].name,
				  targets->items[i].inode) < 0) {
			netns_set_free(set);
			return NULL;
		}
	}
	return set;
}

/*
 * The first failed namespace of the collection (NULL when none failed),
 * counting the failed ones.
 */
static const struct netns_ns *set_first_failure(const struct netns_set *set,
						size_t *failed)
{
	const struct netns_ns *first = NULL;
	size_t i;

	*failed = 0;
	for (i = 0; i < set->n; i++) {
		if (set->items[i].state != NETNS_STATE_FAILED)
			continue;
		(*failed)++;
		if (!first)
			first = &set->items[i];
	}
	return first;
}

/*
 * Failing namespaces are told at warn when failures start, at most once a
 * minute however often they clear and return, and at debug otherwise,
 * naming the first by its labels.
 */
static void report_failures(const struct netns_ns *first, size_t failed)
{
	static struct log_flap flap;
	char count[32], labels[512];
	int level;

	level = log_flap_level(&flap, failed > 0, monotonic_seconds());
	if (level < 0)
		return;
	snprintf(labels, sizeof(labels), "%.*s", (int)first->ns_label_len,
		 first->labels.data ? first->labels.data : "");
	log_at((enum log_level)level, "cannot read some network namespaces",
	       "collector", "netns", "failed",
	       log_num(count, (long long)failed), "first", labels, "err",
	       first->err == -EINTR
		       ? "its dumps kept being interrupted: devices or addresses changed during every attempt"
		       : strerror(-first->err),
	       NULL);
}

/*
 * The asking half of peer resolution: a socket in one namespace at a
 * time, kept while the resolver asks that namespace about its candidates,
 * and each candidate opened only for its ask.
 */
struct peer_asker {
	const struct config *config;
	const struct netns_targets *targets;
	struct netns_set *set;
	double deadline;
	int home_fd;
	size_t in_ns; /* whose socket nl is; SIZE_MAX: none yet */
	struct mnl_socket *nl;
	int in_err; /* why in_ns has no socket */
	bool stranded;
	struct netns_peer_stats stats;
	int err; /* of netns_peer_resolve */
	char buf[MNL_SOCKET_DUMP_SIZE];
};

static void asker_close(struct peer_asker *asker)
{
	if (asker->nl)
		mnl_socket_close(asker->nl);
	asker->nl = NULL;
}

/* Makes asker's socket one of namespace in_ns. 0 or -errno. */
static int asker_enter(struct peer_asker *asker, size_t in_ns)
{
	int err;

	if (asker->in_ns == in_ns)
		return asker->in_err;
	asker_close(asker);
	asker->in_ns = in_ns;
	err = target_socket(asker->config, asker->home_fd,
			    &asker->targets->items[in_ns], &asker->nl);
	if (err == RTNL_STRANDED) {
		asker->stranded = true;
		log_error(
			"thread cannot return to the exporter's network namespace; it stops",
			"collector", "netns", NULL);
	}
	if (!err)
		err = rtnl_setup(asker->nl, asker->deadline);
	if (err)
		asker_close(asker);
	asker->in_err = err;
	return err;
}

/* The netns_nsid_ask_fn of the collector: RTM_GETNSID with NETNSA_FD. */
static int asker_ask(void *ctx, size_t in_ns, size_t about_ns, int32_t *nsid)
{
	struct peer_asker *asker = ctx;
	const struct netns_target *about = &asker->targets->items[about_ns];
	int fd, err;

	if (asker->stranded ||
	    (asker->deadline > 0 && monotonic_seconds() >= asker->deadline))
		return -ECANCELED;
	err = asker_enter(asker, in_ns);
	if (asker->stranded || err == -ETIMEDOUT)
		return -ECANCELED;
	if (err)
		return err;
	/* the exporter's own namespace is open already */
	fd = about->self ? asker->home_fd
			 : netns_target_open(about, asker->config);
	if (fd < 0)
		return fd;
	err = rtnl_nsid_get(asker->nl, fd, asker->buf, asker->deadline, nsid);
	if (!about->self)
		close(fd);
	return err == -ETIMEDOUT ? -ECANCELED : err;
}

/*
 * Runs on a thread of its own: entering namespaces to ask them may leave
 * it stranded, and then it only returns.
 */
static void *asker_main(void *arg)
{
	struct peer_asker *asker = arg;
	struct netns_set *set = asker->set;
	struct netns_peer_table *tables;
	size_t i, self = NETNS_PEER_NONE;

	tables = calloc(set->n ? set->n : 1, sizeof(*tables));
	if (!tables) {
		asker->err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < set->n; i++) {
		tables[i].links = set->items[i].links;
		tables[i].n = set->items[i].n_devices;
		tables[i].usable = set->items[i].state == NETNS_STATE_READ;
		if (asker->targets->items[i].self)
			self = i;
	}
	asker->err = netns_peer_resolve(tables, set->n, self, asker_ask, asker,
					&asker->stats);
	/* no socket outlives the collection */
	asker_close(asker);
	free(tables);
	return NULL;
}

static void log_peer_stats(const struct peer_asker *asker, double seconds)
{
	char asks[32], by_nsid[32], mirrored[32], matched[32], unknown[32];
	char duration[32];

	log_debug("resolved network peers", "collector", "netns", "asks",
		  log_num(asks, (long long)asker->stats.asks), "by_nsid",
		  log_num(by_nsid, (long long)asker->stats.by_nsid), "mirrored",
		  log_num(mirrored, (long long)asker->stats.mirrored),
		  "matched", log_num(matched, (long long)asker->stats.matched),
		  "unresolved",
		  log_num(unknown, (long long)asker->stats.unresolved),
		  "duration_seconds", log_float(duration, seconds), NULL);
}

/*
 * Finds the peer of every device linked to another namespace, or to a
 * veth peer in its own, and stores the peer_info series. 0 or -errno.
 */
static int collect_peers(struct scrape *scrape, int home_fd,
			 const struct netns_targets *targets,
			 struct netns_set *set)
{
	struct peer_asker *asker;
	pthread_t thread;
	double start = monotonic_seconds();
	int err;

	asker = calloc(1, sizeof(*asker));
	if (!asker)
		return -ENOMEM;
	asker->config = scrape->config;
	asker->targets = targets;
	asker->set = set;
	asker->deadline = scrape->deadline;
	asker->home_fd = home_fd;
	asker->in_ns = SIZE_MAX;
	err = -pthread_create(&thread, NULL, asker_main, asker);
	if (!err) {
		pthread_join(thread, NULL);
		err = asker->err;
	}
	if (!err)
		log_peer_stats(asker, monotonic_seconds() - start);
	free(asker);
	if (!err)
		err = netns_set_store_peers(set);
	if (err)
		log_warn("cannot resolve network peers", "collector", "netns",
			 "err", strerror(-err), NULL);
	return err;
}

/* One collection's namespaces: targets.items[i] is read into set->items[i]. */
struct netns_batch {
	struct netns_targets targets;
	struct netns_set *set;
	size_t *todo; /* the indices the next phase reads */
	size_t n_todo;
};

/* Makes batch of targets, which it takes, all unread. 0 or -ENOMEM. */
static int batch_init(struct netns_batch *batch, struct netns_targets *targets)
{
	memset(batch, 0, sizeof(*batch));
	batch->targets = *targets;
	memset(targets, 0, sizeof(*targets));
	batch->set = set_new(&batch->targets);
	return batch->set ? 0 : -ENOMEM;
}

static void batch_release(struct netns_batch *batch)
{
	netns_targets_release(&batch->targets);
	netns_set_free(batch->set);
	free(batch->todo);
	memset(batch, 0, sizeof(*batch));
}

/* True when the next of into comes before the next of from. */
static bool merge_takes_into(const struct netns_batch *into, size_t i,
			     const struct netns_batch *from, size_t j)
{
	if (j == from->targets.n)
		return true;
	return i < into->targets.n &&
	       into->targets.items[i].inode < from->targets.items[j].inode;
}

/*
 * Merges from (the second half of discovery, unread) into into, keeping
 * the order by inode that the page shows, and lists in into->todo what
 * the second phase reads: all of from, and the named namespaces that
 * vanished under their name but now have a process or a mount to try.
 * Empties from. Returns 0, or -ENOMEM leaving both as they were.
 */
static int batch_merge(struct netns_batch *into, struct netns_batch *from)
{
	size_t n = into->targets.n + from->targets.n, i = 0, j = 0, k;
	struct netns_target *items = malloc((n ? n : 1) * sizeof(*items));
	struct netns_ns *results = malloc((n ? n : 1) * sizeof(*results));
	size_t *todo = malloc((n ? n : 1) * sizeof(*todo));

	if (!items || !results || !todo) {
		free(items);
		free(results);
		free(todo);
		return -ENOMEM;
	}
	free(into->todo);
	into->todo = todo;
	into->n_todo = 0;
	for (k = 0; k < n; k++) {
		if (merge_takes_into(into, i, from, j)) {
			items[k] = into->targets.items[i];
			results[k] = into->set->items[i++];
			if (results[k].state == NETNS_STATE_GONE &&
			    (items[k].pid || items[k].mount_path))
				todo[into->n_todo++] = k;
		} else {
			items[k] = from->targets.items[j];
			results[k] = from->set->items[j++];
			todo[into->n_todo++] = k;
		}
	}
	free(into->targets.items);
	into->targets.items = items;
	into->targets.n = n;
	free(into->set->items);
	into->set->items = results;
	into->set->n = n;
	/* what from held has moved; only its arrays are left */
	from->targets.n = 0;
	from->set->n = 0;
	batch_release(from);
	return 0;
}

/* Makes job read the targets of batch in batch->todo, all when NULL. */
static void job_init(struct netns_job *job, struct scrape *scrape, int home_fd,
		     struct netns_batch *batch)
{
	memset(job, 0, sizeof(*job));
	job->config = scrape->config;
	job->targets = &batch->targets;
	job->results = batch->set->items;
	job->todo = batch->todo;
	job->n_todo = batch->todo ? batch->n_todo : batch->targets.n;
	job->deadline = scrape->deadline;
	job->home_fd = home_fd;
	atomic_init(&job->next, 0);
}

/*
 * Reads every network namespace into batch, in two phases. The named ones
 * (and the exporter's own) need no namespace scan: workers read them while
 * this thread builds the scan, which mostly waits on procfs. Then the
 * scan's processes and mounts lead to the rest. Returns 0 or -errno.
 */
static int collect_targets(struct scrape *scrape, int home_fd,
			   uint64_t self_inode, struct netns_batch *batch)
{
	struct netns_targets found = {NULL, 0, NULL, 0};
	struct netns_batch rest = {{NULL, 0, NULL, 0}, NULL, NULL, 0};
	const struct ns_scan *scan;
	struct netns_crew crew;
	struct netns_job job;
	int err;

	err = netns_discover_named(scrape->config, self_inode, &found);
	if (!err)
		err = batch_init(batch, &found);
	if (err)
		return err;
	job_init(&job, scrape, home_fd, batch);
	crew_start(&crew, &job);
	scan = scrape_ns_scan(scrape);
	err = crew_finish(&crew);
	if (!err)
		err = netns_discover_scan(scrape->config, scan, &batch->targets,
					  &found);
	if (!err)
		err = batch_init(&rest, &found);
	if (!err)
		err = batch_merge(batch, &rest);
	batch_release(&rest);
	if (err)
		return err;
	job_init(&job, scrape, home_fd, batch);
	crew_start(&crew, &job);
	return crew_finish(&crew);
}

static int netns_collect(struct scrape *scrape, struct collector_result *result)
{
	struct netns_batch batch = {{NULL, 0, NULL, 0}, NULL, NULL, 0};
	uint64_t self_inode;
	const struct netns_ns *first_failure;
	size_t failed;
	int home_fd, err, peer_err = 0;

	home_fd = open(NETNS_HOME_PATH, O_RDONLY | O_CLOEXEC);
	if (home_fd < 0)
		return -errno;
	err = nsfs_fd_inode(home_fd, &self_inode);
	if (!err)
		err = collect_targets(scrape, home_fd, self_inode, &batch);
	if (!err)
		peer_err = collect_peers(scrape, home_fd, &batch.targets,
					 batch.set);
	/* no namespace may outlive the collection through us */
	close(home_fd);
	if (err) {
		batch_release(&batch);
		return err;
	}
	result->data = batch.set;
	result->render = netns_render;
	result->free = netns_set_free;
	batch.set = NULL;
	first_failure = set_first_failure(result->data, &failed);
	err = first_failure ? first_failure->err : 0;
	report_failures(first_failure, failed);
	batch_release(&batch);
	if (!err)
		err = peer_err;
	if (!err && !scrape->ns_scan)
		err = scrape->ns_scan_err ? scrape->ns_scan_err : -EIO;
	return err;
}

const struct collector netns_collector = {
	.name = "netns",
	.help = "Network devices, their counters, addresses and peers in every network namespace.",
	.enabled_by_default = true,
	.collect = netns_collect,
	.render_group = NULL,
};
