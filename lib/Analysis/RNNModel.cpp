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

  /// `batch` GEMM kernels C[m x n] = A[m x k] B[k x n] in one launch plus
  /// `extraBytes` their epilogue moves, with the mapping dnn-assign-mapping
  /// would choose (no split-K where `noSplit`); the mapping in `chosen`.
  Cost gemm(int64_t m, int64_t n, int64_t k, int64_t batch = 1,
            double extraBytes = 0, bool noSplit = false,
            MappingAttr *chosen = nullptr) const {
    GemmShape shape{batch, m, n, k};
    auto dm = static_cast<double>(m), dn = static_cast<double>(n),
         dk = static_cast<double>(k), db = static_cast<double>(batch);
    GemmTraffic traffic{eb, db * ((dm * dk + dn * dk + dm * dn) *
                                      static_cast<double>(eb) +
                                  extraBytes)};
    MappingSearch search;
    if (noSplit)
      search.onlySplitK = 1;
    MappingAttr mapping =
        chooseMapping(context, target, params, shape, traffic,
                      /*tensorCoreOperands=*/eb == 2, search);
    if (chosen)
      *chosen = mapping;
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

  /// The #dnn.mapping of a recurrent kernel: `tileN` rows of the G*H x H
  /// product (by all `tileM` batch rows) per CTA of `threads`, `ctas` CTAs,
  /// as many resident per SM as threads, blocks and `smem` allow.
  MappingAttr kernelMapping(int64_t tileM, int64_t tileN, int64_t tileK,
                            int64_t threads, int64_t smem,
                            int64_t ctas) const {
    int64_t perSM = std::min(target.getMaxThreadsPerSm() / threads,
                             target.getMaxBlocksPerSm());
    if (smem)
      perSM = std::min(perSM, target.getSmemPerSm() /
                                  (smem + target.getSmemReservedPerBlock()));
    perSM = std::max<int64_t>(perSM, 1);
    double waves = static_cast<double>(ctas) /
                   static_cast<double>(target.getSms() * perSM);
    return MappingAttr::get(context, tileM, tileN, tileK, threads,
                            /*split_k=*/1, /*regs_per_thread=*/0, smem, ctas,
                            perSM, llvm::APFloat(waves));
  }
};
} // namespace

RecurrentGeometry dnn::getRecurrentGeometry(GPUTargetAttr target,
                                            const RecurrentShape &s) {
  RecurrentGeometry g;
  int64_t h = s.hidden, d = s.dirs, sms = target.getSms();
  // Step kernel: one warp per unit; halve the CTA while the grid is short
  // of one CTA per SM.
  g.stepWarps = 8;
  while (g.stepWarps > 1 &&
         llvm::divideCeilSigned(h, g.stepWarps) * d < sms)
    g.stepWarps /= 2;
  // Persistent: at most one CTA per SM for all directions.
  int64_t perDirection = std::max<int64_t>(1, sms / d);
  g.units = llvm::divideCeilSigned(h, perDirection);
  g.persistentCtas = llvm::divideCeilSigned(h, g.units) * d;
  g.persistentSmem = getPersistentSmemBytes(s, g.units);
  return g;
}

int64_t dnn::getPersistentSmemBytes(const RecurrentShape &s, int64_t units) {
  return static_cast<int64_t>(
             llvm::alignTo(units * s.gates * s.hidden * s.elementBytes, 16)) +
         s.batch * s.hidden * 4;
}

