// The tiled GEMM kernel of the GPU lowering (dnn-test-gemm-kernel): its
// launch and structure (this file), and what ptxas makes of it
// (gemm-kernel-ptxas.test).
// RUN: dnn-opt %s --dnn-test-gemm-kernel="m=100 n=70 k=40 config=sgemm_64x64x16_t256 bias=true transpose-b=true" | FileCheck %s
// RUN: dnn-opt %s --dnn-test-gemm-kernel="m=1024 n=512 k=256 config=sgemm_128x128x8_t256" | FileCheck %s --check-prefix=BIG
// RUN: not dnn-opt %s --dnn-test-gemm-kernel="config=nope" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not dnn-opt %s --dnn-test-gemm-kernel="config=sgemm_64x64x16_t256 element-type=f16" 2>&1 | FileCheck %s --check-prefix=SIMTHALF
// RUN: not dnn-opt %s --dnn-test-gemm-kernel="config=hgemm_128x128x32_t256 element-type=f32" 2>&1 | FileCheck %s --check-prefix=TENSORF32
// RUN: not dnn-opt %s --dnn-test-gemm-kernel="config=hgemm_128x128x32_t256 element-type=f8" 2>&1 | FileCheck %s --check-prefix=BADTYPE
// RUN: not dnn-opt %s --dnn-test-gemm-kernel="m=0" 2>&1 | FileCheck %s --check-prefix=EMPTY

// 100x70 with 64x64 tiles: a 2 x 2 grid of 256 threads, each thread a 4x4
// register tile (16 accumulators carried through the k loop), A and B
// staged k-major in shared memory, B read as [n, k], bias added before the
// guarded stores.
// CHECK: module attributes {gpu.container_module}
// CHECK: gpu.func @gemm(%{{.*}}: memref<100x40xf32>, %{{.*}}: memref<70x40xf32>, %{{.*}}: memref<70xf32>, %{{.*}}: memref<100x70xf32>)
// CHECK-SAME: workgroup(%{{.*}} : memref<16x64xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<16x64xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: kernel attributes {dnn.launch = array<i64: 2, 2, 1, 256>, known_block_size = array<i32: 256, 1, 1>}
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: gpu.barrier
// CHECK-COUNT-256: arith.mulf {{.*}} fastmath<contract>
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// The 16 finished sums pass through empty volatile asm (kept ahead of the
// store branches), then a thread whose 4x4 tile lies inside C stores it
// without guards, the others guard every element.
// CHECK-COUNT-16: llvm.inline_asm has_side_effects "", "f" %{{.*}} : (f32) -> ()
// CHECK-NOT: llvm.inline_asm
// CHECK: scf.if
// CHECK-COUNT-16: memref.store %{{.*}} : memref<100x70xf32>
// CHECK: } else {
// CHECK-COUNT-16: scf.if
// CHECK: gpu.return

// BIG: gpu.func @gemm(%{{.*}}: memref<1024x256xf32>, %{{.*}}: memref<256x512xf32>, %{{.*}}: memref<1024x512xf32>)
// BIG-SAME: workgroup(%{{.*}} : memref<8x128xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8x128xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// BIG-SAME: dnn.launch = array<i64: 4, 8, 1, 256>
// BIG-COUNT-512: arith.mulf {{.*}} fastmath<contract>

// UNKNOWN: error: dnn-test-gemm-kernel: unknown kernel configuration 'nope'
// SIMTHALF: error: dnn-test-gemm-kernel: 'sgemm_64x64x16_t256' is a SIMT f32 configuration, not for 'f16'
// TENSORF32: error: dnn-test-gemm-kernel: 'hgemm_128x128x32_t256' is a tensor-core configuration, not for 'f32'
// BADTYPE: error: dnn-test-gemm-kernel: unknown element type 'f8' (f32, f16 or bf16)
// EMPTY: error: GEMM kernel 'gemm': empty shape 0x256x256

