//===- TailSearch.h - channel counts that fill whole waves ------*- C++ -*-===//
//
// The candidate search of tail-effect elimination. A function is seen as a
// list of kernels whose shapes and bytes are proportional to the channel
// counts of its channel groups (dnn/Analysis/ChannelGroups.h). The GPU model
// predicts every kernel for any assignment of counts, choosing each GEMM's
// mapping afresh as dnn-assign-mapping would after the rewrite. The planner
// decides the groups jointly: it sweeps over them, evaluating each group's
// candidates with the other groups at their current counts, until nothing
// changes. A GEMM pays for ceil(waves) waves, so removing channels that do
// not remove a wave buys nothing, and channels that only fill a partly empty
// last wave cost (almost) nothing.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_ANALYSIS_TAILSEARCH_H
#define DNN_ANALYSIS_TAILSEARCH_H

#include "dnn/Analysis/GPUModel.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <limits>
#include <map>
#include <string>
#include <vector>

namespace mlir::dnn {

/// Bytes of one operand or result of a kernel at the original counts. They
/// scale with the ratio (count / original count) of every group listed,
/// one per channel dimension of the tensor (a conv weight lists its output
/// and its input channel group).
struct ScaledBytes {
  double bytes = 0;
  llvm::SmallVector<unsigned, 2> groups;
};

/// One kernel of a function as the search sees it.
struct TailKernel {
  /// Name for reports (the op's location name).
  std::string name;
  /// A GEMM (chooses a mapping) or a memory-bound kernel.
  bool gemm = false;
  /// GEMM: the shape at the original counts, and the group N, K and batch
  /// are proportional to (-1: fixed). A producer of channels scales N, a
  /// consumer that reduces over them scales K, a depthwise conv (one GEMM
  /// per channel) scales batch.
  GemmShape shape;
  int nGroup = -1, kGroup = -1, batchGroup = -1;
  int64_t elementBytes = 4;
  bool tensorCore = false;
  /// Every operand and the result.
  llvm::SmallVector<ScaledBytes, 4> bytes;
  /// Memory-bound kernels: the elements one thread in four handles, the
  /// groups they scale with, and the arithmetic per element.
  int64_t elements = 0;
  llvm::SmallVector<unsigned, 2> elementGroups;
  double flopsPerElement = 0;
};

/// The channel groups of a function and its kernels.
struct TailNetwork {
  /// Original channel count per group.
  std::vector<int64_t> channels;
  /// Per group: the groups it is the concatenation of, in order (its count
  /// is their sum); empty for a group whose count is its own.
  std::vector<std::vector<unsigned>> pieces;
  std::vector<TailKernel> kernels;
};

/// The model's view of a set of kernels at one assignment of counts.
struct TailEvaluation {
  /// The count of the group being decided.
  int64_t channels = 0;
  /// Predicted latency of the kernels the group touches.
  double latencyUs = 0;
  /// Sum over those GEMMs of the waves each pays for, ceil(waves).
  int64_t paidWaves = 0;
  /// Sum over those GEMMs of their exact waves.
  double waves = 0;
  /// Fill of the last wave of the group's first producer GEMM (1 when full),
  /// the quantity auto mode thresholds.
  double producerTailUtilization = 1;
  /// Predicted latency of the whole function.
  double totalLatencyUs = 0;
};

/// Predicts a TailNetwork's kernels for any counts (memoised per kernel).
class TailModel {
public:
  TailModel(MLIRContext *context, GPUTargetAttr target,
            const ModelParams &params, TailNetwork network);

