// dnn-lower-to-gpu on f16 and bf16 networks: GEMMs (convolution, depthwise
// convolution, linear) become the tensor-core kernel, with the grid of the
// op's #dnn.mapping (a 128x128x32 tensor-core configuration); the other ops
// load 16-bit values, compute in f32 and round once when they store.
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-epilogues --dnn-assign-mapping --dnn-lower-to-gpu=abi=false | FileCheck %s
// RUN: sed -e 's/xf16>/xbf16>/g' %s | dnn-opt --dnn-attach-target=gpu=h100 --dnn-fuse-epilogues --dnn-assign-mapping --dnn-lower-to-gpu=abi=false | FileCheck %s --check-prefix=BF16
// The whole pipeline to PTX for sm_80: mma.sync and ldmatrix in the PTX.
// RUN: dnn-opt %s --dnn-gpu-pipeline="target=a100 format=isa" | %python %dnn_src_root/utils/extract_ptx.py - -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// On a pre-sm_80 target the tensor-core GEMM is refused where it is.
// RUN: dnn-opt %s --dnn-attach-target=gpu=t4 --dnn-assign-mapping --dnn-lower-to-gpu=abi=false -verify-diagnostics -o /dev/null

module {
  func.func @main(%x: tensor<1x64x56x56xf16>) -> (tensor<1x10xf16>, tensor<1x64x56x56xf16>) {
    %w = dnn.constant dense<0.01> : tensor<64x64x3x3xf16>
    %b = dnn.constant dense<0.5> : tensor<64xf16>
    %dw = dnn.constant dense<0.1> : tensor<64x1x3x3xf16>
    %fc = dnn.constant dense<0.2> : tensor<10x64xf16>
    // expected-error @+1 {{f16/bf16 GEMMs run on the tensor-core kernel (mma.sync.m16n8k16), which needs sm_80 or newer; the target 't4' is sm_75}}
    %c = dnn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf16>, tensor<64x64x3x3xf16>, tensor<64xf16>) -> tensor<1x64x56x56xf16>
    %s = dnn.add %c, %x : tensor<1x64x56x56xf16>, tensor<1x64x56x56xf16> loc("residual")
    %r = dnn.activation relu %s : tensor<1x64x56x56xf16> loc("relu")
    %p = dnn.max_pool2d %r {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x64x56x56xf16> -> tensor<1x64x28x28xf16> loc("pool")
    %d = dnn.conv2d %p, %dw {padding = array<i64: 1, 1, 1, 1>, groups = 64 : i64} : (tensor<1x64x28x28xf16>, tensor<64x1x3x3xf16>) -> tensor<1x64x28x28xf16> loc("depthwise")
    %g = dnn.global_avg_pool %d : tensor<1x64x28x28xf16> -> tensor<1x64x1x1xf16> loc("gap")
    %f = dnn.flatten %g : tensor<1x64x1x1xf16> -> tensor<1x64xf16> loc("flatten")
    %l = dnn.linear %f, %fc : (tensor<1x64xf16>, tensor<10x64xf16>) -> tensor<1x10xf16> loc("fc")
    %sm = dnn.softmax %l {axis = 1 : i64} : tensor<1x10xf16> loc("softmax")
    return %sm, %r : tensor<1x10xf16>, tensor<1x64x56x56xf16>
  }
}

