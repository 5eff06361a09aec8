// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-balanced-sparsify="sparsity=0.75 report=-" 2>&1 | FileCheck %s
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-balanced-sparsify="sparsity=0.75 decide=always" 2>/dev/null | FileCheck %s --check-prefix=ALWAYS
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-balanced-sparsify="sparsity=0.75 report=%t.json" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=JSON < %t.json

// decide=model on an H100: at batch 1 the layer is memory-bound and the
// balanced-sparse kernel moves a quarter of the values plus one byte per
// offset, so it is predicted faster; at batch 512 the dense GEMM is
// compute-bound and the sparse kernel's shared-memory loads are slower, so
// the layer stays dense. decide=always rewrites both.

// CHECK: layer {{.*}} kept_l1 dense_us sparse_us
// CHECK: gemv sparse 4096x4096 8/32 0.2500
// CHECK: gemm dense 4096x4096 8/32 1.0000
// CHECK-NEXT: the sparse kernel is predicted slower
// CHECK-LABEL: func.func @gemv
// CHECK: dnn.sparse_linear {{.*}} : (tensor<1x4096xf32>, tensor<4096x128x8xf32>, tensor<4096x128x8xi8>) -> tensor<1x4096xf32>
// CHECK-LABEL: func.func @gemm
// CHECK: dnn.linear
// ALWAYS-LABEL: func.func @gemm
// ALWAYS: dnn.sparse_linear
// JSON: "bank_size": 32
// JSON: "name": "gemv"
// JSON: "action": "sparse"
// JSON: "nnz_per_bank": 8
// JSON: "kept_l1_fraction": 0.25
// JSON: "name": "gemm"
// JSON: "action": "dense"
func.func @gemv(%x: tensor<1x4096xf32>) -> tensor<1x4096xf32> {
  %w = dnn.constant dense<0.5> : tensor<4096x4096xf32>
  %y = dnn.linear %x, %w : (tensor<1x4096xf32>, tensor<4096x4096xf32>) -> tensor<1x4096xf32> loc("gemv")
  return %y : tensor<1x4096xf32>
}
func.func @gemm(%x: tensor<512x4096xf32>) -> tensor<512x4096xf32> {
  %w = dnn.constant dense<0.5> : tensor<4096x4096xf32>
  %y = dnn.linear %x, %w : (tensor<512x4096xf32>, tensor<4096x4096xf32>) -> tensor<512x4096xf32> loc("gemm")
  return %y : tensor<512x4096xf32>
}
