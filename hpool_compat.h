/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compatibility: the kernel API changes between 6.1 (Debian 12's kernel, the
 * oldest supported) and the newest kernels, in one place. Every hpool source
 * (module and test modules) that calls one of these APIs calls the wrapper
 * here instead, so that the same file compiles against each kernel in
 * README.md's "Supported kernels". Nothing here is API; it belongs to no
 * layer (it calls only the kernel).
 *
 *   shrinkers         hpool_shrinker_alloc(), hpool_shrinker_register(),
 *                     hpool_shrinker_free(), hpool_shrinker_set_private(),
 *                     hpool_shrinker_private(): shrinker_alloc() and friends
 *                     (6.7) or register_shrinker() on an allocated struct
 *   hrtimers          hpool_hrtimer_setup(): hrtimer_setup() (6.13) or
 *                     hrtimer_init() and ->function
 *   timers            timer_container_of() (6.16; from_timer() before)
 *   symbol namespaces HPOOL_IMPORT_NS(ns): MODULE_IMPORT_NS() takes a string
 *                     since 6.13, a bare identifier before
 *   KUnit             kunit_get_current_test() and KUNIT_EXPECT_MEMEQ*()
 *                     (6.2), kunit_add_action_or_reset() and
 *                     kunit_remove_action() (6.5), KUNIT_CASE_SLOW() and
 *                     KUNIT_ARRAY_PARAM_DESC() (6.6),
 *                     hpool_kunit_device_register() and
 *                     hpool_kunit_device_unregister() (6.8); only where
 *                     <kunit/test.h> is included first
 *   objpool           HPOOL_HAVE_OBJPOOL where the kernel has <linux/objpool.h>
 *                     (6.7; only the benchmark uses it)
 *
 * const struct bin_attribute (6.13+): hpool has no binary sysfs attribute;
 * one added later gets its wrapper here.
 */
#ifndef _HPOOL_COMPAT_H
#define _HPOOL_COMPAT_H

#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/version.h>

/*
 * Shrinkers. The 6.7+ semantics on every kernel:
 *
 *   s = hpool_shrinker_alloc("hpool-%s")   a zeroed shrinker (seeks =
 *                                          DEFAULT_SEEKS), NULL when out of
 *                                          memory; @name is copied
 *   s->count_objects = ...; s->scan_objects = ...;
 *   hpool_shrinker_set_private(s, data);   what the callbacks get back with
 *                                          hpool_shrinker_private(s)
 *   hpool_shrinker_register(s);            cannot fail; callbacks may run
 *   hpool_shrinker_free(s);                unregisters if registered, waits
 *                                          for running callbacks, frees;
 *                                          NULL is a no-op
 *
 * On 6.1-6.6 the shrinker lives in a struct hpool_compat_shrinker and
 * register_shrinker() runs at hpool_shrinker_register(); should it fail (no
 * memory for the debugfs name or nr_deferred), the shrinker stays
 * unregistered, as a shrinker is only a hint to reclaim, and a warning says
 * so.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)

static inline struct shrinker *hpool_shrinker_alloc(const char *name)
{
	return shrinker_alloc(0, "%s", name);
}

static inline void hpool_shrinker_register(struct shrinker *s)
{
	shrinker_register(s);
}

static inline void hpool_shrinker_free(struct shrinker *s)
{
	shrinker_free(s);
}

static inline void hpool_shrinker_set_private(struct shrinker *s, void *data)
{
	s->private_data = data;
}

static inline void *hpool_shrinker_private(struct shrinker *s)
{
	return s->private_data;
}

#else /* < 6.7 */

struct hpool_compat_shrinker {
	struct shrinker shrinker;
	void *private_data;
	const char *name;
	bool registered;
};

static inline struct hpool_compat_shrinker *hpool_compat_shrinker(struct shrinker *s)
{
	return container_of(s, struct hpool_compat_shrinker, shrinker);
}

static inline struct shrinker *hpool_shrinker_alloc(const char *name)
{
	struct hpool_compat_shrinker *cs = kzalloc(sizeof(*cs), GFP_KERNEL);

	if (!cs)
		return NULL;
	cs->name = kstrdup_const(name, GFP_KERNEL);
	if (!cs->name) {
		kfree(cs);
		return NULL;
	}
	cs->shrinker.seeks = DEFAULT_SEEKS;
	return &cs->shrinker;
}

