// SPDX-License-Identifier: GPL-2.0
/*
 * A KUnit suite with one failing case (harness self-test).
 */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_fail_passes(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, true);
}

static void harness_fail_fails(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, 1, 2, "deliberate failure");
}

static struct kunit_case harness_fail_cases[] = {
	KUNIT_CASE(harness_fail_passes),
	KUNIT_CASE(harness_fail_fails),
	{}
};

static struct kunit_suite harness_fail_suite = {
	.name = "harness_fail",
	.test_cases = harness_fail_cases,
};

kunit_test_suite(harness_fail_suite);

MODULE_DESCRIPTION("hpool harness self-test: a failing KUnit suite");
MODULE_LICENSE("GPL");
