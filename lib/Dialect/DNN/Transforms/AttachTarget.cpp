//===- AttachTarget.cpp - dnn-attach-target pass ------------------------===//
//
// Puts the target GPU on the module as `dnn.target`.
//
//===----------------------------------------------------------------------===//

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
    FailureOr<GPUTargetAttr> target =
        parseGPUTargetSpec(&getContext(), gpu, [&] {
          return module.emitError() << "dnn-attach-target: ";
        });
    if (failed(target))
      return signalPassFailure();
    module->setAttr(DNNDialect::kTargetAttrName, *target);
  }
};
} // namespace
