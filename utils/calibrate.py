#!/usr/bin/env python3
"""Fit the GEMM constants of the performance model to measured latencies.

Input: a CSV with one measured GEMM per row (default
docs/data/h100/wave_staircase.csv): columns config, M, N, K, median_us and
optionally dtype, ctas, ctas_per_sm. Each row becomes a dnn.linear of that
M, N, K, predicted with the row's kernel config forced
(--dnn-assign-mapping=config=NAME split-k=1). CSV config names are mapped to
the names of dnn-opt's kernel table: a name in the table is used as is,
otherwise "_wmma" is dropped (hgemm_wmma_128x128x32_t256 ->
hgemm_128x128x32_t256), otherwise --map CSV=TABLE, otherwise the rows are
skipped (e.g. sgemm_128x128x8_t256_1cta, which is not in the table). hgemm
configs run with f16 operands, the others with f32, unless the CSV has a
dtype column.

Fitted, to minimise the mean absolute percentage error (MAPE) over all rows:
compute_efficiency and co_resident_cost per config, launch_us globally. The
model's GEMM time on a compute-bound launch is

    compute(eff, c) = (E0 / eff) * (A + c * D)

where A and D come from two dnn-opt runs with a candidate calibration
(eff = E0, c = 0 and c = 1), so the fit needs no copy of the C++ model.
For each launch_us on a grid and each c on a grid, the best 1/eff is a
weighted median (exact for the MAPE); both grids are then refined. The
result is checked by a third dnn-opt run with the written calibration file,
which gives the AFTER numbers; BEFORE is dnn-opt without a calibration file
(the built-in constants).

Prints MAPE and max APE per config and overall, before and after, writes
the calibration JSON (default data/calibration/h100-sxm.json) and prints a
markdown table for the docs. Typical run: under 2 seconds.

launch_us is not determined by the wave-staircase data (kernels of 30 to
1900 us; the free fit runs into its lower bound, 0, at a MAPE only 0.1 point
better than 2 us), so the committed H100 file was made with

    .venv/bin/python utils/calibrate.py --fixed-launch 2

(2 us: the built-in value, and within the 1-6 us by which the event-timed
medians exceed the traced kernel spans, docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import csv
import datetime
import pathlib
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from dnn_mlir import modelgen  # noqa: E402

E0 = 0.05  # compute_efficiency of the basis runs: keeps them compute bound


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", default=str(ROOT / "docs/data/h100/wave_staircase.csv"),
                   help="measured latencies (default: %(default)s)")
    p.add_argument("--gpu", "--target", dest="gpu", default="h100",
                   help="dnn-attach-target preset (default h100)")
    p.add_argument("--out", default=str(ROOT / "data/calibration/h100-sxm.json"),
                   help="calibration JSON to write (default: %(default)s)")
    p.add_argument("--no-write", action="store_true",
                   help="fit and report, but do not write --out")
    p.add_argument("--base", help="calibration JSON whose other constants "
                   "(memory_efficiency, ...) the fit keeps and writes out")
    p.add_argument("--map", action="append", default=[], metavar="CSV=TABLE",
                   help="map a CSV config name to a kernel-table name")
    p.add_argument("--launch-min", type=float, default=0.0,
                   help="smallest launch_us tried (default %(default)s)")
    p.add_argument("--launch-max", type=float, default=20.0,
                   help="largest launch_us tried (default %(default)s)")
    p.add_argument("--fixed-launch", type=float,
                   help="keep launch_us at this value instead of fitting it")
    p.add_argument("--residuals", help="write per-row predictions to this CSV")
    p.add_argument("--dnn-opt", help="dnn-opt binary (default: build/bin/dnn-opt)")
    p.add_argument("--quiet", action="store_true", help="only the tables")
    return p.parse_args(argv)


# --------------------------------------------------------------------------
# Measured rows
# --------------------------------------------------------------------------

def map_config(name, known, explicit):
    if name in explicit:
        return explicit[name]
    if name in known:
        return name
    alt = name.replace("_wmma", "")
    if alt in known:
        return alt
    return None


def read_rows(path, known, explicit):
    """(rows by table config, {skipped csv config: count})."""
    groups = collections.OrderedDict()
    skipped = collections.Counter()
    with open(path, newline="") as f:
        for i, r in enumerate(csv.DictReader(f)):
            table = map_config(r["config"], known, explicit)
            if table is None:
                skipped[r["config"]] += 1
                continue
            dtype = r.get("dtype") or ("f16" if table.startswith("hgemm") else "f32")
            row = dict(id=f"r{i}", csv_config=r["config"], config=table,
                       dtype=modelgen.mlir_dtype(dtype),
                       m=int(r["M"]), n=int(r["N"]), k=int(r["K"]),
                       us=float(r["median_us"]))
            for key in ("ctas", "ctas_per_sm"):
                if r.get(key):
                    row["csv_" + key] = int(r[key])
            if row["us"] <= 0:
                raise ValueError(f"{path}: row {i + 2}: median_us must be positive")
            groups.setdefault(table, []).append(row)
    return groups, skipped


# --------------------------------------------------------------------------
# dnn-opt runs
# --------------------------------------------------------------------------

def modules(groups):
    return {cfg: modelgen.module(
        modelgen.linear_func(r["id"], m=r["m"], n=r["n"], k=r["k"], dtype=r["dtype"])
        for r in rows) for cfg, rows in groups.items()}


def run_stage(mods, args, calibration=None):
    """Predictions of every row with `calibration`: {row id: report op}. One
    dnn-opt run per config (the config is forced per run), in parallel."""
    def one(cfg):
        return modelgen.predict(mods[cfg], gpu=args.gpu, config=cfg, split_k=1,
                                calibration=calibration, dnn_opt=args.dnn_opt)
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(mods)) as pool:
        reports = list(pool.map(one, list(mods)))
    ops = {}
    for report in reports:
        ops.update(modelgen.ops_by_name(report))
    return ops


def base_params(path):
    """Constants of --base other than the fitted ones."""
    if not path:
        return {}, {}
    import json
    data = json.loads(pathlib.Path(path).read_text())
    configs = {k: (v["compute_efficiency"], v["co_resident_cost"])
               for k, v in data.get("configs", {}).items()}
    params = {k: v for k, v in data.items()
              if isinstance(v, (int, float)) and k != "launch_us"}
    return params, configs


# --------------------------------------------------------------------------
# Fit
# --------------------------------------------------------------------------

def weighted_median(z, w):
    """Row-wise weighted median of z[..., n] with weights w[..., n]."""
    order = np.argsort(z, axis=-1)
    zs = np.take_along_axis(z, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    cum = np.cumsum(ws, axis=-1)
    idx = np.argmax(cum >= 0.5 * cum[..., -1:], axis=-1)
    return np.take_along_axis(zs, idx[..., None], axis=-1)[..., 0]


def best_for_launch(a, d, mem, y, launch, cs):
    """For one config and launch_us: over the c in `cs`, the (sum of APE, s,
    c) with s = E0 / eff optimal for each c."""
    x = a[None, :] + cs[:, None] * d[None, :]            # [C, n]
    z = (y[None, :] - launch) / x
    w = x / y[None, :]
    s = np.maximum(weighted_median(z, w), E0)           # eff <= 1
    pred = np.maximum(s[:, None] * x, mem[None, :]) + launch
    sape = (np.abs(pred - y[None, :]) / y[None, :]).sum(axis=1)
    i = int(np.argmin(sape))
    return sape[i], s[i], cs[i]


def fit_config(a, d, mem, y, launch):
    coarse = np.linspace(0.0, 1.0, 101)
    sape, s, c = best_for_launch(a, d, mem, y, launch, coarse)
    fine = np.clip(np.linspace(c - 0.01, c + 0.01, 81), 0.0, 1.0)
    sape2, s2, c2 = best_for_launch(a, d, mem, y, launch, fine)
    return (sape2, s2, c2) if sape2 <= sape else (sape, s, c)


def fit(data, launch_grid):
    """data: {config: (a, d, mem, y)}. Returns (launch, {config: (eff, c)},
    mean APE)."""
    n = sum(len(v[3]) for v in data.values())

    def total(launch):
        parts = {cfg: fit_config(*v, launch) for cfg, v in data.items()}
        return sum(p[0] for p in parts.values()) / n, parts

    best = None
    for launch in launch_grid:
        t, parts = total(launch)
        if best is None or t < best[0]:
            best = (t, launch, parts)
    if len(launch_grid) > 1:
        step = launch_grid[1] - launch_grid[0]
        lo, hi = max(launch_grid[0], best[1] - step), min(launch_grid[-1], best[1] + step)
        for launch in np.linspace(lo, hi, 41):
            t, parts = total(launch)
            if t < best[0]:
                best = (t, launch, parts)
    t, launch, parts = best
    return float(launch), {cfg: (E0 / p[1], float(p[2])) for cfg, p in parts.items()}, t


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

def errors(groups, ops):
    """{config: (MAPE, max APE)} and overall, in percent."""
    out, allape = {}, []
    for cfg, rows in groups.items():
        ape = [abs(ops[r["id"]]["latency_us"] - r["us"]) / r["us"] for r in rows]
        allape += ape
        out[cfg] = (100 * np.mean(ape), 100 * np.max(ape))
    out["overall"] = (100 * np.mean(allape), 100 * np.max(allape))
    return out


def check_geometry(groups, ops):
    """Warnings where dnn-opt's launch differs from the measured one."""
    msgs = []
    for cfg, rows in groups.items():
        bad = [r for r in rows
               if ("csv_ctas" in r and ops[r["id"]]["ctas"] != r["csv_ctas"])
               or ("csv_ctas_per_sm" in r
                   and ops[r["id"]]["ctas_per_sm"] != r["csv_ctas_per_sm"])]
        if bad:
            r = bad[0]
            op = ops[r["id"]]
            msgs.append(f"{cfg}: {len(bad)} rows where the model's launch differs "
                        f"from the measured one, e.g. M={r['m']} N={r['n']}: ctas "
                        f"{op['ctas']} vs {r.get('csv_ctas')}, ctas_per_sm "
                        f"{op['ctas_per_sm']} vs {r.get('csv_ctas_per_sm')}")
    return msgs