// A 3x3 convolution (padding 1) on 1x64x56x56 as implicit GEMM: m = 3136
// output pixels, n = 64 filters, k = 576; the input, weight and output keep
// their NCHW/FCHW shapes, the padding is computed on the fly (signed
// bounds checks on the input row and column).
// RUN: dnn-opt %s --dnn-test-gemm-kernel="conv=1,64,56,56,64,3,1,1,1 config=sgemm_64x64x16_t256 bias=true" | FileCheck %s --check-prefix=CONV
// RUN: not dnn-opt %s --dnn-test-gemm-kernel="conv=1,2,3" 2>&1 | FileCheck %s --check-prefix=CONVARGS
// CONV: gpu.func @gemm(%{{.*}}: memref<1x64x56x56xf32>, %{{.*}}: memref<64x64x3x3xf32>, %{{.*}}: memref<64xf32>, %{{.*}}: memref<1x64x56x56xf32>)
// CONV-SAME: dnn.launch = array<i64: 1, 49, 1, 256>
// CONV: scf.for %{{.*}} = %{{.*}} to %c576{{.*}} step %c16
// CONV: arith.cmpi sge
// CONV: arith.maxsi
// CONV: arith.minsi
// CONV: memref.load %{{.*}} : memref<1x64x56x56xf32>
// CONV: memref.load %{{.*}} : memref<64x64x3x3xf32>
// CONV: gpu.barrier
// CONV: memref.store %{{.*}} : memref<1x64x56x56xf32>
// CONVARGS: error: dnn-test-gemm-kernel: conv takes 9 or 10 values

// A depthwise 3x3 (32 groups of one channel and one filter): grid z runs
// over the groups, each reads its channel and filter at the group's offset.
// RUN: dnn-opt %s --dnn-test-gemm-kernel="conv=1,32,28,28,32,3,1,1,1,32 config=sgemm_64x64x16_t256 bias=true" | FileCheck %s --check-prefix=DW
// RUN: not dnn-opt %s --dnn-test-gemm-kernel="conv=1,32,28,28,32,3,1,1,1,5" 2>&1 | FileCheck %s --check-prefix=DWBAD
// DW: gpu.func @gemm(%{{.*}}: memref<1x32x28x28xf32>, %{{.*}}: memref<32x1x3x3xf32>, %{{.*}}: memref<32xf32>, %{{.*}}: memref<1x32x28x28xf32>)
// DW-SAME: dnn.launch = array<i64: 1, 13, 32, 256>
// DW: %[[G:.*]] = gpu.block_id z
// DW: %[[C:.*]] = arith.addi %[[G]], %{{.*}} : index
// DW: memref.load %{{.*}}[%{{.*}}, %[[C]], %{{.*}}, %{{.*}}] : memref<1x32x28x28xf32>
// DW: memref.load %{{.*}} : memref<32x1x3x3xf32>
// K = 9 is a single slice: one barrier (after staging), none after the
// multiply-adds.
// DW: gpu.barrier
// DW-NOT: gpu.barrier
// DW: llvm.inline_asm has_side_effects
// DW-NOT: gpu.barrier
// DW: gpu.return
// DWBAD: groups must divide channels and filters

// Split-K 4 ways (K = 1000, tile_k 16: 256 per split, the last one 232):
// grid z = 4, the GEMM writes its partial sums to a 4x100x70 workspace
// (no bias), and gemm_reduce adds the splits in order, then the bias, one
// thread per output.
// RUN: dnn-opt %s --dnn-test-gemm-kernel="m=100 n=70 k=1000 config=sgemm_64x64x16_t256 bias=true split-k=4" | FileCheck %s --check-prefix=SPLIT
// A split past the end of K (k = 40, 16 per split: the 4th starts at 48)
// runs no k steps and contributes zeros, so the grid stays the mapping's.
// RUN: dnn-opt %s --dnn-test-gemm-kernel="m=100 n=70 k=40 split-k=4" | FileCheck %s --check-prefix=EMPTYSPLIT
// SPLIT: gpu.func @gemm(%{{.*}}: memref<100x1000xf32>, %{{.*}}: memref<1000x70xf32>, %{{.*}}: memref<4x100x70xf32>)
// SPLIT-SAME: dnn.launch = array<i64: 2, 2, 4, 256>
// SPLIT: %[[Z:.*]] = gpu.block_id z
// SPLIT: %[[S:.*]] = arith.remui %[[Z]], %c4
// SPLIT: %[[BEGIN:.*]] = arith.muli %[[S]], %c256
// SPLIT: %[[END:.*]] = arith.minui
// SPLIT: scf.for %{{.*}} = %[[BEGIN]] to %[[END]] step %c16
// SPLIT: memref.store %{{.*}}[%[[Z]], %{{.*}}, %{{.*}}] : memref<4x100x70xf32>
// SPLIT: gpu.func @gemm_reduce(%{{.*}}: memref<4x100x70xf32>, %{{.*}}: memref<70xf32>, %{{.*}}: memref<100x70xf32>)
// SPLIT-SAME: dnn.launch = array<i64: 28, 1, 1, 256>
// SPLIT-COUNT-4: memref.load %{{.*}} : memref<4x100x70xf32>
// SPLIT: memref.load %{{.*}} : memref<70xf32>
// SPLIT: memref.store %{{.*}} : memref<100x70xf32>
// EMPTYSPLIT: dnn.launch = array<i64: 2, 2, 4, 256>
// EMPTYSPLIT: arith.minui

