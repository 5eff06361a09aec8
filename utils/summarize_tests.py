#!/usr/bin/env python3
"""Summarize JUnit XML test reports (lit, ctest, pytest) into one closing line.

Usage:
    summarize_tests.py [--expect lit,ctest,pytest] [--status NAME=RC ...]
                       [--note NAME=TEXT ...] REPORT.xml [REPORT.xml ...]

Each report file is one suite, named after the file's stem (``lit.xml`` ->
``lit``).  For every suite one line is printed::

    lit: 12 passed, 0 failed, 1 skipped

followed, for failing suites, by the names of the failing tests.  The LAST line
of output is always the grand total over all suites::

    N passed, N failed[, N skipped]

(``, N skipped`` only when N > 0).

Classification of a <testcase>:
  * a <failure> or <error> child                      -> failed
  * a <skipped> child, or ctest status="disabled"     -> skipped
    (ctest status="notrun" is only a skip when ctest itself counts it as one,
    i.e. SKIP_RETURN_CODE / SKIP_REGULAR_EXPRESSION; other "Not Run" reasons,
    such as "Unable to find executable", are failures, as ctest reports them)
  * anything else                                     -> passed
    (lit writes XFAIL as a plain <testcase/>, so it counts as passed; lit's
    UNRESOLVED/TIMEOUT/XPASS are written as <failure>)

A suite counts as 1 failed (with the reason on its line) when:
  * it is listed in --expect but no report file exists for it (runner crashed
    or never ran), or its report is not valid JUnit XML;
  * --status NAME=RC gives a non-zero exit status for its runner while its
    report shows no failure (runner error after or instead of running tests).

Exit status: 0 when nothing failed, 1 when anything failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional

# Show at most this many failing test names per suite.
MAX_LISTED_FAILURES = 20


@dataclass
class SuiteResult:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failed_names: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def counts_text(self) -> str:
        return format_counts(self.passed, self.failed, self.skipped)


def format_counts(passed: int, failed: int, skipped: int) -> str:
    text = f"{passed} passed, {failed} failed"
    if skipped > 0:
        text += f", {skipped} skipped"
    return text


def _local(tag: str) -> str:
    """Tag name without an XML namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(elem: ET.Element, name: str) -> List[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _is_ctest_real_skip(case: ET.Element) -> bool:
    """ctest status="notrun": a skip only for SKIP_RETURN_CODE/SKIP_REGULAR_EXPRESSION."""
    for sk in _children(case, "skipped"):
        msg = (sk.get("message") or "").strip()
        if msg.startswith("SKIP_"):
            return True
    return False


def classify(case: ET.Element) -> str:
    """Return 'failed', 'skipped' or 'passed' for one <testcase>."""
    if _children(case, "failure") or _children(case, "error"):
        return "failed"
    status = (case.get("status") or "").strip().lower()
    if status == "fail":
        return "failed"
    if status == "disabled":
        return "skipped"
    if status == "notrun":
        return "skipped" if _is_ctest_real_skip(case) else "failed"
    if _children(case, "skipped"):
        return "skipped"
    return "passed"


def _case_name(case: ET.Element) -> str:
    cls = case.get("classname") or ""
    name = case.get("name") or "?"
    if cls and cls != name:
        return f"{cls}::{name}"
    return name


def parse_report(path: str, suite: SuiteResult) -> None:
    """Add the counts of one JUnit XML file to ``suite``. Raises on bad XML."""
    tree = ET.parse(path)
    root = tree.getroot()
    root_tag = _local(root.tag)
    if root_tag == "testsuites":
        suites = [e for e in root.iter() if _local(e.tag) == "testsuite"]
    elif root_tag == "testsuite":
        suites = [root] + [e for e in root.iter() if e is not root and _local(e.tag) == "testsuite"]
    else:
        raise ValueError(f"root element is <{root_tag}>, expected <testsuites> or <testsuite>")

    seen = set()
    for ts in suites:
        # Errors/failures attached to the suite itself (not to a test case),
        # e.g. a setup error reported by some JUnit writers.
        for child in ts:
            if _local(child.tag) in ("failure", "error"):
                suite.failed += 1
                msg = child.get("message") or _local(child.tag)
                suite.failed_names.append(f"<{ts.get('name') or 'testsuite'}>: {msg}")
        for case in ts:
            if _local(case.tag) != "testcase" or id(case) in seen:
                continue
            seen.add(id(case))
            outcome = classify(case)
            if outcome == "failed":
                suite.failed += 1
                suite.failed_names.append(_case_name(case))
            elif outcome == "skipped":
                suite.skipped += 1
            else:
                suite.passed += 1


def _parse_kv(values: Optional[List[str]], what: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for item in values or []:
        if "=" not in item:
            raise SystemExit(f"summarize_tests.py: bad {what} {item!r}, expected NAME=VALUE")
        key, val = item.split("=", 1)
        out[key.strip()] = val
    return out


def suite_name_for(path: str) -> str:
    base = os.path.basename(path)
    stem, ext = os.path.splitext(base)
    return stem if ext.lower() == ".xml" else base


def summarize(
    reports: List[str],
    expect: List[str],
    statuses: Dict[str, int],
    notes: Dict[str, str],
) -> List[SuiteResult]:
    results: Dict[str, SuiteResult] = {}
    order: List[str] = []

    def get(name: str) -> SuiteResult:
        if name not in results:
            results[name] = SuiteResult(name)
            order.append(name)
        return results[name]

    # Expected suites first, in the order given, then any others in file order.
    for name in expect:
        get(name)

    have_report = set()
    for path in reports:
        name = suite_name_for(path)
        if not os.path.isfile(path):
            # e.g. an unmatched shell glob; a missing expected suite is
            # reported below.
            print(f"summarize_tests.py: warning: no such file: {path}", file=sys.stderr)
            continue
        suite = get(name)
        have_report.add(name)
        try:
            parse_report(path, suite)
        except (ET.ParseError, ValueError, OSError) as exc:
            suite.failed += 1
            suite.notes.append(f"unreadable report {os.path.basename(path)}: {exc}")

    for name in expect:
        if name not in have_report:
            suite = get(name)
            suite.failed += 1
            rc = statuses.get(name)
            how = f"runner exited with status {rc}, " if rc not in (None, 0) else ""
            suite.notes.append(f"{how}no results: runner crashed, errored or wrote no XML")

    for name, rc in statuses.items():
        if rc == 0:
            continue
        suite = get(name)
        if name in have_report and suite.failed == 0:
            suite.failed += 1
            suite.notes.append(f"runner exited with status {rc} but reported no failing test")
        elif name not in have_report and name not in expect:
            suite.failed += 1
            suite.notes.append(f"exited with status {rc}")

    for name, text in notes.items():
        if name in results:
            results[name].notes.append(text)

    return [results[n] for n in order]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Summarize JUnit XML test reports.")
    parser.add_argument("reports", nargs="*", help="JUnit XML files; suite name = file stem")
    parser.add_argument(
        "--expect",
        default="",
        help="comma-separated suite names that must have a report (missing = 1 failed)",
    )
    parser.add_argument(
        "--status",
        action="append",
        metavar="NAME=RC",
        help="exit status of a suite's runner (non-zero with no failing test = 1 failed)",
    )
    parser.add_argument(
        "--note",
        action="append",
        metavar="NAME=TEXT",
        help="extra text shown on a suite's line",
    )
    args = parser.parse_args(argv)

    expect = [s.strip() for s in args.expect.split(",") if s.strip()]
    statuses: Dict[str, int] = {}
    for name, val in _parse_kv(args.status, "--status").items():
        try:
            statuses[name] = int(val)
        except ValueError:
            parser.error(f"--status {name}={val}: status must be an integer")
    notes = _parse_kv(args.note, "--note")

    if not args.reports and not expect and not statuses:
        parser.error("no reports given and nothing expected")

    suites = summarize(args.reports, expect, statuses, notes)

    total_p = total_f = total_s = 0
    for s in suites:
        line = f"{s.name}: {s.counts_text()}"
        if s.notes:
            line += " (" + "; ".join(s.notes) + ")"
        print(line)
        for fname in s.failed_names[:MAX_LISTED_FAILURES]:
            print(f"    FAILED {fname}")
        if len(s.failed_names) > MAX_LISTED_FAILURES:
            print(f"    ... and {len(s.failed_names) - MAX_LISTED_FAILURES} more")
        total_p += s.passed
        total_f += s.failed
        total_s += s.skipped

    sys.stdout.flush()
    print(format_counts(total_p, total_f, total_s))
    return 1 if total_f > 0 else 0


if __name__ == "__main__":
    sys.exit(main())