  const TailNetwork &getNetwork() const { return network; }
  unsigned getNumGroups() const { return network.channels.size(); }
  /// The original counts (concatenations included).
  std::vector<int64_t> originalCounts() const;
  /// Recomputes the count of every concatenation from its pieces.
  void derive(std::vector<int64_t> &counts) const;
  /// Kernels whose cost depends on `group`'s count: directly, or through a
  /// concatenation the group is a piece of. In program order.
  llvm::ArrayRef<unsigned> kernelsOf(unsigned group) const {
    return touched[group];
  }
  /// Kernel `i` at `counts` (derived). Fails if a GEMM fits on no config.
  FailureOr<Cost> cost(unsigned i, llvm::ArrayRef<int64_t> counts);
  /// Sums `kernels` at `counts`; `group` names the producer whose tail is
  /// reported (-1: none). totalLatencyUs is left 0.
  FailureOr<TailEvaluation> evaluate(llvm::ArrayRef<int64_t> counts,
                                     llvm::ArrayRef<unsigned> kernels,
                                     int group = -1);
  /// Predicted latency of every kernel at `counts`.
  FailureOr<double> totalLatency(llvm::ArrayRef<int64_t> counts);

private:
  MLIRContext *context;
  GPUTargetAttr target;
  const ModelParams &params;
  TailNetwork network;
  std::vector<std::vector<unsigned>> touched;
  /// Per kernel: the groups its cost depends on, and costs by their counts.
  std::vector<std::vector<unsigned>> depends;
  std::vector<std::map<std::vector<int64_t>, Cost>> memo;
};

enum class TailMode { Prune, Pad, Auto };

struct TailOptions {
  TailMode mode = TailMode::Auto;
  /// Largest fraction of the channels prune mode may remove.
  double maxPrune = 0.1;
  /// Candidates are multiples of this (8 for tensor cores).
  int64_t channelMultiple = 1;
  /// Pad mode accepts a count whose latency is at most this fraction above
  /// the original, for the group's kernels and for the whole function.
  double padTolerance = 0.005;
  /// Pad mode looks at most this fraction above the original count.
  double maxPad = 0.5;
  /// Auto mode prunes when the producer's last wave is filled below this,
  /// and pads otherwise.
  double autoPruneBelow = 0.5;
  /// Prune mode keeps the largest count that removes a wave (Largest, the
  /// least accuracy risk) or the count of least predicted latency in range
  /// (Fastest; ties go to the larger count).
  enum class PrunePick { Largest, Fastest } prunePick = PrunePick::Largest;
  /// The planner's sweeps over all groups, at most.
  unsigned maxRounds = 4;
};

/// The decision for one group.
struct TailDecision {
  TailEvaluation before, after;
  /// prune, pad or keep, and why.
  std::string action, reason;
};

/// Predicts one candidate count of one group.
using TailEvaluator =
    llvm::function_ref<FailureOr<TailEvaluation>(int64_t channels)>;

/// Picks one group's count from `channels` (its original count):
///  * prune: among candidates in [channels * (1 - maxPrune), channels)
///    that pay for fewer waves and predict less latency than `channels`,
///    the largest (or, with PrunePick::Fastest, the fastest); none: keep;
///  * pad: the largest candidate in (channels, channels * (1 + maxPad)]
///    whose latency is within padTolerance of `channels`' and whose
///    totalLatencyUs is at most `padBudgetUs`; none: keep;
///  * auto: prune when the producer's last wave is filled below
///    autoPruneBelow and pruning finds a count, else pad.
/// Candidates are multiples of channelMultiple (at least one multiple).
FailureOr<TailDecision>
chooseChannels(TailEvaluator evaluate, int64_t channels,
               const TailOptions &options,
               double padBudgetUs = std::numeric_limits<double>::infinity());

/// The outcome of planning a whole function.
struct TailPlan {
  /// Final count per group (concatenations derived).
  std::vector<int64_t> channels;
  /// Per group: before = its kernels at the original counts, after = at
  /// the final counts; action and reason of its last decision. Groups not
  /// modifiable keep "keep" and an empty reason.
  std::vector<TailDecision> decisions;
  double totalBeforeUs = 0, totalAfterUs = 0;
  /// Sweeps run (the last one changed nothing, unless maxRounds was hit).
  unsigned rounds = 0;
};

/// Decides the counts of the groups for which `modifiable` is true (never
/// concatenations: they follow their pieces). Sweeps over the groups in
/// order; each group's candidates are evaluated with the others at their
/// current counts, and a change is taken only if the whole function does
/// not get slower (prune) or stays within padTolerance of the original
/// (pad). Fails if a GEMM fits on no config.
FailureOr<TailPlan> planChannels(TailModel &model,
                                 llvm::ArrayRef<bool> modifiable,
                                 const TailOptions &options);

} // namespace mlir::dnn

#endif // DNN_ANALYSIS_TAILSEARCH_H