// The printed kernel module parses again (dnn.launch is a known attribute).
// RUN: dnn-opt %s --dnn-test-gemm-kernel="m=64 n=64 k=64 split-k=2" | dnn-opt | FileCheck %s --check-prefix=ROUNDTRIP
// ROUNDTRIP: gpu.func @gemm({{.*}}dnn.launch = array<i64: 1, 1, 2, 256>
// ROUNDTRIP: gpu.func @gemm_reduce({{.*}}dnn.launch = array<i64: 16, 1, 1, 256>

// The tensor-core kernel (f16 and bf16): 300x200x96 with B as [n, k] and a
// bias, 128x128x32 tiles of 256 threads = 8 warps in a 2 x 4 layout, each
// warp a 64x32 tile of 4 x 4 mma tiles (16x8): 64 f32 accumulators. A and B
// are staged k-contiguous ([m][k], [n][k], rows padded to 40) 16 bytes at a
// time (K = 96 is a multiple of 8); per 16-deep step a warp loads 4 A
// fragments (ldmatrix x4) and 4 B fragments (x2) and issues 16 mma.sync,
// 32 per 32-deep slice. The epilogue adds the bias in f32 and rounds once.
// RUN: dnn-opt %s --dnn-test-gemm-kernel="m=300 n=200 k=96 config=hgemm_128x128x32_t256 bias=true transpose-b=true" | FileCheck %s --check-prefix=HALF
// RUN: dnn-opt %s --dnn-test-gemm-kernel="m=300 n=200 k=96 config=hgemm_128x128x32_t256 bias=true transpose-b=true element-type=bf16" | FileCheck %s --check-prefix=BF16
// HALF: gpu.func @gemm(%{{.*}}: memref<300x96xf16>, %{{.*}}: memref<200x96xf16>, %{{.*}}: memref<200xf16>, %{{.*}}: memref<300x200xf16>)
// HALF-SAME: workgroup(%{{.*}} : memref<128x40xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<128x40xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// HALF-SAME: dnn.launch = array<i64: 2, 3, 1, 256>
// HALF: scf.for {{.*}} -> (f32, f32,
// HALF-COUNT-4: vector.load {{.*}} {alignment = 16 : i64} : memref<{{300|200}}x96xf16>, vector<8xf16>
// HALF: gpu.barrier
// HALF-COUNT-4: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<128x40xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// HALF-COUNT-4: nvgpu.ldmatrix {{.*}} {numTiles = 2 : i32, transpose = false} : memref<128x40xf16, #gpu.address_space<workgroup>> -> vector<2x2xf16>
// HALF-COUNT-32: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// HALF: gpu.barrier
// HALF: arith.extf {{.*}} : f16 to f32
// HALF-NEXT: arith.addf {{.*}} : f32
// HALF-NEXT: arith.truncf {{.*}} : f32 to f16
// HALF-NEXT: memref.store {{.*}} : memref<300x200xf16>
// BF16: gpu.func @gemm(%{{.*}}: memref<300x96xbf16>
// BF16: llvm.bitcast {{.*}} : vector<2xbf16> to i32
// BF16: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>

// A convolution in f16: the input is gathered element by element (im2col
// on the fly), the FCHW weight read as its [64, 576] matrix 16 bytes at a
// time.
// RUN: dnn-opt %s --dnn-test-gemm-kernel="conv=1,64,56,56,64,3,1,1,1 config=hgemm_128x128x32_t256" | FileCheck %s --check-prefix=HCONV
// HCONV: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [64, 576], strides: [576, 1] : memref<64x64x3x3xf16> to memref<64x576xf16>
// HCONV: memref.load {{.*}} : memref<1x64x56x56xf16>
// HCONV: vector.load {{.*}} : memref<64x576xf16>, vector<8xf16>

// Tiles the tensor-core kernel cannot cover.
// RUN: not dnn-opt %s --dnn-test-gemm-kernel="config=hgemm_128x128x32_t256 element-type=bf16 m=64 n=64 k=64 split-k=0" 2>&1 | FileCheck %s --check-prefix=SPLITZERO
// SPLITZERO: error: GEMM kernel 'gemm': split-k must be at least 1, got 0
