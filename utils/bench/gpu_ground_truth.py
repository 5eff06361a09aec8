#!/usr/bin/env python3
"""Ground-truth GPU latencies for the dnn-mlir performance model.

Measures, with the vendor libraries (cuDNN / cuBLAS through PyTorch), the
per-layer latency of convolutions, GEMMs and RNNs across channel counts so the
wave staircase of the tail effect can be seen on a real GPU, and records the
launch geometry (grid, block, registers, shared memory) of the kernel the
library picked, read from the PyTorch profiler trace.

Every timed region is a CUDA graph of `--graph-reps` calls replayed
`--replays` times; the median per-call time is reported, so launch overheads
of the Python front end do not enter the numbers.

Usage (on a machine with a CUDA GPU and PyTorch):
    python3 utils/bench/gpu_ground_truth.py --out DIR [--quick]
Writes DIR/{device.json,conv.csv,gemm.csv,rnn.csv}.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch


def median_ms(fn, graph_reps, replays):
    """Median time of one call of fn (ms), timed over CUDA-graph replays."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):  # warm-up: autotuning, handle creation
            fn()
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    try:
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            for _ in range(graph_reps):
                fn()
        run = g.replay
    except Exception:  # noqa: BLE001 - some library calls refuse capture
        torch.cuda.synchronize()

        def run():
            for _ in range(graph_reps):
                fn()
    run()
    torch.cuda.synchronize()
    times = []
    for _ in range(replays):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        run()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) / graph_reps)
    return statistics.median(times), min(times)


def kernel_geometry(fn):
    """Launch geometry of the GPU kernels one call of fn runs (from the trace)."""
    from torch.profiler import profile, ProfilerActivity
    fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    prof.export_chrome_trace(path)
    with open(path) as f:
        trace = json.load(f)
    os.unlink(path)
    kernels = []
    for ev in trace.get("traceEvents", []):
        if ev.get("cat") != "kernel":
            continue
        a = ev.get("args", {})
        kernels.append({
            "name": ev.get("name", "")[:160],
            "us": ev.get("dur"),
            "grid": a.get("grid"),
            "block": a.get("block"),
            "regs": a.get("registers per thread"),
            "smem": (a.get("shared memory") or 0),
            "blocks_per_sm": a.get("blocks per SM"),
            "occupancy": a.get("est. achieved occupancy %"),
        })
    return kernels


