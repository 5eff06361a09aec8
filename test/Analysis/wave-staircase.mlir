// The wave staircase through both passes: a ResNet 3x3 conv (256 input
// channels at 56x56: m = 3136, k = 2304) with n = Cout output channels on
// the H100 with sgemm_64x64x16_t256 forced (4 CTAs per SM), unsplit.
// ctas = 49 x ceil(n / 64); the busiest SM runs load = ceil(ctas / 132) CTAs,
// up to 4 at a time:
//   n     1   128 | 129  320 | 321  512 | 513  640 | 641
//   ctas  49   98 | 147  245 | 294  392 | 441  490 | 539
//   load  1    1  |  2    2  |  3    3  |  4    4  |  5
// The calibration fixes the constants this needs (compute bound, and the
// co-resident cost) so the test does not follow the defaults:
//   co-resident cost 0.5: each co-resident CTA adds half a lone CTA's time,
//   so the latency steps where the load changes (crossing 132, 264, 396,
//   528 CTAs) and is flat in between;
//   co-resident cost 0 (the whole-wave model): a round of up to 4 costs one
//   lone CTA, so the only step is at 528 CTAs (one wave), n = 641.
//
// RUN: echo '{"memory_efficiency": 0.8, "launch_us": 2, "configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.5, "co_resident_cost": 0.5}}}' > %t.co50.json
// RUN: echo '{"memory_efficiency": 0.8, "launch_us": 2, "configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.5, "co_resident_cost": 0}}}' > %t.co0.json
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 '--dnn-assign-mapping=config=sgemm_64x64x16_t256 split-k=1' --dnn-predict=calibration=%t.co50.json | FileCheck %s
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 '--dnn-assign-mapping=config=sgemm_64x64x16_t256 split-k=1' --dnn-predict=calibration=%t.co0.json | FileCheck %s --check-prefix=WHOLE

// The conv lines read: dnn.cost = #dnn.cost<latency_us = L, compute_us = C,
// memory_us = M, ...>, dnn.mapping = #dnn.mapping<... ctas = G, ...>.
// A lone CTA: 2 x 64 x 64 x 2304 FLOP at 0.5 x 66.9 / 132 TFLOP/s = 74.5 us;
// memory (input, weights, result once) at most (256 x 56 x 56 + 641 x 2304
// + 641 x 56 x 56) x 4 B = 17.1 MB at 0.8 x 3350 GB/s = 6.4 us: compute
// bound throughout.

// CHECK-LABEL: func.func @n1(
// CHECK: dnn.conv2d {{.*}}latency_us = [[L1:[0-9.]+]], compute_us = [[C1:[0-9.]+]],{{.*}}ctas = 49, ctas_per_sm = 4, waves = 0.0928>
// CHECK-LABEL: func.func @n128(
// CHECK: dnn.conv2d {{.*}}latency_us = [[L1]], compute_us = [[C1]],{{.*}}ctas = 98, ctas_per_sm = 4, waves = 0.1856>
// CHECK-LABEL: func.func @n129(
// CHECK-NOT: compute_us = [[C1]],
// CHECK: dnn.conv2d {{.*}}latency_us = [[L2:[0-9.]+]], compute_us = [[C2:[0-9.]+]],{{.*}}ctas = 147, ctas_per_sm = 4, waves = 0.2784>
// CHECK-LABEL: func.func @n320(
// CHECK: dnn.conv2d {{.*}}latency_us = [[L2]], compute_us = [[C2]],{{.*}}ctas = 245,
// CHECK-LABEL: func.func @n321(
// CHECK-NOT: compute_us = [[C2]],
// CHECK: dnn.conv2d {{.*}}latency_us = [[L3:[0-9.]+]], compute_us = [[C3:[0-9.]+]],{{.*}}ctas = 294,
// CHECK-LABEL: func.func @n512(
// CHECK: dnn.conv2d {{.*}}latency_us = [[L3]], compute_us = [[C3]],{{.*}}ctas = 392,
// CHECK-LABEL: func.func @n513(
// CHECK-NOT: compute_us = [[C3]],
// CHECK: dnn.conv2d {{.*}}latency_us = [[L4:[0-9.]+]], compute_us = [[C4:[0-9.]+]],{{.*}}ctas = 441,
// CHECK-LABEL: func.func @n640(
// CHECK: dnn.conv2d {{.*}}latency_us = [[L4]], compute_us = [[C4]],{{.*}}ctas = 490, ctas_per_sm = 4, waves = 0.928>
// CHECK-LABEL: func.func @n641(
// CHECK-NOT: compute_us = [[C4]],
// CHECK: dnn.conv2d {{.*}}compute_us = {{[0-9.]+}},{{.*}}ctas = 539, ctas_per_sm = 4, waves = 1.0208>