SmallVector<RNNLevelCost, 3>
dnn::predictRecurrentLevels(MLIRContext *context, GPUTargetAttr target,
                            const ModelParams &params,
                            const RecurrentShape &s) {
  Pricer p{context, target, params, s.elementBytes};
  int64_t t = s.steps, b = s.batch, h = s.hidden, d = s.dirs,
          eb = s.elementBytes, g = s.gates;
  int64_t gh = g * h;
  auto steps = static_cast<double>(t);
  RecurrentGeometry geo = getRecurrentGeometry(target, s);
  SmallVector<RNNLevelCost, 3> levels;
  // Every level first sets the initial state (one element-wise kernel).
  Cost init = p.cell(d * b * h, 0, s.lstm);

  // Unfused: per step (both directions in each launch) two GEMMs and the
  // cell; the GEMMs run as one warp per output row.
  {
    Tally tally;
    tally.add(init);
    tally.add(p.gemm(b, gh, s.input, d), steps);
    tally.add(p.gemm(b, gh, h, d), steps);
    tally.add(p.cell(d * b * h, s.resetBeforeLinear ? 2 : g, s.lstm), steps);
    if (s.resetBeforeLinear) {
      tally.add(p.gemm(b, h, h, d), steps);
      tally.add(p.cell(d * b * h, 2, false), steps);
    }
    RNNLevelCost level{RNNFusionLevel::Unfused, true, "", tally.cost,
                       tally.launches, tally.cost.latencyUs / steps};
    level.mapping = p.kernelMapping(b, 8, 32, 256, 0,
                                    llvm::divideCeilSigned(gh, 8) * d);
    levels.push_back(level);
  }

  // The input projection of all steps and directions, one batched GEMM.
  MappingAttr inputMapping;
  Cost projection = p.gemm(t * b, gh, s.input, d, 0, /*noSplit=*/true,
                           &inputMapping);
  // Bytes a fused step kernel moves besides its GEMM: the precomputed
  // projection of the step, the old and new state.
  double stepBytes = static_cast<double>(b * eb) *
                     (static_cast<double>(gh) + (s.lstm ? 4.0 : 2.0) *
                                                    static_cast<double>(h));

  // Hoisted: per step one fused kernel for both directions (two for a GRU
  // that resets before the linear).
  {
    Tally tally;
    tally.add(init);
    tally.add(projection);
    if (s.resetBeforeLinear) {
      tally.add(p.gemm(b, 2 * h, h, d, stepBytes), steps);
      tally.add(p.gemm(b, h, h, d, stepBytes), steps);
    } else {
      tally.add(p.gemm(b, gh, h, d, stepBytes), steps);
    }
    RNNLevelCost level{RNNFusionLevel::Hoisted, true, "", tally.cost,
                       tally.launches,
                       (tally.cost.latencyUs - projection.latencyUs -
                        init.latencyUs) /
                           steps};
    level.mapping = p.kernelMapping(
        b, g * geo.stepWarps, 32, 32 * geo.stepWarps, 0,
        llvm::divideCeilSigned(h, geo.stepWarps) * d);
    level.inputMapping = inputMapping;
    levels.push_back(level);
  }

  // Persistent: R stays on chip; every step each SM multiplies its slice of
  // R by the whole previous state (read from L2), then a grid barrier.
  {
    RNNLevelCost level;
    level.level = RNNFusionLevel::Persistent;
    int64_t sms = target.getSms();
    int64_t limit = target.getMaxSmemPerBlock();
    if (geo.persistentSmem > limit) {
      level.feasible = false;
      level.reason = llvm::formatv(
                         "a CTA's R rows ({0} units x {1} gates) and the "
                         "state need {2} KiB of shared memory, more than "
                         "the {3} KiB of a CTA ({4} CTAs on {5} SMs)",
                         geo.units, g, geo.persistentSmem / 1024,
                         limit / 1024, geo.persistentCtas, sms)
                         .str();
    } else {
      level.mapping = p.kernelMapping(b, g * geo.units, h, 256,
                                      geo.persistentSmem, geo.persistentCtas);
      level.inputMapping = inputMapping;
    }
    double rBytes = s.recurrenceBytes();
    double clockPerUs = static_cast<double>(target.getClockMhz());
    double flops = 2.0 * static_cast<double>(b * d * gh * h);
    double computeUs = flops / (target.getPeakFP32TFlops() * 1e6 * 0.5);
    // R read from shared memory: 128 bytes per clock per SM.
    double onChipUs = rBytes / (static_cast<double>(sms) * 128.0 * clockPerUs);
    // Every CTA reads the previous state of its direction from L2.
    double dramBytesPerUs = target.getDramBandwidthGBps() * 1e3;
    double stateUs = static_cast<double>(geo.persistentCtas * b * h * 4) /
                     (dramBytesPerUs * params.l2BandwidthRatio);
    double barriers = s.resetBeforeLinear ? 2.0 : 1.0;
    level.stepUs = std::max(computeUs, onChipUs) + stateUs +
                   barriers * kGridBarrierUs;
    Tally tally;
    tally.add(init);
    tally.add(projection);
    Cost kernel;
    kernel.computeUs = std::max(computeUs, onChipUs) * steps;
    kernel.memoryUs = stateUs * steps;
    kernel.launchUs = params.launchUs;
    kernel.latencyUs = level.stepUs * steps + params.launchUs;
    double pj = flops * steps * params.pjPerFlopFP32 +
                rBytes * params.pjPerDramByte +
                static_cast<double>(geo.persistentCtas * b * h * 4) * steps *
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