def markdown(groups, before, after, old_consts, new_consts, launch_before, launch_after):
    lines = [
        "| config | rows | compute_efficiency (built-in → fitted) | "
        "co_resident_cost (built-in → fitted) | MAPE before | max APE before | "
        "MAPE after | max APE after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cfg, rows in groups.items():
        e0, c0 = old_consts[cfg]
        e1, c1 = new_consts[cfg]
        lines.append(f"| {cfg} | {len(rows)} | {e0:.3f} → {e1:.3f} | {c0:.3f} → {c1:.3f} | "
                     f"{before[cfg][0]:.1f}% | {before[cfg][1]:.1f}% | "
                     f"{after[cfg][0]:.1f}% | {after[cfg][1]:.1f}% |")
    n = sum(len(r) for r in groups.values())
    lines.append(f"| **all** (launch_us {launch_before:g} → {launch_after:g}) | {n} | | | "
                 f"**{before['overall'][0]:.1f}%** | {before['overall'][1]:.1f}% | "
                 f"**{after['overall'][0]:.1f}%** | {after['overall'][1]:.1f}% |")
    return "\n".join(lines)


def builtin_constants(groups, ops_e0c0, ops_before, ops_c1):
    """Recover the built-in (eff, c) of each config from the BEFORE run and
    the basis runs (dnn-opt prints no kernel table constants)."""
    consts = {}
    for cfg, rows in groups.items():
        a = np.array([ops_e0c0[r["id"]]["compute_us"] for r in rows])
        d = np.array([ops_c1[r["id"]]["compute_us"] for r in rows]) - a
        b = np.array([ops_before[r["id"]]["compute_us"] for r in rows])
        # b = (E0/eff) (a + c d): least squares in (E0/eff, E0 c/eff).
        coef, *_ = np.linalg.lstsq(np.stack([a, d], axis=1), b, rcond=None)
        s, sc = coef
        consts[cfg] = (E0 / s, sc / s if s else float("nan"))
    return consts


def _relative(arg):
    """A command-line argument with the repository root stripped."""
    return arg.replace(str(ROOT) + "/", "")


def main(argv=None):
    args = parse_args(argv)
    start = time.monotonic()
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    known = modelgen.known_configs(args.dnn_opt)
    explicit = dict(m.split("=", 1) for m in args.map)
    for table in explicit.values():
        if table not in known:
            sys.exit(f"--map: '{table}' is not in dnn-opt's kernel table ({', '.join(known)})")
    groups, skipped = read_rows(args.csv, known, explicit)
    if not groups:
        sys.exit(f"{args.csv}: no rows of a known kernel config")
    for name, count in skipped.items():
        say(f"skipped {count} rows of '{name}': not in dnn-opt's kernel table")
    say(f"{sum(map(len, groups.values()))} rows in {len(groups)} configs: "
        + ", ".join(f"{c} ({len(r)})" for c, r in groups.items()))
    base, base_configs = base_params(args.base)
    mods = modules(groups)

    with tempfile.TemporaryDirectory(prefix="dnn-calibrate-") as tmp:
        tmp = pathlib.Path(tmp)
        # BEFORE: built-in constants (plus --base, if given).
        before_cal = None
        if args.base:
            before_cal = args.base
        ops_before = run_stage(mods, args, before_cal)
        for msg in check_geometry(groups, ops_before):
            say("warning: " + msg)
        # Basis: eff = E0 for every measured config, c = 0 and c = 1, no launch.
        def basis(cost, name):
            path = tmp / name
            modelgen.write_calibration(
                path, launch_us=0.0, **base,
                configs={cfg: (E0, cost) for cfg in groups})
            return run_stage(mods, args, path)
        ops0, ops1 = basis(0.0, "c0.json"), basis(1.0, "c1.json")
        data = {}
        for cfg, rows in groups.items():
            a = np.array([ops0[r["id"]]["compute_us"] for r in rows])
            d = np.array([ops1[r["id"]]["compute_us"] for r in rows]) - a
            mem = np.array([ops0[r["id"]]["memory_us"] for r in rows])
            y = np.array([r["us"] for r in rows])
            if np.any(a <= mem):
                say(f"warning: {cfg}: memory-bound rows in the basis run; the fit "
                    "assumes compute-bound launches")
            data[cfg] = (a, d, mem, y)
        launch_before = ops_before[next(iter(ops_before))]["launch_us"]
        old_consts = builtin_constants(groups, ops0, ops_before, ops1)
        span = args.launch_max - args.launch_min
        if span < 0:
            sys.exit("--launch-max must not be below --launch-min")
        grid = np.linspace(args.launch_min, args.launch_max,
                           max(2, int(round(span / 0.25)) + 1))
        free_launch, free_consts, free_mape = fit(data, grid)
        at_edge = free_launch <= grid[0] + 1e-9 or free_launch >= grid[-1] - 1e-9
        if args.fixed_launch is not None:
            launch, consts, fit_mape = fit(data, np.array([args.fixed_launch]))
            launch_note = (f"launch_us fixed at {args.fixed_launch:g} (--fixed-launch); "
                           f"fitting it too gives {free_launch:.3g} us at MAPE "
                           f"{100 * free_mape:.2f}% against {100 * fit_mape:.2f}%")
            say(launch_note)
        else:
            launch, consts, fit_mape = free_launch, free_consts, free_mape
            launch_note = f"launch_us fitted in [{grid[0]:g}, {grid[-1]:g}]"
            if at_edge:
                launch_note += " (at the edge: not determined by these data)"
                say(f"warning: launch_us = {launch:g} is at the edge of the range "
                    f"[{grid[0]:g}, {grid[-1]:g}]: these data do not determine it "
                    "(see --fixed-launch)")
        consts = {cfg: (round(min(max(e, 1e-4), 1.0), 4), round(min(max(c, 0.0), 1.0), 4))
                  for cfg, (e, c) in consts.items()}
        launch = round(launch, 3)

        # AFTER: dnn-opt with the calibration file as written.
        all_configs = dict(base_configs)
        all_configs.update(consts)
        out = pathlib.Path(args.out) if not args.no_write else tmp / "fitted.json"
        extra = {
            "description": (
                f"Fitted by utils/calibrate.py to {pathlib.Path(args.csv).name} "
                f"({sum(map(len, groups.values()))} rows, configs "
                f"{', '.join(groups)}) for target {args.gpu}; {launch_note}; "
                "keys not listed keep the built-in defaults."),
            "date": datetime.date.today().isoformat(),
            "command": " ".join(["utils/calibrate.py"] + [
                _relative(a) for a in (argv if argv is not None else sys.argv[1:])]),
        }
        cal_path = tmp / "candidate.json"
        modelgen.write_calibration(cal_path, launch_us=launch, **base,
                                   configs=all_configs, extra=extra)
        ops_after = run_stage(mods, args, cal_path)
        before, after = errors(groups, ops_before), errors(groups, ops_after)
        extra["fit"] = {cfg: {"rows": len(groups[cfg]),
                              "mape_before_pct": round(before[cfg][0], 2),
                              "mape_after_pct": round(after[cfg][0], 2),
                              "max_ape_after_pct": round(after[cfg][1], 2)}
                        for cfg in groups}
        extra["fit"]["overall"] = {"mape_before_pct": round(before["overall"][0], 2),
                                   "mape_after_pct": round(after["overall"][0], 2),
                                   "max_ape_after_pct": round(after["overall"][1], 2)}
        if not args.no_write:
            modelgen.write_calibration(out, launch_us=launch, **base,
                                       configs=all_configs, extra=extra)
        if abs(after["overall"][0] - 100 * fit_mape) > 0.5:
            say(f"warning: dnn-opt with the fitted file gives MAPE "
                f"{after['overall'][0]:.2f}%, the fit expected {100 * fit_mape:.2f}% "
                "(a launch the fit took as compute bound is not)")
        if args.residuals:
            with open(args.residuals, "w", newline="") as f:
                wr = csv.writer(f)
                wr.writerow(["config", "M", "N", "K", "ctas", "ctas_per_sm",
                             "measured_us", "before_us", "after_us", "ape_after_pct"])
                for cfg, rows in groups.items():
                    for r in rows:
                        b, a_ = ops_before[r["id"]], ops_after[r["id"]]
                        wr.writerow([cfg, r["m"], r["n"], r["k"], a_["ctas"],
                                     a_["ctas_per_sm"], r["us"], b["latency_us"],
                                     a_["latency_us"],
                                     round(100 * abs(a_["latency_us"] - r["us"]) / r["us"], 2)])

    elapsed = time.monotonic() - start
    w = max(len(c) for c in list(groups) + ["overall"])
    print(f"{'config':<{w}}  {'rows':>4}  {'eff before':>10} {'after':>7}  "
          f"{'c before':>8} {'after':>7}  {'MAPE before':>11} {'max':>7}  "
          f"{'MAPE after':>10} {'max':>7}")
    for cfg, rows in groups.items():
        print(f"{cfg:<{w}}  {len(rows):>4}  {old_consts[cfg][0]:>10.3f} {consts[cfg][0]:>7.3f}  "
              f"{old_consts[cfg][1]:>8.3f} {consts[cfg][1]:>7.3f}  "
              f"{before[cfg][0]:>10.1f}% {before[cfg][1]:>6.1f}%  "
              f"{after[cfg][0]:>9.1f}% {after[cfg][1]:>6.1f}%")
    n = sum(map(len, groups.values()))
    print(f"{'overall':<{w}}  {n:>4}  launch_us {launch_before:g} -> {launch:g}"
          f"{'':>10}{before['overall'][0]:>10.1f}% {before['overall'][1]:>6.1f}%  "
          f"{after['overall'][0]:>9.1f}% {after['overall'][1]:>6.1f}%")
    print()
    print(markdown(groups, before, after, old_consts, consts, launch_before, launch))
    print()
    if not args.no_write:
        print(f"wrote {out}")
    print(f"{len(groups) * 4} dnn-opt runs, {elapsed:.1f} s")
    return dict(launch_us=launch, configs=consts, before=before, after=after)


if __name__ == "__main__":
    main()
