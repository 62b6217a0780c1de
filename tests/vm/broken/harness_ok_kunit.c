// SPDX-License-Identifier: GPL-2.0
/*
 * A KUnit suite that always passes (harness self-test: the good case).
 */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_ok_math(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 2 + 2, 4);
}

static void harness_ok_skip(struct kunit *test)
{
	kunit_skip(test, "skipped on purpose");
}

static struct kunit_case harness_ok_cases[] = {
	KUNIT_CASE(harness_ok_math),
	KUNIT_CASE(harness_ok_skip),
	{}
};

static struct kunit_suite harness_ok_suite = {
	.name = "harness_ok",
	.test_cases = harness_ok_cases,
};

kunit_test_suite(harness_ok_suite);

MODULE_DESCRIPTION("hpool harness self-test: a passing KUnit suite");
MODULE_LICENSE("GPL");
