// What dnn-lower-to-gpu refuses, each with a located diagnostic.
// RUN: dnn-opt %s --split-input-file --dnn-lower-to-gpu="abi=false" -verify-diagnostics

// A GEMM-like op without #dnn.mapping: the mapping fixes the kernel.
func.func @no_mapping(%x: tensor<4x8xf32>, %w: tensor<16x8xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{has no #dnn.mapping: run dnn-assign-mapping first}}
  %y = dnn.linear %x, %w : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// f64 has no kernels.
func.func @double(%x: tensor<4x8xf64>) -> tensor<4x8xf64> {
  // expected-error @+1 {{has kernels for f32, f16 and bf16 tensors (and integer sparse offsets), got 'tensor<4x8xf64>'}}
  %y = dnn.activation relu %x : tensor<4x8xf64>
  return %y : tensor<4x8xf64>
}

// -----

// Ops of other dialects.
func.func @foreign(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{cannot be lowered to the GPU by dnn-lower-to-gpu}}
  %y = arith.addf %x, %x : tensor<4xf32>
  %z = dnn.activation relu %y : tensor<4xf32>
  return %z : tensor<4xf32>
}

// -----

// A mapping whose CTA count is not its tiles' grid (stale after a shape
// change): 100 x 70 in 64x64 tiles is 4 CTAs, not 9.
func.func @stale(%x: tensor<100x8xf32>, %w: tensor<70x8xf32>) -> tensor<100x70xf32> {
  // expected-error @+1 {{#dnn.mapping says 9 CTAs but its tiles give a grid of 2x2x1}}
  %y = dnn.linear %x, %w {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 9, ctas_per_sm = 1, waves = 0.1>} : (tensor<100x8xf32>, tensor<70x8xf32>) -> tensor<100x70xf32>
  return %y : tensor<100x70xf32>
}

// -----

// A matmul operand broadcast along some batch dims only.
func.func @partial_broadcast(%a: tensor<2x3x4x8xf32>, %b: tensor<3x8x5xf32>) -> tensor<2x3x4x5xf32> {
  // expected-error @+1 {{broadcast along only some batch dims is not supported yet}}
  %y = dnn.matmul %a, %b {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 6, ctas_per_sm = 1, waves = 0.1>} : (tensor<2x3x4x8xf32>, tensor<3x8x5xf32>) -> tensor<2x3x4x5xf32>
  return %y : tensor<2x3x4x5xf32>
}

// -----

// Recurrent layers need the level and kernel geometry dnn-fuse-rnn records.
func.func @lstm(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> tensor<5x1x2x4xf32> {
  // expected-error @+1 {{'dnn.lstm' op has no dnn.rnn_fusion level with its #dnn.mapping (and dnn.input_mapping): run dnn-fuse-rnn first}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 4 : i64, dnn.rnn_fusion = "hoisted"}
      : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return %y : tensor<5x1x2x4xf32>
}

// -----

// A hoisted step kernel runs one warp per hidden unit: tile_n (all gates
// of the CTA's units) must be 4 x threads / 32.
func.func @lstm_mapping(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> tensor<5x1x2x4xf32> {
  // expected-error @+1 {{'dnn.lstm' op dnn-lower-to-gpu: the #dnn.mapping is not one dnn-fuse-rnn gives (re-run it)}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 4 : i64, dnn.rnn_fusion = "hoisted",
      dnn.input_mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 1, ctas_per_sm = 1, waves = 0.01>,
      dnn.mapping = #dnn.mapping<tile_m = 2, tile_n = 8, tile_k = 32, threads = 32, ctas = 4, ctas_per_sm = 1, waves = 0.03>}
      : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return %y : tensor<5x1x2x4xf32>
}

// -----

// The grid of the step kernel (4 units / 1 per CTA) must be the mapping's.
func.func @lstm_stale(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> tensor<5x1x2x4xf32> {
  // expected-error @+1 {{'dnn.lstm' op dnn-lower-to-gpu: #dnn.mapping says 6 CTAs of 32 threads but the step kernel is 4x1 x 32 (stale mapping? re-run dnn-fuse-rnn)}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 4 : i64, dnn.rnn_fusion = "hoisted",
      dnn.input_mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 1, ctas_per_sm = 1, waves = 0.01>,
      dnn.mapping = #dnn.mapping<tile_m = 2, tile_n = 4, tile_k = 32, threads = 32, ctas = 6, ctas_per_sm = 1, waves = 0.03>}
      : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return %y : tensor<5x1x2x4xf32>
}

// -----

// Sequence lengths must be constants: a function argument of i32 is not
// one of the GPU path's tensor types.
// expected-error @+1 {{dnn-lower-to-gpu needs static f32, f16 or bf16 tensor arguments, got 'tensor<2xi32>'}}
func.func @gru_lens(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>, %l: tensor<2xi32>) -> tensor<5x1x2x4xf32> {
  %y, %yh = dnn.gru %x, %w, %r lens %l {hidden_size = 4 : i64, dnn.rnn_fusion = "unfused",
      dnn.mapping = #dnn.mapping<tile_m = 2, tile_n = 8, tile_k = 32, threads = 256, ctas = 2, ctas_per_sm = 1, waves = 0.03>}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>, tensor<2xi32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %y : tensor<5x1x2x4xf32>
}

// -----

// The persistent kernel's grid barrier needs all its CTAs resident: 200
// CTAs at one per SM do not fit on 132 SMs.
module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
func.func @rnn_resident(%x: tensor<5x2x3xf32>, %w: tensor<1x200x3xf32>, %r: tensor<1x200x200xf32>) -> tensor<5x1x2x200xf32> {
  // expected-error @+1 {{'dnn.rnn' op dnn-lower-to-gpu: the persistent kernel's 200 CTAs cannot all be resident on 'h100-sxm' (132 SMs x 1); re-run dnn-fuse-rnn}}
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 200 : i64, dnn.rnn_fusion = "persistent",
      dnn.input_mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 4, ctas_per_sm = 4, waves = 0.00757>,
      dnn.mapping = #dnn.mapping<tile_m = 2, tile_n = 1, tile_k = 200, threads = 256, smem_per_block = 200000, ctas = 200, ctas_per_sm = 1, waves = 1.5151515>}
      : (tensor<5x2x3xf32>, tensor<1x200x3xf32>, tensor<1x200x200xf32>) -> (tensor<5x1x2x200xf32>, tensor<1x2x200xf32>)
  return %y : tensor<5x1x2x200xf32>
}
}

// -----

// CUDA's launch limits: grid y and z at most 65535 CTAs. 10^12 output
// elements need more (found by the hostile-input suite: it compiled, and
// would have failed at run time).
module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @too_large(%x: tensor<1000000000x1000xf32>, %w: tensor<16x1000xf32>) -> tensor<1000000000x16xf32> {
    // expected-error @+1 {{dnn-lower-to-gpu: kernel 'linear_0' would need a grid of 1x15625000x1 CTAs of 256 threads; CUDA allows at most 2147483647x65535x65535 CTAs of 1024 threads}}
    %y = dnn.linear %x, %w {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 15625000, ctas_per_sm = 1, waves = 118371.21>} : (tensor<1000000000x1000xf32>, tensor<16x1000xf32>) -> tensor<1000000000x16xf32>
    return %y : tensor<1000000000x16xf32>
  }
}
