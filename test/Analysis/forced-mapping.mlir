// dnn-assign-mapping{config=... split-k=...}: with the kernel and the split
// forced, a mapping is pure arithmetic of the kernel table and the H100's
// occupancy limits, so every field is checked exactly.
//
//   ctas  = groups x ceil(m / tile_m) x ceil(n / tile_n) x split_k
//   waves = ctas / (132 SMs x ctas_per_sm), 4 decimals
//
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 '--dnn-assign-mapping=config=sgemm_64x64x16_t256 split-k=1' | FileCheck %s --check-prefix=S64
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 '--dnn-assign-mapping=config=sgemm_128x64x16_t256 split-k=1' | FileCheck %s --check-prefix=S128x64
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 '--dnn-assign-mapping=config=sgemm_128x128x8_t256 split-k=4' | FileCheck %s --check-prefix=S128SPLIT4
// A forced split with the kernel chosen by the model; the result verifies.
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=split-k=3 | dnn-opt | FileCheck %s --check-prefix=SPLIT3
// A forced kernel with the split chosen by the model.
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping=config=sgemm_64x64x16_t256 | dnn-opt | FileCheck %s --check-prefix=CHOSENSPLIT

// sgemm_64x64x16_t256: 64 regs x 32 = 2048 per warp x 8 warps = 16384 per
// CTA -> 65536 / 16384 = 4 CTAs per SM (threads allow 8, shared memory
// 233472 / (8192 + 1024) = 25): 528 slots.
// sgemm_128x64x16_t256: 108 regs -> 3584 per warp x 8 = 28672 -> 2 per SM.
// sgemm_128x128x8_t256: 127 regs -> 4096 per warp x 8 = 32768 -> 2 per SM.

// m = 3136, n = 260, k = 576.
//   64x64:   49 x 5 = 245 CTAs, 245 / 528 = 0.46402 -> 0.464
//   128x64:  25 x 5 = 125 CTAs, 125 / 264 = 0.47348 -> 0.4735
//   128x128, split 4: 25 x 3 x 4 = 300 CTAs, 300 / 264 = 1.13636 -> 1.1364
// S64-LABEL: func.func @conv_260
// S64: dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, regs_per_thread = 64, smem_per_block = 8192, ctas = 245, ctas_per_sm = 4, waves = 0.464>
// S128x64-LABEL: func.func @conv_260
// S128x64: dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 64, tile_k = 16, threads = 256, regs_per_thread = 108, smem_per_block = 12288, ctas = 125, ctas_per_sm = 2, waves = 0.4735>
// S128SPLIT4-LABEL: func.func @conv_260
// S128SPLIT4: dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 8, threads = 256, split_k = 4, regs_per_thread = 127, smem_per_block = 8192, ctas = 300, ctas_per_sm = 2, waves = 1.1364>
// SPLIT3-LABEL: func.func @conv_260
// SPLIT3: split_k = 3, regs_per_thread = {{[0-9]+}}, smem_per_block = {{[0-9]+}}, ctas = {{735|375|225}},
// 576 / 2 = 288 >= 256 allows a split of 2 (the unsplit grid is under a
// wave); 576 / 4 = 144 does not allow 4.
// CHOSENSPLIT-LABEL: func.func @conv_260
// CHOSENSPLIT: tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, {{(split_k = 2, )?}}regs_per_thread = 64, smem_per_block = 8192, ctas = {{245|490}}, ctas_per_sm = 4,
func.func @conv_260(%x: tensor<1x64x56x56xf32>, %w: tensor<260x64x3x3xf32>) -> tensor<1x260x56x56xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<260x64x3x3xf32>) -> tensor<1x260x56x56xf32>
  return %y : tensor<1x260x56x56xf32>
}

