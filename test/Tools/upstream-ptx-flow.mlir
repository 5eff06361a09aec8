// dnn-opt carries the upstream GPU flow: a gpu.module kernel goes to PTX with
// no CUDA installation (format=isa), and to a cubin through ptxas when it is
// there.
// RUN: dnn-opt %s --nvvm-attach-target="chip=sm_90 features=+ptx80" --convert-gpu-to-nvvm --reconcile-unrealized-casts --gpu-module-to-binary="format=isa" | FileCheck %s
// RUN: %if ptxas %{ dnn-opt %s --nvvm-attach-target="chip=sm_90 features=+ptx80" --convert-gpu-to-nvvm --reconcile-unrealized-casts --gpu-module-to-binary="format=bin" | FileCheck %s --check-prefix=CUBIN %}

// CHECK: gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "
// CHECK-SAME: .target sm_90
// CHECK-SAME: .visible .entry scale(
// CHECK-SAME: mul.rn.f32
// CUBIN: gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}bin = "

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @scale(%buf: memref<1024xf32>, %factor: f32) kernel {
      %tid = gpu.thread_id x
      %bid = gpu.block_id x
      %bdim = gpu.block_dim x
      %base = arith.muli %bid, %bdim : index
      %i = arith.addi %base, %tid : index
      %v = memref.load %buf[%i] : memref<1024xf32>
      %s = arith.mulf %v, %factor : f32
      memref.store %s, %buf[%i] : memref<1024xf32>
      gpu.return
    }
  }
}