// WHOLE-LABEL: func.func @n1(
// WHOLE: dnn.conv2d {{.*}}latency_us = [[L:[0-9.]+]], compute_us = [[C:[0-9.]+]],
// WHOLE-LABEL: func.func @n128(
// WHOLE: dnn.conv2d {{.*}}latency_us = [[L]], compute_us = [[C]],
// WHOLE-LABEL: func.func @n129(
// WHOLE: dnn.conv2d {{.*}}latency_us = [[L]], compute_us = [[C]],
// WHOLE-LABEL: func.func @n320(
// WHOLE: dnn.conv2d {{.*}}latency_us = [[L]], compute_us = [[C]],
// WHOLE-LABEL: func.func @n321(
// WHOLE: dnn.conv2d {{.*}}latency_us = [[L]], compute_us = [[C]],
// WHOLE-LABEL: func.func @n512(
// WHOLE: dnn.conv2d {{.*}}latency_us = [[L]], compute_us = [[C]],
// WHOLE-LABEL: func.func @n513(
// WHOLE: dnn.conv2d {{.*}}latency_us = [[L]], compute_us = [[C]],
// WHOLE-LABEL: func.func @n640(
// WHOLE: dnn.conv2d {{.*}}latency_us = [[L]], compute_us = [[C]],
// WHOLE-LABEL: func.func @n641(
// WHOLE-NOT: compute_us = [[C]],
// WHOLE: dnn.conv2d {{.*}}compute_us = {{[0-9.]+}},{{.*}}ctas = 539,

func.func @n1(%x: tensor<1x256x56x56xf32>, %w: tensor<1x256x3x3xf32>) -> tensor<1x1x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<1x256x3x3xf32>) -> tensor<1x1x56x56xf32>
  return %y : tensor<1x1x56x56xf32>
}
func.func @n128(%x: tensor<1x256x56x56xf32>, %w: tensor<128x256x3x3xf32>) -> tensor<1x128x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<128x256x3x3xf32>) -> tensor<1x128x56x56xf32>
  return %y : tensor<1x128x56x56xf32>
}
func.func @n129(%x: tensor<1x256x56x56xf32>, %w: tensor<129x256x3x3xf32>) -> tensor<1x129x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<129x256x3x3xf32>) -> tensor<1x129x56x56xf32>
  return %y : tensor<1x129x56x56xf32>
}
func.func @n320(%x: tensor<1x256x56x56xf32>, %w: tensor<320x256x3x3xf32>) -> tensor<1x320x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<320x256x3x3xf32>) -> tensor<1x320x56x56xf32>
  return %y : tensor<1x320x56x56xf32>
}
func.func @n321(%x: tensor<1x256x56x56xf32>, %w: tensor<321x256x3x3xf32>) -> tensor<1x321x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<321x256x3x3xf32>) -> tensor<1x321x56x56xf32>
  return %y : tensor<1x321x56x56xf32>
}
func.func @n512(%x: tensor<1x256x56x56xf32>, %w: tensor<512x256x3x3xf32>) -> tensor<1x512x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<512x256x3x3xf32>) -> tensor<1x512x56x56xf32>
  return %y : tensor<1x512x56x56xf32>
}
func.func @n513(%x: tensor<1x256x56x56xf32>, %w: tensor<513x256x3x3xf32>) -> tensor<1x513x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<513x256x3x3xf32>) -> tensor<1x513x56x56xf32>
  return %y : tensor<1x513x56x56xf32>
}
func.func @n640(%x: tensor<1x256x56x56xf32>, %w: tensor<640x256x3x3xf32>) -> tensor<1x640x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<640x256x3x3xf32>) -> tensor<1x640x56x56xf32>
  return %y : tensor<1x640x56x56xf32>
}
func.func @n641(%x: tensor<1x256x56x56xf32>, %w: tensor<641x256x3x3xf32>) -> tensor<1x641x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x256x56x56xf32>, tensor<641x256x3x3xf32>) -> tensor<1x641x56x56xf32>
  return %y : tensor<1x641x56x56xf32>
}
