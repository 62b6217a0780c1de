#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Analyse one hpool test VM run: results.log (KTAP) + console.log.

results.log is one KTAP document (init.sh); run-vm also gives it to the
kernel's own parser, tools/testing/kunit/kunit.py parse. This script does
what no kernel tool does: kernel splats in console.log (decoded to
file:line by the kernel's scripts/decode_stacktrace.sh when --decode is
given), the kmemleak report, the HPOOL-EXPECT-* brackets, the end marker;
and it counts the results.

Prints every leaf result as "ok|not ok <suite>.<case>" (the groups "kunit"
and "selftests" left out of the names), then the reasons of failure, then a
last line "N passed, N failed[, N skipped]".  Exits 1 on any failing test,
truncated plan, more than one top-level document, kernel splat, kmemleak
report, missing end marker or timeout; 0 otherwise.

Markers (see init.sh):
  results.log  HPOOL-VM-END                       the guest finished
               # HPOOL-KMEMLEAK-BEGIN/-END        the final kmemleak dump
                                                  (diagnostic lines)
  console.log  HPOOL-KMEMLEAK-BASELINE-BEGIN/-END leak reports here are
                                                  forgiven (boot leaks)
               HPOOL-EXPECT-WARN-BEGIN/-END       a WARN block (cut here ..
                                                  end trace) here is forgiven
               HPOOL-EXPECT-KASAN-BEGIN/-END      a KASAN report (between its
                                                  two ===== lines) here is
                                                  forgiven
