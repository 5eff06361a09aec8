// dnn-assign-mapping on the H100 preset with the model's default constants.
// Which FP32 kernel wins depends on constants that are being calibrated, so
// those checks accept any FP32 kernel and check what the choice cannot
// change; test/Analysis/forced-mapping.mlir has the exact grids of each
// kernel. The kernel table (lib/Analysis/GPUModel.cpp):
//   sgemm_64x64x16_t256    64 regs,  8192 B smem -> 4 CTAs/SM on the H100
//   sgemm_128x64x16_t256  108 regs, 12288 B      -> 2
//   sgemm_128x128x8_t256  127 regs,  8192 B      -> 2
//   hgemm_128x128x32_t256 128 regs, 20480 B      -> 2 (f16/bf16 only)
//
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping | FileCheck %s
// The mappings pass the #dnn.mapping verifiers (parameters, and occupancy
// and waves against the module's target) when read back:
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping | dnn-opt | FileCheck %s
// The same with the fitted H100 constants the project ships (the checks
// below do not depend on the constants):
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%dnn_src_root/data/calibration/h100-sxm.json --dnn-predict=calibration=%dnn_src_root/data/calibration/h100-sxm.json | dnn-opt | FileCheck %s
// ... on every preset, with dnn-predict on top (V100 and T4 reserve no shared
// memory per block: the occupancy of a CTA without any must not divide by 0):
// RUN: dnn-opt %s --dnn-attach-target=gpu=v100 --dnn-assign-mapping --dnn-predict | dnn-opt | FileCheck %s --check-prefix=ANY
// RUN: dnn-opt %s --dnn-attach-target=gpu=t4 --dnn-assign-mapping --dnn-predict | dnn-opt | FileCheck %s --check-prefix=ANY
// RUN: dnn-opt %s --dnn-attach-target=gpu=a100 --dnn-assign-mapping --dnn-predict | dnn-opt | FileCheck %s --check-prefix=ANY
// RUN: dnn-opt %s --dnn-attach-target=gpu=orin --dnn-assign-mapping --dnn-predict | dnn-opt | FileCheck %s --check-prefix=ANY
// RUN: dnn-opt %s --dnn-attach-target=gpu=rtx-4090 --dnn-assign-mapping --dnn-predict | dnn-opt | FileCheck %s --check-prefix=ANY
// RUN: dnn-opt %s --dnn-attach-target=gpu=l4 --dnn-assign-mapping --dnn-predict | dnn-opt | FileCheck %s --check-prefix=ANY
// RUN: dnn-opt %s --dnn-attach-target=gpu=h200 --dnn-assign-mapping --dnn-predict | dnn-opt | FileCheck %s --check-prefix=ANY
// ... and on a (fictional) GPU so wide that one CTA is under 0.00005 waves,
// which rounding to 4 decimals must not turn into 0:
// RUN: dnn-opt %s '--dnn-attach-target=gpu={#dnn.gpu<name = "wafer", arch = "sm_90", sms = 20000, clock_mhz = 1000, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, l2_bytes = 52428800, dram_gbps = 3350, fp32_tflops = 10000, tc_tflops = 100000>}' --dnn-assign-mapping | dnn-opt | FileCheck %s --check-prefix=WAFER
//
// Errors.
// RUN: not dnn-opt %s --dnn-assign-mapping 2>&1 | FileCheck %s --check-prefix=NOTARGET
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=config=sgemm_256x256x8_t512 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=config=sgemm_128x64x16_t256 2>&1 | FileCheck %s --check-prefix=F32ONF16
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=config=hgemm_128x128x32_t256 2>&1 | FileCheck %s --check-prefix=F16ONF32
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%t.does-not-exist.json 2>&1 | FileCheck %s --check-prefix=NOCAL
// RUN: echo '{"launch_us": 2,' > %t.truncated.json
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%t.truncated.json 2>&1 | FileCheck %s --check-prefix=BADJSON
// RUN: echo '{"configs": {"sgemm_1x1x1_t32": {"compute_efficiency": 0.5, "co_resident_cost": 0.5}}}' > %t.unknown.json
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=calibration=%t.unknown.json 2>&1 | FileCheck %s --check-prefix=CALCONFIG
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=split-k=65 2>&1 | FileCheck %s --check-prefix=SPLIT65
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=split-k=-1 2>&1 | FileCheck %s --check-prefix=SPLITNEG

