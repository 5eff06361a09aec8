#!/usr/bin/env python3
"""Plot the performance model's latency staircase of one conv layer over Cout.

Writes ONE module with one dnn.conv2d per Cout value (one function each, or
all in one function with --layout single), runs a single

    dnn-opt --dnn-attach-target=gpu=G --dnn-assign-mapping \
            --dnn-predict=report=R

on it and plots predicted latency against Cout (top), with the waves and
the chosen mapping (bottom). --measured overlays the measured median latency
of the matching rows of a conv CSV (docs/data/h100/conv.csv: columns case,
dtype, batch, cin, hw, kernel, stride, cout, median_us; rows that ran more
than one kernel, k_nkernels > 1, are drawn hollow).

Examples (repository root):
  .venv/bin/python utils/plot_staircase.py                   # res3x3 14x14 f32
  .venv/bin/python utils/plot_staircase.py --case res3x3_56_b32 \
      --measured docs/data/h100/conv.csv --out docs/images/staircase_res3x3_56_b32_f32.png
"""

from __future__ import annotations

import argparse
import csv
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from dnn_mlir import modelgen  # noqa: E402

# The conv cases of docs/data/h100/conv.csv (and the Cout range measured).
CASES = {
    "res3x3_14": dict(batch=1, cin=256, hw=14, kernel=3, stride=1, cout_max=1024),
    "res3x3_56_b32": dict(batch=32, cin=64, hw=56, kernel=3, stride=1, cout_max=256),
    "pw1x1_28_b8": dict(batch=8, cin=128, hw=28, kernel=1, stride=1, cout_max=512),
}
DEFAULTS = dict(batch=1, cin=256, hw=14, kernel=3, stride=1, cout_max=1024)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--case", choices=sorted(CASES),
                   help="preset layer shape (explicit options override it)")
    p.add_argument("--cin", type=int)
    p.add_argument("--hw", type=int, help="input height = width")
    p.add_argument("--batch", type=int)
    p.add_argument("--kernel", type=int, help="kernel height = width")
    p.add_argument("--stride", type=int)
    p.add_argument("--padding", type=int, help="default: kernel // 2")
    p.add_argument("--dtype", default="f32", help="f32, f16, bf16 (default f32)")
    p.add_argument("--gpu", "--target", dest="gpu", default="h100",
                   help="dnn-attach-target preset (default h100)")
    p.add_argument("--cout-min", type=int, default=1)
    p.add_argument("--cout-max", type=int)
    p.add_argument("--step", type=int, default=1, help="Cout step (default 1)")
    p.add_argument("--config", help="force this kernel config for every conv")
    p.add_argument("--split-k", type=int, help="force this split-K")
    p.add_argument("--calibration", help="calibration JSON for the model")
    p.add_argument("--layout", choices=["functions", "single"],
                   default="functions",
                   help="one function per conv, or all convs in one function")
    p.add_argument("--measured", help="CSV of measured latencies to overlay")
    p.add_argument("--out", help="PNG to write (default "
                   "docs/images/staircase_<case>_<dtype>.png)")
    p.add_argument("--keep", help="directory to keep model.mlir and report.json in")
    p.add_argument("--dnn-opt", help="dnn-opt binary (default: build/bin/dnn-opt)")
    p.add_argument("--title", help="plot title")
    args = p.parse_args(argv)
    base = dict(DEFAULTS, **CASES[args.case]) if args.case else dict(DEFAULTS)
    for key, value in base.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.dtype = modelgen.mlir_dtype(args.dtype)
    if args.cout_min < 1 or args.cout_max < args.cout_min or args.step < 1:
        p.error("need 1 <= --cout-min <= --cout-max and --step >= 1")
    return args


def case_name(args) -> str:
    if args.case:
        return args.case
    for name, shape in CASES.items():
        if all(getattr(args, k) == v for k, v in shape.items() if k != "cout_max"):
            return name
    name = f"k{args.kernel}_c{args.cin}_{args.hw}"
    if args.stride != 1:
        name += f"_s{args.stride}"
    if args.batch != 1:
        name += f"_b{args.batch}"
    return name


def couts(args) -> list[int]:
    return list(range(args.cout_min, args.cout_max + 1, args.step))


