//===- GPUModel.cpp - analytical GPU performance model ------------------===//
//
// See docs/performance-model.md for the equations and where each constant
// comes from.
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/GPUModel.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::dnn;

// Registers and shared memory: `ptxas -v` (sm_90) of the kernels
// dnn-lower-to-gpu generates for each tiling, the most over a linear layer and
// a 3x3 convolution (utils/refresh_kernel_table.py --write; lit checks it).
// Efficiencies: fitted on the lent H100 to the kernels of
// utils/bench/wave_staircase.cu, which have the same tilings
// (docs/benchmarks.md; the fit is data/calibration/h100-sxm.json, made by
// utils/calibrate.py --fixed-launch 2); not yet refitted to the generated
// kernels, which no GPU has run so far.
// clang-format off
static const KernelConfig kConfigs[] = {
  // name                  tileM tileN tileK thr  regs smem   TC     eff   co-res
  {"sgemm_64x64x16_t256",    64,   64,  16, 256,  64,  8192, false, 0.321, 0.605},
  {"sgemm_128x64x16_t256",  128,   64,  16, 256, 108, 12288, false, 0.424, 0.637},
  {"sgemm_128x128x8_t256",  128,  128,   8, 256, 127,  8192, false, 0.448, 0.634},
  {"hgemm_128x128x32_t256", 128,  128,  32, 256, 128, 20480, true,  0.159, 0.464},
};
// clang-format on

ArrayRef<KernelConfig> dnn::getKernelConfigs() { return kConfigs; }

const KernelConfig *dnn::findKernelConfig(StringRef name) {
  for (const KernelConfig &c : kConfigs)
    if (c.name == name)
      return &c;
  return nullptr;
}

const KernelConfig *dnn::configOf(MappingAttr mapping, bool tensorCore) {
  for (const KernelConfig &c : kConfigs)
    if (c.tensorCore == tensorCore && c.tileM == mapping.getTileM() &&
        c.tileN == mapping.getTileN() && c.tileK == mapping.getTileK() &&
        c.threads == mapping.getThreads())
      return &c;
  return nullptr;
}

double ModelParams::computeEfficiencyOf(const KernelConfig &config) const {
  auto it = configEfficiency.find(config.name);
  return it == configEfficiency.end() ? config.computeEfficiency
                                      : it->second.first;
}

double ModelParams::coResidentCostOf(const KernelConfig &config) const {
  auto it = configEfficiency.find(config.name);
  return it == configEfficiency.end() ? config.coResidentCost
                                      : it->second.second;
}

LogicalResult
dnn::loadModelParams(StringRef path, ModelParams &params,
                     function_ref<InFlightDiagnostic()> emitError) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return emitError() << "cannot read calibration file '" << path
                       << "': " << buffer.getError().message();
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return emitError() << "calibration file '" << path
                       << "' is not valid JSON: "
                       << llvm::toString(json.takeError());
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return emitError() << "calibration file '" << path
                       << "' must hold a JSON object";
  struct Field {
    const char *key;
    double *value;
  } fields[] = {{"memory_efficiency", &params.memoryEfficiency},
                {"l2_bandwidth_ratio", &params.l2BandwidthRatio},
                {"launch_us", &params.launchUs},
                {"elementwise_efficiency", &params.elementwiseEfficiency},
                {"pj_per_flop_fp32", &params.pjPerFlopFP32},
                {"pj_per_flop_tensor", &params.pjPerFlopTensor},
                {"pj_per_dram_byte", &params.pjPerDramByte},
                {"pj_per_l2_byte", &params.pjPerL2Byte},
                {"static_watts", &params.staticWatts}};
  for (const Field &f : fields) {
    const llvm::json::Value *v = root->get(f.key);
    if (!v)
      continue;
    std::optional<double> d = v->getAsNumber();
    if (!d || !std::isfinite(*d) || *d < 0)
      return emitError() << "calibration file '" << path << "': '" << f.key
                         << "' must be a non-negative number";
    *f.value = *d;
  }
  if (params.memoryEfficiency <= 0 || params.memoryEfficiency > 1 ||
      params.elementwiseEfficiency <= 0 || params.elementwiseEfficiency > 1 ||
      params.l2BandwidthRatio <= 0)
    return emitError() << "calibration file '" << path
                       << "': efficiencies must be in (0, 1] and the L2 "
                          "bandwidth ratio positive";
  if (const llvm::json::Object *configs = root->getObject("configs")) {
    for (const auto &[key, value] : *configs) {
      StringRef name = key;
      const KernelConfig *config = findKernelConfig(name);
      const llvm::json::Object *entry = value.getAsObject();
      if (!config || !entry)
        return emitError() << "calibration file '" << path
                           << "': unknown kernel config '" << name << "'";
      std::optional<double> eff = entry->getNumber("compute_efficiency");
      std::optional<double> cost = entry->getNumber("co_resident_cost");
      if (!eff || !cost || *eff <= 0 || *eff > 1 || *cost < 0 || *cost > 1)
        return emitError() << "calibration file '" << path << "': config '"
                           << name
                           << "' needs compute_efficiency in (0, 1] and "
                              "co_resident_cost in [0, 1]";
      params.configEfficiency[name] = {*eff, *cost};
    }
  }
  return success();
}

