#!/usr/bin/env python3
"""Benchmark: how long dnn-assign-mapping + dnn-predict take on a 50-layer
network (a ResNet-50-shaped stack of 50 convolutions, weights as function
arguments so the file stays small). Prints the median wall time of dnn-opt
over --repeat runs, and of a parse-only run for comparison.

    python3 utils/bench/predict_speed.py [--dnn-opt build/bin/dnn-opt] [--repeat 20]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

# (cin, cout, hw, kernel, stride) per stage of ResNet-50's 3x3/1x1 convs
STAGES = [(64, 64, 56, 3), (128, 128, 28, 3), (256, 256, 14, 3), (512, 512, 7, 3)]


def network(layers=50):
    args, body = [], []
    shapes = []
    cin, hw = 3, 224
    shapes.append((64, cin, 7, 2, 3))
    stage = 0
    while len(shapes) < layers:
        c, _, h, k = STAGES[min(stage, 3)]
        for _ in range(12):
            if len(shapes) >= layers:
                break
            shapes.append((c, None, k, 1, 1))
        stage += 1
    x = "%x"
    cur_c, cur_hw = 3, 224
    args.append(f"%x: tensor<1x3x224x224xf32>")
    for i, (cout, _, k, s, p) in enumerate(shapes):
        out_hw = (cur_hw + 2 * p - k) // s + 1
        args.append(f"%w{i}: tensor<{cout}x{cur_c}x{k}x{k}xf32>")
        t_in = f"tensor<1x{cur_c}x{cur_hw}x{cur_hw}xf32>"
        t_out = f"tensor<1x{cout}x{out_hw}x{out_hw}xf32>"
        body.append(f"  %c{i} = dnn.conv2d {x}, %w{i} {{strides = array<i64: {s}, {s}>, "
                    f"padding = array<i64: {p}, {p}, {p}, {p}>}} : ({t_in}, "
                    f"tensor<{cout}x{cur_c}x{k}x{k}xf32>) -> {t_out} loc(\"conv{i}\")")
        body.append(f"  %r{i} = dnn.activation relu %c{i} : {t_out}")
        x, cur_c, cur_hw = f"%r{i}", cout, out_hw
    ret = f"tensor<1x{cur_c}x{cur_hw}x{cur_hw}xf32>"
    return (f"func.func @main({', '.join(args)}) -> {ret} {{\n" + "\n".join(body)
            + f"\n  return {x} : {ret}\n}}\n")


def time_cmd(cmd, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dnn-opt", default=os.path.join(root, "build", "bin", "dnn-opt"))
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net50.mlir")
        with open(path, "w") as f:
            f.write(network())
        parse = time_cmd([args.dnn_opt, path, "--dnn-attach-target=gpu=h100"], args.repeat)
        full = time_cmd([args.dnn_opt, path, "--dnn-attach-target=gpu=h100",
                         "--dnn-assign-mapping", "--dnn-predict"], args.repeat)
        timing = subprocess.run([args.dnn_opt, path, "--dnn-attach-target=gpu=h100",
                                 "--dnn-assign-mapping", "--dnn-predict", "--mlir-timing",
                                 "-o", os.devnull], capture_output=True, text=True).stderr
    print(f"50 conv layers (+50 relu): dnn-opt parse+attach {parse:.1f} ms, "
          f"+assign-mapping+predict {full:.1f} ms (median of {args.repeat}); "
          f"the two passes alone: {full - parse:.1f} ms")
    for line in timing.splitlines():
        if any(w in line for w in ("AssignMapping", "Predict", "Total")):
            print("  " + line.strip())


if __name__ == "__main__":
    main()
