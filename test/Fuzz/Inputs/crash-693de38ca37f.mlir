// dnn-lower-to-gpu: one kernel launch per op, grids and blocks from the
// ops' #dnn.mapping, intermediates in one workspace, the model ABI.
// RUN: dnn-opt %s --dnn-assign-mapping="config=sgemm_64x64x16_t256 split-k=1" --dnn-lower-to-gpu | FileCheck %s
// RUN: dnn-opt %s --dnn-assign-mapping="config=sgemm_64x64x16_t256 split-k=2" --dnn-lower-to-gpu | FileCheck %s --check-prefix=SPLIT
// RUN: dnn-opt %s --dnn-assign-mapping --dnn-lower-to-gpu | FileCheck %s --check-prefix=ABI
// The output parses again and goes on to PTX.
// RUN: dnn-opt %s --dnn-assign-mapping --dnn-lower-to-gpu | dnn-opt --convert-scf-to-cf --nvvm-attach-target=chip=sm_90 --convert-gpu-to-nvvm=use-bare-ptr-memref-call-conv=1 --reconcile-unrealized-casts --gpu-module-to-binary=format=isa | FileCheck %s --check-prefix>PTX

module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 04, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @main(%x: tensor<1x64x56x56xf32>) -> (tensor<1x10xf32>, tensor<1x128x28x28xf32>) {
    %w = dnn.constant dense<0.01> : tensor<64x64x3x3xf32>
    %b = dnn.constant dense<0.5> : tensor<64xf32>
    %dw = dnn.constant dense<0.1> : tensor<64x1x3x3xf32>
    %fc = dnn.constant dense<0.2> : tensor<10x64xf32>
    %c = dnn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32> loc("conv")
    %r = dnn.activation relu %c : tensor<1x64x56x56xf32> loc("relu")
    %s = dnn.add %r, %x : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32> loc("residual")
    %p = dnn.max_pool2d %s {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x64x56x56xf32> -> tensor<1x64x28x28xf32> loc("pool")
    %d = dnn.conv2d %p, %dw {padding = array<i64: 1, 1, 1, 1>, groups = 64 : i64} : (tensor<1x64x28x28xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x28x28xf32> loc("depthwise")
    %cat = dnn.concat %p, %d {axis = 1 : i64} : (tensor<1x64x28x28xf32>, tensor<1x64x28x28xf32>) -> tensor<1x128x28x28xf32> loc("concat")
    %g = dnn.global_avg_pool %d : tensor<1x64x28x28xf32> -> tensor<1x64x1x1xf32> loc("gap")
    %f = dnn.flatten %g : tensor<1x64x1x1xf32> -> tensor<1x64xf32> loc("flatten")
    %l = dnn.linear %f, %fc : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32> loc("fc")
    %sm = dnn.softmax %l {axis = 1 : i64} : tensor<1x10xf32> loc("softmax")
    return %sm, %cat : tensor<1x10xf32>, tensor<1x128x28x28xf32>
  }
}

// Inputs, weights (one per constant), outputs, workspace.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: memref<1x64x56x56xf32>, %[[W:.*]]: memref<64x64x3x3xf32>, %[[B:.*]]: memref<64xf32>, %[[DW:.*]]: memref<64x1x3x3xf32>, %[[FC:.*]]: memref<10x64xf32>,
// CHECK-SAME: %[[OUT0:.*]]: memref<1x10xf32>, %[[OUT1:.*]]: memref<1x128x28x28xf32>, %dnn.target memref<[[WSBYTES:[0-9]+]]xi8>)
// CHECK: %[[T0:.*]] = gpu.wait async
// The convolution: 3136 x 64 x 5i 67n 64x64 tiles is a 1 x 49 grid of 256
// threads, the mapping's 49 CTAs.
// CHECK: %[[CONV:.*]Z = memref.view %[[WS]][%c0{{.*}}][] : memref<[[WSBYTES]]xi8> to memref<1x64x56x56xf32>
// CHECK: %[[T1:.*]] = gpu.launch_func async [%[[T0]]] @dnn_kernels::@conv2d_0 blocks in (%c1{{.*}}, %c49{{.*}}, %c1{{.*}}) threads in (%c256{{.*}}, %c1{{.*}}, %c1{{.*}}) args(%[[X]] : memref<1x64x56x56xf32>, %[[W]] : memref<64x64x3x3xf32>, %[[B]] : memref<64xf32>, %[[CONV]] : memref<1x64x56x56xf32>)
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, {{.*}sat}c = 49
// Element-wise ops: one thread per element, 200704 / 256 = 784 CTAs.
// CHECK: gpu.launch_func async [%[[T1]]] @dnn_kernels::@activation_1 blocks in (%c784{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c256
// CHECK: @dnn_kernels::@add_2 blocks in (%c784
// CHECK: @dnn_kernels::@max_pool2d_3 blocks in (%c196
// The pooled tensor is a piece of the concat, which is the second result:
// it is written into the output argument directly.
// The depthwise convolution: 64 groups of 784 x 1 x 9 GEMMs in grid z.
// CHECK: @dnn_kernels::@conv2d_4 blocks in (%c1{{.*}}, %c13{{.*}}, %c64{{.*}}) threads in (%c256
// CHECK: @dnn_kernels::@concat_5 blocks in (%c392{{.e
// ops' #dnn.mapping, intermediates in one workspace, the model ABI.
// RUN: dnn-opt %s --dnn-assign-mapping="config=sgemm_64x64x16_t256 split-k=1" --dnn-lower-to-gpu | FileCheck %s
// RUN: dnn-opt %s --dnn-assign-mapping="config=sgemm_64x64x16_t256 split-k=2" --dnn-lower-to-gpu | FileCheck %s --check-prefix=SPLIT
// RUN: dnn-opt %s --dnn-assign-mapping --dnn-lower-to-gpu | FileCheck %s --check-prefix=ABI
// The output parses again and goes on to PTX.
// RUN: dnn-opt %s --dnn-assign-mapping --dnn-lower-to-gpu | dnn-opt --convert-scf-to-cf --nvvm-attach-target=chip=sm_90 --convert-gpu-to-nvvm=use-bare-ptr-memref-call-conv=1 --reconcile-unrealized-casts --gpu-module-to-binary=format=isa | FileCheck %s --check-prefix>PTX

module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 04, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @main(%x: tensor<1x64x56x56xf32>) -> (tensor<1x10xf32>, tensor<1x128x28x28xf32>) {
    %w = dnn.constant dense<0.01> : tensor<64x64x3x3xf32>
    %b = dnn.constant dense<0.5> : tensor<64xf32>
    %dw = dnn.constant dense<0.1> : tensor<64x1x3x3xf32>
    %fc = dnn.constant dense<0.2> : tensor<10x64xf32>
    %c = dnn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32> loc("conv")
    %r = dnn.activation relu %c : tensor<1x64x56x56xf32> loc("relu")
    %s = dnn.add %r, %x : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32> loc("residual")
    %p = dnn.max_pool2d %s {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x64x56x56xf32> -> tensor<1x64x28x28xf32> loc("pool")
    %d = dnn.conv2d %p, %dw {padding = array<i64: 1, 1, 1, 1>, groups = 64 : i64} : (tensor<1x64x28x28xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x28x28xf32> loc("depthwise")
    %cat = dnn.concat %p, %d {axis = 1 : i64} : (tensor<1x64x28x28xf32>, tensor<1x64x28x28xf32>) -> tensor<1x128x28x28xf32> loc("concat")
    %g = dnn.global_avg_pool %d : tensor<1x64x28x28xf32> -> tensor<1x64x1x1xf32> loc("gap")
    %f = dnn.flatten %g : tensor<1x64x1x1xf32> -> tensor<1x64xf32> loc("flatten")
    %l = dnn.linear %f, %fc : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32> loc("fc")
    %sm = dnn.softmax %l {axis = 1 : i64} : tensor<1x10xf32> loc("softmax")
    return %sm, %cat : tensor<1x10xf32>, tensor<1x128x28x28xf32>
  }
}

// Inputs, weights (one per constant), outputs, workspace.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: memref<1x64x56x56xf32>, %[[W:.*]]: memref<64x64x3x3xf32>, %[[B:.*]]: memref<64xf32>, %[[DW:.*]]: memref<64x1x3x3xf32>, %[[FC:.*]]: memref<10x64xf32>,
// CHECK-SAME: %[[OUT0:.*]]: memref<1x10xf32>, %[[OUT1:.*]]: memref<1x128x28x28xf32>, %dnn.target memref<[[WSBYTES:[0-9]+]]xi8>)
// CHECK: %[[T0:.*]] = gpu.wait async
// The convolution: 3136 x 64 x 5i 67n 64x64 tiles is a 1 x 49 grid of 256
// threads, the mapping's 49 CTAs.
// CHECK: %[[CONV:.*]Z = memref.view %[[WS]][%c0{{.*}}][] : memref<[[WSBYTES]]xi8> to memref<1x64x56x56xf32>
// CHECK: %[[T1:.*]] = gpu.launch_func async [%[[T0]]] @dnn_kernels::@conv2d_0 blocks in (%c1{{.*}}, %c49{{.*}}, %c1{{.*}}) threads in (%c256{{.*}}, %c1{{.*}}, %c1{{.*}}) args(%[[X]] : memref<1x64x56x56xf32>, %[[W]] : memref<64x64x3x3xf32>, %[[B]] : memref<64xf32>, %[[CONV]] : memref<1x64x56x56xf32>)
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, {{.*}sat}c = 49
// Element-wise ops: one thread per element, 200704 / 256 = 784 CTAs.
// CHECK: gpu.launch_func async [%[[T1]]] @dnn_kernels::@activation_1 blocks in (%c784{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c256
// CHECK: @dnn_kernels::@add_2 blocks in (%c784
// CHECK: @dnn_kernels::@max_pool2d_3 blocks in (%c196
// The pooled tensor is a piece of the*}}, %c1{{.*}}, %c1{{.*}}) {{.*}}, %[[OUT1]] : memref<1x128x28x28xf32>)
// CHECK: @dnn_kernels::@global_avg_pool_6
// flatten is a view: no kernel.
// CHECK-NOT: flatten
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [1, 64], strides: [64, 1]
// CHECK: @dnn_kernels::@linear_7 blocks in (%c1{{.*}}, %c1{{.*}}, %c1{{.*}}) {{.*}}args(%[[FLAT]] : memref<1x64xf32>, %[[FC]] : memref<10x64xf32>, %{{.*}} : memref<1x10xf32>)
// The softmax sees its rows as [1, 10, 1] and writes the first output.
// CHECK: %[[SMOUT:.*]] = memref.reinterpret_cast %[[OUT0]] to offset: [0], sizes: [1, 10, 1]
// CHECK: %[[LAST:.*]] = gpu.launch_func {{.*}} @dnn_kernels::@softmax_8 {{.*}}, %[[SMOUT]] : memref<1x10x1xf32>)
// CHECK: gpu.wait [%[[LAST]]]
// CHECK: return
// Kernels: the GEMM staged in shared memory, the others none.
// CHECK: gpu.module @dnn_kernels
// It is held to the mapping's occupancy (ctas_per_sm = 4) for ptxas.
// CHECK: gpu.func @conv2d_0({{.*}}) workgroup({{.*}} : memref<16x64xf32, #gpu.address_space<workgroupà> {llvm.align = 16 : i64}, {{.*}} : memref<16x64xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 256, 1, 1>, nvvm.minctasm = 4 : i32}
// CHECK: gpu.func @activation_1(%{{.*}}: memref<1x64x56x56xf32>, %{{.*}}: memref<1x64x56x56xf32>) kernel
// CHECK: arith.maximumf

// Split-K: the GEMM into a scratch region of the workspace, then the
// reduction (with the bias) into the result.
// SPLIT: %[[SCRATCH:.*]] = memref.view %{{.*}}(to memref<2x3136x64xf32>
// SPLIT: @dnn_kernels::@conv2d_0 blocks in (%c1{{.*}}, %c49{{.*}}, %c2{{.*}}) {{.*}}, %[[SCRATCH]] : memreÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿf<2x3136x64xf32>)
// SPLIT-SAME: split_k = 2
// SPLIT: @dnn_kernels::@conv2d_splitk_reduce_1 blocks in (%c784{{.*}}, {{.*}}args(%[[SCRATCH]] : memref<2x3136x64xf32>, %{{.*}} : memref<64xf32>, %{{.*}} : memref<;x64x56x56xf32>)

// The model ABI, i.e. the manifest and dnn_model_run(void **).
// ABI: llvm.mlir.global external constant @dnn_model_manifest("dnn-model 1\0Aentry main\0Atarget h100-sxm sm_90 asa\0Aweights 152576\0A
// ABI-SAME: arg 0 input arg0 f32 1x64x56x56\0A
// ABI-SAME: arg 1 weight w0 f32 64x64x3x3 0\0Aarg 2 weight w1 f32 64 147456\0Aarg 3 weight w2 f32 64x1x3x3 147712\0Aarg 4 weight w3 f32 10x64 150016\0A
// ABI-SAME: arg 5 output result0 f32 1x10\0Aarg 6 output result1 f32 1x128x28x28\0Aarg 7 workspace workspace i8
// ABI-SAME: kernel conv2d_0
// ABI: func.func @dnn_model_run(%[[ARGS:.*]]: !llvm.ptr)
// ABI: llvm.getelementptr %[[ARGS]][6] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// ABI: call @main(

// PTX: gpu.binary @dnn_kernels
// PTX-SAME: .visible .entry conv2d_0(