int64_t dnn::computeCTAsPerSM(GPUTargetAttr target, int64_t threads,
                              int64_t regsPerThread, int64_t smemPerBlock) {
  if (threads <= 0 || threads > target.getMaxThreadsPerBlock())
    return 0;
  int64_t warpSize = target.getWarpSize();
  int64_t warps = (threads + warpSize - 1) / warpSize;
  int64_t limit = std::min(target.getMaxBlocksPerSm(),
                           target.getMaxThreadsPerSm() / (warps * warpSize));
  if (regsPerThread > 0) {
    if (regsPerThread > target.getMaxRegsPerThread())
      return 0;
    // Registers are allocated per warp in units of 256.
    int64_t perWarp = (regsPerThread * warpSize + 255) / 256 * 256;
    limit = std::min(limit, target.getRegsPerSm() / (perWarp * warps));
  }
  if (smemPerBlock > target.getMaxSmemPerBlock())
    return 0;
  // No limit from shared memory when a block needs none (and the target
  // reserves none per block, as on sm_70/sm_75): avoid dividing by zero.
  int64_t smemNeeded = smemPerBlock + target.getSmemReservedPerBlock();
  if (smemNeeded > 0)
    limit = std::min(limit, target.getSmemPerSm() / smemNeeded);
  return std::max<int64_t>(limit, 0);
}