// NOTARGET: error: dnn-assign-mapping: the module has no dnn.target; run dnn-attach-target{gpu=...} first
// UNKNOWN: error: dnn-assign-mapping: unknown kernel config 'sgemm_256x256x8_t512'; known: sgemm_64x64x16_t256, sgemm_128x64x16_t256, sgemm_128x128x8_t256, hgemm_128x128x32_t256
// NOCAL: error: dnn-assign-mapping: cannot read calibration file '{{.*}}.does-not-exist.json':
// BADJSON: error: dnn-assign-mapping: calibration file '{{.*}}.truncated.json' is not valid JSON
// CALCONFIG: error: dnn-assign-mapping: calibration file '{{.*}}.unknown.json': unknown kernel config 'sgemm_1x1x1_t32'
// SPLIT65: error: dnn-assign-mapping: split-k must be in [0, 64], got 65
// SPLITNEG: error: dnn-assign-mapping: split-k must be in [0, 64], got -1

// ANY-COUNT-9: dnn.mapping = #dnn.mapping<
// ANY-NOT: dnn.mapping
// WAFER-LABEL: func.func @tiny_grid_short_k
// WAFER: ctas = 1, ctas_per_sm = 4, waves = 1.25e-05>

// ResNet-style 3x3 conv, 64 -> 260 channels at 56x56: m = 3136, n = 260,
// k = 576. 260 = 4 x 64 + 4: the last column of tiles has 4 channels. Any
// FP32 kernel, 256 threads; split at most 2 (576 / 2 = 288 >= 256, but
// 576 / 4 = 144 < 256).
// CHECK-LABEL: func.func @conv_260
// CHECK: dnn.conv2d
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = {{64|128}}, tile_n = {{64|128}}, tile_k = {{8|16}}, threads = 256, {{(split_k = 2, )?}}regs_per_thread = {{64|108|127}}, smem_per_block = {{8192|12288}}, ctas = {{[0-9]+}}, ctas_per_sm = {{2|4}}, waves = {{[0-9.]+}}>
func.func @conv_260(%x: tensor<1x64x56x56xf32>, %w: tensor<260x64x3x3xf32>) -> tensor<1x260x56x56xf32> {
  // F16ONF32: assign-mapping.mlir:[[# @LINE + 1]]:8: error: dnn-assign-mapping: kernel config 'hgemm_128x128x32_t256' is for f16/bf16 operands
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<260x64x3x3xf32>) -> tensor<1x260x56x56xf32>
  return %y : tensor<1x260x56x56xf32>
}

