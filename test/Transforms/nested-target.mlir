// A dnn pass compiles everything under the module it runs on for that
// module's dnn.target; a nested module with a target of its own (which its
// ops' mappings verify against) is an error at the nested module. Found by
// the fuzz target: dnn-assign-mapping gave the nested ops mappings for the
// outer target, which then failed to verify.
// RUN: dnn-opt %s --split-input-file --dnn-assign-mapping -verify-diagnostics
// RUN: dnn-opt %s --split-input-file --dnn-predict -verify-diagnostics
// RUN: dnn-opt %s --split-input-file --dnn-tail-aware-channels -verify-diagnostics
// RUN: dnn-opt %s --split-input-file --dnn-fuse-rnn -verify-diagnostics
// The nested module alone compiles for its own target.
// RUN: dnn-opt %s --split-input-file --pass-pipeline='builtin.module(builtin.module(dnn-assign-mapping,dnn-predict))' 2>&1 | FileCheck %s

// CHECK-LABEL: module attributes {dnn.target = #dnn.gpu<name = "h100-sxm"
// CHECK: module attributes {dnn.target = #dnn.gpu<name = "t4"
// CHECK: dnn.linear {{.*}}dnn.cost = #dnn.cost
module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  // expected-error @+1 {{this nested module has its own dnn.target; run}}
  module attributes {dnn.target = #dnn.gpu<name = "t4", arch = "sm_75", sms = 40, clock_mhz = 1590, max_threads_per_sm = 1024, max_blocks_per_sm = 16, smem_per_sm = 65536, max_smem_per_block = 65536, smem_reserved_per_block = 0, l2_bytes = 4194304, dram_gbps = 320.0, fp32_tflops = 8.1, tc_tflops = 65.0>} {
    func.func @fc(%x: tensor<8x256xf32>) -> tensor<8x128xf32> {
      %w = dnn.constant dense<0.5> : tensor<128x256xf32>
      %y = dnn.linear %x, %w : (tensor<8x256xf32>, tensor<128x256xf32>) -> tensor<8x128xf32>
      return %y : tensor<8x128xf32>
    }
  }
}
