// Element types, ranks, several outputs, memref signatures, linalg on
// tensors: what dnn-run passes in and out, one entry function at a time.
// RUN: rm -rf %t && mkdir -p %t

// f16 in and out as float16 .npy.
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/h.npy --shape 2,2 --dtype '<f2' --values=-1,0.5,1.5,1e-7
// RUN: dnn-run %s --entry=add_f16 --input=%t/h.npy,%t/h.npy --output-dir=%t/f16 | FileCheck %s --check-prefix=F16
// F16: out0: tensor<2x2xf16> sum=2.000000e+00 abs_sum=6.000000e+00
// RUN: %python %S/Inputs/dnn-run/npy.py show %t/f16/out0.npy | FileCheck %s --check-prefix=F16FILE
// F16FILE: dtype <f2 shape (2, 2)
// F16FILE-NEXT: -2.0
// F16FILE-NEXT: 1.0
// F16FILE-NEXT: 3.0
// F16FILE-NEXT: 2.384185791015625e-07
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/f32.npy --shape 2,2
// RUN: not dnn-run %s --entry=add_f16 --input=%t/h.npy,%t/f32.npy 2>&1 | FileCheck %s --check-prefix=F16TYPE
// F16TYPE: dnn-run: input 1 ({{.*}}f32.npy): expected tensor<2x2xf16>, got float32 array of shape (2, 2)

// bf16 travels as float32 and is rounded to nearest even on the way in:
// 1 + 2^-8 (a tie) rounds down to 1, 1 + 3 * 2^-8 (a tie) up to 1 + 2^-6.
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/bf.npy --shape 3 --values 1.00390625,1.01171875,-2.5
// RUN: dnn-run %s --entry=relu_bf16 --input=%t/bf.npy --output-dir=%t/bf16 | FileCheck %s --check-prefix=BF16
// BF16: out0: tensor<3xbf16> sum=2.015625e+00 abs_sum=2.015625e+00
// RUN: %python %S/Inputs/dnn-run/npy.py show %t/bf16/out0.npy | FileCheck %s --check-prefix=BF16FILE
// BF16FILE: dtype <f4 shape (3,)
// BF16FILE-NEXT: 1.0
// BF16FILE-NEXT: 1.015625
// BF16FILE-NEXT: 0.0
// RUN: not dnn-run %s --entry=relu_bf16 --input=%t/h.npy 2>&1 | FileCheck %s --check-prefix=BF16TYPE
// BF16TYPE: dnn-run: input 0 ({{.*}}h.npy): expected tensor<3xbf16> (as a float32 array), got float16 array of shape (2, 2)

// f64, rank 0 and rank 1; random inputs are exact in the element type and
// in [-1, 1).
// RUN: dnn-run %s --entry=identity_f64 --output-dir=%t/f64 | FileCheck %s --check-prefix=F64
// F64: out0: tensor<f64> sum=
// F64: out1: tensor<5xf64> sum=
// RUN: %python %S/Inputs/dnn-run/npy.py show %t/f64/out1.npy | FileCheck %s --check-prefix=F64FILE
// F64FILE: dtype <f8 shape (5,)
// F64FILE-COUNT-5: {{^-?0\.[0-9]+(e-[0-9]+)?$}}

// Several outputs, one of them a strided slice of an input (memrefCopy at
// run time) and the same value returned twice; references for the first
// outputs only.
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/m.npy --shape 4,4 --offset -7.5
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/slice.npy --shape 2,2 --values=-2.5,-1.5,1.5,2.5
// RUN: dnn-run %s --entry=multi --input=%t/m.npy --output-dir=%t/multi --compare=%t/slice.npy,%t/m.npy | FileCheck %s --check-prefix=MULTI
// MULTI: out0: tensor<2x2xf32> sum=0.000000e+00 abs_sum=8.000000e+00
// MULTI-NEXT: out1: tensor<4x4xf32> sum=0.000000e+00 abs_sum=6.400000e+01
// MULTI-NEXT: out2: tensor<4x4xf32> sum=3.200000e+01 abs_sum=3.200000e+01
// MULTI-NEXT: out3: tensor<4x4xf32> sum=3.200000e+01 abs_sum=3.200000e+01
// MULTI-NEXT: out0: match
// MULTI-NEXT: out1: match
// MULTI-NOT: out2: match
// RUN: cmp %t/multi/out2.npy %t/multi/out3.npy

