// SPDX-License-Identifier: GPL-2.0
/*
 * hpool's tracepoints (hpool_trace.h, Documentation/hpool.rst,
 * hpool-tracepoints), defined once here for every layer to fire.
 */

#define CREATE_TRACE_POINTS
#include "hpool_trace.h"