// f16 operands run on the tensor-core kernel, the only one for them:
// 256 x 4096 x 1024 -> 2 x 32 = 64 tiles of 128x128 = 64 / 264 waves; K =
// 1024 allows splits up to 4; ctas = 64 x split.
// CHECK-LABEL: func.func @linear_f16
// CHECK: dnn.linear
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, {{(split_k = [24], )?}}regs_per_thread = 128, smem_per_block = 20480, ctas = {{64|128|256}}, ctas_per_sm = 2, waves = {{0.2424|0.4848|0.9697}}>
func.func @linear_f16(%x: tensor<256x1024xf16>, %w: tensor<4096x1024xf16>, %b: tensor<4096xf16>) -> tensor<256x4096xf16> {
  // A forced FP32 kernel stops at the first f16 op.
  // F32ONF16: assign-mapping.mlir:[[# @LINE + 1]]:8: error: dnn-assign-mapping: kernel config 'sgemm_128x64x16_t256' is for f32/f64 operands
  %y = dnn.linear %x, %w, %b : (tensor<256x1024xf16>, tensor<4096x1024xf16>, tensor<4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}

// bf16 too. 12 batched 128x128 products: 12 CTAs; K = 64 is too short to
// split. 12 / (132 x 2) = 0.04545 -> 0.0455.
// CHECK-LABEL: func.func @batched_bf16
// CHECK: dnn.matmul
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 20480, ctas = 12, ctas_per_sm = 2, waves = 0.0455>
func.func @batched_bf16(%a: tensor<12x128x64xbf16>, %b: tensor<12x64x128xbf16>) -> tensor<12x128x128xbf16> {
  %c = dnn.matmul %a, %b : (tensor<12x128x64xbf16>, tensor<12x64x128xbf16>) -> tensor<12x128x128xbf16>
  return %c : tensor<12x128x128xbf16>
}

// A tiny grid with a long K: one output tile, K = 8192. Unsplit, one CTA
// runs the whole K loop on one of 132 SMs; a split of 2, 4 or 8 spreads it
// (and the grid is still one CTA per split).
// CHECK-LABEL: func.func @tiny_grid_long_k
// CHECK: dnn.matmul
// CHECK-SAME: threads = 256, split_k = [[SPLIT:2|4|8]], regs_per_thread = {{[0-9]+}}, smem_per_block = {{[0-9]+}}, ctas = [[SPLIT]], ctas_per_sm
func.func @tiny_grid_long_k(%a: tensor<64x8192xf32>, %b: tensor<8192x64xf32>) -> tensor<64x64xf32> {
  %c = dnn.matmul %a, %b : (tensor<64x8192xf32>, tensor<8192x64xf32>) -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}

// K = 511: 511 / 2 = 255 < 256, never split (split_k = 1 is not printed).
// CHECK-LABEL: func.func @tiny_grid_short_k
// CHECK: dnn.matmul
// CHECK-SAME: threads = 256, regs_per_thread = {{[0-9]+}}, smem_per_block = {{[0-9]+}}, ctas = 1, ctas_per_sm
func.func @tiny_grid_short_k(%a: tensor<64x511xf32>, %b: tensor<511x64xf32>) -> tensor<64x64xf32> {
  %c = dnn.matmul %a, %b : (tensor<64x511xf32>, tensor<511x64xf32>) -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}

// At least a full wave on every FP32 kernel (m = 33792 = 528 x 64, n = 128:
// 528 x 2 = 1056 CTAs of 64x64 = 2 waves, 264 x 2 = 528 of 128x64 = 2
// waves, 264 of 128x128 = 1 wave): no split, however long K is.
// CHECK-LABEL: func.func @full_wave
// CHECK: dnn.linear
// CHECK-SAME: threads = 256, regs_per_thread = {{[0-9]+}}, smem_per_block = {{[0-9]+}}, ctas = {{1056|528|264}}, ctas_per_sm = {{2|4}}, waves = {{1|2}}.0>
func.func @full_wave(%x: tensor<33792x8192xf32>, %w: tensor<128x8192xf32>) -> tensor<33792x128xf32> {
  %y = dnn.linear %x, %w : (tensor<33792x8192xf32>, tensor<128x8192xf32>) -> tensor<33792x128xf32>
  return %y : tensor<33792x128xf32>
}

// Groups multiply the grid: 4 groups of m = 3136, n = 16, k = 16 x 9 = 144
// (too short to split): 4 x 49 = 196 CTAs of 64 rows, or 4 x 25 = 100 of 128.
// CHECK-LABEL: func.func @grouped
// CHECK: dnn.conv2d
// CHECK-SAME: threads = 256, regs_per_thread = {{[0-9]+}}, smem_per_block = {{[0-9]+}}, ctas = {{196|100}}, ctas_per_sm
func.func @grouped(%x: tensor<1x64x56x56xf32>, %w: tensor<64x16x3x3xf32>) -> tensor<1x64x56x56xf32> {
  %y = dnn.conv2d %x, %w {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x16x3x3xf32>) -> tensor<1x64x56x56xf32>
  return %y : tensor<1x64x56x56xf32>
}

// f64 runs on the FP32 kernels.
// CHECK-LABEL: func.func @linear_f64
// CHECK: dnn.linear
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = {{64|128}}, tile_n = {{64|128}}, tile_k = {{8|16}}, threads = 256, {{.*}}regs_per_thread = {{64|108|127}},
func.func @linear_f64(%x: tensor<8x512xf64>, %w: tensor<1000x512xf64>) -> tensor<8x1000xf64> {
  %y = dnn.linear %x, %w : (tensor<8x512xf64>, tensor<1000x512xf64>) -> tensor<8x1000xf64>
  return %y : tensor<8x1000xf64>
}

// Ops without a GEMM view get no mapping.
// CHECK-LABEL: func.func @no_gemm
// CHECK-NOT: dnn.mapping
// CHECK: return
func.func @no_gemm(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %y = dnn.activation relu %x : tensor<1x64x56x56xf32>
  %z = dnn.add %x, %y : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>
  return %z : tensor<1x64x56x56xf32>
}

// An f16 GEMM at the end: 1 tile of 128x128, 1 CTA.
// CHECK-LABEL: func.func @late_f16
// CHECK: dnn.matmul
// CHECK-SAME: tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 20480, ctas = 1, ctas_per_sm = 2, waves = 0.0038>
func.func @late_f16(%a: tensor<64x64xf16>, %b: tensor<64x64xf16>) -> tensor<64x64xf16> {
  %c = dnn.matmul %a, %b : (tensor<64x64xf16>, tensor<64x64xf16>) -> tensor<64x64xf16>
  return %c : tensor<64x64xf16>
}