def build_module(args, values=None) -> str:
    """The sweep: one conv per Cout, named cout_<n> in the report."""
    values = values if values is not None else couts(args)
    layer = dict(batch=args.batch, cin=args.cin, hw=args.hw,
                 kernel=args.kernel, stride=args.stride, padding=args.padding,
                 dtype=args.dtype)
    if args.layout == "functions":
        return modelgen.module(
            modelgen.conv2d_func(f"cout_{c}", cout=c, **layer) for c in values)
    # One function: every conv reads the same input.
    return modelgen.module([single_function(values, layer)])


def single_function(values, layer) -> str:
    t = layer["dtype"]
    pad = layer["kernel"] // 2 if layer["padding"] is None else layer["padding"]
    out_hw = modelgen.conv_output_size(layer["hw"], layer["kernel"],
                                       layer["stride"], pad)
    b, cin, hw, k = layer["batch"], layer["cin"], layer["hw"], layer["kernel"]
    x = f"tensor<{b}x{cin}x{hw}x{hw}x{t}>"
    args, body, results, types = [f"%x: {x}"], [], [], []
    attrs = []
    if pad:
        attrs.append(f"padding = array<i64: {pad}, {pad}, {pad}, {pad}>")
    if layer["stride"] != 1:
        attrs.append(f"strides = array<i64: {layer['stride']}, {layer['stride']}>")
    attr_text = " {" + ", ".join(attrs) + "}" if attrs else ""
    for c in values:
        w = f"tensor<{c}x{cin}x{k}x{k}x{t}>"
        y = f"tensor<{b}x{c}x{out_hw}x{out_hw}x{t}>"
        args.append(f"%w{c}: {w}")
        body.append(f"  %y{c} = dnn.conv2d %x, %w{c}{attr_text} : ({x}, {w}) "
                    f"-> {y} loc(\"cout_{c}\")\n")
        results.append(f"%y{c}")
        types.append(y)
    return (f"func.func @sweep({', '.join(args)}) -> ({', '.join(types)}) {{\n"
            + "".join(body)
            + f"  return {', '.join(results)} : {', '.join(types)}\n}}\n")


def sweep(args, dnn_opt=None) -> list[dict]:
    """Runs the sweep in one dnn-opt call; the report ops in Cout order, each
    with an added "cout" key."""
    values = couts(args)
    report = modelgen.predict(build_module(args, values), gpu=args.gpu,
                              config=args.config, split_k=args.split_k,
                              calibration=args.calibration,
                              dnn_opt=dnn_opt or args.dnn_opt, keep=args.keep)
    ops = modelgen.ops_by_name(report)
    rows = []
    for c in values:
        op = dict(ops[f"cout_{c}"])
        op["cout"] = c
        rows.append(op)
    return rows, report


def measured_rows(path, args) -> list[dict]:
    """Rows of the measured CSV for this layer (matched on dtype, batch, cin,
    hw, kernel and stride), in the Cout range."""
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            try:
                if (modelgen.mlir_dtype(r["dtype"]) != args.dtype
                        or int(r["batch"]) != args.batch
                        or int(r["cin"]) != args.cin
                        or int(r["hw"]) != args.hw
                        or int(r["kernel"]) != args.kernel
                        or int(r.get("stride") or 1) != args.stride):
                    continue
                cout = int(r["cout"])
                if not args.cout_min <= cout <= args.cout_max:
                    continue
                rows.append(dict(cout=cout, us=float(r["median_us"]),
                                 kernels=int(r.get("k_nkernels") or 1),
                                 waves=float(r["k_waves"]) if r.get("k_waves") else None,
                                 case=r.get("case", "")))
            except (KeyError, ValueError):
                continue
    return sorted(rows, key=lambda r: r["cout"])


def mapping_label(op) -> str:
    tm, tn, tk = op["tile"]
    label = f"{tm}x{tn}x{tk}"
    if op["split_k"] > 1:
        label += f" split-K {op['split_k']}"
    return label


