//===- AttachTarget.cpp - dnn-attach-target pass ------------------------===//
//
// Puts the target GPU on the module as `dnn.target`.
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/AccelModel.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/GPUTargets.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_ATTACHTARGET
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

namespace {
struct AttachTargetPass
    : public dnn::impl::AttachTargetBase<AttachTargetPass> {
  using AttachTargetBase::AttachTargetBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto emitError = [&] {
      return module.emitError() << "dnn-attach-target: ";
    };
    StringRef gpuSpec = StringRef(gpu).trim();
    StringRef accelSpec = StringRef(accel).trim();
    if (!accelSpec.empty()) {
      if (!gpuSpec.empty()) {
        emitError() << "give gpu=... or accel=..., not both";
        return signalPassFailure();
      }
      FailureOr<AccelTargetAttr> target =
          parseAccelTargetSpec(&getContext(), accelSpec, emitError);
      if (failed(target))
        return signalPassFailure();
      module->setAttr(DNNDialect::kTargetAttrName, *target);
      return;
    }
    // An unknown GPU name: list both kinds of preset.
    if (!gpuSpec.empty() && !gpuSpec.starts_with("#") &&
        !findGPUPreset(gpuSpec)) {
      if (findAccelPreset(gpuSpec))
        emitError() << "'" << gpuSpec << "' is an accelerator, not a GPU; use "
                    << "accel=" << gpuSpec;
      else
        emitError() << "unknown GPU '" << gpuSpec
                    << "'; known presets: " << getGPUPresetNameList()
                    << "; accelerator presets (accel=...): "
                    << getAccelPresetNameList();
      return signalPassFailure();
    }
    FailureOr<GPUTargetAttr> target =
        parseGPUTargetSpec(&getContext(), gpu, emitError);
    if (failed(target))
      return signalPassFailure();
    module->setAttr(DNNDialect::kTargetAttrName, *target);
  }
};
} // namespace
