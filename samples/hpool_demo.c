// SPDX-License-Identifier: GPL-2.0
/*
 * hpool_demo: the two classic uses of hpool, as a driver would write them.
 *
 * A web application: root "web-app" (10000 objects) with two services,
 * "api-service" and "auth-service" (capacity 1000, borrow limit 100). Worker
 * kthreads serve simulated requests: every request logs in on auth-service
 * (each worker keeps a ring of @sessions session objects there, replacing
 * the oldest one per request), then creates a short-lived request pool
 * (capacity 10, HPOOL_F_AUTO_GROW | HPOOL_F_NO_SYSFS) under api-service,
 * takes a few buffers from it, releases them and destroys the request pool.
 * A request that finds api-service draining goes to auth-service instead.
 *
 * A game engine: root "game-engine" (100000) with "physics" (30000),
 * "rendering" (40000, HIGH priority) and "ai" (20000, LOW priority), and the
 * rebalancer on. One kthread runs frames: physics and ai take and give back
 * a burst per frame; rendering grows a texture working set past the
 * rebalance threshold, so that the rebalancer moves the cool siblings' free
 * stock to it; then a level stream fills the root to its capacity, and
 * critical requests (hpool_acquire_prio(HPOOL_PRIO_CRITICAL)) on the root
 * steal free objects from the low-priority ai pool.
 *
 * Module parameters choose what runs and how fast; everything is released
 * and destroyed on rmmod. A setup failure is logged and leaves the module
 * loaded and idle (init returns 0).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/hpool.h>

static bool web = true;
module_param(web, bool, 0444);
MODULE_PARM_DESC(web, "run the web application (default 1)");

static bool game = true;
module_param(game, bool, 0444);
MODULE_PARM_DESC(game, "run the game engine (default 1)");

static unsigned int web_workers = 2;
module_param(web_workers, uint, 0444);
MODULE_PARM_DESC(web_workers, "web worker kthreads, 1-16 (default 2)");

static unsigned int request_ms = 10;
module_param(request_ms, uint, 0644);
MODULE_PARM_DESC(request_ms, "pause of a web worker between requests, ms (default 10)");

static unsigned int sessions = 60;
module_param(sessions, uint, 0444);
MODULE_PARM_DESC(sessions, "auth-service sessions each web worker keeps, 1-500 (default 60)");

static unsigned int frame_ms = 50;
module_param(frame_ms, uint, 0644);
MODULE_PARM_DESC(frame_ms, "game frame period, ms (default 50)");

static unsigned int rebalance_ms = 500;
module_param(rebalance_ms, uint, 0444);
MODULE_PARM_DESC(rebalance_ms, "game-engine rebalance_interval_ms (default 500; 0 = off)");

static unsigned int duration_s;
module_param(duration_s, uint, 0444);
MODULE_PARM_DESC(duration_s, "stop the load after this many seconds (default 0: at rmmod)");

#define HPOOL_DEMO_MAX_WORKERS	16
#define HPOOL_DEMO_MAX_SESSIONS	500
#define HPOOL_DEMO_REQ_OBJS	16	/* most buffers one request takes */
#define HPOOL_DEMO_TEXTURES	33000	/* rendering working set: 82% of 40000 */
#define HPOOL_DEMO_TEXTURE_STEP	1000	/* textures loaded per frame */
#define HPOOL_DEMO_CRITICAL	5	/* critical requests of the boss fight */

/* What every object of both trees holds. */
struct hpool_demo_obj {
	struct list_head node;		/* on the list of whoever holds it */
	unsigned long tag;
	char data[48];
};

struct hpool_demo_worker {
	struct task_struct *task;
	unsigned int id;
	void **sessions;		/* ring of auth-service objects */
	unsigned int next;		/* oldest session slot */
	unsigned long requests, rerouted, rejected, refused;
};

