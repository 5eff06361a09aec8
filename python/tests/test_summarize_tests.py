"""Tests for utils/summarize_tests.py (JUnit XML summarizer used by utils/test.sh)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "utils" / "summarize_tests.py"


def _load_module():
    spec = importlib.util.spec_from_file_location("summarize_tests", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["summarize_tests"] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


st = _load_module()


# What lit --xunit-xml-output writes: PASS, XFAIL (plain testcase), UNSUPPORTED
# (<skipped>), FAIL and UNRESOLVED (<failure>).
LIT_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites time="1.23">
<testsuite name="DNN" tests="6" failures="2" skipped="1" time="1.00">
<testcase classname="DNN.Dialect" name="ops.mlir" time="0.10"/>
<testcase classname="DNN.Dialect" name="invalid.mlir" time="0.10"/>
<testcase classname="DNN.Transforms" name="xfail.mlir" time="0.10"/>
<testcase classname="DNN.Transforms" name="gpu-only.mlir" time="0.00">
  <skipped message="Missing required feature(s): cuda"/>
</testcase>
<testcase classname="DNN.Transforms" name="fuse.mlir" time="0.20">
  <failure><![CDATA[CHECK: dnn.fused
error: no match]]></failure>
</testcase>
<testcase classname="DNN.Transforms" name="broken.mlir" time="0.00">
  <failure><![CDATA[UNRESOLVED: no RUN line]]></failure>
</testcase>
</testsuite>
</testsuites>
"""

# What ctest --output-junit writes (single <testsuite> root).
CTEST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="6" failures="1" disabled="1" skipped="2" hostname="" time="0">
  <testcase name="ok" classname="ok" time="0.01" status="run"><system-out></system-out></testcase>
  <testcase name="ok2" classname="ok2" time="0.01" status="run"><system-out></system-out></testcase>
  <testcase name="bad" classname="bad" time="0.01" status="fail">
    <failure message=""/><system-out></system-out>
  </testcase>
  <testcase name="skip" classname="skip" time="0.01" status="notrun">
    <skipped message="SKIP_RETURN_CODE=77"/><system-out></system-out>
  </testcase>
  <testcase name="dis" classname="dis" time="0" status="disabled"><system-out>Disabled</system-out></testcase>
  <testcase name="missing" classname="missing" time="0" status="notrun">
    <skipped message="Unable to find executable"/>
    <system-out>Unable to find executable: /nonexistent/prog</system-out>
  </testcase>
</testsuite>
"""

CTEST_EMPTY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="0" failures="0" disabled="0" skipped="0" hostname="" time="0" timestamp="2026-01-01T00:00:00"/>"""

# What pytest --junitxml writes: pass, fail, error (collection/fixture), skip.
PYTEST_XML = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
<testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5" time="0.5">
  <testcase classname="tests.test_a" name="test_ok" time="0.001"/>
  <testcase classname="tests.test_a" name="test_ok2" time="0.001"/>
  <testcase classname="tests.test_a" name="test_bad" time="0.001">
    <failure message="assert 1 == 2">assert 1 == 2</failure>
  </testcase>
  <testcase classname="tests.test_b" name="test_fixture" time="0.001">
    <error message="failed on setup with &quot;RuntimeError&quot;">RuntimeError</error>
  </testcase>
  <testcase classname="tests.test_a" name="test_skip" time="0.000">
    <skipped type="pytest.skip" message="no gpu">no gpu</skipped>
  </testcase>
