//===- Pipelines.h - dnn pass pipelines -------------------------*- C++ -*-===//
//
// Whole-flow pipelines: from dnn ops (or linalg on tensors) down to the LLVM
// dialect. Tools build them into a PassManager; users also reach them as
// `dnn-opt --dnn-cpu-pipeline`.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_PIPELINES_PIPELINES_H
#define DNN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace dnn {

/// Options of `dnn-cpu-pipeline`.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {};

/// The CPU reference pipeline: dnn-lower-to-linalg, element-wise fusion,
/// one-shot bufferization with
/// identity-layout function boundaries, results turned into trailing
/// out-parameters (also of public functions), buffer deallocation, and
/// lowering of everything to the LLVM dialect.
///
/// Calling convention of the result: every function `f(tensor args) ->
/// (tensor results)` becomes `f(memref args..., memref outs...)` returning
/// nothing; with `llvm.emit_c_interface` on `f` (dnn-run sets it), the
/// C wrapper `_mlir_ciface_f` takes one pointer to a memref descriptor per
/// argument and per result.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `dnn-cpu-pipeline` with the global pass registry.
void registerDNNPipelines();

} // namespace dnn
} // namespace mlir

#endif // DNN_PIPELINES_PIPELINES_H
