// Mappings made for one GPU may not fit another: replacing the target
// refuses them at their op (found by the fuzz target: the module no longer
// verified after dnn-attach-target).
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 -verify-diagnostics -o /dev/null
// RUN: dnn-opt %s --dnn-attach-target=gpu=a100 -o /dev/null 2>&1 | FileCheck %s --check-prefix=A100 --allow-empty
// A100-NOT: error: dnn-attach-target

// 9 CTAs at 1 per SM: 0.08 waves on an A100's 108 SMs (kept), 0.07 on an
// H100's 132 (refused).
func.func @stale(%x: tensor<100x8xf32>, %w: tensor<70x8xf32>) -> tensor<100x70xf32> {
  // expected-error @+1 {{dnn-attach-target: this op's 'dnn.mapping' does not fit the target 'h100-sxm'}}
  %y = dnn.linear %x, %w {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 9, ctas_per_sm = 1, waves = 0.08>} : (tensor<100x8xf32>, tensor<70x8xf32>) -> tensor<100x70xf32>
  return %y : tensor<100x70xf32>
}