static struct hpool *hpool_demo_web, *hpool_demo_api, *hpool_demo_auth;
static struct hpool_demo_worker hpool_demo_workers[HPOOL_DEMO_MAX_WORKERS];
static unsigned int hpool_demo_nr_workers;

static struct hpool *hpool_demo_game, *hpool_demo_physics;
static struct hpool *hpool_demo_rendering, *hpool_demo_ai;
static struct task_struct *hpool_demo_game_task;
static LIST_HEAD(hpool_demo_textures);	/* rendering's working set */
static LIST_HEAD(hpool_demo_level);	/* the root's streamed level */
static LIST_HEAD(hpool_demo_critical);	/* critical requests' objects */

static unsigned long hpool_demo_deadline;	/* jiffies; 0: none */

static void hpool_demo_reset(void *obj)
{
	struct hpool_demo_obj *o = obj;

	o->tag = 0;
	memset(o->data, 0, sizeof(o->data));
}

/* Sleep @ms; false when the thread must stop. */
static bool hpool_demo_sleep(unsigned int ms)
{
	schedule_timeout_interruptible(msecs_to_jiffies(ms ?: 1));
	return !kthread_should_stop();
}

static bool hpool_demo_expired(void)
{
	return hpool_demo_deadline && time_after(jiffies, hpool_demo_deadline);
}

/* ---- the web application ---- */

/* One request: a request pool under @svc, a few buffers, then gone. */
static int hpool_demo_request(struct hpool_demo_worker *w, struct hpool *svc)
{
	struct hpool_demo_obj *objs[HPOOL_DEMO_REQ_OBJS];
	struct hpool_params p = {
		.capacity = 10,
		.borrow_limit = 4,
		.flags = HPOOL_F_AUTO_GROW | HPOOL_F_NO_SYSFS,
	};
	unsigned int i, n, got = 0;
	struct hpool *req;
	char name[HPOOL_NAME_MAX];

	snprintf(name, sizeof(name), "req-%u-%lu", w->id, w->requests);
	p.name = name;
	req = hpool_create_child(svc, &p);
	if (IS_ERR(req))
		return PTR_ERR(req);

	/* 4 borrowed from the service, then own objects, past 10 by auto-grow. */
	n = 2 + get_random_u32() % (HPOOL_DEMO_REQ_OBJS - 1);
	for (i = 0; i < n; i++) {
		objs[got] = hpool_acquire(req, GFP_KERNEL);
		if (objs[got]) {
			objs[got]->tag = w->requests;
			got++;
		}
	}
	usleep_range(2000, 3000);	/* "handling" the request */
	for (i = 0; i < got; i++)
		hpool_release(req, objs[i]);
	if (hpool_destroy(req))
		pr_err("request pool %s: destroy failed\n", name);
	return 0;
}

static int hpool_demo_web_fn(void *data)
{
	struct hpool_demo_worker *w = data;
	void **slot;
	int ret;

	while (hpool_demo_sleep(READ_ONCE(request_ms))) {
		if (hpool_demo_expired())
			continue;
		/* Log in: the oldest session ends, a new one starts. */
		slot = &w->sessions[w->next];
		w->next = (w->next + 1) % sessions;
		if (*slot)
			hpool_release(hpool_demo_auth, *slot);
		*slot = hpool_acquire(hpool_demo_auth, GFP_KERNEL);
		if (!*slot) {
			w->rejected++;	/* counted in auth-service's fail_* */
			continue;
		}
		/* One request in four is auth's own; a drained api goes to auth. */
		ret = -EBUSY;
		if (w->requests % 4)
			ret = hpool_demo_request(w, hpool_demo_api);
		if (ret == -EBUSY) {
			if (w->requests % 4)
				w->rerouted++;
			ret = hpool_demo_request(w, hpool_demo_auth);
		}
		if (ret)
			w->refused++;
		w->requests++;
	}
	return 0;
}

