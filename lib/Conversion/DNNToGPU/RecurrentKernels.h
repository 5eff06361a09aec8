//===- RecurrentKernels.h - GPU kernels of the recurrent layers -*- C++ -*-===//
//
// The kernels dnn-lower-to-gpu emits for dnn.lstm / dnn.gru / dnn.rnn at
// each dnn-fuse-rnn level (docs/rnn.md). Every kernel takes the same
// arguments (the present slots below, in order, then the step index), so
// the host code passes one list to all of them:
//
//   init        h (c) slot 0 of the state from h0 (c0) or zeros; the grid
//               barrier's counter to 0
//   gemv        unfused: one warp per output row, all batch rows: x_t W^T +
//               Wb, h R^T + Rb, or (GRU resetting before the linear)
//               (r . h) Rh^T + Rbh
//   cell        unfused: one thread per (direction, batch, unit)
//   step        hoisted: one warp per hidden unit computes all its gates'
//               rows of h R^T (xor-shuffle sums), then the cell
//   persistent  every step in one kernel: a CTA keeps the R rows of its
//               units in shared memory, stages the state there each step,
//               and a grid-wide barrier (atomics, cooperative launch)
//               separates the steps
//
// The state is double-buffered in f32: step s reads slot s % 2 and writes
// the other; Y, Y_h, Y_c are written as the steps go. Private to
// lib/Conversion/DNNToGPU.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_LIB_CONVERSION_DNNTOGPU_RECURRENTKERNELS_H
#define DNN_LIB_CONVERSION_DNNTOGPU_RECURRENTKERNELS_H

#include "dnn/Analysis/RNNModel.h"
#include "dnn/Conversion/DNNToLinalg/DNNToLinalg.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <array>

namespace mlir::dnn::gpukernels {

/// The kernels' arguments, in this order (absent ones are skipped).
enum class RecurrentSlot {
  X,        ///< T x B x I
  W,        ///< D x G*H x I
  R,        ///< D x G*H x H
  Bias,     ///< D x 2*G*H (optional)
  Lens,     ///< B x i32 (optional)
  Peephole, ///< D x 3*H (optional, LSTM)
  H0,       ///< D x B x H (optional)
  C0,       ///< D x B x H (optional, LSTM)
  Proj,     ///< hoisted / persistent: D x T*B x G*H f32, x W^T (no bias)
  XW,       ///< unfused: D x B x G*H f32, x_t W^T + Wb
  HR,       ///< unfused: D x B x G*H f32, h R^T + Rb
  HN,       ///< unfused GRU resetting first: D x B x H f32
  HBuf,     ///< 2 x D x B x H f32, the state h
  CBuf,     ///< 2 x D x B x H f32, the cell state (LSTM)
  RH,       ///< GRU resetting first: D x B x H f32, r . h
  Z,        ///< GRU resetting first: D x B x H f32, the update gate
  Y,        ///< T x D x B x H
  Yh,       ///< D x B x H
  Yc,       ///< D x B x H (LSTM)
  Counter,  ///< persistent: 1 x i32, the grid barrier
  NumSlots
};

/// Which part of a step a kernel does.
enum class RecurrentPhase {
  Full,      ///< every gate and the state update
  ResetGate, ///< GRU resetting first: z and r . h (gates z, r)
  Candidate  ///< GRU resetting first: the candidate and the update
};

/// What a unfused gemv kernel multiplies.
enum class RecurrentGemv { Input, Recurrent, Candidate };

struct RecurrentKernelSpec {
  enum class Cell { LSTM, GRU, RNN } cell = Cell::RNN;
  int64_t steps = 1, batch = 1, input = 1, hidden = 1, dirs = 1, gates = 1;
  bool reverseOnly = false; ///< direction = reverse
  std::optional<double> clip;
  bool inputForget = false, linearBeforeReset = false;
  /// The cell functions of each direction.
  SmallVector<SmallVector<RecurrentCellFunction>, 2> functions;
  /// Of X, W, R, bias, peepholes, h0/c0 and the results.
  Type element;
  RNNFusionLevel level = RNNFusionLevel::Hoisted;
  bool bias = false, lens = false, h0 = false, c0 = false, peephole = false;
  /// Warps per CTA (gemv, step and persistent kernels).
  int64_t warps = 8;
  /// Persistent: hidden units per CTA.
  int64_t units = 1;

  bool resetBeforeLinear() const {
    return cell == Cell::GRU && !linearBeforeReset;
  }
  /// The memref type of each slot (null where the kernels do not take it).
  std::array<Type, static_cast<size_t>(RecurrentSlot::NumSlots)>
  slotTypes(MLIRContext *ctx) const;
  /// Dynamic shared memory of the persistent kernel: the R rows of `units`
  /// units, then the B x H state as f32.
  int64_t persistentSmemBytes() const;
};

/// CTAs per direction of the step kernel (ceil(H / warps)) and of the
/// persistent kernel (ceil(H / units)).
int64_t getRecurrentStepCtas(const RecurrentKernelSpec &spec);

gpu::GPUFuncOp buildRecurrentInitKernel(OpBuilder &builder, Location loc,
                                        gpu::GPUModuleOp module, StringRef name,
                                        const RecurrentKernelSpec &spec);
/// Grid (ceil(rows / warps), D): rows = G*H (Input, Recurrent) or H.
gpu::GPUFuncOp buildRecurrentGemvKernel(OpBuilder &builder, Location loc,
                                        gpu::GPUModuleOp module, StringRef name,
                                        const RecurrentKernelSpec &spec,
                                        RecurrentGemv what);
/// Grid ceil(D*B*H / 256) x 256.
gpu::GPUFuncOp buildRecurrentCellKernel(OpBuilder &builder, Location loc,
                                        gpu::GPUModuleOp module, StringRef name,
                                        const RecurrentKernelSpec &spec,
                                        RecurrentPhase phase);
/// Grid (getRecurrentStepCtas, D) x 32*warps.
gpu::GPUFuncOp buildRecurrentStepKernel(OpBuilder &builder, Location loc,
                                        gpu::GPUModuleOp module, StringRef name,
                                        const RecurrentKernelSpec &spec,
                                        RecurrentPhase phase);
/// Grid (getRecurrentStepCtas, D) x 32*warps, persistentSmemBytes() of
/// dynamic shared memory; needs a cooperative launch (its name starts with
/// DNN_COOPERATIVE_KERNEL_PREFIX).
gpu::GPUFuncOp buildRecurrentPersistentKernel(OpBuilder &builder, Location loc,
                                              gpu::GPUModuleOp module,
                                              StringRef name,
                                              const RecurrentKernelSpec &spec);

} // namespace mlir::dnn::gpukernels

#endif // DNN_LIB_CONVERSION_DNNTOGPU_RECURRENTKERNELS_H
