"""docs/targets.md must state exactly the presets dnn-opt attaches."""
import re
import subprocess

import pytest

ATTR_RE = re.compile(r"#dnn\.gpu<(.*)>")


def doc_rows(repo_root):
    text = (repo_root / "docs" / "targets.md").read_text()
    lines = [l for l in text.splitlines() if l.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[0] == "key"
    rows = []
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != len(header) or cells[0] in ("key", "all"):
            continue
        rows.append(dict(zip(header, cells)))
    return rows


def attached_target(dnn_opt, name):
    module = "module {}\n"
    out = subprocess.run([dnn_opt, "-", f"--dnn-attach-target=gpu={name}"], input=module,
                         capture_output=True, text=True, check=True).stdout
    body = ATTR_RE.search(out).group(1)
    params = {}
    for item in re.findall(r'(\w+) = ("[^"]*"|[^,]+)', body):
        params[item[0]] = item[1].strip().strip('"')
    return params


def test_doc_lists_every_preset(repo_root, dnn_opt):
    rows = doc_rows(repo_root)
    assert len(rows) >= 6
    keys = {r["key"] for r in rows}
    # The "unknown GPU" diagnostic names every preset the compiler knows.
    err = subprocess.run([dnn_opt, "-", "--dnn-attach-target=gpu=no-such-gpu"],
                         input="module {}\n", capture_output=True, text=True).stderr
    known = set(err.split("known presets: ")[1].splitlines()[0].split(";")[0].strip().split(", "))
    assert keys == known


@pytest.mark.parametrize("column", ["arch", "sms", "clock_mhz", "max_threads_per_sm",
                                    "max_blocks_per_sm", "smem_per_sm", "max_smem_per_block",
                                    "smem_reserved_per_block", "l2_bytes", "dram_gbps",
                                    "fp32_tflops", "tc_tflops"])
def test_doc_numbers_match_compiler(repo_root, dnn_opt, column):
    for row in doc_rows(repo_root):
        params = attached_target(dnn_opt, row["key"])
        got = params.get(column, "0")  # a default (0) is elided when printing
        if column == "arch":
            assert got == row[column], row["key"]
        else:
            assert float(got) == float(row[column]), (row["key"], column, got)


def test_aliases_resolve_to_their_preset(repo_root, dnn_opt):
    for row in doc_rows(repo_root):
        for alias in filter(None, (a.strip() for a in row["aliases"].split(","))):
            assert attached_target(dnn_opt, alias.upper())["name"] == row["key"]