static void hpool_demo_web_stop(void)
{
	struct hpool_demo_worker *w;
	unsigned int i, j;

	for (i = 0; i < hpool_demo_nr_workers; i++) {
		w = &hpool_demo_workers[i];
		if (w->task)
			kthread_stop(w->task);
		for (j = 0; j < sessions && w->sessions; j++)
			if (w->sessions[j])
				hpool_release(hpool_demo_auth, w->sessions[j]);
		kfree(w->sessions);
		pr_info("web worker %u: %lu requests, %lu rerouted to auth-service, %lu logins rejected, %lu refused\n",
			w->id, w->requests, w->rerouted, w->rejected, w->refused);
		memset(w, 0, sizeof(*w));
	}
	hpool_demo_nr_workers = 0;
}

static void hpool_demo_destroy(struct hpool **pool)
{
	if (*pool && hpool_destroy(*pool))
		pr_err("cannot destroy a pool: objects still in use\n");
	*pool = NULL;
}

static void hpool_demo_web_exit(void)
{
	hpool_demo_web_stop();
	hpool_demo_destroy(&hpool_demo_api);
	hpool_demo_destroy(&hpool_demo_auth);
	hpool_demo_destroy(&hpool_demo_web);
}

static int hpool_demo_web_init(void)
{
	struct hpool_params root = {
		.name = "web-app",
		.obj_size = sizeof(struct hpool_demo_obj),
		.capacity = 10000,
		.reset = hpool_demo_reset,
	};
	struct hpool_params svc = {
		.capacity = 1000,
		.borrow_limit = 100,
	};
	struct hpool_demo_worker *w;
	unsigned int i;

	hpool_demo_web = hpool_create(&root);
	if (IS_ERR(hpool_demo_web))
		return PTR_ERR(hpool_demo_web);
	svc.name = "api-service";
	hpool_demo_api = hpool_create_child(hpool_demo_web, &svc);
	if (IS_ERR(hpool_demo_api))
		return PTR_ERR(hpool_demo_api);
	svc.name = "auth-service";
	hpool_demo_auth = hpool_create_child(hpool_demo_web, &svc);
	if (IS_ERR(hpool_demo_auth))
		return PTR_ERR(hpool_demo_auth);

	for (i = 0; i < web_workers; i++) {
		w = &hpool_demo_workers[i];
		w->id = i;
		w->sessions = kcalloc(sessions, sizeof(*w->sessions), GFP_KERNEL);
		hpool_demo_nr_workers = i + 1;
		if (!w->sessions)
			return -ENOMEM;
		w->task = kthread_run(hpool_demo_web_fn, w, "hpool_demo_web/%u", i);
		if (IS_ERR(w->task)) {
			int ret = PTR_ERR(w->task);

			w->task = NULL;
			return ret;
		}
	}
	pr_info("web-app: api-service and auth-service up, %u workers, %u ms between requests\n",
		web_workers, request_ms);
	return 0;
}

/* ---- the game engine ---- */

/* Take @nr objects of @pool onto @list; how many it got. */
static unsigned int hpool_demo_take(struct hpool *pool, struct list_head *list,
				    unsigned int nr, unsigned long tag)
{
	struct hpool_demo_obj *o;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		o = hpool_acquire(pool, GFP_KERNEL);
		if (!o)
			break;
		o->tag = tag;
		list_add_tail(&o->node, list);
	}
	return i;
}

/* Give back up to @nr objects of @list (all with UINT_MAX) to @pool. */
static void hpool_demo_give(struct hpool *pool, struct list_head *list,
			    unsigned int nr)
{
	struct hpool_demo_obj *o, *next;

	list_for_each_entry_safe(o, next, list, node) {
		if (!nr--)
			break;
		list_del(&o->node);
		hpool_release(pool, o);
	}
}

enum hpool_demo_phase { HPOOL_DEMO_LOADING, HPOOL_DEMO_PLAYING, HPOOL_DEMO_STREAMING,
			HPOOL_DEMO_BOSS, HPOOL_DEMO_STEADY };

