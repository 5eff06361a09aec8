// A calibration file (calibration=FILE on dnn-assign-mapping and
// dnn-predict) overrides the model's constants: it steers the choice of
// kernel and it changes the predicted costs; malformed files are errors.
//
// Per-config efficiencies decide the kernel: with one FP32 kernel at full
// efficiency and the others at 1%, that kernel wins.
// RUN: echo '{"configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.01, "co_resident_cost": 0}, "sgemm_128x64x16_t256": {"compute_efficiency": 0.01, "co_resident_cost": 0}, "sgemm_128x128x8_t256": {"compute_efficiency": 1, "co_resident_cost": 0}}}' > %t.big.json
// RUN: echo '{"configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 1, "co_resident_cost": 0}, "sgemm_128x64x16_t256": {"compute_efficiency": 0.01, "co_resident_cost": 0}, "sgemm_128x128x8_t256": {"compute_efficiency": 0.01, "co_resident_cost": 0}}}' > %t.small.json
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%t.big.json | FileCheck %s --check-prefix=BIG
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%t.small.json | FileCheck %s --check-prefix=SMALL
//
// Launch overhead and energy constants reach every op's cost: with launches
// of 7 us, a split-K GEMM pays 14; with no energy constants and no static
// power, energy is 0.
// RUN: echo '{"launch_us": 7, "pj_per_flop_fp32": 0, "pj_per_flop_tensor": 0, "pj_per_dram_byte": 0, "pj_per_l2_byte": 0, "static_watts": 0}' > %t.launch.json
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 '--dnn-assign-mapping=config=sgemm_64x64x16_t256 split-k=2' --dnn-predict=calibration=%t.launch.json | FileCheck %s --check-prefix=LAUNCH
//
// Malformed files.
// RUN: echo '[0.8, 2.5]' > %t.array.json
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%t.array.json 2>&1 | FileCheck %s --check-prefix=ARRAY
// RUN: echo '{"memory_efficiency": 1.25}' > %t.eff.json
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping --dnn-predict=calibration=%t.eff.json 2>&1 | FileCheck %s --check-prefix=EFF
// RUN: echo '{"launch_us": "fast"}' > %t.string.json
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%t.string.json 2>&1 | FileCheck %s --check-prefix=STRING
// RUN: echo '{"configs": {"hgemm_128x128x32_t256": {"compute_efficiency": 1.5, "co_resident_cost": 0.5}}}' > %t.config.json
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping --dnn-predict=calibration=%t.config.json 2>&1 | FileCheck %s --check-prefix=CONFIG
// RUN: echo '{"configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.5, "co_resident_cost": 1.01}}}' > %t.cost.json
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%t.cost.json 2>&1 | FileCheck %s --check-prefix=CORES

// BIG-LABEL: func.func @conv_260
// BIG: tile_m = 128, tile_n = 128, tile_k = 8, threads = 256,
// SMALL-LABEL: func.func @conv_260
// SMALL: tile_m = 64, tile_n = 64, tile_k = 16, threads = 256,

// LAUNCH-LABEL: func.func @conv_260
// LAUNCH-SAME: dnn.cost = #dnn.cost<latency_us = {{[0-9.]+}}, compute_us = {{[0-9.]+}}, memory_us = {{[0-9.]+}}, launch_us = 21.0, waves = 2.0, tail_utilization = {{[0-9.]+}}, energy_uj = 0.0>
// LAUNCH: dnn.conv2d
// LAUNCH-SAME: launch_us = 14.0, waves = 0.928, tail_utilization = 0.928, energy_uj = 0.0>
// LAUNCH-SAME: split_k = 2,
// LAUNCH: dnn.activation
// LAUNCH-SAME: launch_us = 7.0, {{.*}}energy_uj = 0.0>

// ARRAY: error: dnn-assign-mapping: calibration file '{{.*}}.array.json' must hold a JSON object
// EFF: error: dnn-predict: calibration file '{{.*}}.eff.json': efficiencies must be in (0, 1] and the L2 bandwidth ratio positive
// STRING: error: dnn-assign-mapping: calibration file '{{.*}}.string.json': 'launch_us' must be a non-negative number
// CONFIG: error: dnn-predict: calibration file '{{.*}}.config.json': config 'hgemm_128x128x32_t256' needs compute_efficiency in (0, 1] and co_resident_cost in [0, 1]
// CORES: error: dnn-assign-mapping: calibration file '{{.*}}.cost.json': config 'sgemm_64x64x16_t256' needs compute_efficiency in (0, 1] and co_resident_cost in [0, 1]

// m = 3136, n = 260, k = 576: split 2 -> 49 x 5 x 2 = 490 CTAs of 64x64,
// 490 / 528 = 0.928 waves.
func.func @conv_260(%x: tensor<1x64x56x56xf32>, %w: tensor<260x64x3x3xf32>) -> tensor<1x260x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<260x64x3x3xf32>) -> tensor<1x260x56x56xf32>
  %z = dnn.activation relu %y : tensor<1x260x56x56xf32>
  return %z : tensor<1x260x56x56xf32>
}