static inline void hpool_shrinker_register(struct shrinker *s)
{
	struct hpool_compat_shrinker *cs = hpool_compat_shrinker(s);

	cs->registered = !register_shrinker(s, "%s", cs->name);
	WARN(!cs->registered, "hpool: shrinker %s not registered\n", cs->name);
}

static inline void hpool_shrinker_free(struct shrinker *s)
{
	struct hpool_compat_shrinker *cs;

	if (!s)
		return;
	cs = hpool_compat_shrinker(s);
	if (cs->registered)
		unregister_shrinker(s);
	kfree_const(cs->name);
	kfree(cs);
}

static inline void hpool_shrinker_set_private(struct shrinker *s, void *data)
{
	hpool_compat_shrinker(s)->private_data = data;
}

static inline void *hpool_shrinker_private(struct shrinker *s)
{
	return hpool_compat_shrinker(s)->private_data;
}

#endif /* shrinkers */

/* hrtimer_setup(): init and callback in one call (6.13). */
static inline void hpool_hrtimer_setup(struct hrtimer *timer,
				       enum hrtimer_restart (*fn)(struct hrtimer *),
				       clockid_t clock_id, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(timer, fn, clock_id, mode);
#else
	hrtimer_init(timer, clock_id, mode);
	timer->function = fn;
#endif
}

/* timer_container_of() replaced from_timer() (6.16). */
#ifndef timer_container_of
#define timer_container_of(var, callback_timer, timer_fieldname) \
	from_timer(var, callback_timer, timer_fieldname)
#endif

/* objpool (6.7): the benchmark compares against it where the kernel has it. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define HPOOL_HAVE_OBJPOOL 1
#endif

/* MODULE_IMPORT_NS() takes a string since 6.13. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define HPOOL_IMPORT_NS(ns) MODULE_IMPORT_NS(__stringify(ns))
#else
#define HPOOL_IMPORT_NS(ns) MODULE_IMPORT_NS(ns)
#endif

/*
 * KUnit, for the test modules only: include <kunit/test.h> (and
 * <kunit/resource.h>) before this header. The API the suites use, on the
 * kernels that lack it, with the newer kernels' semantics:
 *
 *   kunit_get_current_test()     (6.2) the case the current task runs
 *   kunit_add_action_or_reset()  (6.5) call @fn(@data) when the case ends, in
 *                                the reverse order of adding; on failure call
 *                                it at once and return -ENOMEM
 *   kunit_remove_action()        (6.5) cancel such a call
 *   KUNIT_EXPECT_MEMEQ(), KUNIT_EXPECT_MEMEQ_MSG()
 *                                (6.2) (a plain memcmp() before)
 *   KUNIT_ARRAY_PARAM_DESC()     (6.6) parameters named by a member
 *   KUNIT_CASE_SLOW()            (6.6) a case marked slow (a plain case before)
 *   hpool_kunit_device_register(), hpool_kunit_device_unregister():
 *                                kunit_device_register() (6.8); before, a root
 *                                device whose devres are released at once by
 *                                unregister or at the case's end, as a KUnit
 *                                device's are (a root device's devres would
 *                                only go at its last put, which
 *                                DEBUG_KOBJECT_RELEASE delays)
 */
#ifdef _KUNIT_TEST_H
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#include <linux/sched.h>

static inline struct kunit *kunit_get_current_test(void)
{
	return current->kunit_test;
}
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#include <kunit/resource.h>

typedef void (kunit_action_t)(void *);

struct hpool_compat_action {
	kunit_action_t *fn;
	void *data;
};

static inline int hpool_compat_action_init(struct kunit_resource *res, void *ctx)
{
	res->data = ctx;
	return 0;
}

static inline void hpool_compat_action_free(struct kunit_resource *res)
{
	struct hpool_compat_action *a = res->data;

	if (a->fn)		/* NULL: removed by kunit_remove_action() */
		a->fn(a->data);
	kfree(a);
}

static inline int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *fn,
					    void *data)
{
	struct hpool_compat_action *a = kmalloc(sizeof(*a), GFP_KERNEL);

	if (a) {
		a->fn = fn;
		a->data = data;
		if (kunit_alloc_resource(test, hpool_compat_action_init,
					 hpool_compat_action_free, GFP_KERNEL, a))
			return 0;
		kfree(a);
	}
	fn(data);
	return -ENOMEM;
}

