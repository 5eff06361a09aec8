//===- AccelModel.cpp - dataflow-accelerator performance model ----------===//
//
// The accelerator presets and the access-count model of a GEMM on a PE
// array (docs/performance-model.md ("Dataflow accelerators")). The dataflow is fixed (no search):
//
//   for mg in M step Mg:            // A[mg:mg+Mg, 0:K] resident in the GLB
//     for n0 in N step pe_cols:     // B[0:K, n0:n0+pe_cols] staged in the GLB
//       for m0 in mg..mg+Mg step pe_rows:
//         for k in 0..K:            // temporal, one step per cycle
//           parallel i < pe_rows, j < pe_cols:   // spatial
//             C[m0+i, n0+j] += A[m0+i, k] * B[k, n0+j]  // psum in PE (i, j)'s RF
//
// Output stationary: every output stays in one PE's RF until its K loop is
// done, so partial sums never leave the array. A[m, k] is multicast along
// a PE row, B[k, n] down a PE column. The GLB keeps as many rows of A
// (Mg, a multiple of pe_rows) as fit next to one K x pe_cols block of B;
// if not even pe_rows rows fit there is no GLB reuse and both operands are
// re-read from DRAM for every array pass.
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/AccelModel.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/GPUTargets.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::dnn;

//===----------------------------------------------------------------------===//
// Presets
//===----------------------------------------------------------------------===//

// clang-format off
static const AccelPreset kAccelPresets[] = {
  // key, aliases, PE rows, PE cols, MHz, element bytes, RF bytes/PE,
  // GLB bytes, GLB bytes/cycle, DRAM GB/s, multicast,
  // pJ per MAC, RF, NoC, GLB, DRAM access, source
  {"eyeriss", "eyeriss-v1", 12, 14, 200, 2, 520,
   128 * 1024, 64, 0.8, 14,
   1.0, 1.0, 2.0, 6.0, 200.0,
   "Chen et al., Eyeriss, ISSCC 2016 and JSSC 2017 (12x14 PEs, 200 MHz, "
   "16-bit fixed point, RF = 224 + 12 + 24 16-bit words per PE; the chip's "
   "GLB is 108 KB, 128 KB here as the preset asks); Chen et al., ISCA 2016, "
   "Table IV (energy per access normalised to a MAC: RF 1x, PE array 2x, "
   "GLB 6x, DRAM 200x). Assumptions, not from the papers: 1 pJ per 16-bit "
   "MAC, GLB 64 B/cycle, DRAM 0.8 GB/s (64-bit link at 100 MHz), multicast "
   "to a full row or column (14)"},
};
// clang-format on

ArrayRef<AccelPreset> dnn::getAccelPresets() { return kAccelPresets; }

const AccelPreset *dnn::findAccelPreset(StringRef name) {
  return findPresetByName(getAccelPresets(), name);
}

AccelTargetAttr dnn::getAccelTargetAttr(MLIRContext *context,
                                        const AccelPreset &p) {
  context->getOrLoadDialect<DNNDialect>();
  return AccelTargetAttr::get(
      context, p.key, p.peRows, p.peCols, p.clockMHz, p.elementBytes,
      p.rfBytes, p.glbBytes, p.glbBytesPerCycle, llvm::APFloat(p.dramGBps),
      p.multicast, llvm::APFloat(p.pjMac), llvm::APFloat(p.pjRf),
      llvm::APFloat(p.pjNoc), llvm::APFloat(p.pjGlb), llvm::APFloat(p.pjDram));
}

std::string dnn::getAccelPresetNameList() {
  return llvm::join(llvm::map_range(kAccelPresets,
                                    [](const AccelPreset &p) -> StringRef {
                                      return p.key;
                                    }),
                    ", ");
}

