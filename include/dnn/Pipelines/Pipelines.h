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

#ifndef DNN_DEFAULT_LIBDEVICE
#define DNN_DEFAULT_LIBDEVICE ""
#endif

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

/// Options of `dnn-gpu-pipeline`.
struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<std::string> target{
      *this, "target",
      llvm::cl::desc("GPU preset or #dnn.gpu attribute for dnn-attach-target "
                     "(empty: keep the module's dnn.target)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("PTX architecture (sm_XY) of the kernels; default: the "
                     "dnn.target's"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu-module-to-binary format: isa (PTX, loaded by the "
                     "driver's JIT) or bin (cubin, needs ptxas)"),
      llvm::cl::init("isa")};
  PassOptions::Option<bool> foldBatchNorm{
      *this, "fold-batch-norm",
      llvm::cl::desc("Run dnn-fold-batch-norm"), llvm::cl::init(true)};
  PassOptions::Option<bool> fuseEpilogues{
      *this, "fuse-epilogues",
      llvm::cl::desc("Run dnn-fuse-epilogues (residual adds and activations "
                     "in the GEMM epilogue)"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> tail{
      *this, "tail",
      llvm::cl::desc("dnn-tail-aware-channels mode: off, prune, pad or auto"),
      llvm::cl::init("off")};
  PassOptions::Option<std::string> rnnLevel{
      *this, "rnn-level",
      llvm::cl::desc("dnn-fuse-rnn level of the recurrent layers: auto, "
                     "unfused, hoisted or persistent"),
      llvm::cl::init("auto")};
  PassOptions::Option<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("Calibration file of the performance model"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> report{
      *this, "report",
      llvm::cl::desc("dnn-predict report: a JSON file, or - for a table"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> entry{
      *this, "entry",
      llvm::cl::desc("The function given the model ABI (default: the only "
                     "public one)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> weightsFile{
      *this, "weights-file",
      llvm::cl::desc("Write the weights to this file (model ABI)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> libdevice{
      *this, "libdevice",
      llvm::cl::desc("CUDA libdevice bitcode linked into the kernels"),
      llvm::cl::init(DNN_DEFAULT_LIBDEVICE)};
  PassOptions::Option<int> optLevel{
      *this, "opt-level", llvm::cl::desc("LLVM optimization level of the "
                                         "kernels"),
      llvm::cl::init(3)};
};

/// The GPU pipeline: dnn-attach-target (if target= is given),
/// dnn-fold-batch-norm, dnn-tail-aware-channels (if tail= is not off),
/// dnn-fuse-epilogues, dnn-fuse-rnn (rnn-level=), dnn-assign-mapping,
/// dnn-predict, dnn-lower-to-gpu (model ABI included),
/// an NVVM target of the dnn.target's chip with libdevice linked,
/// convert-gpu-to-nvvm (bare pointers), gpu-module-to-binary (format=),
/// gpu-to-llvm and the rest of the host code to the LLVM dialect; the dnn
/// annotations are dropped at the end so that mlir-translate takes the
/// result.
void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

/// Registers `dnn-gpu-pipeline`.
void registerDNNGPUPipeline();

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
