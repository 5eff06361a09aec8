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
    // Mappings made for another target may not fit this one (more threads
    // or shared memory than it has, another CTA count): the module would no
    // longer verify. Such a mapping is an error at its op, not a silent swap.
    bool stale = false;
    module.walk([&](Operation *op) {
      for (StringRef name :
           {DNNDialect::kMappingAttrName, DNNDialect::kInputMappingAttrName}) {
        auto mapping = op->getAttrOfType<MappingAttr>(name);
        if (!mapping)
          continue;
        if (failed(mapping.verifyAgainst(*target, [&] {
              InFlightDiagnostic diag = op->emitError();
              diag << "dnn-attach-target: this op's '" << name
                   << "' does not fit the target '" << target->getName()
                   << "' (remove it and run dnn-assign-mapping, or attach "
                      "the target it was made for): ";
              return diag;
            })))
          stale = true;
      }
    });
    if (stale)
      return signalPassFailure();
    module->setAttr(DNNDialect::kTargetAttrName, *target);
  }
};
} // namespace