def plot(rows, report, args, measured, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["cout"] for r in rows]
    lat = [r["latency_us"] for r in rows]
    fig, (ax, axw) = plt.subplots(2, 1, figsize=(10, 7), sharex=True,
                                  gridspec_kw=dict(height_ratios=[3, 2]))
    ax.step(x, lat, where="mid", color="0.55", lw=0.9, zorder=1,
            label="predicted latency")
    # Colour the prediction by the mapping dnn-assign-mapping chose.
    labels = []
    for r in rows:
        if mapping_label(r) not in labels:
            labels.append(mapping_label(r))
    cmap = plt.get_cmap("tab10")
    for i, label in enumerate(labels):
        pts = [(r["cout"], r["latency_us"]) for r in rows if mapping_label(r) == label]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=6,
                   color=cmap(i % 10), zorder=2, label=f"model: {label}")
    if measured:
        single = [m for m in measured if m["kernels"] == 1]
        multi = [m for m in measured if m["kernels"] > 1]
        ax.plot([m["cout"] for m in single], [m["us"] for m in single], "o",
                ms=4, color="black", zorder=3,
                label=f"measured ({pathlib.Path(args.measured).name})")
        if multi:
            ax.plot([m["cout"] for m in multi], [m["us"] for m in multi], "o",
                    ms=4, mfc="none", color="black", zorder=3,
                    label="measured, >1 kernel (FFT / split-K)")
    ax.set_ylabel("latency (µs)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right", markerscale=2)
    target = report["target"]
    pad = args.kernel // 2 if args.padding is None else args.padding
    title = args.title or (
        f"dnn-predict staircase: conv {args.kernel}x{args.kernel}/s{args.stride} "
        f"pad {pad}, Cin={args.cin}, {args.hw}x{args.hw}, batch {args.batch}, "
        f"{args.dtype} on {target['name']} ({target['sms']} SMs)"
        + (f"\ncalibration: {pathlib.Path(args.calibration).name}"
           if args.calibration else ", built-in constants"))
    ax.set_title(title, fontsize=10)

    waves = [r["waves"] for r in rows]
    axw.step(x, waves, where="mid", color="tab:blue", lw=1.2,
             label="predicted waves = ctas / (SMs x ctas_per_sm)")
    sms = report["target"]["sms"]
    load = [-(-r["ctas"] // sms) for r in rows]
    axw.step(x, load, where="mid", color="tab:orange", lw=1.0,
             label="predicted CTAs on the busiest SM = ceil(ctas / SMs)")
    # Waves of the measured kernel, where the call was a single kernel.
    pts = [m for m in measured if m["waves"] is not None and m["kernels"] == 1]
    if pts:
        axw.plot([m["cout"] for m in pts], [m["waves"] for m in pts], "x",
                 ms=4, color="black", label="measured kernel's waves (k_waves)")
    top = max(waves + load + [m["waves"] for m in pts] + [1.0])
    for w in range(1, int(top) + 1 if top <= 10 else 0):
        axw.axhline(w, color="0.6", lw=0.6, ls="--", zorder=0)
    axw.set_ylabel("waves, CTAs per SM")
    axw.set_ylim(0, top * 1.08)
    axw.grid(alpha=0.3, axis="x")
    axw.legend(fontsize=8, loc="upper left")
    axw.set_xlabel("Cout (GEMM N)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    out = pathlib.Path(args.out) if args.out else (
        ROOT / "docs" / "images" / f"staircase_{case_name(args)}_{args.dtype}.png")
    start = time.monotonic()
    rows, report = sweep(args)
    elapsed = time.monotonic() - start
    measured = measured_rows(args.measured, args) if args.measured else []
    if args.measured and not measured:
        print(f"warning: no rows of {args.measured} match this layer",
              file=sys.stderr)
    plot(rows, report, args, measured, out)
    lat = [r["latency_us"] for r in rows]
    steps = sum(1 for a, b in zip(lat, lat[1:]) if b > a * 1.02)
    print(f"{len(rows)} convs (Cout {args.cout_min}..{args.cout_max} step "
          f"{args.step}) in one dnn-opt run ({elapsed:.2f} s); latency "
          f"{min(lat):.2f}..{max(lat):.2f} us, {steps} steps > 2%")
    if measured:
        by_cout = {r["cout"]: r for r in rows}
        ape = [abs(by_cout[m["cout"]]["latency_us"] - m["us"]) / m["us"]
               for m in measured if m["cout"] in by_cout]
        if ape:
            print(f"vs measured ({len(ape)} points): MAPE "
                  f"{100 * sum(ape) / len(ape):.1f}%, max APE "
                  f"{100 * max(ape):.1f}%")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
