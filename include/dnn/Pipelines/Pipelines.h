//===- Pipelines.h - dnn pass pipelines -------------------------*- C++ -*-===//
//
// Whole-flow pipelines: from dnn ops (or linalg on tensors) down to the LLVM
// dialect. Tools build them into a PassManager; users also reach them as
// `dnn-opt --dnn-cpu-pipeline`.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_PIPELINES_PIPELINES_H
#define DNN_PIPELINES_PIPELINES_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"

namespace mlir {
class OpPassManager;
namespace func {
class FuncOp;
} // namespace func
namespace dnn {

/// Options of `dnn-cpu-pipeline`.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<bool> loopOrder{
      *this, "loop-order",
      llvm::cl::desc("Run dnn-cpu-loop-order (vectorizable convolution/GEMM "
                     "loops); off gives linalg's default loop order"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> im2colBelowWidth{
      *this, "im2col-below-width",
      llvm::cl::desc("dnn-cpu-loop-order: rewrite convolutions with output "
                     "width below this into im2col + GEMM (0: never)"),
      llvm::cl::init(32)};
};

/// The CPU reference pipeline: dnn-lower-to-linalg, element-wise fusion,
/// dnn-cpu-loop-order (unless disabled),
/// one-shot bufferization with
/// identity-layout function boundaries, results turned into trailing
/// out-parameters (also of public functions), buffer deallocation, and
/// lowering of everything to the LLVM dialect.
///
/// Calling convention of the result: every function `f(tensor args) ->
/// (tensor results)` becomes `f(memref args..., memref outs...)` returning
/// nothing, a result returned twice getting a copy of its own. Memrefs are
/// passed as bare pointers (shapes are static, layouts identity), and those
/// of public functions are `noalias`: a caller passes buffers that do not
/// overlap.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// A constant that `externalizeLargeConstants` turned into an argument.
struct ExternalConstant {
  /// Index of the new function argument.
  unsigned argIndex;
  /// The constant's value (dense or dense_resource elements).
  ElementsAttr value;
  /// Its bytes in memory layout (row-major, the element type's size each),
  /// pointing into the attribute's storage, so valid as long as the context.
  /// Empty for splats, which the caller must materialize.
  ArrayRef<char> data;
};

/// Replaces every tensor constant of at least `minBytes` bytes in the body
/// of `func` by a new trailing function argument (appended after the
/// existing ones), so that the caller can pass the weights by pointer
/// instead of compiling them into the code: LLVM then neither translates nor
/// emits megabytes of constant data (ResNet-18's weights cost several
/// seconds of JIT time otherwise). Returns the constants in argument order.
SmallVector<ExternalConstant> externalizeLargeConstants(func::FuncOp func,
                                                        int64_t minBytes);

/// Registers `dnn-cpu-pipeline` with the global pass registry.
void registerDNNPipelines();

} // namespace dnn
} // namespace mlir

#endif // DNN_PIPELINES_PIPELINES_H
