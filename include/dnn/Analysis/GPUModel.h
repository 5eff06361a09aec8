//===- GPUModel.h - analytical GPU performance model ------------*- C++ -*-===//
//
// The GEMM kernel configurations the GPU lowering implements, the occupancy
// and wave arithmetic of a kernel on a #dnn.gpu, the choice of a mapping,
// and a wave-quantised roofline for latency and energy. Passes (and other
// compilers) call this library; nothing here depends on a pass.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_ANALYSIS_GPUMODEL_H
#define DNN_ANALYSIS_GPUMODEL_H

#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "dnn/Dialect/DNN/IR/DNNInterfaces.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir::dnn {

/// A GEMM kernel the GPU lowering implements: its tiling, its resources
/// (from `ptxas -v` of the kernel) and two efficiency constants fitted to
/// measurements of it (see docs/performance-model.md).
struct KernelConfig {
  llvm::StringLiteral name;
  int64_t tileM, tileN, tileK, threads;
  int64_t regsPerThread; ///< ptxas -v
  int64_t smemPerBlock;  ///< bytes of static shared memory
  bool tensorCore;       ///< f16/bf16 operands on tensor cores, f32 accumulate
  /// Fraction of an SM's peak a lone CTA of this kernel reaches.
  double computeEfficiency;
  /// Extra time each further co-resident CTA costs, as a fraction of a lone
  /// CTA's time: 0 = co-resident CTAs overlap perfectly (the whole-wave
  /// model), 1 = they serialise (steps every `sms` CTAs).
  double coResidentCost;
};

/// The kernel configurations, in the order ties are broken.
llvm::ArrayRef<KernelConfig> getKernelConfigs();
const KernelConfig *findKernelConfig(llvm::StringRef name);

/// Constants of the model that are not facts of a datasheet: efficiencies,
/// overheads and energy per operation. Defaults are documented in
/// docs/performance-model.md; a calibration file overrides them per target.
struct ModelParams {
  double memoryEfficiency = 0.80;   ///< fraction of DRAM peak reached
  double l2BandwidthRatio = 2.5;    ///< L2->SM bandwidth / DRAM bandwidth
  double launchUs = 2.0;            ///< per kernel launch
  double elementwiseEfficiency = 0.70; ///< of DRAM peak, simple kernels
  double pjPerFlopFP32 = 1.0;       ///< energy per FP32 FLOP (FMA = 2)
  double pjPerFlopTensor = 0.25;    ///< energy per tensor-core FLOP
  double pjPerDramByte = 31.2;      ///< HBM2-class, 3.9 pJ/bit
  double pjPerL2Byte = 5.0;         ///< on-chip SRAM + NoC
  double staticWatts = 90.0;        ///< power drawn while a kernel runs
  /// Per-config overrides of computeEfficiency and coResidentCost.
  llvm::StringMap<std::pair<double, double>> configEfficiency;

  double computeEfficiencyOf(const KernelConfig &config) const;
  double coResidentCostOf(const KernelConfig &config) const;
};

/// Reads a calibration file (JSON, see docs/performance-model.md) into
/// `params`; reports through `emitError` and fails on malformed input.
LogicalResult loadModelParams(llvm::StringRef path, ModelParams &params,
                              llvm::function_ref<InFlightDiagnostic()> emitError);

/// CTAs of a kernel resident on one SM at once, the minimum over the limits
/// on blocks, threads, registers (allocated per warp in units of 256) and
/// shared memory (plus the per-block reservation). 0 if a single CTA does not
/// fit.
int64_t computeCTAsPerSM(GPUTargetAttr target, int64_t threads,
                         int64_t regsPerThread, int64_t smemPerBlock);

/// The mapping of a kernel of `ctas` CTAs with these tiles and resources on
/// `target`: its CTAs per SM and waves filled in. Null if a CTA does not
/// fit on an SM.
MappingAttr makeMapping(MLIRContext *context, GPUTargetAttr target,
                        int64_t tileM, int64_t tileN, int64_t tileK,
                        int64_t threads, int64_t splitK, int64_t regsPerThread,
                        int64_t smemPerBlock, int64_t ctas);

/// The mapping of `shape` onto `target` with `config`, split `splitK` ways
/// along K. Null if the kernel does not fit on an SM.
MappingAttr buildMapping(MLIRContext *context, GPUTargetAttr target,
                         const GemmShape &shape, const KernelConfig &config,
                         int64_t splitK);

/// Fraction of the SM slots busy in the last wave of `ctas` CTAs (1.0 when
/// the grid fills whole waves).
double tailUtilization(int64_t ctas, int64_t slotsPerWave);

/// What the model predicts for one kernel (or one op).
struct Cost {
  double latencyUs = 0, computeUs = 0, memoryUs = 0, launchUs = 0;
  double waves = 0, tailUtilization = 1, energyUJ = 0;
  /// The launch the prediction assumed.
  int64_t ctas = 0, ctasPerSM = 0, threads = 0;
  CostAttr toAttr(MLIRContext *context) const;
};

/// Bytes a GEMM-like op must move at least once: its operands and result.
struct GemmTraffic {
  int64_t elementBytes = 4;
  double uniqueBytes = 0;
};

/// Wave-quantised roofline of a GEMM with `mapping` (which names its config
/// through the tile and thread counts).
Cost predictGemm(GPUTargetAttr target, const ModelParams &params,
                 const GemmShape &shape, MappingAttr mapping,
                 const GemmTraffic &traffic);

/// Restrictions on chooseMapping's search (for sweeps and calibration).
struct MappingSearch {
  const KernelConfig *onlyConfig = nullptr; ///< this kernel only
  int64_t onlySplitK = 0;                   ///< this split only (0: search)
};

/// Picks the mapping of least predicted latency over every config usable
/// for the element type and split-K in {1, 2, 4, 8} (split-K only while the
/// unsplit grid is under one wave and K per split stays >= 256). Ties go to
/// the earlier config, then to the smaller split: deterministic. Null if no
/// candidate fits on the target.
MappingAttr chooseMapping(MLIRContext *context, GPUTargetAttr target,
                          const ModelParams &params, const GemmShape &shape,
                          const GemmTraffic &traffic, bool tensorCoreOperands,
                          const MappingSearch &search = {});

/// A memory-bound kernel (element-wise, pooling, normalisation): `bytes`
/// moved, `flops` done, one thread per 4 of `elements` in CTAs of 256.
Cost predictMemoryBound(GPUTargetAttr target, const ModelParams &params,
                        double bytes, double flops, int64_t elements);

/// The KernelConfig a mapping was built from, or null.
const KernelConfig *configOf(MappingAttr mapping, bool tensorCore);

} // namespace mlir::dnn

#endif // DNN_ANALYSIS_GPUMODEL_H
