//===- RNNModel.cpp - recurrent layers in the performance model -----------===//

#include "dnn/Analysis/RNNModel.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace mlir::dnn;

RecurrentShape dnn::getRecurrentShape(RecurrentOpInterface op) {
  RecurrentShape s;
  s.steps = op.getSteps();
  s.batch = op.getBatch();
  s.input = op.getInputSize();
  s.dirs = op.getNumDirections();
  s.gates = op.getNumGates();
  s.hidden = op->getAttrOfType<IntegerAttr>("hidden_size").getInt();
  s.elementBytes =
      cast<RankedTensorType>(op->getOperand(0).getType()).getElementTypeBitWidth() /
      8;
  s.lstm = isa<LSTMOp>(op.getOperation());
  if (auto gru = dyn_cast<GRUOp>(op.getOperation()))
    s.resetBeforeLinear = !gru.getLinearBeforeReset();
  return s;
}

StringRef dnn::stringifyRNNFusionLevel(RNNFusionLevel level) {
  switch (level) {
  case RNNFusionLevel::Unfused:
    return "unfused";
  case RNNFusionLevel::Hoisted:
    return "hoisted";
  case RNNFusionLevel::Persistent:
    return "persistent";
  }
  return "unfused";
}

std::optional<RNNFusionLevel> dnn::parseRNNFusionLevel(StringRef name) {
  if (name == "unfused")
    return RNNFusionLevel::Unfused;
  if (name == "hoisted")
    return RNNFusionLevel::Hoisted;
  if (name == "persistent")
    return RNNFusionLevel::Persistent;
  return std::nullopt;
}

namespace {
/// Sums kernel costs (latencies, energies, launches).
struct Tally {
  Cost cost;
  int64_t launches = 0;
  void add(const Cost &c, double times = 1.0) {
    cost.latencyUs += c.latencyUs * times;
    cost.computeUs += c.computeUs * times;
    cost.memoryUs += c.memoryUs * times;
    cost.launchUs += c.launchUs * times;
    cost.energyUJ += c.energyUJ * times;
    launches += static_cast<int64_t>(times);
  }
};

struct Pricer {
  MLIRContext *context;
  GPUTargetAttr target;
  const ModelParams &params;
  int64_t eb;

  /// One GEMM kernel C[m x n] = A[m x k] B[k x n] plus `extraBytes` its
  /// epilogue moves, with the mapping dnn-assign-mapping would choose.
  Cost gemm(int64_t m, int64_t n, int64_t k, double extraBytes = 0) const {
    GemmShape shape{1, m, n, k};
    auto dm = static_cast<double>(m), dn = static_cast<double>(n),
         dk = static_cast<double>(k);
    GemmTraffic traffic{eb, (dm * dk + dn * dk + dm * dn) *
                                    static_cast<double>(eb) +
                                extraBytes};
    MappingAttr mapping = chooseMapping(context, target, params, shape,
                                        traffic, /*tensorCoreOperands=*/eb == 2);
    if (!mapping) {
      Cost c;
      c.latencyUs = std::numeric_limits<double>::infinity();
      return c;
    }
    return predictGemm(target, params, shape, mapping, traffic);
  }

  /// The element-wise cell kernel over `elements` states reading `gateRows`
  /// pre-activations per state from two products.
  Cost cell(int64_t elements, int64_t gateRows, bool lstm) const {
    double bytes = static_cast<double>(elements * eb) *
                   (2.0 * static_cast<double>(gateRows) + (lstm ? 3.0 : 2.0));
    return predictMemoryBound(target, params, bytes,
                              12.0 * static_cast<double>(elements * gateRows),
                              elements);
  }
};
} // namespace