// No inputs; no outputs.
// RUN: dnn-run %s --entry=constant | FileCheck %s --check-prefix=CONST
// CONST: out0: tensor<2xf32> sum=5.000000e+00 abs_sum=5.000000e+00
// RUN: dnn-run %s --entry=nothing | FileCheck %s --check-prefix=NOTHING
// NOTHING: time:
// NOTHING-NOT: out0

// Memref signatures pass through unchanged.
// RUN: dnn-run %s --entry=memrefs --input=%t/f32.npy | FileCheck %s --check-prefix=MEMREF
// MEMREF: out0: memref<2x2xf32> sum=1.200000e+01 abs_sum=1.200000e+01

// Linalg on tensors, no dnn ops.
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/l.npy --shape 2,3
// RUN: %python %S/Inputs/dnn-run/npy.py make %t/r.npy --shape 3,2 --values ones
// RUN: dnn-run %s --entry=linalg_matmul --input=%t/l.npy,%t/r.npy --output-dir=%t/mm | FileCheck %s --check-prefix=MATMUL
// MATMUL: out0: tensor<2x2xf32> sum=3.000000e+01 abs_sum=3.000000e+01
// RUN: %python %S/Inputs/dnn-run/npy.py show %t/mm/out0.npy | FileCheck %s --check-prefix=MATMULFILE
// MATMULFILE: 3.0
// MATMULFILE-NEXT: 3.0
// MATMULFILE-NEXT: 12.0
// MATMULFILE-NEXT: 12.0

func.func @add_f16(%a: tensor<2x2xf16>, %b: tensor<2x2xf16>) -> tensor<2x2xf16> {
  %s = dnn.add %a, %b : tensor<2x2xf16>, tensor<2x2xf16>
  return %s : tensor<2x2xf16>
}

func.func @relu_bf16(%a: tensor<3xbf16>) -> tensor<3xbf16> {
  %r = dnn.activation relu %a : tensor<3xbf16>
  return %r : tensor<3xbf16>
}

func.func @identity_f64(%a: tensor<f64>, %b: tensor<5xf64>) -> (tensor<f64>, tensor<5xf64>) {
  return %a, %b : tensor<f64>, tensor<5xf64>
}

func.func @multi(%a: tensor<4x4xf32>)
    -> (tensor<2x2xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %s = tensor.extract_slice %a[1, 1] [2, 2] [1, 1] : tensor<4x4xf32> to tensor<2x2xf32>
  %r = dnn.activation relu %a : tensor<4x4xf32>
  return %s, %a, %r, %r : tensor<2x2xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

func.func @constant() -> tensor<2xf32> {
  %c = dnn.constant dense<[1.5, 3.5]> : tensor<2xf32>
  return %c : tensor<2xf32>
}

func.func @nothing() {
  return
}

func.func @memrefs(%a: memref<2x2xf32>) -> memref<2x2xf32> {
  %r = memref.alloc() : memref<2x2xf32>
  linalg.add ins(%a, %a : memref<2x2xf32>, memref<2x2xf32>) outs(%r : memref<2x2xf32>)
  return %r : memref<2x2xf32>
}

func.func @linalg_matmul(%l: tensor<2x3xf32>, %r: tensor<3x2xf32>) -> tensor<2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %m = linalg.matmul ins(%l, %r : tensor<2x3xf32>, tensor<3x2xf32>)
                     outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %m : tensor<2x2xf32>
}