static int hpool_demo_game_fn(void *data)
{
	enum hpool_demo_phase phase = HPOOL_DEMO_LOADING;
	unsigned int textures = 0, level = 0, critical = 0, wait = 0;
	struct hpool_demo_obj *o;
	struct hpool_stats st;
	unsigned long frame = 0;
	LIST_HEAD(burst);

	while (hpool_demo_sleep(READ_ONCE(frame_ms))) {
		if (hpool_demo_expired())
			continue;
		frame++;
		/* Every frame: physics and ai bodies come and go. */
		hpool_demo_take(hpool_demo_physics, &burst, 200, frame);
		hpool_demo_give(hpool_demo_physics, &burst, UINT_MAX);
		hpool_demo_take(hpool_demo_ai, &burst, 50, frame);
		hpool_demo_give(hpool_demo_ai, &burst, UINT_MAX);
		/* Rendering churns part of its textures. */
		hpool_demo_give(hpool_demo_rendering, &hpool_demo_textures, 100);
		textures -= min(textures, 100U);
		textures += hpool_demo_take(hpool_demo_rendering, &hpool_demo_textures,
					    100, frame);

		switch (phase) {
		case HPOOL_DEMO_LOADING:
			textures += hpool_demo_take(hpool_demo_rendering,
						    &hpool_demo_textures,
						    HPOOL_DEMO_TEXTURE_STEP, frame);
			if (textures < HPOOL_DEMO_TEXTURES)
				break;
			pr_info("game-engine: rendering holds %u textures (%u%% of 40000): hot for the rebalancer\n",
				textures, textures / 400);
			phase = HPOOL_DEMO_PLAYING;
			break;
		case HPOOL_DEMO_PLAYING:
			/* Let the rebalancer feed rendering for a while. */
			hpool_get_stats(hpool_demo_rendering, &st);
			if (++wait * frame_ms < 4 * max(rebalance_ms, 500U))
				break;
			pr_info("game-engine: rebalancer moved %lu free objects to rendering\n",
				st.rebalanced_in);
			phase = HPOOL_DEMO_STREAMING;
			break;
		case HPOOL_DEMO_STREAMING:
			/* The level streams in until the root is full. */
			level += hpool_demo_take(hpool_demo_game, &hpool_demo_level,
						 2000, frame);
			hpool_get_stats(hpool_demo_game, &st);
			if (st.nr_objects < 100000)
				break;
			pr_info("game-engine: level streamed, %u objects: the root is at its capacity\n",
				level);
			phase = HPOOL_DEMO_BOSS;
			break;
		case HPOOL_DEMO_BOSS:
			/* A critical request may steal from a lower priority. */
			o = hpool_acquire_prio(hpool_demo_game, HPOOL_PRIO_CRITICAL,
					       GFP_KERNEL);
			if (o) {
				list_add_tail(&o->node, &hpool_demo_critical);
				hpool_get_stats(hpool_demo_ai, &st);
				pr_info("game-engine: critical request %u served (ai stolen=%lu)\n",
					critical + 1, st.stolen);
			} else {
				pr_info("game-engine: critical request %u failed\n",
					critical + 1);
			}
			if (++critical == HPOOL_DEMO_CRITICAL)
				phase = HPOOL_DEMO_STEADY;
			break;
		case HPOOL_DEMO_STEADY:
			break;
		}
	}
	return 0;
}

static void hpool_demo_game_exit(void)
{
	if (hpool_demo_game_task)
		kthread_stop(hpool_demo_game_task);
	hpool_demo_game_task = NULL;
	if (hpool_demo_game) {
		hpool_demo_give(hpool_demo_game, &hpool_demo_critical, UINT_MAX);
		hpool_demo_give(hpool_demo_game, &hpool_demo_level, UINT_MAX);
	}
	if (hpool_demo_rendering)
		hpool_demo_give(hpool_demo_rendering, &hpool_demo_textures, UINT_MAX);
	hpool_demo_destroy(&hpool_demo_physics);
	hpool_demo_destroy(&hpool_demo_rendering);
	hpool_demo_destroy(&hpool_demo_ai);
	hpool_demo_destroy(&hpool_demo_game);
}