SmallVector<RNNLevelCost, 3>
dnn::predictRecurrentLevels(MLIRContext *context, GPUTargetAttr target,
                            const ModelParams &params,
                            const RecurrentShape &s) {
  Pricer p{context, target, params, s.elementBytes};
  int64_t t = s.steps, b = s.batch, h = s.hidden, d = s.dirs,
          eb = s.elementBytes;
  int64_t gh = s.gates * h;
  double steps = static_cast<double>(t * d);
  SmallVector<RNNLevelCost, 3> levels;

  // Unfused: per step and direction two GEMMs and the cell.
  {
    Tally tally;
    tally.add(p.gemm(b, gh, s.input), steps);
    tally.add(p.gemm(b, gh, h), steps);
    tally.add(p.cell(b * h, s.resetBeforeLinear ? 2 : s.gates, s.lstm), steps);
    if (s.resetBeforeLinear) {
      tally.add(p.gemm(b, h, h), steps);
      tally.add(p.cell(b * h, 2, false), steps);
    }
    RNNLevelCost level{RNNFusionLevel::Unfused, true, "", tally.cost,
                       tally.launches, tally.cost.latencyUs / t};
    levels.push_back(level);
  }

  // The input projection of all steps, one GEMM per direction.
  Cost projection = p.gemm(t * b, gh, s.input);
  // Bytes a fused step kernel moves besides its GEMM: the precomputed
  // projection of the step, the old and new state.
  double stepBytes = static_cast<double>(b * eb) *
                     (static_cast<double>(gh) + (s.lstm ? 4.0 : 2.0) *
                                                    static_cast<double>(h));

  // Hoisted: per step and direction one fused kernel (two for a GRU that
  // resets before the linear).
  {
    Tally tally;
    tally.add(projection, static_cast<double>(d));
    if (s.resetBeforeLinear) {
      tally.add(p.gemm(b, 2 * h, h, stepBytes), steps);
      tally.add(p.gemm(b, h, h, stepBytes), steps);
    } else {
      tally.add(p.gemm(b, gh, h, stepBytes), steps);
    }
    RNNLevelCost level{RNNFusionLevel::Hoisted, true, "", tally.cost,
                       tally.launches,
                       (tally.cost.latencyUs - projection.latencyUs * d) / t};
    levels.push_back(level);
  }

  // Persistent: R stays on chip; every step each SM multiplies its slice of
  // R by the whole previous state (read from L2), then a grid barrier.
  {
    RNNLevelCost level;
    level.level = RNNFusionLevel::Persistent;
    int64_t sms = target.getSms();
    double capacity = static_cast<double>(sms) *
                      (static_cast<double>(target.getSmemPerSm()) +
                       kRegisterFileBytes / 2.0);
    double rBytes = s.recurrenceBytes();
    if (rBytes > capacity) {
      level.feasible = false;
      level.reason = llvm::formatv("R takes {0:f1} MB, more than the {1:f1} "
                                   "MB of shared memory and half the "
                                   "registers of {2} SMs",
                                   rBytes / 1e6, capacity / 1e6, sms)
                         .str();
    }
    double clockPerUs = static_cast<double>(target.getClockMhz());
    double flops = 2.0 * static_cast<double>(b * d * gh * h);
    double computeUs = flops / (target.getPeakFP32TFlops() * 1e6 * 0.5);
    // R read from shared memory / registers: 128 bytes per clock per SM.
    double onChipUs = rBytes / (static_cast<double>(sms) * 128.0 * clockPerUs);
    // Every SM reads the previous state of every direction from L2.
    double dramBytesPerUs = target.getDramBandwidthGBps() * 1e3;
    double stateUs = static_cast<double>(sms * d * b * h * eb) /
                     (dramBytesPerUs * params.l2BandwidthRatio);
    double barriers = s.resetBeforeLinear ? 2.0 : 1.0;
    level.stepUs = std::max(computeUs, onChipUs) + stateUs +
                   barriers * kGridBarrierUs;
    Tally tally;
    tally.add(projection, static_cast<double>(d));
    Cost kernel;
    kernel.computeUs = std::max(computeUs, onChipUs) * t;
    kernel.memoryUs = stateUs * t;
    kernel.launchUs = params.launchUs;
    kernel.latencyUs = level.stepUs * t + params.launchUs;
    double pj = flops * t * params.pjPerFlopFP32 +
                rBytes * params.pjPerDramByte +
                static_cast<double>(sms * d * b * h * eb) * t *
                    params.pjPerL2Byte;
    kernel.energyUJ = pj * 1e-6 + params.staticWatts * kernel.latencyUs;
    tally.add(kernel);
    level.cost = tally.cost;
    level.launches = tally.launches;
    levels.push_back(level);
  }
  return levels;
}

const RNNLevelCost &dnn::fastestLevel(ArrayRef<RNNLevelCost> levels) {
  const RNNLevelCost *best = &levels.front();
  for (const RNNLevelCost &l : levels)
    if (l.feasible && l.cost.latencyUs < best->cost.latencyUs)
      best = &l;
  return *best;
}