</testsuite>
</testsuites>
"""

PASSING_XML = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="3">
  <testcase classname="t" name="a"/><testcase classname="t" name="b"/><testcase classname="t" name="c"/>
</testsuite></testsuites>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_main(capsys, argv):
    rc = st.main([str(a) for a in argv])
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    return rc, out, lines


def suite_line(lines, name):
    matches = [ln for ln in lines if ln.startswith(f"{name}: ")]
    assert len(matches) == 1, lines
    return matches[0]


def test_lit_counts(tmp_path, capsys):
    f = write(tmp_path, "lit.xml", LIT_XML)
    rc, _, lines = run_main(capsys, [f])
    # ops, invalid, xfail passed; gpu-only skipped; fuse and broken failed.
    assert suite_line(lines, "lit") == "lit: 3 passed, 2 failed, 1 skipped"
    assert lines[-1] == "3 passed, 2 failed, 1 skipped"
    assert rc == 1
    assert any("fuse.mlir" in ln and "FAILED" in ln for ln in lines)
    assert any("broken.mlir" in ln and "FAILED" in ln for ln in lines)


def test_ctest_counts(tmp_path, capsys):
    f = write(tmp_path, "ctest.xml", CTEST_XML)
    rc, _, lines = run_main(capsys, [f])
    # ok, ok2 pass; bad and "Unable to find executable" fail; SKIP_RETURN_CODE
    # and disabled are skips.
    assert suite_line(lines, "ctest") == "ctest: 2 passed, 2 failed, 2 skipped"
    assert lines[-1] == "2 passed, 2 failed, 2 skipped"
    assert rc == 1


def test_ctest_no_tests_is_zero_not_error(tmp_path, capsys):
    f = write(tmp_path, "ctest.xml", CTEST_EMPTY_XML)
    rc, _, lines = run_main(capsys, ["--expect", "ctest", "--status", "ctest=0", f])
    assert lines == ["ctest: 0 passed, 0 failed", "0 passed, 0 failed"]
    assert rc == 0


def test_pytest_counts_error_as_failure(tmp_path, capsys):
    f = write(tmp_path, "pytest.xml", PYTEST_XML)
    rc, _, lines = run_main(capsys, [f])
    assert suite_line(lines, "pytest") == "pytest: 2 passed, 2 failed, 1 skipped"
    assert any("test_fixture" in ln for ln in lines)
    assert rc == 1


def test_totals_over_all_suites(tmp_path, capsys):
    files = [
        write(tmp_path, "lit.xml", LIT_XML),
        write(tmp_path, "ctest.xml", CTEST_XML),
        write(tmp_path, "pytest.xml", PYTEST_XML),
    ]
    rc, _, lines = run_main(capsys, ["--expect", "lit,ctest,pytest", *files])
    assert lines[-1] == "7 passed, 6 failed, 4 skipped"
    assert rc == 1


def test_all_passing_exit_zero_and_no_skipped_suffix(tmp_path, capsys):
    f = write(tmp_path, "pytest.xml", PASSING_XML)
    rc, _, lines = run_main(capsys, ["--expect", "pytest", f])
    assert suite_line(lines, "pytest") == "pytest: 3 passed, 0 failed"
    assert lines[-1] == "3 passed, 0 failed"
    assert "skipped" not in lines[-1]
    assert rc == 0


def test_missing_expected_suite_counts_one_failure(tmp_path, capsys):
    f = write(tmp_path, "pytest.xml", PASSING_XML)
    rc, _, lines = run_main(capsys, ["--expect", "lit,pytest", "--status", "lit=2", f])
    line = suite_line(lines, "lit")
    assert line.startswith("lit: 0 passed, 1 failed (")
    assert "no results" in line and "status 2" in line
    assert lines[-1] == "3 passed, 1 failed"
    assert rc == 1


def test_nonzero_status_without_failures_counts_one_failure(tmp_path, capsys):
    f = write(tmp_path, "ctest.xml", PASSING_XML)
    rc, _, lines = run_main(capsys, ["--status", "ctest=8", f])
    line = suite_line(lines, "ctest")
    assert line.startswith("ctest: 3 passed, 1 failed (")
    assert "status 8" in line
    assert lines[-1] == "3 passed, 1 failed"
    assert rc == 1


def test_nonzero_status_with_failures_not_double_counted(tmp_path, capsys):
    f = write(tmp_path, "lit.xml", LIT_XML)
    rc, _, lines = run_main(capsys, ["--status", "lit=1", f])
    assert suite_line(lines, "lit") == "lit: 3 passed, 2 failed, 1 skipped"
    assert rc == 1


def test_failed_setup_status_gets_its_own_line(tmp_path, capsys):
    f = write(tmp_path, "pytest.xml", PASSING_XML)
    rc, _, lines = run_main(capsys, ["--status", "setup=1", "--status", "pytest=0", f])
    assert suite_line(lines, "setup").startswith("setup: 0 passed, 1 failed")
    assert lines[-1] == "3 passed, 1 failed"
    assert rc == 1


def test_successful_status_without_report_is_silent(tmp_path, capsys):
    f = write(tmp_path, "pytest.xml", PASSING_XML)
    rc, _, lines = run_main(capsys, ["--status", "setup=0", f])
    assert not any(ln.startswith("setup:") for ln in lines)
    assert rc == 0


def test_malformed_xml_is_a_failure(tmp_path, capsys):
    f = write(tmp_path, "lit.xml", "<testsuites><testsuite>")
    rc, _, lines = run_main(capsys, ["--expect", "lit", f])
    line = suite_line(lines, "lit")
    assert line.startswith("lit: 0 passed, 1 failed (")
    assert "unreadable" in line
    assert rc == 1


def test_single_testsuite_root_with_suite_level_error(tmp_path, capsys):
    xml = """<testsuite name="x" tests="1">
      <testcase classname="c" name="a"/>
      <error message="suite setup crashed"/>
    </testsuite>"""
    f = write(tmp_path, "custom.xml", xml)
    rc, _, lines = run_main(capsys, [f])
    assert suite_line(lines, "custom") == "custom: 1 passed, 1 failed"
    assert rc == 1


def test_note_is_shown_on_suite_line(tmp_path, capsys):
    rc, _, lines = run_main(
        capsys, ["--expect", "lit", "--note", "lit=no lit.site.cfg.py in build/test"]
    )
    line = suite_line(lines, "lit")
    assert "no lit.site.cfg.py in build/test" in line
    assert lines[-1] == "0 passed, 1 failed"
    assert rc == 1


@pytest.mark.parametrize(
    "files, expect, want_rc, want_last",
    [
        (["pytest.xml"], "pytest", 0, "3 passed, 0 failed"),
        (["pytest.xml"], "lit,ctest,pytest", 1, "3 passed, 2 failed"),
        (["lit.xml", "pytest.xml"], "lit,pytest", 1, "6 passed, 2 failed, 1 skipped"),
    ],
)
def test_subprocess_exit_code_and_last_line(tmp_path, files, expect, want_rc, want_last):
    contents = {"pytest.xml": PASSING_XML, "lit.xml": LIT_XML}
    paths = [str(write(tmp_path, name, contents[name])) for name in files]
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--expect", expect, *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == want_rc, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == want_last


def test_subprocess_bad_usage_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
