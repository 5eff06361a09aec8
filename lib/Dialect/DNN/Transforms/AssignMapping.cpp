//===- AssignMapping.cpp - dnn-assign-mapping pass ----------------------===//
//
// Records the mapping the performance model prefers on each GEMM-like op.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "dnn/Analysis/SparseModel.h"

#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_ASSIGNMAPPING
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

namespace {
struct AssignMappingPass
    : public dnn::impl::AssignMappingBase<AssignMappingPass> {
  using AssignMappingBase::AssignMappingBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    constexpr StringLiteral pass = "dnn-assign-mapping";
    FailureOr<GPUTargetAttr> target = requireGPUTarget(module, pass);
    FailureOr<ModelParams> params = loadParams(module, pass, calibration);
    if (failed(target) || failed(params))
      return signalPassFailure();
    const KernelConfig *forced = nullptr;
    if (!config.empty() && !(forced = findKernelConfig(config))) {
      SmallVector<StringRef> names;
      for (const KernelConfig &c : getKernelConfigs())
        names.push_back(c.name);
      module.emitError() << pass << ": unknown kernel config '" << config
                         << "'; known: " << llvm::join(names, ", ");
      return signalPassFailure();
    }
    if (splitK < 0 || splitK > 64) {
      // The option itself would stream as a char ('A' for 65): print the
      // number.
      module.emitError() << pass << ": split-k must be in [0, 64], got "
                         << static_cast<int64_t>(splitK);
      return signalPassFailure();
    }

    WalkResult result = module.walk([&](GemmOpInterface gemm) {
      Operation *op = gemm.getOperation();
      GemmShape shape = gemm.getGemmShape();
      GemmTraffic traffic = gemmTraffic(op);
      bool tensorCore = usesTensorCores(op);
      if (forced && forced->tensorCore != tensorCore) {
        op->emitError() << pass << ": kernel config '" << forced->name
                        << "' is for "
                        << (forced->tensorCore ? "f16/bf16" : "f32/f64")
                        << " operands";
        return WalkResult::interrupt();
      }
      MappingAttr mapping =
          chooseMapping(&getContext(), *target, *params, shape, traffic,
                        tensorCore, MappingSearch{forced, splitK});
      if (!mapping) {
        op->emitError() << pass << ": no kernel configuration fits on "
                        << target->getName();
        return WalkResult::interrupt();
      }
      op->setAttr(DNNDialect::kMappingAttrName, mapping);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    // Balanced-sparse layers (dnn.sparse_linear, dnn.sparse_conv2d): the one
    // sparse kernel, planned for the shape.
    result = module.walk([&](BalancedSparseOpInterface op) {
      std::string error;
      MappingAttr mapping = mapBalancedSparse(
          &getContext(), *target, getBalancedSparseShape(op), error);
      if (!mapping) {
        op->emitError() << pass << ": " << error;
        return WalkResult::interrupt();
      }
      op->setAttr(DNNDialect::kMappingAttrName, mapping);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
