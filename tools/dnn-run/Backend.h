//===- Backend.h - where dnn-run compiles and runs a model ------*- C++ -*-===//
//
// dnn-run reads the model, checks and records the entry signature, and
// prepares inputs and outputs in host memory; a Backend does the rest:
// compile() lowers the module for its device and returns an Executable, whose
// run() calls the entry function on host buffers.
//
// The CPU backend lowers with dnn-cpu-pipeline and JIT-compiles with MLIR's
// ExecutionEngine. A CUDA backend will slot in next to it: compile() lowers
// with the GPU pipeline and loads the kernels, run() copies the inputs to the
// device, times the launches on the device and copies the outputs back.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_TOOLS_DNN_RUN_BACKEND_H
#define DNN_TOOLS_DNN_RUN_BACKEND_H

#include "HostTensor.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace dnn_run {

/// The entry function as dnn-run checked it: `name(inputs) -> outputs`,
/// plus the weights dnn-run turned from constants into trailing arguments
/// (after the inputs; see mlir::dnn::externalizeLargeConstants).
struct EntrySignature {
  std::string name;
  llvm::SmallVector<TensorSpec> inputs;
  llvm::SmallVector<TensorSpec> weights;
  llvm::SmallVector<TensorSpec> outputs;
};

/// How often Executable::run calls the function.
struct RunOptions {
  /// Untimed calls before the timed ones.
  unsigned warmup = 0;
  /// Timed calls; at least one.
  unsigned repeat = 1;
};

/// An entry function compiled for one device.
class Executable {
public:
  virtual ~Executable();

  /// Calls the entry function `options.warmup + options.repeat` times on
  /// `inputs` (the entry's inputs followed by its weights); `outputs` hold
  /// the results of the last call. Input, weight and output buffers never
  /// overlap (the compiled code may assume so). Returns the time
  /// of each timed call in milliseconds (the function alone, without
  /// transfers between host and device).
  virtual llvm::Expected<llvm::SmallVector<double>>
  run(llvm::ArrayRef<HostTensor *> inputs, llvm::ArrayRef<HostTensor *> outputs,
      const RunOptions &options) = 0;
};

/// A device dnn-run can run models on.
class Backend {
public:
  virtual ~Backend();

  /// The `--on-device` name of the backend.
  virtual llvm::StringRef getName() const = 0;

  /// Lowers `module` (in place) and compiles `entry`. Problems found in the IR are
  /// reported as MLIR diagnostics on the module's context; the returned error
  /// then sums them up.
  virtual llvm::Expected<std::unique_ptr<Executable>>
  compile(mlir::ModuleOp module, const EntrySignature &entry) = 0;
};

/// The host CPU backend (`--on-device=cpu`); `pipelineOptions` are options
/// of dnn-cpu-pipeline ("loop-order=0"), checked here. A non-empty
/// `objectFile` receives the JIT-compiled object code.
llvm::Expected<std::unique_ptr<Backend>>
createCPUBackend(llvm::StringRef pipelineOptions, llvm::StringRef objectFile);

/// The GPU: the module compiled by dnn-compile (beside this tool) for
/// `target` (default: the module's dnn.target, else h100) into a model
/// library that dnn-bench (beside this tool too) runs.
llvm::Expected<std::unique_ptr<Backend>>
createCUDABackend(llvm::StringRef target);

} // namespace dnn_run

#endif // DNN_TOOLS_DNN_RUN_BACKEND_H
