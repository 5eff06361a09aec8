//===- SparseModel.cpp - the balanced-sparse kernel in the model ---------===//

#include "dnn/Analysis/SparseModel.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::dnn;

using llvm::divideCeilSigned;

/// Registers per thread of the generated kernel, from ptxas -v (CUDA 13.0)
/// on 7680x2560 layers (test/Conversion/DNNToGPU/sparse-kernel-ptxas.test):
/// 26-32 at batch 1 with up to 16 entries per bank (unrolled), 40 (sm_90)
/// to 64 (sm_80) at a batch tile of 8, 64 with more than 16 entries (a loop
/// over them). The larger figure of each regime.
static int64_t sparseRegsPerThread(int64_t nnz, int64_t batchTile) {
  return nnz <= 16 && batchTile == 1 ? 40 : 64;
}
/// Fraction of the shared-memory pipe (one 32-lane 4-byte load per cycle
/// per SM) the kernel sustains. Not calibrated on hardware yet.
static constexpr double kSharedPipeEfficiency = 0.7;

BalancedSparseShape
dnn::getBalancedSparseShape(BalancedSparseOpInterface op) {
  BalancedSparseShape shape;
  GemmShape gemm = op.getSparseGemmShape();
  shape.m = gemm.m;
  shape.n = gemm.n;
  shape.k = gemm.k;
  shape.xElements =
      cast<RankedTensorType>(op.getInput().getType()).getNumElements();
  shape.bankSize = op.getLayout().getBankSize();
  shape.nnz = op.getLayout().getNnz();
  auto bytes = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getElementTypeBitWidth() / 8;
  };
  shape.valueBytes = bytes(op.getValues());
  shape.indexBytes = bytes(op.getIndices());
  shape.bias = static_cast<bool>(op.getBias());
  return shape;
}

FailureOr<SparseKernelPlan>
dnn::planBalancedSparseKernel(const BalancedSparseShape &shape,
                              std::string &error) {
  SparseKernelPlan plan;
  // x is staged as f32: bytes of one 32-bank chunk of one batch row.
  int64_t chunkRowBytes = 32 * shape.bankSize * 4;
  if (chunkRowBytes > kMaxStaticSmemBytes) {
    error = "bank_size " + std::to_string(shape.bankSize) +
            " is too large for the GPU kernel: 32 banks of x take " +
            std::to_string(chunkRowBytes) + " bytes of shared memory (at most " +
            std::to_string(kMaxStaticSmemBytes) + ")";
    return failure();
  }
  plan.batchTile = std::min({shape.m, kSparseMaxBatchTile,
                             kMaxStaticSmemBytes / chunkRowBytes});
  int64_t fit = kMaxStaticSmemBytes / (plan.batchTile * shape.bankSize * 4);
  plan.banksPerChunk =
      std::min(divideCeilSigned(shape.banks(), 32) * 32, fit / 32 * 32);
  plan.smemBytes =
      plan.batchTile * shape.bankSize * plan.banksPerChunk * 4;
  plan.regsPerThread = sparseRegsPerThread(shape.nnz, plan.batchTile);
  return plan;
}

MappingAttr dnn::buildSparseMapping(MLIRContext *context, GPUTargetAttr target,
                                    const BalancedSparseShape &shape,
                                    const SparseKernelPlan &plan) {
  int64_t ctas =
      divideCeilSigned(shape.m, plan.batchTile) * divideCeilSigned(shape.n, plan.rowsPerCta);
  return makeMapping(context, target, plan.batchTile, plan.rowsPerCta,
                     plan.banksPerChunk * shape.bankSize, plan.threads,
                     /*splitK=*/1, plan.regsPerThread, plan.smemBytes, ctas);
}