// One wave exactly and one CTA over: m = 33792 = 528 x 64 (batch 33 of
// 32x32 outputs, as a conv), n = 64, k = 1024.
//   64x64:   528 CTAs = 1.0 wave; m + 1: 529 = 1.0019 (1.001894)
//   128x64:  264 CTAs = 1.0 wave (2 per SM); m + 1: 265 = 1.0038 (1.003788)
//   128x128, split 4: 264 x 4 = 1056 = 4.0; m + 1: 1060 = 4.0152 (4.015152)
// S64-LABEL: func.func @one_wave
// S64: ctas = 528, ctas_per_sm = 4, waves = 1.0>
// S64-LABEL: func.func @one_wave_plus_one
// S64: ctas = 529, ctas_per_sm = 4, waves = 1.0019>
// S128x64-LABEL: func.func @one_wave
// S128x64: ctas = 264, ctas_per_sm = 2, waves = 1.0>
// S128x64-LABEL: func.func @one_wave_plus_one
// S128x64: ctas = 265, ctas_per_sm = 2, waves = 1.0038>
// S128SPLIT4-LABEL: func.func @one_wave
// S128SPLIT4: split_k = 4, {{.*}}ctas = 1056, ctas_per_sm = 2, waves = 4.0>
// S128SPLIT4-LABEL: func.func @one_wave_plus_one
// S128SPLIT4: split_k = 4, {{.*}}ctas = 1060, ctas_per_sm = 2, waves = 4.0152>
// With the unsplit grid at a whole wave, the model does not split.
// CHOSENSPLIT-LABEL: func.func @one_wave
// CHOSENSPLIT: threads = 256, regs_per_thread = 64, smem_per_block = 8192, ctas = 528, ctas_per_sm = 4, waves = 1.0>
func.func @one_wave(%x: tensor<33x64x32x32xf32>, %w: tensor<64x64x4x4xf32>) -> tensor<33x64x32x32xf32> {
  // k = 64 x 4 x 4 = 1024; padding 1 before and 2 after keeps 32x32 outputs for a 4x4 kernel.
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 2, 2>} : (tensor<33x64x32x32xf32>, tensor<64x64x4x4xf32>) -> tensor<33x64x32x32xf32>
  return %y : tensor<33x64x32x32xf32>
}
func.func @one_wave_plus_one(%x: tensor<33793x1024xf32>, %w: tensor<64x1024xf32>) -> tensor<33793x64xf32> {
  %y = dnn.linear %x, %w : (tensor<33793x1024xf32>, tensor<64x1024xf32>) -> tensor<33793x64xf32>
  return %y : tensor<33793x64xf32>
}

// Grouped and depthwise convs: batch = groups.
// 4 groups of m = 3136, n = 16, k = 144:
//   64x64: 4 x 49 = 196 = 0.3712 (0.371212); 128x64: 4 x 25 = 100 = 0.3788
//   (0.378788); 128x128 split 4: 4 x 25 x 4 = 400 = 1.5152 (1.515152)
// Depthwise, 64 groups of n = 1, k = 9 at 56x56:
//   64x64: 64 x 49 = 3136 = 5.9394 (5.939394); 128x64: 64 x 25 = 1600 =
//   6.0606 (6.060606); 128x128 split 4: 6400 = 24.2424 (24.242424)
// S64-LABEL: func.func @grouped
// S64: ctas = 196, ctas_per_sm = 4, waves = 0.3712>
// S64: ctas = 3136, ctas_per_sm = 4, waves = 5.9394>
// S128x64-LABEL: func.func @grouped
// S128x64: ctas = 100, ctas_per_sm = 2, waves = 0.3788>
// S128x64: ctas = 1600, ctas_per_sm = 2, waves = 6.0606>
// S128SPLIT4-LABEL: func.func @grouped
// S128SPLIT4: ctas = 400, ctas_per_sm = 2, waves = 1.5152>
// S128SPLIT4: ctas = 6400, ctas_per_sm = 2, waves = 24.2424>
func.func @grouped(%x: tensor<1x64x56x56xf32>, %w: tensor<64x16x3x3xf32>, %dw: tensor<64x1x3x3xf32>) -> tensor<1x64x56x56xf32> {
  %y = dnn.conv2d %x, %w {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x16x3x3xf32>) -> tensor<1x64x56x56xf32>
  %z = dnn.conv2d %y, %dw {groups = 64 : i64, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x56x56xf32>
  return %z : tensor<1x64x56x56xf32>
}

// Batched matmul with broadcasting: batch 2 x 3 = 6 products of 8 x 5,
// k = 4: one tile each, 6 CTAs; a forced split of 4 splits even K = 4.
//   64x64: 6 / 528 = 0.0114 (0.011364); 128x128 split 4: 24 / 264 = 0.0909
// S64-LABEL: func.func @batched
// S64: ctas = 6, ctas_per_sm = 4, waves = 0.0114>
// S128SPLIT4-LABEL: func.func @batched
// S128SPLIT4: split_k = 4, {{.*}}ctas = 24, ctas_per_sm = 2, waves = 0.0909>
func.func @batched(%a: tensor<2x1x8x4xf32>, %b: tensor<3x4x5xf32>) -> tensor<2x3x8x5xf32> {
  %c = dnn.matmul %a, %b : (tensor<2x1x8x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x8x5xf32>
  return %c : tensor<2x3x8x5xf32>
}
