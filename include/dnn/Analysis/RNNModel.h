//===- RNNModel.h - recurrent layers in the performance model ---*- C++ -*-===//
//
// The three fusion levels of a recurrent layer on a GPU (docs/rnn.md) and
// their predicted cost, for dnn-fuse-rnn's choice and dnn-predict:
//
//   unfused     per time step (both directions in each launch): x_t W^T and
//               h R^T as two kernels, then an element-wise cell kernel (GRU
//               without linear_before_reset: one more product and cell
//               kernel);
//   hoisted     x W^T for all steps and directions as one batched GEMM, then
//               per step one kernel: h R^T with the cell in its epilogue
//               (GRU without linear_before_reset: two);
//   persistent  the hoisted GEMM, then one kernel for all steps: each CTA
//               keeps the R rows of its hidden units in shared memory and a
//               grid-wide barrier separates the steps. Infeasible when those
//               rows and the state do not fit in a CTA's shared memory with
//               at most one CTA per SM.
//
// Every level starts with a kernel that sets the initial state.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_ANALYSIS_RNNMODEL_H
#define DNN_ANALYSIS_RNNMODEL_H

#include "dnn/Analysis/GPUModel.h"

#include <string>

namespace mlir::dnn {

class RecurrentOpInterface;

/// A recurrent layer as the model sees it.
struct RecurrentShape {
  int64_t steps = 1, batch = 1, input = 1, hidden = 1, dirs = 1, gates = 1;
  int64_t elementBytes = 4;
  bool lstm = false;
  /// GRU with linear_before_reset = false: (r . h) Rh^T needs r first.
  bool resetBeforeLinear = false;
  /// Bytes of R (all directions).
  double recurrenceBytes() const {
    return static_cast<double>(dirs) * static_cast<double>(gates) *
           static_cast<double>(hidden) * static_cast<double>(hidden) *
           static_cast<double>(elementBytes);
  }
};

RecurrentShape getRecurrentShape(RecurrentOpInterface op);

enum class RNNFusionLevel { Unfused, Hoisted, Persistent };

StringRef stringifyRNNFusionLevel(RNNFusionLevel level);
std::optional<RNNFusionLevel> parseRNNFusionLevel(StringRef name);

struct RNNLevelCost {
  RNNFusionLevel level = RNNFusionLevel::Unfused;
  bool feasible = true;
  std::string reason; ///< why it is infeasible
  Cost cost;          ///< the whole layer
  int64_t launches = 0;
  double stepUs = 0; ///< one time step (all directions)
  /// The kernel that runs every step (unfused: the h R^T kernel, one warp
  /// per row; hoisted: the fused step kernel, one warp per hidden unit,
  /// tile_n = G x warps; persistent: tile_n = G x units per CTA,
  /// smem_per_block its shared memory). Null if infeasible.
  MappingAttr mapping;
  /// Hoisted and persistent: the batched GEMM of the input projection.
  MappingAttr inputMapping;
};

/// Where the kernels of a recurrent layer put its hidden units.
struct RecurrentGeometry {
  int64_t stepWarps = 8; ///< hoisted: warps (= units) per CTA
  int64_t units = 1;     ///< persistent: hidden units per CTA
  int64_t persistentCtas = 1;
  int64_t persistentSmem = 0; ///< bytes: R rows of `units`, then the state
};

RecurrentGeometry getRecurrentGeometry(GPUTargetAttr target,
                                       const RecurrentShape &shape);

/// Shared memory of a persistent CTA of `units` hidden units: their R rows
/// (all gates) in the layer's type, 16-byte aligned, then the B x H state
/// as f32.
int64_t getPersistentSmemBytes(const RecurrentShape &shape, int64_t units);

/// Grid-wide barrier between two steps of the persistent kernel (an
/// atomic arrive/spin over L2). Not calibrated on hardware yet.
constexpr double kGridBarrierUs = 1.0;

/// The cost of each level, unfused, hoisted, persistent.
SmallVector<RNNLevelCost, 3> predictRecurrentLevels(MLIRContext *context,
                                                     GPUTargetAttr target,
                                                     const ModelParams &params,
                                                     const RecurrentShape &shape);

/// The fastest feasible level of `levels`.
const RNNLevelCost &fastestLevel(ArrayRef<RNNLevelCost> levels);

} // namespace mlir::dnn

#endif // DNN_ANALYSIS_RNNMODEL_H