def active_blocks_per_sm(regs, smem, threads):
    """Resident CTAs per SM from registers, shared memory and threads (occupancy
    calculator rules for sm_90). The trace's "blocks per SM" is NOT this: kineto
    writes ctas / SMs there."""
    p = torch.cuda.get_device_properties(0)
    regs_sm = getattr(p, "regs_per_multiprocessor", 65536)
    smem_sm = getattr(p, "shared_memory_per_multiprocessor", 233472)
    thr_sm = getattr(p, "max_threads_per_multi_processor", 2048)
    if not threads:
        return None
    warps = -(-threads // 32)
    lim = [32, thr_sm // (warps * 32)]
    if regs:
        per_warp = -(-regs * 32 // 256) * 256
        lim.append((regs_sm // per_warp) // warps)
    lim.append(smem_sm // (-(-(smem or 0) // 128) * 128 + 1024))  # 1 KiB reserved per CTA
    return max(0, min(lim))


def main_kernel(kernels):
    """The longest kernel of a call: the one whose waves matter."""
    if not kernels:
        return {}
    k = max(kernels, key=lambda k: k["us"] or 0)
    grid = k["grid"] or [0, 0, 0]
    block = k["block"] or [0, 0, 0]
    k = dict(k)
    k["ctas"] = grid[0] * grid[1] * grid[2]
    k["nkernels"] = len(kernels)
    act = active_blocks_per_sm(k["regs"], k["smem"], block[0] * block[1] * block[2])
    k["active_per_sm"] = act
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    k["waves"] = round(k["ctas"] / (sms * act), 3) if act else None
    return k


def device_info():
    p = torch.cuda.get_device_properties(0)
    info = {
        "name": p.name,
        "sms": p.multi_processor_count,
        "l2_bytes": getattr(p, "L2_cache_size", None),
        "mem_bytes": p.total_memory,
        "cc": f"{p.major}.{p.minor}",
        "torch": torch.__version__,
        "cudnn": torch.backends.cudnn.version(),
        "cuda": torch.version.cuda,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    try:
        info["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem,power.limit",
             "--format=csv,noheader"], capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception as e:  # noqa: BLE001 - informational only
        info["nvidia_smi"] = str(e)
    return info


def calibrate(info, args):
    n = 1 << 28  # 1 GiB of f32
    a = torch.empty(n, device="cuda")
    b = torch.empty(n, device="cuda")
    a.uniform_()
    ms, _ = median_ms(lambda: b.copy_(a), 2, 10)
    info["d2d_copy_GBps"] = 2 * n * 4 / ms / 1e6
    del a, b
    for dt, name in ((torch.float32, "fp32_strict"), (torch.float16, "fp16")):
        torch.backends.cuda.matmul.allow_tf32 = False
        x = torch.randn(8192, 8192, device="cuda", dtype=dt)
        y = torch.randn(8192, 8192, device="cuda", dtype=dt)
        ms, _ = median_ms(lambda: torch.mm(x, y), 2, 5)
        info[f"mm8192_{name}_TFLOPs"] = 2 * 8192 ** 3 / ms / 1e9
    # Launch overhead floor: an empty-ish kernel inside a graph.
    z = torch.empty(1, device="cuda")
    ms, _ = median_ms(lambda: z.add_(1.0), 100, 10)
    info["tiny_kernel_us"] = ms * 1e3


def sweep_conv(writer, args):
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = False
    # (label, batch, cin, hw, kernel, stride, couts, dtypes)
    step = 32 if args.quick else 8
    cases = [
        ("res3x3_14", 1, 256, 14, 3, 1, range(step, 1024 + 1, step)),
        ("res3x3_56_b32", 32, 64, 56, 3, 1, range(step, 256 + 1, step)),
        ("pw1x1_28_b8", 8, 128, 28, 1, 1, range(step, 512 + 1, step)),
    ]
    for label, n, cin, hw, k, stride, couts in cases:
        for dtype in (torch.float16, torch.float32):
            x = torch.randn(n, cin, hw, hw, device="cuda", dtype=dtype)
            if dtype == torch.float16:
                x = x.to(memory_format=torch.channels_last)
            for cout in couts:
                conv = torch.nn.Conv2d(cin, cout, k, stride, k // 2, bias=False).cuda().to(dtype)
                if dtype == torch.float16:
                    conv = conv.to(memory_format=torch.channels_last)
                with torch.no_grad():
                    fn = lambda: conv(x)  # noqa: E731
                    med, mn = median_ms(fn, args.graph_reps, args.replays)
                    kern = main_kernel(kernel_geometry(fn))
                p = (hw + 2 * (k // 2) - k) // stride + 1
                flops = 2 * n * p * p * cout * cin * k * k
                writer.writerow({
                    "case": label, "dtype": str(dtype).split(".")[1], "batch": n, "cin": cin,
                    "hw": hw, "kernel": k, "stride": stride, "cout": cout,
                    "gemm_m": n * p * p, "gemm_n": cout, "gemm_k": cin * k * k,
                    "median_us": round(med * 1e3, 3), "min_us": round(mn * 1e3, 3),
                    "tflops": round(flops / med / 1e9, 3),
                    **{f"k_{key}": json.dumps(val) if isinstance(val, list) else val
                       for key, val in kern.items()},
                })
            print(f"conv {label} {dtype} done", flush=True)


def sweep_gemm(writer, args):
    torch.backends.cuda.matmul.allow_tf32 = False
    step = 256 if args.quick else 64
    cases = [
        ("tok4096_k1024", 4096, 1024, range(step, 4096 + 1, step)),
        ("tok256_k4096", 256, 4096, range(step, 8192 + 1, step * 2)),
        ("gemv_16384x8192", 1, 8192, [16384]),
        ("gemv_7680x2560", 1, 2560, [7680]),
        ("gemv_10752x3584", 1, 3584, [10752]),
    ]
    for label, m, k, ns in cases:
        for dtype in (torch.float16, torch.float32):
            x = torch.randn(m, k, device="cuda", dtype=dtype)
            for n in ns:
                w = torch.randn(n, k, device="cuda", dtype=dtype)
                fn = lambda: torch.nn.functional.linear(x, w)  # noqa: E731
                med, mn = median_ms(fn, args.graph_reps, args.replays)
                kern = main_kernel(kernel_geometry(fn))
                writer.writerow({
                    "case": label, "dtype": str(dtype).split(".")[1], "m": m, "n": n, "k": k,
                    "median_us": round(med * 1e3, 3), "min_us": round(mn * 1e3, 3),
                    "tflops": round(2 * m * n * k / med / 1e9, 3),
                    "GBps": round((m * k + n * k + m * n) * x.element_size() / med / 1e6, 1),
                    **{f"k_{key}": json.dumps(val) if isinstance(val, list) else val
                       for key, val in kern.items()},
                })
            print(f"gemm {label} {dtype} done", flush=True)


def sweep_rnn(writer, args):
    torch.backends.cudnn.benchmark = False
    lstm = [(512, 25), (1024, 25), (2048, 25), (1536, 50), (256, 150)]
    gru = [(2816, 1500), (2048, 750), (1536, 375), (2560, 187), (512, 1), (1024, 1500)]
    batches = [1, 4] if args.quick else [1, 2, 4]
    for kind, shapes in (("lstm", lstm), ("gru", gru)):
        for hidden, steps in shapes:
            for dtype in (torch.float16, torch.float32):
                cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
                rnn = cls(hidden, hidden).cuda().to(dtype)
                for b in batches:
                    x = torch.randn(steps, b, hidden, device="cuda", dtype=dtype)
                    with torch.no_grad():
                        fn = lambda: rnn(x)  # noqa: E731
                        reps = max(1, min(args.graph_reps, 2000 // steps))
                        med, mn = median_ms(fn, reps, max(3, args.replays // 2))
                    gates = 4 if kind == "lstm" else 3
                    flops = 2 * steps * b * gates * hidden * 2 * hidden
                    writer.writerow({
                        "kind": kind, "dtype": str(dtype).split(".")[1], "hidden": hidden,
                        "batch": b, "steps": steps, "median_us": round(med * 1e3, 3),
                        "min_us": round(mn * 1e3, 3), "us_per_step": round(med * 1e3 / steps, 3),
                        "tflops": round(flops / med / 1e9, 4),
                    })
                print(f"{kind} h={hidden} t={steps} {dtype} done", flush=True)


def sweep_zoo(writer, args):
    """Every distinct conv/linear layer of four torchvision CNNs, timed alone,
    plus each whole network: the per-layer ground truth the performance model
    is checked against (and the sum-of-layers vs end-to-end gap)."""
    import torchvision.models as tvm
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    models = {"resnet18": tvm.resnet18, "resnet50": tvm.resnet50,
              "mobilenet_v2": tvm.mobilenet_v2, "vgg16": tvm.vgg16}
    batches = [1] if args.quick else [1, 32]
    for model_name, ctor in models.items():
        for dtype in (torch.float16, torch.float32):
            net = ctor().cuda().to(dtype).eval()
            for batch in batches:
                x = torch.randn(batch, 3, 224, 224, device="cuda", dtype=dtype)
                seen = {}
                hooks = []
                for name, mod in net.named_modules():
                    if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
                        def hook(m, inp, out, name=name):
                            key = (repr(m), tuple(inp[0].shape))
                            seen.setdefault(key, (name, m, tuple(inp[0].shape), tuple(out.shape)))
                        hooks.append(mod.register_forward_hook(hook))
                with torch.no_grad():
                    net(x)
                for h in hooks:
                    h.remove()
                for (name, mod, ishape, oshape) in seen.values():
                    inp = torch.randn(ishape, device="cuda", dtype=dtype)
                    with torch.no_grad():
                        fn = lambda: mod(inp)  # noqa: E731
                        med, mn = median_ms(fn, args.graph_reps, args.replays)
                        kern = main_kernel(kernel_geometry(fn))
                    if isinstance(mod, torch.nn.Conv2d):
                        g = mod.groups
                        kh, kw = mod.kernel_size
                        gm = oshape[0] * oshape[2] * oshape[3]
                        gn, gk = mod.out_channels // g, mod.in_channels // g * kh * kw
                        flops = 2 * gm * gn * gk * g
                        geo = dict(kind="conv", cin=mod.in_channels, cout=mod.out_channels,
                                   hw=ishape[2], kernel=kh, stride=mod.stride[0],
                                   padding=mod.padding[0], groups=g)
                    else:
                        gm, gn, gk = ishape[0], mod.out_features, mod.in_features
                        flops = 2 * gm * gn * gk
                        geo = dict(kind="linear", cin=gk, cout=gn, hw=1, kernel=1, stride=1,
                                   padding=0, groups=1)
                    writer.writerow({
                        "model": model_name, "layer": name, "dtype": str(dtype).split(".")[1],
                        "batch": batch, **geo, "gemm_m": gm, "gemm_n": gn, "gemm_k": gk,
                        "median_us": round(med * 1e3, 3), "min_us": round(mn * 1e3, 3),
                        "tflops": round(flops / med / 1e9, 3),
                        **{f"k_{key}": json.dumps(val) if isinstance(val, list) else val
                           for key, val in kern.items()},
                    })
                with torch.no_grad():
                    med, mn = median_ms(lambda: net(x), 3, args.replays)
                writer.writerow({"model": model_name, "layer": "<whole network>",
                                 "dtype": str(dtype).split(".")[1], "batch": batch,
                                 "kind": "network", "median_us": round(med * 1e3, 3),
                                 "min_us": round(mn * 1e3, 3)})
                print(f"zoo {model_name} {dtype} b={batch}: {len(seen)} layers", flush=True)


ZOO_FIELDS = ["model", "layer", "dtype", "batch", "kind", "cin", "cout", "hw", "kernel", "stride",
              "padding", "groups", "gemm_m", "gemm_n", "gemm_k", "median_us", "min_us", "tflops",
              "k_name", "k_us", "k_grid", "k_block", "k_regs", "k_smem", "k_ctas", "k_nkernels",
              "k_active_per_sm", "k_waves"]
CONV_FIELDS = ["case", "dtype", "batch", "cin", "hw", "kernel", "stride", "cout", "gemm_m",
               "gemm_n", "gemm_k", "median_us", "min_us", "tflops", "k_name", "k_us", "k_grid",
               "k_block", "k_regs", "k_smem", "k_blocks_per_sm", "k_occupancy", "k_ctas",
               "k_nkernels", "k_active_per_sm", "k_waves"]
GEMM_FIELDS = ["case", "dtype", "m", "n", "k", "median_us", "min_us", "tflops", "GBps",
               "k_name", "k_us", "k_grid", "k_block", "k_regs", "k_smem", "k_blocks_per_sm",
               "k_occupancy", "k_ctas", "k_nkernels", "k_active_per_sm", "k_waves"]
RNN_FIELDS = ["kind", "dtype", "hidden", "batch", "steps", "median_us", "min_us",
              "us_per_step", "tflops"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true", help="coarse sweeps (smoke test)")
    ap.add_argument("--graph-reps", type=int, default=20)
    ap.add_argument("--replays", type=int, default=15)
    ap.add_argument("--only", default="conv,gemm,rnn",
                    help="comma-separated sweeps: conv, gemm, rnn, zoo")
    ap.add_argument("--skip-calibration", action="store_true")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_ground_truth: no CUDA device")
    os.makedirs(args.out, exist_ok=True)
    info = device_info()
    if not args.skip_calibration:
        calibrate(info, args)
        with open(os.path.join(args.out, "device.json"), "w") as f:
            json.dump(info, f, indent=1)
    print(json.dumps(info, indent=1), flush=True)
    todo = args.only.split(",")
    for name, fields, fn in (("gemm", GEMM_FIELDS, sweep_gemm), ("conv", CONV_FIELDS, sweep_conv),
                             ("rnn", RNN_FIELDS, sweep_rnn), ("zoo", ZOO_FIELDS, sweep_zoo)):
        if name not in todo:
            continue
        t0 = time.time()
        with open(os.path.join(args.out, f"{name}.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
            w.writeheader()

            class Flushing:  # keep partial results if the run is cut off
                def writerow(self, row):
                    w.writerow(row)
                    f.flush()
            fn(Flushing(), args)
        print(f"{name}: {time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
