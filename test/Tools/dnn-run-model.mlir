// dnn-run on a small dnn model: inputs from .npy files, the output written
// to an .npy file, repeated runs, seeded random inputs.
//
// x = [[-2, -1, 0, 1], [2, 3, 4, 5]], b = 1, w = 0.5, c = [0, 1, 2]:
// relu(x + b) = [[0, 0, 1, 2], [3, 4, 5, 6]], times w^T: rows 1.5 and 9,
// plus c: [[1.5, 2.5, 3.5], [9, 10, 11]], sum 37.5.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/x.npy --shape 2,4 --offset -2
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/b.npy --shape 4 --values ones
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/w.npy --shape 3,4 --values ones --scale 0.5
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/c.npy --shape 3
// RUN: dnn-run %s --input=%t/x.npy,%t/b.npy --input=%t/w.npy --input %t/c.npy --output-dir=%t/out/nested | FileCheck %s
// CHECK: compile time: {{[0-9.]+}} ms (cpu)
// CHECK-NEXT: time: median {{[0-9.e+-]+}} ms over 1 run (min {{[0-9.e+-]+}} ms)
// CHECK-NEXT: out0: tensor<2x3xf32> sum=3.750000e+01 abs_sum=3.750000e+01
// CHECK-NOT: out1
// RUN: %python %S/Inputs/dnn-run/npy.py show %t/out/nested/out0.npy | FileCheck %s --check-prefix=FILE
// FILE: dtype <f4 shape (2, 3) fortran_order False
// FILE-NEXT: 1.5
// FILE-NEXT: 2.5
// FILE-NEXT: 3.5
// FILE-NEXT: 9.0
// FILE-NEXT: 10.0
// FILE-NEXT: 11.0

// The output compares equal to itself.
// RUN: dnn-run %s --input=%t/x.npy,%t/b.npy,%t/w.npy,%t/c.npy --compare=%t/out/nested/out0.npy | FileCheck %s --check-prefix=SELF
// SELF: out0: match (max abs err 0.000e+00, max rel err 0.000e+00)

// Repeated runs: one warm-up, then N timed ones.
// RUN: dnn-run %s --repeat=5 | FileCheck %s --check-prefix=REPEAT
// REPEAT: time: median {{[0-9.e+-]+}} ms over 5 runs (min {{[0-9.e+-]+}} ms)

// Random inputs: the same for the same seed (0 by default), different for
// another seed.
// RUN: dnn-run %s --output-dir=%t/seed0 | FileCheck %s --check-prefix=SEED0
// RUN: dnn-run %s --seed=0 --output-dir=%t/seed0-again | FileCheck %s --check-prefix=SEED0
// RUN: cmp %t/seed0/out0.npy %t/seed0-again/out0.npy
// RUN: dnn-run %s --seed=1 --output-dir=%t/seed1 | FileCheck %s --check-prefix=SEED1
// RUN: not cmp -s %t/seed0/out0.npy %t/seed1/out0.npy
// SEED0: out0: tensor<2x3xf32> sum=-2.959956e+00 abs_sum=3.025776e+00
// SEED1: out0: tensor<2x3xf32> sum=
// SEED1-NOT: sum=-2.959956e+00 abs_sum=3.025776e+00

func.func @main(%x: tensor<2x4xf32>, %b: tensor<4xf32>, %w: tensor<3x4xf32>,
                %c: tensor<3xf32>) -> tensor<2x3xf32> {
  %s = dnn.add %x, %b : tensor<2x4xf32>, tensor<4xf32>
  %r = dnn.activation relu %s : tensor<2x4xf32>
  %y = dnn.linear %r, %w, %c
      : (tensor<2x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
