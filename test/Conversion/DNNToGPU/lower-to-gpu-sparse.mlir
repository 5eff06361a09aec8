// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping --dnn-lower-to-gpu -split-input-file -verify-diagnostics | FileCheck %s

// dnn.sparse_linear on the GPU: one balanced-sparse kernel whose grid and
// block are the mapping's (ceil(37 / 8 rows) x ceil(3 / 3 batch rows) = 5
// CTAs of 256 threads), x staged as f32 into 3 * 8 * 32 floats of shared
// memory (the mapping's 3072 bytes), offsets read as unsigned, the warp's
// partial sums added by xor shuffles (5 per batch row), lane 0 adding the
// bias and writing.
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch_func {{.*}} @dnn_kernels::@sparse_linear_0 blocks in (%c5, %c1{{.*}}, %c1{{.*}}) threads in (%c256, %c1{{.*}}, %c1{{.*}})
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = 3, tile_n = 8, tile_k = 256, threads = 256, regs_per_thread = 64, smem_per_block = 3072, ctas = 5,
// CHECK-LABEL: gpu.func @sparse_linear_0
// CHECK-SAME: (%{{.*}}: memref<3x70xf32>, %{{.*}}: memref<37x9x2xf32>, %{{.*}}: memref<37x9x2xi8>, %{{.*}}: memref<37xf32>, %{{.*}}: memref<3x37xf32>)
// CHECK-SAME: workgroup(%{{.*}} : memref<768xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: dnn.launch = array<i64: 5, 1, 1, 256>
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: arith.index_castui %{{.*}} : i8 to index
// CHECK-COUNT-15: gpu.shuffle  xor
// CHECK-NOT: gpu.shuffle
// CHECK: gpu.return
func.func @main(%x: tensor<3x70xf32>, %v: tensor<37x9x2xf32>, %b: tensor<37xf32>) -> tensor<3x37xf32> {
  %i = dnn.constant dense<[[[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]]]> : tensor<37x9x2xi8>
  %y = dnn.sparse_linear %x, %v, %i, %b {layout = #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>}
      : (tensor<3x70xf32>, tensor<37x9x2xf32>, tensor<37x9x2xi8>, tensor<37xf32>) -> tensor<3x37xf32>
  return %y : tensor<3x37xf32>
}

// -----

// K = 16384 in banks of 256: 64 banks, 48 KiB of shared memory hold 48 of
// them, so 32 per chunk -> two chunks, with a barrier after each (the next
// chunk overwrites x).
// CHECK-LABEL: gpu.func @sparse_linear_0
// CHECK-SAME: workgroup(%{{.*}} : memref<8192xf32, #gpu.address_space<workgroup>>
// CHECK-SAME: dnn.launch = array<i64: 1, 1, 1, 256>
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: gpu.barrier
// CHECK: gpu.barrier
func.func @main(%x: tensor<1x16384xf16>, %v: tensor<8x64x1xf16>) -> tensor<1x8xf16> {
  %i = dnn.constant dense<7> : tensor<8x64x1xi8>
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 256, nnz = 1, index_bits = 8, value_type = f16>}
      : (tensor<1x16384xf16>, tensor<8x64x1xf16>, tensor<8x64x1xi8>) -> tensor<1x8xf16>
  return %y : tensor<1x8xf16>
}

// -----

// Wider offsets (index-bits=16 from the pass, or banks over 256 columns)
// are read as unsigned i16.
// CHECK-LABEL: gpu.func @sparse_linear_0
// CHECK-SAME: %{{.*}}: memref<4x2x1xi16>
// CHECK: arith.index_castui %{{.*}} : i16 to index
func.func @main(%x: tensor<1x64xf32>, %v: tensor<4x2x1xf32>) -> tensor<1x4xf32> {
  %i = dnn.constant dense<3> : tensor<4x2x1xi16>
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 32, nnz = 1, index_bits = 16, value_type = f32>}
      : (tensor<1x64xf32>, tensor<4x2x1xf32>, tensor<4x2x1xi16>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// i32 offsets.
// CHECK-LABEL: gpu.func @sparse_linear_0
// CHECK: arith.index_castui %{{.*}} : i32 to index
func.func @main(%x: tensor<1x64xf32>, %v: tensor<4x2x1xf32>) -> tensor<1x4xf32> {
  %i = dnn.constant dense<3> : tensor<4x2x1xi32>
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 32, nnz = 1, index_bits = 32, value_type = f32>}
      : (tensor<1x64xf32>, tensor<4x2x1xf32>, tensor<4x2x1xi32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// Banks over 384 columns: 32 of them do not fit in 48 KiB of shared memory
// as f32, so the layer has no GPU mapping (a located error, not a crash).
func.func @main(%x: tensor<1x1024xf32>, %v: tensor<4x2x1xf32>) -> tensor<1x4xf32> {
  %i = dnn.constant dense<3> : tensor<4x2x1xi16>
  // expected-error @+1 {{dnn-assign-mapping: bank_size 512 is too large for the GPU kernel: 32 banks of x take 65536 bytes of shared memory (at most 49152)}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 512, nnz = 1, index_bits = 9, value_type = f32>}
      : (tensor<1x1024xf32>, tensor<4x2x1xf32>, tensor<4x2x1xi16>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// dnn.sparse_conv2d: the same kernel over the implicit GEMM (M = 2 * 5 * 5
// output pixels in batch tiles of 8: 7 CTAs along y; F = 5 rows: one CTA
// along x), x and y passed 4-D, x gathered through the window (image,
// channel, row, column) while staging, y written NCHW.
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch_func {{.*}} @dnn_kernels::@sparse_conv2d_0 blocks in (%c1{{.*}}, %c7, %c1{{.*}}) threads in (%c256,
// CHECK-LABEL: gpu.func @sparse_conv2d_0
// CHECK-SAME: (%{{.*}}: memref<2x3x9x9xf32>, %{{.*}}: memref<5x4x2xf32>, %{{.*}}: memref<5x4x2xi8>, %{{.*}}: memref<5xf32>, %{{.*}}: memref<2x5x5x5xf32>)
// CHECK-SAME: workgroup(%{{.*}} : memref<2048xf32, #gpu.address_space<workgroup>>
// CHECK-SAME: dnn.launch = array<i64: 1, 7, 1, 256>
// CHECK: memref.load %arg0[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<2x3x9x9xf32>
// CHECK: memref.store %{{.*}}, %arg4[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<2x5x5x5xf32>
func.func @main(%x: tensor<2x3x9x9xf32>, %v: tensor<5x4x2xf32>, %b: tensor<5xf32>) -> tensor<2x5x5x5xf32> {
  %i = dnn.constant dense<[[[0, 1], [2, 7], [0, 5], [1, 2]], [[0, 1], [2, 7], [0, 5], [1, 2]], [[0, 1], [2, 7], [0, 5], [1, 2]], [[0, 1], [2, 7], [0, 5], [1, 2]], [[0, 1], [2, 7], [0, 5], [1, 2]]]> : tensor<5x4x2xi8>
  %y = dnn.sparse_conv2d %x, %v, %i, %b {kernel = array<i64: 3, 3>,
      strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>,
      layout = #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>}
      : (tensor<2x3x9x9xf32>, tensor<5x4x2xf32>, tensor<5x4x2xi8>, tensor<5xf32>) -> tensor<2x5x5x5xf32>
  return %y : tensor<2x5x5x5xf32>
}
