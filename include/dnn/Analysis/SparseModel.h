//===- SparseModel.h - the balanced-sparse kernel in the model --*- C++ -*-===//
//
// The launch plan of the balanced-sparse GPU kernel (what dnn-lower-to-gpu
// builds for dnn.sparse_linear), its #dnn.mapping, and its predicted cost,
// so that dnn-balanced-sparsify can compare it with the dense GEMM and
// dnn-predict can report it. See docs/sparsity.md.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_ANALYSIS_SPARSEMODEL_H
#define DNN_ANALYSIS_SPARSEMODEL_H

#include "dnn/Analysis/GPUModel.h"

namespace mlir::dnn {

class BalancedSparseOpInterface;

/// A dnn.sparse_linear or dnn.sparse_conv2d as the kernel sees it: y[m x n]
/// from x[m x k] (the input, or its implicit im2col) and n rows of `banks`
/// banks of `bankSize` columns, `nnz` entries per bank.
struct BalancedSparseShape {
  int64_t m = 1, n = 1, k = 1;
  /// Elements of the input tensor (m * k for a linear layer; a
  /// convolution's im2col reads each about KH * KW / strides times).
  int64_t xElements = 0;
  int64_t bankSize = 1, nnz = 1;
  int64_t valueBytes = 4; ///< bytes per value (and per x / y element)
  int64_t indexBytes = 1; ///< bytes per stored offset
  bool bias = false;
  int64_t banks() const { return (k + bankSize - 1) / bankSize; }
  /// Multiply-adds times two, over the kept entries only.
  double flops() const {
    return 2.0 * static_cast<double>(m) * static_cast<double>(n) *
           static_cast<double>(banks()) * static_cast<double>(nnz);
  }
};

BalancedSparseShape getBalancedSparseShape(BalancedSparseOpInterface op);

/// How the kernel is launched. Each warp owns one output row per CTA
/// (`rowsPerCta` warps); each CTA covers `batchTile` rows of x. x is staged
/// in shared memory `banksPerChunk` banks at a time, transposed so that
/// lane l (which takes banks l, l + 32, ...) reads shared-memory bank
/// l mod 32 whatever the in-bank offsets: no bank conflicts.
struct SparseKernelPlan {
  int64_t threads = 256;
  int64_t rowsPerCta = 8;
  int64_t batchTile = 1;
  int64_t banksPerChunk = 32; ///< a multiple of 32
  int64_t smemBytes = 0;      ///< batchTile * bankSize * banksPerChunk * 4
  int64_t regsPerThread = 0;  ///< ptxas -v of the generated kernel
};

/// Largest static shared memory a kernel of the lowering may declare.
constexpr int64_t kMaxStaticSmemBytes = 48 * 1024;
/// Batch rows one CTA of the sparse kernel covers at most.
constexpr int64_t kSparseMaxBatchTile = 8;

/// The plan for `shape`; fails (with `error`) when not even one 32-bank
/// chunk of one batch row fits in static shared memory.
FailureOr<SparseKernelPlan> planBalancedSparseKernel(const BalancedSparseShape &shape,
                                                     std::string &error);

/// The #dnn.mapping of the plan: tile_m = batchTile, tile_n = rowsPerCta,
/// tile_k = banksPerChunk * bankSize, grid ceil(m / batchTile) x
/// ceil(n / rowsPerCta). Null if the kernel does not fit on an SM.
MappingAttr buildSparseMapping(MLIRContext *context, GPUTargetAttr target,
                               const BalancedSparseShape &shape,
                               const SparseKernelPlan &plan);

/// planBalancedSparseKernel then buildSparseMapping: the mapping
/// dnn-assign-mapping gives a dnn.sparse_linear of `shape`, or null with
/// `error` saying why there is none.
MappingAttr mapBalancedSparse(MLIRContext *context, GPUTargetAttr target,
                              const BalancedSparseShape &shape,
                              std::string &error);

/// Predicted cost of the sparse kernel with `mapping` (see
/// docs/sparsity.md): the larger of the DRAM time (values, offsets, x, y
/// once), the L2 time (every CTA stages its x and reads its rows' entries)
/// and the shared-memory pipe time (one 32-lane shared load per kept entry
/// and batch row, counted over whole 32-bank passes: lanes past the last
/// bank of a chunk idle), plus the launch.
Cost predictBalancedSparse(GPUTargetAttr target, const ModelParams &params,
                           const BalancedSparseShape &shape,
                           MappingAttr mapping);

} // namespace mlir::dnn

#endif // DNN_ANALYSIS_SPARSEMODEL_H