MappingAttr dnn::mapBalancedSparse(MLIRContext *context, GPUTargetAttr target,
                                   const BalancedSparseShape &shape,
                                   std::string &error) {
  FailureOr<SparseKernelPlan> plan = planBalancedSparseKernel(shape, error);
  if (failed(plan))
    return {};
  MappingAttr mapping = buildSparseMapping(context, target, shape, *plan);
  if (!mapping)
    error = "the balanced-sparse kernel does not fit on " +
            target.getName().str();
  return mapping;
}

Cost dnn::predictBalancedSparse(GPUTargetAttr target,
                                const ModelParams &params,
                                const BalancedSparseShape &shape,
                                MappingAttr mapping) {
  int64_t sms = target.getSms();
  int64_t ctas = mapping.getCtas(), perSM = mapping.getCtasPerSm();
  int64_t batchTile = mapping.getTileM(), rows = mapping.getTileN();
  int64_t chunkBanks = mapping.getTileK() / shape.bankSize;
  int64_t banks = shape.banks();
  int64_t chunks = divideCeilSigned(banks, chunkBanks);
  // 32-lane passes of one warp over its row's banks, chunk by chunk.
  int64_t passes = (chunks - 1) * (chunkBanks / 32) +
                   divideCeilSigned(banks - (chunks - 1) * chunkBanks, 32);
  // Warp-wide shared-memory instructions of one CTA: one load per kept
  // entry and batch row, and the stores that stage x.
  double loads = static_cast<double>(rows * passes * shape.nnz * batchTile);
  double stores = static_cast<double>(
      divideCeilSigned(batchTile * shape.bankSize * chunkBanks * chunks, 32));
  double cyclesPerCta = (loads + stores) / kSharedPipeEfficiency;
  double clockPerUs = static_cast<double>(target.getClockMhz());
  // The busiest SM runs ceil(ctas / sms) CTAs through one pipe.
  double pipeUs = static_cast<double>(divideCeilSigned(ctas, sms)) * cyclesPerCta /
                  clockPerUs;

  double entries = static_cast<double>(shape.n) * banks * shape.nnz;
  double sparseBytes = entries * (shape.valueBytes + shape.indexBytes);
  int64_t xElements = shape.xElements ? shape.xElements : shape.m * shape.k;
  double xBytes = static_cast<double>(xElements * shape.valueBytes);
  double yBytes = static_cast<double>(shape.m * shape.n * shape.valueBytes);
  double biasBytes = shape.bias ? static_cast<double>(shape.n *
                                                      shape.valueBytes)
                                : 0.0;
  double dramBytes = sparseBytes + xBytes + yBytes + biasBytes;
  // L2 -> SM: each CTA stages its batch rows of x and reads its rows'
  // entries; CTAs over other batch tiles read the entries again.
  double l2Bytes =
      static_cast<double>(ctas) *
          static_cast<double>(batchTile * shape.k * shape.valueBytes) +
      sparseBytes * static_cast<double>(divideCeilSigned(shape.m, batchTile));
  double dramBytesPerUs = target.getDramBandwidthGBps() * 1e3;
  double memoryUs = dramBytes / (dramBytesPerUs * params.memoryEfficiency);
  double l2Us = l2Bytes / (dramBytesPerUs * params.l2BandwidthRatio);

  Cost cost;
  cost.computeUs = pipeUs;
  cost.memoryUs = std::max(memoryUs, l2Us);
  cost.launchUs = params.launchUs;
  cost.latencyUs = std::max(pipeUs, cost.memoryUs) + cost.launchUs;
  cost.waves = mapping.getWavesValue();
  cost.tailUtilization = tailUtilization(ctas, sms * perSM);
  cost.ctas = ctas;
  cost.ctasPerSM = perSM;
  cost.threads = mapping.getThreads();
  double pj = shape.flops() * params.pjPerFlopFP32 +
              dramBytes * params.pjPerDramByte + l2Bytes * params.pjPerL2Byte;
  cost.energyUJ = pj * 1e-6 + params.staticWatts * cost.latencyUs;
  return cost;
}
