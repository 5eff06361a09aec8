//===- AccelModel.h - dataflow-accelerator performance model ----*- C++ -*-===//
//
// An analytical model of a spatial DNN accelerator (#dnn.accel) after the
// DNN-Chip Predictor (Zhao et al., ICASSP 2020) and Eyeriss (Chen et al.,
// ISSCC 2016 / ISCA 2016): a fixed output-stationary dataflow, access counts
// at each level of the memory hierarchy (DRAM, global buffer, NoC, register
// file), energy as accesses times energy per access, latency as the
// slowest of compute and each level's traffic over its bandwidth.
// docs/performance-model.md ("Dataflow accelerators") gives the equations.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_ANALYSIS_ACCELMODEL_H
#define DNN_ANALYSIS_ACCELMODEL_H

#include "dnn/Analysis/GPUModel.h"
#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "dnn/Dialect/DNN/IR/DNNInterfaces.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir::dnn {

/// One row of the accelerator preset table.
struct AccelPreset {
  llvm::StringLiteral key;     ///< canonical name, also the attribute's name
  llvm::StringLiteral aliases; ///< comma-separated other accepted names
  int64_t peRows, peCols, clockMHz, elementBytes, rfBytes, glbBytes;
  int64_t glbBytesPerCycle;
  double dramGBps;
  int64_t multicast;
  double pjMac, pjRf, pjNoc, pjGlb, pjDram;
  llvm::StringLiteral source; ///< where the numbers come from
};

llvm::ArrayRef<AccelPreset> getAccelPresets();
/// The preset called `name` (key or alias, case-insensitive), or null.
const AccelPreset *findAccelPreset(llvm::StringRef name);
AccelTargetAttr getAccelTargetAttr(MLIRContext *context,
                                   const AccelPreset &preset);
/// Comma-separated keys of every accelerator preset.
std::string getAccelPresetNameList();

/// Resolves an accelerator spec: a preset name (`eyeriss`) or the text of a
/// full `#dnn.accel<...>` attribute. An unknown name is reported with the
/// accelerator and the GPU presets.
FailureOr<AccelTargetAttr>
parseAccelTargetSpec(MLIRContext *context, llvm::StringRef spec,
                     llvm::function_ref<InFlightDiagnostic()> emitError);

/// Access counts of one GEMM on the accelerator, in elements (MACs for
/// `macs`), summed over the batch.
struct AccelAccesses {
  double macs = 0;       ///< useful multiply-accumulates, batch * m * n * k
  double rf = 0;         ///< register-file reads and writes
  double noc = 0;        ///< NoC transfers (a multicast to <= `multicast` PEs is one)
  double glb = 0;        ///< global-buffer reads and writes
  double dramReads = 0;  ///< elements of A and B read from DRAM
  double dramWrites = 0; ///< elements of C written to DRAM
  double arrayPasses = 0;   ///< array tiles (pe_rows x pe_cols outputs) run
  double computeCycles = 0; ///< arrayPasses * k
  double utilization = 1;   ///< macs / (computeCycles * PEs)
  int64_t glbRowBlock = 0;  ///< rows of A kept in the GLB (0: no GLB reuse)
};

/// Counts the accesses of `shape` (C[m,n] = sum_k A[m,k] B[k,n], `batch`
/// times) under the output-stationary dataflow of docs/performance-model.md ("Dataflow accelerators").
AccelAccesses countGemmAccesses(AccelTargetAttr target, const GemmShape &shape);

/// Latency and energy of a GEMM-like op. In the returned Cost:
/// computeUs = computeCycles / clock; memoryUs = the slower of the GLB and
/// the DRAM traffic; latencyUs = max(compute, memory) (no launch overhead);
/// waves = array passes (the analogue of CTA waves); tailUtilization = PE
/// utilisation of the whole op (fraction of PE-cycles doing useful MACs);
/// ctas = array passes, ctasPerSM = 1, threads = PEs; energyUJ = sum of
/// accesses x energy per access (no static power).
Cost predictAccelGemm(AccelTargetAttr target, const GemmShape &shape);

/// A non-GEMM op on the accelerator: `elements` read and written once
/// through DRAM and the GLB (element_bytes each), `ops` simple operations
/// on the PEs at one MAC's energy, all PEs busy.
Cost predictAccelMemoryBound(AccelTargetAttr target, double elements,
                             double ops);

} // namespace mlir::dnn

#endif // DNN_ANALYSIS_ACCELMODEL_H
