// The recurrent layers on the GPU at each dnn-fuse-rnn level: the kernels
// per level, the host loop over the time steps, and grids from the
// #dnn.mapping dnn-fuse-rnn records (the layers: test/Runtime/Inputs/rnn_*).
//
// RUN: dnn-opt %S/../../Runtime/Inputs/rnn_lstm.mlir --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=unfused --dnn-lower-to-gpu 2>/dev/null | FileCheck %s --check-prefix=UNFUSED
// RUN: dnn-opt %S/../../Runtime/Inputs/rnn_gru.mlir --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=hoisted --dnn-lower-to-gpu 2>/dev/null | FileCheck %s --check-prefix=HOISTED
// RUN: dnn-opt %S/../../Runtime/Inputs/rnn_vanilla.mlir --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=persistent --dnn-lower-to-gpu 2>/dev/null | FileCheck %s --check-prefix=PERSISTENT
// The whole pipeline to PTX, ptxas-assembled for sm_90: no spills.
// RUN: dnn-opt %S/../../Runtime/Inputs/rnn_lstm.mlir --dnn-gpu-pipeline="target=h100 rnn-level=hoisted" 2>/dev/null | %python %dnn_src_root/utils/extract_ptx.py - -o %t.hoisted.ptx
// RUN: %dnn_ptxas -arch=sm_90 -v %t.hoisted.ptx -o %t.hoisted.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS-HOISTED
// RUN: dnn-opt %S/../../Runtime/Inputs/rnn_gru.mlir --dnn-gpu-pipeline="target=h100 rnn-level=persistent" 2>/dev/null | %python %dnn_src_root/utils/extract_ptx.py - -o %t.persistent.ptx
// RUN: %dnn_ptxas -arch=sm_90 -v %t.persistent.ptx -o %t.persistent.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS-PERSISTENT
// RUN: FileCheck %s --check-prefix=PTX < %t.persistent.ptx
// REQUIRES: ptxas

// Unfused, a bidirectional LSTM (T = 6, H = 40): the initial state, then
// per step (both directions in each launch, grid y = 2) x_t W^T and h R^T
// (one warp per row of the 160 gate rows, 8 per CTA: 20 x 2 CTAs) and the
// element-wise cell over 2 x 3 x 40 states.
// UNFUSED-LABEL: func.func @main
// UNFUSED-SAME: %{{.*}}: memref<6x2x3x40xf32>, %{{.*}}: memref<2x3x40xf32>, %{{.*}}: memref<2x3x40xf32>, %{{.*}}: memref<{{[0-9]+}}xi8>)
// UNFUSED: gpu.launch_func async {{.*}}@dnn_kernels::@lstm_unfused_init_0 blocks in (%c1
// UNFUSED: scf.for %[[S:.*]] = %{{.*}} to %c6 step
// UNFUSED: gpu.launch_func async {{.*}}@dnn_kernels::@lstm_unfused_xw_1 blocks in (%c20, %c2
// UNFUSED-SAME: %[[S]] : index)
// UNFUSED: gpu.launch_func async {{.*}}@dnn_kernels::@lstm_unfused_hr_2 blocks in (%c20{{[_0-9]*}}, %c2
// UNFUSED-SAME: dnn.mapping = #dnn.mapping<tile_m = 3, tile_n = 8, tile_k = 32, threads = 256, ctas = 40,
// UNFUSED: gpu.launch_func async {{.*}}@dnn_kernels::@lstm_unfused_cell_3 blocks in (%c1
// UNFUSED-NOT: gpu.launch_func
// UNFUSED: gpu.wait [
// UNFUSED: gpu.func @lstm_unfused_hr_2
// UNFUSED-COUNT-15: gpu.shuffle  xor
// UNFUSED-NOT: gpu.shuffle
// UNFUSED: gpu.return

