//===- PassUtils.h - helpers shared by the dnn passes -----------*- C++ -*-===//

#ifndef LIB_DIALECT_DNN_TRANSFORMS_PASSUTILS_H
#define LIB_DIALECT_DNN_TRANSFORMS_PASSUTILS_H

#include "dnn/Analysis/GPUModel.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir::dnn {

/// A pass on `module` compiles everything nested in it for the module's
/// dnn.target; ops in a nested module with another dnn.target verify against
/// that one. Such a module is an error naming `pass` and the fix.
inline LogicalResult checkNestedTargets(ModuleOp module, StringRef pass) {
  Attribute target = module->getAttr(DNNDialect::kTargetAttrName);
  WalkResult walk = module->walk([&](ModuleOp inner) {
    if (inner == module)
      return WalkResult::advance();
    Attribute own = inner->getAttr(DNNDialect::kTargetAttrName);
    if (!own || own == target)
      return WalkResult::advance();
    inner.emitError() << pass
                      << ": this nested module has its own dnn.target; run "
                      << pass << " on it alone (e.g. --pass-pipeline="
                      << "'builtin.module(builtin.module(" << pass << "))')";
    return WalkResult::interrupt();
  });
  return failure(walk.wasInterrupted());
}

/// The module's #dnn.gpu target, or an error naming `pass` and the fix.
inline FailureOr<GPUTargetAttr> requireGPUTarget(ModuleOp module,
                                                 StringRef pass) {
  if (module->getAttrOfType<AccelTargetAttr>(DNNDialect::kTargetAttrName))
    return module.emitError()
           << pass << ": the dnn.target is a #dnn.accel accelerator; "
           << "dnn.mapping is GPU-only (dnn-predict models accelerators "
           << "without one)";
  auto target = module->getAttrOfType<GPUTargetAttr>(DNNDialect::kTargetAttrName);
  if (!target)
    return module.emitError()
           << pass << ": the module has no dnn.target; run "
           << "dnn-attach-target{gpu=...} first";
  if (failed(checkNestedTargets(module, pass)))
    return failure();
  return target;
}

/// Writes a pass's JSON report to `path`: `fill` writes the members of its
/// one top-level object. An unwritable file is an error naming `pass`.
inline LogicalResult
writeJSONReport(ModuleOp module, StringRef pass, StringRef path,
                function_ref<void(llvm::json::OStream &)> fill) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
  if (!file)
    return module.emitError() << pass << ": cannot write report '" << path
                              << "': " << error;
  {
    llvm::json::OStream json(file->os(), 2);
    json.object([&] { fill(json); });
  }
  file->os() << "\n";
  file->keep();
  return success();
}

/// The model constants: defaults, overridden by a calibration file if given.
inline FailureOr<ModelParams> loadParams(ModuleOp module, StringRef pass,
                                         StringRef calibration) {
  ModelParams params;
  if (!calibration.empty() &&
      failed(loadModelParams(calibration, params, [&] {
        return module.emitError() << pass << ": ";
      })))
    return failure();
  return params;
}

/// Bytes of a tensor value (0 for anything else).
inline double tensorBytes(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return 0;
  return static_cast<double>(tensor.getNumElements()) *
         static_cast<double>(tensor.getElementTypeBitWidth()) / 8.0;
}

/// Operand and result bytes of `op`: what a kernel for it must move once.
inline double operandAndResultBytes(Operation *op) {
  double bytes = 0;
  for (Type t : op->getOperandTypes())
    bytes += tensorBytes(t);
  for (Type t : op->getResultTypes())
    bytes += tensorBytes(t);
  return bytes;
}

/// Whether a GEMM-like op runs on tensor cores (16-bit float operands).
inline bool usesTensorCores(Operation *op) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  return type && (type.getElementType().isF16() ||
                  type.getElementType().isBF16());
}

inline GemmTraffic gemmTraffic(Operation *op) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  return {static_cast<int64_t>(type.getElementTypeBitWidth() / 8),
          operandAndResultBytes(op)};
}

/// Arithmetic per output element of the memory-bound ops (a rough count;
/// these kernels are bound by bytes, not FLOPs).
inline double flopsPerElement(Operation *op) {
  if (auto act = dyn_cast<ActivationOp>(op))
    return act.getKind() == ActivationKind::relu ||
                   act.getKind() == ActivationKind::relu6
               ? 1.0
               : 8.0;
  if (isa<BatchNormOp>(op))
    return 2.0;
  if (isa<SoftmaxOp>(op))
    return 5.0;
  if (auto pool = dyn_cast<MaxPool2DOp>(op))
    return static_cast<double>(pool.getKernelSize()[0] *
                               pool.getKernelSize()[1]);
  if (auto pool = dyn_cast<AvgPool2DOp>(op))
    return static_cast<double>(pool.getKernelSize()[0] *
                               pool.getKernelSize()[1]);
  return 1.0;
}

/// Elements a memory-bound op produces (for a global pool: reads).
inline int64_t outputElements(Operation *op) {
  if (isa<GlobalAvgPoolOp>(op))
    return cast<RankedTensorType>(op->getOperand(0).getType())
        .getNumElements();
  return cast<RankedTensorType>(op->getResult(0).getType()).getNumElements();
}

} // namespace mlir::dnn

#endif // LIB_DIALECT_DNN_TRANSFORMS_PASSUTILS_H
