//===- SparseKernel.h - the balanced-sparse GPU kernel ----------*- C++ -*-===//
//
// The kernel dnn-lower-to-gpu emits for dnn.sparse_linear (see
// docs/sparsity.md): one warp per output feature, each lane summing whole
// banks, the x segment staged transposed in shared memory so the lanes of a
// warp read 32 different shared-memory banks whatever their offsets.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_CONVERSION_DNNTOGPU_SPARSEKERNEL_H
#define DNN_CONVERSION_DNNTOGPU_SPARSEKERNEL_H

#include "dnn/Analysis/SparseModel.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::dnn {

struct SparseKernelSpec {
  BalancedSparseShape shape;
  SparseKernelPlan plan;
  Type elementType; ///< of x, values, bias and y
  Type indexType;   ///< of the offsets (i8)
};

/// The spec of a dnn.sparse_linear with `mapping` (tile_m = batch tile,
/// tile_n = rows per CTA, tile_k = banks per chunk * bank size); fails with
/// `error` if the mapping is not one the kernel implements.
FailureOr<SparseKernelSpec> getSparseKernelSpec(SparseLinearOp op,
                                                MappingAttr mapping,
                                                std::string &error);

/// Grid of the kernel: ceil(n / rowsPerCta) x ceil(m / batchTile).
std::array<int64_t, 2> getSparseGrid(const SparseKernelSpec &spec);

/// Builds `name(x[m,k], values[n,banks,nnz], offsets[n,banks,nnz],
/// [bias[n]], y[m,n])` in `module`.
FailureOr<gpu::GPUFuncOp> buildBalancedSparseKernel(OpBuilder &builder,
                                                    Location loc,
                                                    gpu::GPUModuleOp module,
                                                    StringRef name,
                                                    const SparseKernelSpec &spec);

} // namespace mlir::dnn

#endif // DNN_CONVERSION_DNNTOGPU_SPARSEKERNEL_H