// Hoisted, a reverse GRU resetting before the linear, with sequence
// lengths (T = 5, B = 4, H = 33): x W^T of all 20 rows as one GEMM before
// the loop, then per step two fused kernels (z, r . h; then the candidate
// and the update), one warp per hidden unit (33 CTAs of one warp, the
// mapping's); the lengths are a kernel argument.
// HOISTED-LABEL: func.func @main
// HOISTED: gpu.launch_func async {{.*}}@dnn_kernels::@gru_hoisted_init_0
// HOISTED: gpu.launch_func async {{.*}}@dnn_kernels::@gru_hoisted_input_gemm_1 {{.*}} args(%{{.*}} : memref<20x7xf32>, %{{.*}} : memref<99x7xf32>, %{{.*}} : memref<20x99xf32>) {dnn.mapping
// HOISTED: scf.for %{{.*}} = %{{.*}} to %c5 step
// HOISTED: gpu.launch_func async {{.*}}@dnn_kernels::@gru_hoisted_reset_step_2 blocks in (%c33, %c1
// HOISTED: gpu.launch_func async {{.*}}@dnn_kernels::@gru_hoisted_step_3 blocks in (%c33{{[_0-9]*}}, %c1
// HOISTED-SAME: dnn.mapping = #dnn.mapping<tile_m = 4, tile_n = 3, tile_k = 32, threads = 32, ctas = 33,
// HOISTED-NOT: gpu.launch_func
// HOISTED: gpu.wait [
// HOISTED: gpu.func @gru_hoisted_reset_step_2(%{{.*}}: memref<5x4x7xf32>, %{{.*}}: memref<1x99x7xf32>, %{{.*}}: memref<1x99x33xf32>, %{{.*}}: memref<1x198xf32>, %{{.*}}: memref<4xi32>, %{{.*}}: memref<1x20x99xf32>,
// Two gates (z, r) for 4 batch rows: 8 sums of 5 shuffles.
// HOISTED-COUNT-40: gpu.shuffle  xor
// HOISTED-NOT: gpu.shuffle
// HOISTED: gpu.return
// HOISTED: gpu.func @gru_hoisted_step_3
// HOISTED-COUNT-20: gpu.shuffle  xor
// HOISTED-NOT: gpu.shuffle
// HOISTED: gpu.return

// Persistent, a vanilla RNN (T = 7, H = 300): the input GEMM, then one
// cooperatively launched kernel for all steps, 100 CTAs of 3 units each
// (at most one per SM), 4800 bytes of dynamic shared memory (R rows
// 3 x 300 floats, then the 300-float state); inside, the loop over the
// steps with a grid barrier (fence, atomic arrive, volatile spin) after each.
// PERSISTENT-LABEL: func.func @main
// PERSISTENT-NOT: scf.for
// PERSISTENT: gpu.launch_func async {{.*}}@dnn_kernels::@rnn_persistent_input_gemm_1
// PERSISTENT: gpu.launch_func async {{.*}}@dnn_kernels::@dnn_coop_rnn_persistent_2 blocks in (%c100, %c1{{[_0-9]*}}, %c1{{[_0-9]*}}) threads in (%c256{{[_0-9]*}}, {{.*}} dynamic_shared_memory_size %c4800_i32
// PERSISTENT-SAME: dnn.mapping = #dnn.mapping<tile_m = 1, tile_n = 3, tile_k = 300, threads = 256, smem_per_block = 4800, ctas = 100,
// PERSISTENT: gpu.func @dnn_coop_rnn_persistent_2
// PERSISTENT: gpu.dynamic_shared_memory
// PERSISTENT: scf.for %{{.*}} = %thread_id_x to %c900 step %c256
// PERSISTENT: scf.for %{{.*}} = %{{.*}} to %c7 step
// PERSISTENT: llvm.fence syncscope("device") seq_cst
// PERSISTENT: llvm.atomicrmw add
// PERSISTENT: llvm.load volatile
// PERSISTENT: llvm.fence syncscope("device") seq_cst
// PERSISTENT: gpu.barrier
// PERSISTENT: gpu.return

// PTXAS-HOISTED: Compiling entry function 'lstm_hoisted_step_{{[0-9]+}}' for 'sm_90'
// PTXAS-HOISTED-NEXT: Function properties
// PTXAS-HOISTED-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-PERSISTENT: Compiling entry function 'dnn_coop_gru_persistent_{{[0-9]+}}' for 'sm_90'
// PTXAS-PERSISTENT-NEXT: Function properties
// PTXAS-PERSISTENT-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// Two grid barriers per step (reset gate, then candidate).
// PTX: .entry dnn_coop_gru_persistent_
// PTX-COUNT-2: atom.global.add.u32
// PTX-NOT: atom.global