FailureOr<AccelTargetAttr>
dnn::parseAccelTargetSpec(MLIRContext *context, StringRef spec,
                          function_ref<InFlightDiagnostic()> emitError) {
  spec = spec.trim();
  if (spec.starts_with("#"))
    return parseTargetAttribute<AccelTargetAttr>(context, spec, "accelerator",
                                                 "accel", emitError);
  if (const AccelPreset *preset = findAccelPreset(spec))
    return getAccelTargetAttr(context, *preset);
  return LogicalResult(
      emitError() << "unknown accelerator '" << spec
                  << "'; accelerator presets (accel=...): "
                  << getAccelPresetNameList()
                  << "; GPU presets (gpu=...): " << getGPUPresetNameList());
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Sum over the blocks of `extent` cut into blocks of `block` (the last one
/// possibly partial) of ceil(blockSize / multicast): NoC transfers needed to
/// deliver one value to every PE of each block.
static double multicastTransfers(int64_t extent, int64_t block,
                                 int64_t multicast) {
  int64_t full = extent / block, rest = extent % block;
  return static_cast<double>(full * ceilDiv(block, multicast) +
                             (rest ? ceilDiv(rest, multicast) : 0));
}

AccelAccesses dnn::countGemmAccesses(AccelTargetAttr target,
                                     const GemmShape &shape) {
  AccelAccesses a;
  int64_t m = shape.m, n = shape.n, k = shape.k;
  if (shape.batch <= 0 || m <= 0 || n <= 0 || k <= 0)
    return a;
  double batch = static_cast<double>(shape.batch);
  int64_t rows = target.getPeRows(), cols = target.getPeCols();
  int64_t rowBlocks = ceilDiv(m, rows), colBlocks = ceilDiv(n, cols);
  double M = m, N = n, K = k;

  a.macs = batch * M * N * K;
  a.arrayPasses = batch * static_cast<double>(rowBlocks * colBlocks);
  a.computeCycles = a.arrayPasses * K;
  a.utilization =
      a.macs / (a.computeCycles * static_cast<double>(target.getNumPEs()));

  // DRAM -> GLB. Capacity in elements; the GLB holds Mg rows of A (K each)
  // and one K x min(n, cols) block of B.
  int64_t capacity = target.getGlbBytes() / target.getElementBytes();
  int64_t rowTile = std::min(m, rows), colTile = std::min(n, cols);
  double perBatchReads;
  if ((rowTile + colTile) * k <= capacity) {
    int64_t rowsFit = (capacity - colTile * k) / k;
    a.glbRowBlock = std::min(m, rowsFit / rowTile * rowTile);
    int64_t glbBlocks = ceilDiv(m, a.glbRowBlock);
    // A once; B once per GLB block of A rows.
    perBatchReads = M * K + K * N * static_cast<double>(glbBlocks);
  } else {
    // No reuse in the GLB: every array pass fetches its operands.
    a.glbRowBlock = 0;
    perBatchReads = M * K * static_cast<double>(colBlocks) +
                    K * N * static_cast<double>(rowBlocks);
  }
  a.dramReads = batch * perBatchReads;
  a.dramWrites = batch * M * N;

  // GLB: filled with what DRAM delivers; read by every array pass (tm x K of
  // A and K x tn of B; summed over passes: K * (M * colBlocks + N *
  // rowBlocks)); each output written from the array and read out to DRAM.
  double arrayReads = K * (M * static_cast<double>(colBlocks) +
                           N * static_cast<double>(rowBlocks));
  a.glb = batch * (perBatchReads + arrayReads + 2.0 * M * N);

  // NoC: A[i, k] goes to the tn PEs of its row in ceil(tn / multicast)
  // transfers, B[k, j] to the tm PEs of its column in ceil(tm / multicast);
  // each finished output takes one transfer back to the GLB.
  int64_t mc = target.getMulticast();
  a.noc = batch * (K * (M * multicastTransfers(n, cols, mc) +
                        N * multicastTransfers(m, rows, mc)) +
                   M * N);

  // RF: per MAC, read the two operands and read and write the partial sum.
  a.rf = 4.0 * a.macs;
  return a;
}

Cost dnn::predictAccelGemm(AccelTargetAttr target, const GemmShape &shape) {
  AccelAccesses a = countGemmAccesses(target, shape);
  double clockMHz = static_cast<double>(target.getClockMhz());
  double elementBytes = static_cast<double>(target.getElementBytes());
  double dramElements = a.dramReads + a.dramWrites;

  Cost cost;
  cost.computeUs = a.computeCycles / clockMHz;
  double glbUs = a.glb * elementBytes /
                 static_cast<double>(target.getGlbBytesPerCycle()) / clockMHz;
  double dramUs =
      dramElements * elementBytes / (target.getDramBandwidthGBps() * 1e3);
  cost.memoryUs = std::max(glbUs, dramUs);
  cost.launchUs = 0;
  cost.latencyUs = std::max(cost.computeUs, cost.memoryUs);
  cost.waves = a.arrayPasses;
  cost.tailUtilization = a.macs > 0 ? a.utilization : 1.0;
  cost.ctas = static_cast<int64_t>(a.arrayPasses);
  cost.ctasPerSM = 1;
  cost.threads = target.getNumPEs();
  double pj = a.macs * target.getPjMac().convertToDouble() +
              a.rf * target.getPjRf().convertToDouble() +
              a.noc * target.getPjNoc().convertToDouble() +
              a.glb * target.getPjGlb().convertToDouble() +
              dramElements * target.getPjDram().convertToDouble();
  cost.energyUJ = pj * 1e-6;
  return cost;
}

Cost dnn::predictAccelMemoryBound(AccelTargetAttr target, double elements,
                                  double ops) {
  double clockMHz = static_cast<double>(target.getClockMhz());
  double bytes = elements * static_cast<double>(target.getElementBytes());
  Cost cost;
  cost.computeUs = ops / static_cast<double>(target.getNumPEs()) / clockMHz;
  double dramUs = bytes / (target.getDramBandwidthGBps() * 1e3);
  double glbUs =
      bytes / static_cast<double>(target.getGlbBytesPerCycle()) / clockMHz;
  cost.memoryUs = std::max(dramUs, glbUs);
  cost.latencyUs = std::max(cost.computeUs, cost.memoryUs);
  cost.waves = 0;
  cost.tailUtilization = 1.0;
  cost.threads = target.getNumPEs();
  double pj = ops * target.getPjMac().convertToDouble() +
              elements * (target.getPjDram().convertToDouble() +
                          target.getPjGlb().convertToDouble());
  cost.energyUJ = pj * 1e-6;
  return cost;
}