static inline bool hpool_compat_action_match(struct kunit *test, struct kunit_resource *res,
					     void *match)
{
	struct hpool_compat_action *a = res->data, *m = match;

	return res->free == hpool_compat_action_free && a->fn == m->fn && a->data == m->data;
}

static inline void kunit_remove_action(struct kunit *test, kunit_action_t *fn, void *data)
{
	struct hpool_compat_action m = { .fn = fn, .data = data };
	struct kunit_resource *res = kunit_find_resource(test, hpool_compat_action_match, &m);

	if (!res)
		return;
	((struct hpool_compat_action *)res->data)->fn = NULL;
	kunit_remove_resource(test, res);
	kunit_put_resource(res);
}
#endif

/* KUNIT_EXPECT_MEMEQ_MSG() (6.2): without the hex dump of the two buffers. */
#ifndef KUNIT_EXPECT_MEMEQ_MSG
#define KUNIT_EXPECT_MEMEQ_MSG(test, left, right, size, fmt, ...) \
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(left, right, size), fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_MEMEQ(test, left, right, size) \
	KUNIT_EXPECT_TRUE(test, !memcmp(left, right, size))
#endif

/* KUNIT_ARRAY_PARAM_DESC() (6.6): a case's parameters, named by a member. */
#ifndef KUNIT_ARRAY_PARAM_DESC
#define KUNIT_ARRAY_PARAM_DESC(name, array, desc_member)			\
	static void name##_compat_desc(typeof(&(array)[0]) p, char *desc)	\
	{									\
		strscpy(desc, p->desc_member, KUNIT_PARAM_DESC_SIZE);		\
	}									\
	KUNIT_ARRAY_PARAM(name, array, name##_compat_desc)
#endif

#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name) KUNIT_CASE(test_name)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#include <kunit/device.h>

static inline struct device *hpool_kunit_device_register(struct kunit *test,
							 const char *name)
{
	return kunit_device_register(test, name);
}

static inline void hpool_kunit_device_unregister(struct kunit *test, struct device *dev)
{
	kunit_device_unregister(test, dev);
}
#else
#include <kunit/resource.h>
#include <linux/device.h>

struct hpool_compat_kdev {
	struct device *dev;
	void *group;		/* every devres added after registration */
};

static inline int hpool_compat_kdev_init(struct kunit_resource *res, void *name)
{
	struct hpool_compat_kdev *kd = kzalloc(sizeof(*kd), GFP_KERNEL);

	if (!kd)
		return -ENOMEM;
	/*
	 * No owner: a module's suites run from its MODULE_STATE_COMING notifier
	 * on 6.1 too, before the module's sysfs directory exists for the
	 * device's "module" link.
	 */
	kd->dev = __root_device_register(name, NULL);
	if (IS_ERR(kd->dev)) {
		int err = PTR_ERR(kd->dev);

		kfree(kd);
		return err;
	}
	kd->group = devres_open_group(kd->dev, NULL, GFP_KERNEL);
	if (!kd->group) {
		root_device_unregister(kd->dev);
		kfree(kd);
		return -ENOMEM;
	}
	res->data = kd;
	return 0;
}

static inline void hpool_compat_kdev_free(struct kunit_resource *res)
{
	struct hpool_compat_kdev *kd = res->data;

	devres_release_group(kd->dev, kd->group);
	root_device_unregister(kd->dev);
	kfree(kd);
}

static inline bool hpool_compat_kdev_match(struct kunit *test, struct kunit_resource *res,
					   void *dev)
{
	return res->free == hpool_compat_kdev_free &&
	       ((struct hpool_compat_kdev *)res->data)->dev == dev;
}

static inline struct device *hpool_kunit_device_register(struct kunit *test,
							 const char *name)
{
	struct kunit_resource *res;
	struct device *dev;

	res = kunit_alloc_and_get_resource(test, hpool_compat_kdev_init,
					   hpool_compat_kdev_free, GFP_KERNEL,
					   (void *)name);
	if (!res)
		return ERR_PTR(-ENOMEM);
	dev = ((struct hpool_compat_kdev *)res->data)->dev;
	kunit_put_resource(res);
	return dev;
}

static inline void hpool_kunit_device_unregister(struct kunit *test, struct device *dev)
{
	WARN_ON(kunit_destroy_resource(test, hpool_compat_kdev_match, dev));
}
#endif
#endif /* _KUNIT_TEST_H */

#endif /* _HPOOL_COMPAT_H */