"""
import argparse
import os
import re
import subprocess
import sys

END_MARKER = "HPOOL-VM-END"
KMEMLEAK_BEGIN = "HPOOL-KMEMLEAK-BEGIN"
KMEMLEAK_END = "HPOOL-KMEMLEAK-END"
BASELINE_BEGIN = "HPOOL-KMEMLEAK-BASELINE-BEGIN"
BASELINE_END = "HPOOL-KMEMLEAK-BASELINE-END"
WARN_BEGIN = "HPOOL-EXPECT-WARN-BEGIN"
WARN_END = "HPOOL-EXPECT-WARN-END"
KASAN_BEGIN = "HPOOL-EXPECT-KASAN-BEGIN"
KASAN_END = "HPOOL-EXPECT-KASAN-END"
KASAN_RULE = re.compile(r"^={60,}$")

# Top-level groups whose name is left out of the leaves' names.
GROUPS = ("kunit", "selftests")

TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
SPLAT = re.compile(
    r"BUG:|WARNING:|Call Trace|possible circular locking|"
    r"possible recursive locking|inconsistent lock state|lockdep|KASAN|"
    r"kmemleak: .* new suspected memory leak|Kernel panic|Oops|"
    r"general protection fault|ODEBUG|list_add corruption|"
    r"list_del corruption|refcount_t:|UBSAN|KCSAN:")
KMEMLEAK_REPORT = re.compile(r"kmemleak: .* new suspected memory leak")
# Boot messages that match SPLAT but are not splats.
BENIGN = re.compile(r"^rcu:\s+RCU lockdep checking is enabled\.$")
CUT_HERE = "------------[ cut here ]------------"
END_TRACE = re.compile(r"---\[ end trace [^\]]*\]---")

VERSION = re.compile(r"^(KTAP|TAP) version \d+\s*$")
PLAN = re.compile(r"^1\.\.(\d+)\s*(#.*)?$")
RESULT = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*(?:- )?([^#]*?)\s*(?:#\s*(.*))?$")


def clean(line):
    line = line.rstrip("\r\n").replace("\r", "")
    return TIMESTAMP.sub("", line)


def read_lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [clean(line) for line in f]
    except OSError as e:
        return None if e.errno == 2 else [f"# cannot read {path}: {e}"]


class Result:
    def __init__(self, ok, num, name, directive, diag):
        self.ok = ok
        self.num = num
        self.name = name or f"test_{num}"
        self.directive = (directive or "").strip()
        self.diag = diag
        self.children = []

    @property
    def skipped(self):
        return re.match(r"(?i)skip", self.directive) is not None

    @property
    def todo(self):
        return re.match(r"(?i)todo", self.directive) is not None


class Frame:
    """The results of one nesting level (one indentation)."""

    def __init__(self, indent, lineno):
        self.indent = indent
        self.lineno = lineno
        self.plan = None
        self.results = []
        self.pending = []       # closed deeper frames awaiting their parent
        self.diag = []
        self.name = None        # from "# Subtest: name"


class Parser:
    def __init__(self):
        self.tops = []          # top-level results of all documents
        self.problems = []
        self.stack = []
        self.documents = 0      # top-level version lines

    def _close(self, frame, parent_name=""):
        if frame.plan is not None and frame.plan != len(frame.results):
            where = frame.name or parent_name or "top level"
            self.problems.append(
                f"plan 1..{frame.plan} of '{where}' (line {frame.lineno}) "
                f"got {len(frame.results)} result(s): truncated output?")
        if frame.pending:
            for orphan in frame.pending:
                self._orphan(orphan)
            frame.pending = []

    def _orphan(self, frame):
        name = frame.name or f"subtest at line {frame.lineno}"
        self.problems.append(
            f"'{name}' has no result line of its own: truncated output?")
        # Its results still count.
        self.tops.extend(frame.results)

    def _pop(self):
        frame = self.stack.pop()
        self._close(frame, frame.name or "")
        if self.stack:
            self.stack[-1].pending.append(frame)
        else:
            self.tops.extend(frame.results)

    def _level(self, indent, lineno, fresh=False):
        while self.stack and self.stack[-1].indent > indent:
            self._pop()
        if fresh and self.stack and self.stack[-1].indent == indent and (
                self.stack[-1].results or self.stack[-1].plan is not None):
            # A new document at this level: close the previous one.
            self._pop()
        if not self.stack or self.stack[-1].indent < indent:
            self.stack.append(Frame(indent, lineno))
        return self.stack[-1]

    def feed(self, lineno, line):
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        stripped = stripped.rstrip()
        if not stripped:
            return
        if VERSION.match(stripped):
            if indent == 0:
                self.documents += 1
                if self.documents == 2:
                    self.problems.append(
                        f"a second top-level KTAP document at line {lineno}: "
                        "kunit.py parse reads only the first")
            self._level(indent, lineno, fresh=True)
            return
        m = PLAN.match(stripped)
        if m:
            frame = self._level(indent, lineno)
            if frame.plan is not None or frame.results:
                frame = self._level(indent, lineno, fresh=True)
            frame.plan = int(m.group(1))
            return
        m = RESULT.match(stripped)
        if m:
            frame = self._level(indent, lineno)
            res = Result(m.group(1) == "ok", m.group(2), m.group(3),
                         m.group(4), frame.diag)
            frame.diag = []
            for sub in frame.pending:
                res.children.extend(sub.results)
            frame.pending = []
            frame.results.append(res)
            return
        if stripped.startswith("#"):
            if not self.stack:
                return
            m = re.match(r"#\s*Subtest:\s*(.*)", stripped)
            if m:
                frame = self._level(indent, lineno)
                frame.name = m.group(1).strip()
                return
            # Diagnostics belong to the innermost level at or above it.
            for frame in reversed(self.stack):
                if frame.indent <= indent:
                    frame.diag.append(stripped)
                    del frame.diag[:-30]
                    break

    def finish(self):
        while self.stack:
            self._pop()
        return self.tops


def reasons(diag):
    """The diagnostics worth showing: failing subresults, then the last."""
    failing = [d for d in diag if re.search(r"not ok|Bail out", d)][:10]
    return failing + [d for d in diag[-10:] if d not in failing]


def walk(results, prefix, counts, leaves, problems):
    for r in results:
        path = f"{prefix}.{r.name}" if prefix else r.name
        if not prefix and r.name in GROUPS and r.children:
            path = ""
        if r.children:
            failed_before = counts["failed"]
            walk(r.children, path, counts, leaves, problems)
            if not r.ok and not r.skipped and not r.todo and \
                    counts["failed"] == failed_before:
                counts["failed"] += 1
                problems.append(f"not ok {path or r.name} (no failing subtest)"
                                + (f" # {r.directive}" if r.directive else ""))
                problems.extend(f"    {d}" for d in reasons(r.diag))
            continue
        if r.skipped or r.todo:
            counts["skipped"] += 1
            leaves.append(f"{'ok' if r.ok else 'not ok'} {path} # {r.directive}")
        elif r.ok:
            counts["passed"] += 1
            leaves.append(f"ok {path}")
        else:
            counts["failed"] += 1
            leaves.append(f"not ok {path}")
            problems.append(f"not ok {path}"
                            + (f" # {r.directive}" if r.directive else ""))
            problems.extend(f"    {d}" for d in reasons(r.diag))


def is_warn_block(lines, i):
    """Is the "cut here" at lines[i] the start of a WARN() report?

    WARN(cond, fmt...) prints its message between "cut here" and the
    "WARNING: CPU: ..." line; BUG() and other reports print no WARNING: line.
    """
    for line in lines[i + 1:i + 12]:
        if line.startswith("WARNING:"):
            return True
        if CUT_HERE in line or END_TRACE.search(line) or \
                re.search(r"BUG:|Oops|Kernel panic|KASAN", line):
            return False
    return False


def scan_console(lines, problems):
    """Kernel splats outside what the brackets forgive: their line numbers."""
    in_warn = in_baseline = in_kasan = False
    forgiven_block = kasan_block = False
    splats = []
    where = []
    for i, line in enumerate(lines):
        if KASAN_BEGIN in line:
            in_kasan = True
            continue
        if KASAN_END in line:
            in_kasan = kasan_block = False
            continue
        if kasan_block:
            if KASAN_RULE.match(line):
                kasan_block = False
                continue
            if "Kernel panic" not in line:
                continue
        if in_kasan and KASAN_RULE.match(line) and i + 1 < len(lines) and \
                lines[i + 1].startswith("BUG: KASAN:"):
            kasan_block = True
            continue
        if WARN_BEGIN in line:
            in_warn = True
            continue
        if WARN_END in line:
            in_warn = False
            continue
        if BASELINE_BEGIN in line:
            in_baseline = True
            continue
        if BASELINE_END in line:
            in_baseline = False
            continue
        if forgiven_block:
            if END_TRACE.search(line):
                forgiven_block = False
                continue
            if "Kernel panic" not in line:
                continue
        if CUT_HERE in line and in_warn and is_warn_block(lines, i):
            forgiven_block = True
            continue
        if BENIGN.search(line):
            continue
        if in_baseline and KMEMLEAK_REPORT.search(line):
            continue
        if SPLAT.search(line):
            splats.append(line)
            where.append(i)
    if splats:
        problems.append(f"kernel splat in console.log ({len(splats)} line(s)):")
        problems.extend(f"    {s}" for s in splats[:60])
        if len(splats) > 60:
            problems.append(f"    ... {len(splats) - 60} more")
    return where


def splat_blocks(lines, where, limit=400):
    """The console lines of each splat: from its first line to its end
    (---[ end trace ]---, a KASAN rule, a marker) or 60 lines on."""
    block, last = [], -1
    for i in where:
        if i <= last:
            continue
        end = min(len(lines), i + 60)
        for j in range(i + 1, end):
            if END_TRACE.search(lines[j]) or "HPOOL-" in lines[j] or \
                    (KASAN_RULE.match(lines[j]) and j > i + 1):
                end = j + 1
                break
        if block:
            block.append("")
        block.extend(lines[i:end])
        last = end - 1
        if len(block) >= limit:
            break
    return block[:limit]


def decode(script, vmlinux, modules, block):
    """scripts/decode_stacktrace.sh on the splats: symbol+off -> file:line."""
    if not (script and os.path.isfile(script) and vmlinux and
            os.path.isfile(vmlinux)):
        return [f"(no decoding: needs {script or 'decode_stacktrace.sh'} and "
                f"{vmlinux or 'vmlinux'})"]
    cmd = ["bash", script, vmlinux, "auto"] + ([modules] if modules else [])
    try:
        res = subprocess.run(cmd, input="\n".join(block) + "\n", text=True,
                             capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [f"(decode_stacktrace.sh failed: {e})"]
    out = res.stdout.splitlines()
    if res.returncode != 0 or not out:
        out += [f"(decode_stacktrace.sh status {res.returncode}: "
                f"{res.stderr.strip()[:200]})"]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True, help="results.log (ttyS1)")
    ap.add_argument("--console", help="console.log (ttyS0)")
    ap.add_argument("--timed-out", metavar="SEC",
                    help="QEMU was killed after SEC seconds")
    ap.add_argument("--quiet", action="store_true",
                    help="do not print passing leaves")
    ap.add_argument("--decode", metavar="SCRIPT",
                    help="the kernel's scripts/decode_stacktrace.sh")
    ap.add_argument("--vmlinux", help="vmlinux of the guest's kernel")
    ap.add_argument("--modules", metavar="DIR",
                    help="where the guest's .ko files were built")
    ap.add_argument("--decoded", metavar="FILE",
                    help="write the decoded splats there too")
    args = ap.parse_args()

    problems = []
    results = read_lines(args.results)
    if results is None:
        problems.append(f"no results file {args.results}")
        results = []

    # The kmemleak dump is not TAP: take it out before parsing.
    tap_lines, dump, in_dump, end_seen = [], [], False, False
    for n, line in enumerate(results, 1):
        marker = re.sub(r"^#\s?", "", line.strip())
        if marker == KMEMLEAK_BEGIN:
            in_dump = True
        elif marker == KMEMLEAK_END:
            in_dump = False
        elif in_dump:
            line = re.sub(r"^# ?", "", line)
            if line.strip():
                dump.append(line)
        elif line.strip() == END_MARKER:
            end_seen = True
        else:
            tap_lines.append((n, line))

    parser = Parser()
    for n, line in tap_lines:
        parser.feed(n, line)
    tops = parser.finish()

    counts = {"passed": 0, "failed": 0, "skipped": 0}
    leaves, test_problems = [], []
    walk(tops, "", counts, leaves, test_problems)
    problems.extend(test_problems)
    for p in parser.problems:
        counts["failed"] += 1
        problems.append(p)

    if dump:
        problems.append(f"kmemleak reports leaks ({len(dump)} line(s)):")
        problems.extend(f"    {d}" for d in dump[:80])
    decoded = []
    if args.console:
        console = read_lines(args.console)
        if console is None:
            problems.append(f"no console log {args.console}")
        else:
            where = scan_console(console, problems)
            if where and args.decode:
                decoded = decode(args.decode, args.vmlinux, args.modules,
                                 splat_blocks(console, where))
                problems.append("the splats decoded (scripts/decode_stacktrace.sh):")
                problems.extend(f"    {d}" for d in decoded[:120])
                if args.decoded:
                    with open(args.decoded, "w", encoding="utf-8") as f:
                        f.write("\n".join(decoded) + "\n")
    if args.timed_out:
        problems.append(f"timeout: the VM was killed after {args.timed_out} s")
    if not end_seen:
        problems.append(f"no end marker {END_MARKER} in results.log: the guest "
                        "crashed, panicked, hung or was killed")

    for leaf in leaves:
        if not args.quiet or not leaf.startswith("ok "):
            print(leaf)
    if problems:
        print("FAILURES:")
        for p in problems:
            print(f"  {p}")
    failed = counts["failed"]
    if problems and failed == 0:
        failed = 1     # a run that is not clean counts as one failure
    summary = f"{counts['passed']} passed, {failed} failed"
    if counts["skipped"]:
        summary += f", {counts['skipped']} skipped"
    print(summary)
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
