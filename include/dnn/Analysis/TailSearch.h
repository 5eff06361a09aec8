//===- TailSearch.h - channel counts that fill whole waves ------*- C++ -*-===//
//
// The candidate search of tail-effect elimination: given how the ops of one
// channel group depend on the group's channel count, predict the group's
// latency for every candidate count with the GPU model and pick the count the
// mode asks for. A GEMM pays for ceil(waves) waves, so removing channels that
// do not remove a wave buys nothing, and channels that only fill a partly
// empty last wave cost (almost) nothing.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_ANALYSIS_TAILSEARCH_H
#define DNN_ANALYSIS_TAILSEARCH_H

#include "dnn/Analysis/GPUModel.h"

#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir::dnn {

/// How one op of a channel group depends on the group's channel count `c`
/// (its count before the change is `channels` in chooseChannels).
struct TailTerm {
  enum class Kind {
    /// A GEMM whose N is proportional to c (the producer of the channels:
    /// a convolution's or linear layer's output features).
    GemmN,
    /// A GEMM whose K is proportional to c (a consumer that reduces over the
    /// channels: the next convolution's input channels).
    GemmK,
    /// A GEMM whose batch is proportional to c (a depthwise convolution: one
    /// independent GEMM per channel).
    GemmBatch,
    /// A memory-bound op (batch norm, activation, pooling, add) whose bytes,
    /// flops and elements are proportional to c.
    Memory,
  };
  Kind kind = Kind::Memory;
  /// Name for reports (the op's location name).
  std::string name;
  /// GEMM terms: the shape at the original channel count, operand bytes that
  /// scale with c and those that do not, and the element type class.
  GemmShape shape;
  double scaledBytes = 0, fixedBytes = 0;
  int64_t elementBytes = 4;
  bool tensorCore = false;
  /// Memory terms at the original channel count.
  double bytes = 0, flops = 0;
  int64_t elements = 0;
};

/// The model's view of a group at one channel count.
struct TailEvaluation {
  int64_t channels = 0;
  double latencyUs = 0;
  /// Sum over the GEMM terms of the waves each pays for, ceil(waves).
  int64_t paidWaves = 0;
  /// Sum over the GEMM terms of their exact waves.
  double waves = 0;
  /// Fill of the last wave of the first GemmN term (1 when full), the
  /// quantity auto mode thresholds.
  double producerTailUtilization = 1;
};

/// Predicts the group's latency at `channels` (mappings chosen afresh for
/// every GEMM, as dnn-assign-mapping would after the rewrite). Fails if a
/// GEMM does not fit on the target.
FailureOr<TailEvaluation>
evaluateChannels(MLIRContext *context, GPUTargetAttr target,
                 const ModelParams &params, llvm::ArrayRef<TailTerm> terms,
                 int64_t originalChannels, int64_t channels);

enum class TailMode { Prune, Pad, Auto };

struct TailOptions {
  TailMode mode = TailMode::Auto;
  /// Largest fraction of the channels prune mode may remove.
  double maxPrune = 0.1;
  /// Candidates are multiples of this (8 for tensor cores); also any
  /// divisibility the group needs (convolution groups).
  int64_t channelMultiple = 1;
  /// Pad mode accepts a count whose latency is at most this fraction above
  /// the original (0: no increase at all).
  double padTolerance = 0.005;
  /// Pad mode looks at most this fraction above the original count.
  double maxPad = 0.5;
  /// Auto mode prunes when the producer's last wave is filled below this,
  /// and pads otherwise.
  double autoPruneBelow = 0.5;
};

/// The decision for one group.
struct TailDecision {
  TailEvaluation before, after;
  /// prune, pad or keep, and why.
  std::string action, reason;
};

/// Picks the group's channel count:
///  * prune: the largest candidate in [channels * (1 - maxPrune), channels)
///    whose GEMMs pay for fewer waves than the original; none: keep;
///  * pad: the largest candidate in (channels, channels * (1 + maxPad)]
///    whose latency is within padTolerance of the original; none: keep;
///  * auto: prune when the producer's last wave is filled below
///    autoPruneBelow and pruning finds a count, else pad.
/// Candidates are multiples of channelMultiple (at least one multiple).
FailureOr<TailDecision>
chooseChannels(MLIRContext *context, GPUTargetAttr target,
               const ModelParams &params, llvm::ArrayRef<TailTerm> terms,
               int64_t channels, const TailOptions &options);

} // namespace mlir::dnn

#endif // DNN_ANALYSIS_TAILSEARCH_H