// The fused convolution + residual + relu: 3136 x 64 x 576 in 128x128 tiles
// is a 1 x 25 grid, split-K 2 in grid z (the mapping's 50 CTAs); the partial
// sums are f32, the reduction applies bias, residual and relu and writes f16.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: memref<1x64x56x56xf16>
// CHECK: gpu.launch_func async {{.*}} @dnn_kernels::@conv2d_add_relu_0 blocks in (%c1{{.*}}, %c25{{.*}}, %c2{{.*}}) threads in (%c256
// CHECK-SAME: memref<2x3136x64xf32>
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, split_k = 2, {{.*}}ctas = 50,
// CHECK: @dnn_kernels::@conv2d_add_relu_splitk_reduce_1 blocks in (%c784
// CHECK: @dnn_kernels::@max_pool2d_2 blocks in (%c196
// The depthwise convolution: 64 groups of 784 x 1 x 9 in grid z.
// CHECK: @dnn_kernels::@conv2d_3 blocks in (%c1{{.*}}, %c7{{.*}}, %c64{{.*}})
// CHECK: @dnn_kernels::@global_avg_pool_4
// CHECK: @dnn_kernels::@linear_5 blocks in (%c1{{.*}}, %c1{{.*}}, %c1{{.*}}) {{.*}}memref<1x64xf16>, {{.*}}memref<10x64xf16>, {{.*}}memref<1x10xf16>)
// CHECK: @dnn_kernels::@softmax_6 {{.*}}memref<1x10x1xf16>
// CHECK: gpu.func @conv2d_add_relu_0(%{{.*}}: memref<1x64x56x56xf16>, %{{.*}}: memref<64x64x3x3xf16>, %{{.*}}: memref<2x3136x64xf32>) workgroup(%{{.*}} : memref<128x40xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<128x40xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK: nvgpu.ldmatrix
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// Bias, then residual, then relu, each result rounded to f16 as the op by
// op reference rounds it.
// CHECK: gpu.func @conv2d_add_relu_splitk_reduce_1(%{{.*}}: memref<2x3136x64xf32>, %{{.*}}: memref<64xf16>, %{{.*}}: memref<1x64x56x56xf16>, %{{.*}}: memref<1x64x56x56xf16>)
// CHECK: %[[SUM:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: %[[BIAS:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: %[[WITHBIAS:.*]] = arith.addf %[[SUM]], %[[BIAS]] : f32
// CHECK: %[[RES:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: %[[R1:.*]] = arith.truncf %[[WITHBIAS]] : f32 to f16
// CHECK: %[[E1:.*]] = arith.extf %[[R1]] : f16 to f32
// CHECK: %[[ADDED:.*]] = arith.addf %[[E1]], %[[RES]] : f32
// CHECK: %[[R2:.*]] = arith.truncf %[[ADDED]] : f32 to f16
// CHECK: %[[E2:.*]] = arith.extf %[[R2]] : f16 to f32
// CHECK: %[[RELU:.*]] = arith.maximumf %[[E2]], %{{.*}} : f32
// CHECK: %[[OUT:.*]] = arith.truncf %[[RELU]] : f32 to f16
// CHECK: memref.store %[[OUT]], %{{.*}} : memref<1x64x56x56xf16>
// Pooling compares in f32 and stores f16.
// CHECK: gpu.func @max_pool2d_2(%{{.*}}: memref<1x64x56x56xf16>, %{{.*}}: memref<1x64x28x28xf16>)
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: arith.maximumf {{.*}} : f32
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: gpu.func @softmax_6(%{{.*}}: memref<1x10x1xf16>, %{{.*}}: memref<1x10x1xf16>)
// CHECK: math.exp {{.*}} : f32
// CHECK: arith.truncf {{.*}} : f32 to f16

// BF16: @dnn_kernels::@conv2d_add_relu_0 blocks in (%c1{{.*}}, %c25{{.*}}, %c2{{.*}})
// BF16: gpu.func @conv2d_add_relu_0(%{{.*}}: memref<1x64x56x56xbf16>, %{{.*}}: memref<64x64x3x3xbf16>, %{{.*}}: memref<2x3136x64xf32>)
// BF16: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>
// BF16: gpu.func @softmax_6(%{{.*}}: memref<1x10x1xbf16>

// PTX: .target sm_80
// PTX: .entry conv2d_add_relu_0(
// PTX: ld.global.v4.b32
// PTX: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX: ldmatrix.sync.aligned.m8n8.x2.shared.b16
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