/// Rounds `v` to `decimals` places: attributes are read by people, and the
/// model is nowhere near that precise.
static double roundTo(double v, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

MappingAttr dnn::makeMapping(MLIRContext *context, GPUTargetAttr target,
                             int64_t tileM, int64_t tileN, int64_t tileK,
                             int64_t threads, int64_t splitK,
                             int64_t regsPerThread, int64_t smemPerBlock,
                             int64_t ctas) {
  int64_t perSM =
      computeCTAsPerSM(target, threads, regsPerThread, smemPerBlock);
  if (perSM == 0 || splitK < 1)
    return {};
  // Four decimals: well inside the verifier's tolerance of 0.005. A grid
  // under 0.00005 waves (targets of thousands of SMs) keeps its exact value:
  // #dnn.mapping requires waves > 0.
  double exactWaves = static_cast<double>(ctas) /
                      static_cast<double>(target.getSms() * perSM);
  double waves = roundTo(exactWaves, 4);
  if (waves <= 0)
    waves = exactWaves;
  return MappingAttr::get(context, tileM, tileN, tileK, threads, splitK,
                          regsPerThread, smemPerBlock, ctas, perSM,
                          llvm::APFloat(waves));
}

MappingAttr dnn::buildMapping(MLIRContext *context, GPUTargetAttr target,
                              const GemmShape &shape,
                              const KernelConfig &config, int64_t splitK) {
  int64_t ctas = shape.batch * ceilDiv(shape.m, config.tileM) *
                 ceilDiv(shape.n, config.tileN) * splitK;
  return makeMapping(context, target, config.tileM, config.tileN,
                     config.tileK, config.threads, splitK,
                     config.regsPerThread, config.smemPerBlock, ctas);
}

CostAttr Cost::toAttr(MLIRContext *context) const {
  auto us = [](double v) { return llvm::APFloat(roundTo(v, 3)); };
  auto ratio = [](double v) { return llvm::APFloat(roundTo(v, 4)); };
  return CostAttr::get(context, us(latencyUs), us(computeUs), us(memoryUs),
                       us(launchUs), ratio(waves), ratio(tailUtilization),
                       us(energyUJ));
}

double dnn::tailUtilization(int64_t ctas, int64_t slotsPerWave) {
  int64_t rest = ctas % slotsPerWave;
  return rest == 0 ? 1.0
                   : static_cast<double>(rest) /
                         static_cast<double>(slotsPerWave);
}

Cost dnn::predictGemm(GPUTargetAttr target, const ModelParams &params,
                      const GemmShape &shape, MappingAttr mapping,
                      const GemmTraffic &traffic) {
  bool tensorCore = false;
  const KernelConfig *config = configOf(mapping, /*tensorCore=*/false);
  if (!config) {
    config = configOf(mapping, /*tensorCore=*/true);
    tensorCore = config != nullptr;
  }
  int64_t sms = target.getSms();
  int64_t perSM = mapping.getCtasPerSm();
  int64_t ctas = mapping.getCtas();
  int64_t splitK = mapping.getSplitK();
  int64_t tileM = mapping.getTileM(), tileN = mapping.getTileN();
  int64_t tileK = mapping.getTileK();
  // Every CTA computes a full tile over its K chunk, rounded up to tile_k:
  // partial edge tiles and K remainders cost as much as full ones.
  int64_t kChunk = ceilDiv(ceilDiv(shape.k, splitK), tileK) * tileK;
  double ctaFlops = 2.0 * tileM * tileN * kChunk;
  double ctaBytes =
      static_cast<double>((tileM + tileN) * kChunk * traffic.elementBytes);

  double peakTFlops = tensorCore ? target.getPeakTensorTFlops()
                                 : target.getPeakFP32TFlops();
  double efficiency =
      config ? params.computeEfficiencyOf(*config) : 0.3; // unknown kernel
  double coResident = config ? params.coResidentCostOf(*config) : 0.7;
  double smFlopsPerUs = peakTFlops * 1e6 / static_cast<double>(sms);
  double dramBytesPerUs = target.getDramBandwidthGBps() * 1e3;
  double l2BytesPerUsPerSM =
      dramBytesPerUs * params.l2BandwidthRatio / static_cast<double>(sms);
  // A CTA alone on an SM is bound by its arithmetic or by its share of the
  // L2 bandwidth feeding its tiles.
  double ctaAloneUs = std::max(ctaFlops / (smFlopsPerUs * efficiency),
                               ctaBytes / l2BytesPerUsPerSM);
  // The busiest SM runs ceil(ctas / sms) CTAs, `perSM` at a time; a round
  // of j co-resident CTAs takes ctaAlone * (1 + (j - 1) * coResident).
  int64_t load = ceilDiv(ctas, sms);
  int64_t rounds = ceilDiv(load, perSM);
  int64_t lastRound = load - (rounds - 1) * perSM;
  auto roundUs = [&](int64_t j) {
    return ctaAloneUs * (1.0 + static_cast<double>(j - 1) * coResident);
  };
  double computeUs =
      static_cast<double>(rounds - 1) * roundUs(perSM) + roundUs(lastRound);

  // DRAM: every operand and the result once; split-K adds an FP32 partial
  // result per split, written and read back by the reduction.
  double partialBytes = splitK > 1 ? 2.0 * splitK * shape.batch * shape.m *
                                         shape.n * 4.0
                                   : 0.0;
  double dramBytes = traffic.uniqueBytes + partialBytes;
  double bytesPerUs = dramBytesPerUs * params.memoryEfficiency;
  double gemmMemoryUs = traffic.uniqueBytes / bytesPerUs;
  // The reduction of the partial results is a second kernel that runs after
  // the GEMM: its traffic adds to the time instead of overlapping with it.
  double reductionUs = partialBytes / bytesPerUs;
  double launchUs = params.launchUs * (splitK > 1 ? 2.0 : 1.0);

  Cost cost;
  cost.computeUs = computeUs;
  cost.memoryUs = gemmMemoryUs + reductionUs;
  cost.launchUs = launchUs;
  cost.latencyUs = std::max(computeUs, gemmMemoryUs) + reductionUs + launchUs;
  cost.waves = mapping.getWavesValue();
  cost.tailUtilization = tailUtilization(ctas, sms * perSM);
  cost.ctas = ctas;
  cost.ctasPerSM = perSM;
  cost.threads = mapping.getThreads();
  double flops = shape.flops();
  double l2Bytes = ctaBytes * static_cast<double>(ctas);
  double pj = flops * (tensorCore ? params.pjPerFlopTensor
                                  : params.pjPerFlopFP32) +
              dramBytes * params.pjPerDramByte + l2Bytes * params.pjPerL2Byte;
  cost.energyUJ = pj * 1e-6 + params.staticWatts * cost.latencyUs;
  return cost;
}

MappingAttr dnn::chooseMapping(MLIRContext *context, GPUTargetAttr target,
                               const ModelParams &params,
                               const GemmShape &shape,
                               const GemmTraffic &traffic,
                               bool tensorCoreOperands,
                               const MappingSearch &search) {
  MappingAttr best;
  double bestUs = 0;
  for (const KernelConfig &config : kConfigs) {
    if (config.tensorCore != tensorCoreOperands ||
        (search.onlyConfig && search.onlyConfig != &config))
      continue;
    MappingAttr unsplit = buildMapping(context, target, shape, config, 1);
    if (!unsplit)
      continue;
    SmallVector<int64_t, 4> splits = {1, 2, 4, 8};
    if (search.onlySplitK > 0)
      splits = {search.onlySplitK};
    for (int64_t splitK : splits) {
      if (search.onlySplitK == 0 && splitK > 1 &&
          (unsplit.getWavesValue() >= 1.0 || shape.k / splitK < 256))
        break;
      MappingAttr mapping =
          splitK == 1 ? unsplit
                      : buildMapping(context, target, shape, config, splitK);
      double us = predictGemm(target, params, shape, mapping, traffic)
                      .latencyUs;
      // Strictly better only: ties keep the earlier choice.
      if (!best || us < bestUs * (1.0 - 1e-9)) {
        best = mapping;
        bestUs = us;
      }
    }
  }
  return best;
}

Cost dnn::predictMemoryBound(GPUTargetAttr target, const ModelParams &params,
                             double bytes, double flops, int64_t elements) {
  constexpr int64_t kThreads = 256, kElementsPerThread = 4;
  int64_t ctas =
      std::max<int64_t>(1, ceilDiv(elements, kThreads * kElementsPerThread));
  int64_t perSM = std::max<int64_t>(1, computeCTAsPerSM(target, kThreads, 32, 0));
  int64_t slots = target.getSms() * perSM;
  Cost cost;
  cost.memoryUs = bytes / (target.getDramBandwidthGBps() * 1e3 *
                           params.elementwiseEfficiency);
  cost.computeUs = flops / (target.getPeakFP32TFlops() * 1e6 * 0.5);
  cost.launchUs = params.launchUs;
  cost.latencyUs = std::max(cost.memoryUs, cost.computeUs) + cost.launchUs;
  cost.waves = static_cast<double>(ctas) / static_cast<double>(slots);
  cost.tailUtilization = tailUtilization(ctas, slots);
  cost.ctas = ctas;
  cost.ctasPerSM = perSM;
  cost.threads = kThreads;
  cost.energyUJ = (flops * params.pjPerFlopFP32 + bytes * params.pjPerDramByte) *
                      1e-6 +
                  params.staticWatts * cost.latencyUs;
  return cost;
}