static int hpool_demo_game_init(void)
{
	struct hpool_params root = {
		.name = "game-engine",
		.obj_size = sizeof(struct hpool_demo_obj),
		.capacity = 100000,
		.rebalance_interval_ms = rebalance_ms,
		.reset = hpool_demo_reset,
	};
	struct hpool_params physics = {
		.name = "physics", .capacity = 30000, .prewarm = 3000,
	};
	struct hpool_params rendering = {
		.name = "rendering", .capacity = 40000, .prio = HPOOL_PRIO_HIGH,
	};
	struct hpool_params ai = {
		.name = "ai", .capacity = 20000, .reserve = 500, .prewarm = 12000,
		.prio = HPOOL_PRIO_LOW,
	};
	struct task_struct *t;

	hpool_demo_game = hpool_create(&root);
	if (IS_ERR(hpool_demo_game))
		return PTR_ERR(hpool_demo_game);
	hpool_demo_physics = hpool_create_child(hpool_demo_game, &physics);
	if (IS_ERR(hpool_demo_physics))
		return PTR_ERR(hpool_demo_physics);
	hpool_demo_rendering = hpool_create_child(hpool_demo_game, &rendering);
	if (IS_ERR(hpool_demo_rendering))
		return PTR_ERR(hpool_demo_rendering);
	hpool_demo_ai = hpool_create_child(hpool_demo_game, &ai);
	if (IS_ERR(hpool_demo_ai))
		return PTR_ERR(hpool_demo_ai);

	t = kthread_run(hpool_demo_game_fn, NULL, "hpool_demo_game");
	if (IS_ERR(t))
		return PTR_ERR(t);
	hpool_demo_game_task = t;
	pr_info("game-engine: physics, rendering (high) and ai (low) up, rebalancing every %u ms\n",
		rebalance_ms);
	return 0;
}

/* Turn the ERR_PTR()s a failed setup left into NULL for the exit path. */
static void hpool_demo_clear_errs(void)
{
	struct hpool **pools[] = {
		&hpool_demo_web, &hpool_demo_api, &hpool_demo_auth, &hpool_demo_game,
		&hpool_demo_physics, &hpool_demo_rendering, &hpool_demo_ai,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pools); i++)
		if (IS_ERR(*pools[i]))
			*pools[i] = NULL;
}

static int __init hpool_demo_init(void)
{
	int ret = 0;

	web_workers = clamp(web_workers, 1U, (unsigned int)HPOOL_DEMO_MAX_WORKERS);
	sessions = clamp(sessions, 1U, (unsigned int)HPOOL_DEMO_MAX_SESSIONS);
	if (duration_s)
		hpool_demo_deadline = jiffies + msecs_to_jiffies(duration_s * 1000);
	if (web)
		ret = hpool_demo_web_init();
	if (!ret && game)
		ret = hpool_demo_game_init();
	if (ret) {
		/* Stay loaded and idle: a failing init would be retried by some insmods. */
		pr_err("setup failed (%d): nothing runs; rmmod hpool_demo\n", ret);
		hpool_demo_clear_errs();
		hpool_demo_game_exit();
		hpool_demo_web_exit();
	}
	return 0;
}

static void __exit hpool_demo_exit(void)
{
	hpool_demo_game_exit();
	hpool_demo_web_exit();
	pr_info("all pools destroyed\n");
}

module_init(hpool_demo_init);
module_exit(hpool_demo_exit);

MODULE_DESCRIPTION("hpool demo: a web application and a game engine on hpool");
MODULE_LICENSE("GPL");
