//===- Predict.cpp - dnn-predict pass -----------------------------------===//
//
// Annotates ops and functions with #dnn.cost and writes the per-layer report.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "dnn/Analysis/AccelModel.h"
#include "dnn/Analysis/Report.h"
#include "dnn/Analysis/RNNModel.h"
#include "dnn/Analysis/SparseModel.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ToolOutputFile.h"

#include <functional>

namespace mlir::dnn {
#define GEN_PASS_DEF_PREDICT
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

/// Fills `entry` for one op on a GPU target.
static LogicalResult predictOnGPU(Operation *op, GPUTargetAttr target,
                                  const ModelParams &params, OpReport &entry) {
  if (auto gemm = dyn_cast<GemmOpInterface>(op)) {
    auto mapping = op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName);
    if (!mapping)
      return op->emitError() << "dnn-predict: no dnn.mapping on this op; run "
                                "dnn-assign-mapping first";
    entry.kind = "gemm";
    entry.shape = gemm.getGemmShape();
    entry.tile[0] = mapping.getTileM();
    entry.tile[1] = mapping.getTileN();
    entry.tile[2] = mapping.getTileK();
    entry.splitK = mapping.getSplitK();
    entry.flops = entry.shape.flops();
    GemmTraffic traffic = gemmTraffic(op);
    // Fused into a dnn.fused epilogue: the kernel also reads the residual
    // (its other epilogue ops move no data).
    if (auto fused = dyn_cast<FusedOp>(op->getParentOp());
        fused && fused.getResidualIndex() >= 0)
      traffic.uniqueBytes += tensorBytes(op->getResult(0).getType());
    entry.cost = predictGemm(target, params, entry.shape, mapping, traffic);
    return success();
  }
  if (auto rec = dyn_cast<RecurrentOpInterface>(op)) {
    // At the level dnn-fuse-rnn recorded, else unfused.
    RecurrentShape shape = getRecurrentShape(rec);
    RNNFusionLevel level = RNNFusionLevel::Unfused;
    if (auto attr = op->getAttrOfType<StringAttr>(DNNDialect::kRNNFusionAttrName))
      level = parseRNNFusionLevel(attr.getValue()).value_or(level);
    SmallVector<RNNLevelCost, 3> levels = predictRecurrentLevels(
        op->getContext(), target, params, shape);
    const RNNLevelCost &chosen = levels[static_cast<size_t>(level)];
    entry.kind = "rnn";
    entry.shape = {1, shape.steps * shape.batch, shape.dirs * shape.gates *
                                                     shape.hidden,
                   shape.input + shape.hidden};
    entry.flops = entry.shape.flops();
    entry.cost = chosen.cost;
    entry.cost.ctas = 1;
    return success();
  }
  if (auto sparse = dyn_cast<BalancedSparseOpInterface>(op)) {
    auto mapping = op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName);
    if (!mapping)
      return op->emitError() << "dnn-predict: no dnn.mapping on this op; run "
                                "dnn-assign-mapping first";
    BalancedSparseShape shape = getBalancedSparseShape(sparse);
    entry.kind = "sparse";
    // The dense GEMM view (K = the input features); flops count only the
    // kept entries.
    entry.shape = {1, shape.m, shape.n, shape.k};
    entry.tile[0] = mapping.getTileM();
    entry.tile[1] = mapping.getTileN();
    entry.tile[2] = mapping.getTileK();
    entry.flops = shape.flops();
    entry.cost = predictBalancedSparse(target, params, shape, mapping);
    return success();
  }
  entry.kind = "memory";
  int64_t elements = outputElements(op);
  entry.flops = flopsPerElement(op) * elements;
  entry.cost = predictMemoryBound(target, params, operandAndResultBytes(op),
                                  entry.flops, elements);
  return success();
}

/// Fills `entry` for one op on a dataflow accelerator: GEMM-like ops by the
/// access-count model (no mapping), the others by bandwidth.
static LogicalResult predictOnAccel(Operation *op, AccelTargetAttr target,
                                    OpReport &entry) {
  if (auto gemm = dyn_cast<GemmOpInterface>(op)) {
    entry.kind = "gemm";
    entry.shape = gemm.getGemmShape();
    entry.flops = entry.shape.flops();
    entry.cost = predictAccelGemm(target, entry.shape);
    return success();
  }
  // A recurrent layer as the GEMM of all its steps (x W^T and h R^T):
  // the accelerator model has no recurrence, so the steps' dependence is
  // not priced.
  if (auto rec = dyn_cast<RecurrentOpInterface>(op)) {
    RecurrentShape shape = getRecurrentShape(rec);
    entry.kind = "gemm";
    entry.shape = {1, shape.steps * shape.batch,
                   shape.dirs * shape.gates * shape.hidden,
                   shape.input + shape.hidden};
    entry.flops = entry.shape.flops();
    entry.cost = predictAccelGemm(target, entry.shape);
    return success();
  }
  // The accelerator model has no sparse dataflow: a balanced-sparse layer
  // is priced as its dense GEMM.
  if (auto sparse = dyn_cast<BalancedSparseOpInterface>(op)) {
    entry.kind = "gemm";
    entry.shape = sparse.getSparseGemmShape();
    entry.flops = entry.shape.flops();
    entry.cost = predictAccelGemm(target, entry.shape);
    return success();
  }
  entry.kind = "memory";
  // Elements, not bytes: the accelerator moves element_bytes each.
  double elements = 0;
  for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
    if (auto tensor = dyn_cast<RankedTensorType>(t);
        tensor && tensor.hasStaticShape())
      elements += static_cast<double>(tensor.getNumElements());
  entry.flops = flopsPerElement(op) * static_cast<double>(outputElements(op));
  entry.cost = predictAccelMemoryBound(target, elements, entry.flops);
  return success();
}

namespace {
struct PredictPass : public dnn::impl::PredictBase<PredictPass> {
  using PredictBase::PredictBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    constexpr StringLiteral pass = "dnn-predict";
    std::function<LogicalResult(Operation *, OpReport &)> predictOp;
    ModelParams params;
    ModelReport report;
    if (auto accel = module->getAttrOfType<AccelTargetAttr>(
            DNNDialect::kTargetAttrName)) {
      if (failed(checkNestedTargets(module, pass)))
        return signalPassFailure();
      report.target = accel;
      predictOp = [accel](Operation *op, OpReport &entry) {
        return predictOnAccel(op, accel, entry);
      };
    } else {
      FailureOr<GPUTargetAttr> target = requireGPUTarget(module, pass);
      FailureOr<ModelParams> loaded = loadParams(module, pass, calibration);
      if (failed(target) || failed(loaded))
        return signalPassFailure();
      params = std::move(*loaded);
      report.target = *target;
      predictOp = [&, gpu = *target](Operation *op, OpReport &entry) {
        return predictOnGPU(op, gpu, params, entry);
      };
    }

    bool failedOp = false;
    module.walk([&](func::FuncOp func) {
      Cost total;
      double weightedTail = 0;
      llvm::StringMap<unsigned> ordinals;
      func.walk([&](Operation *op) {
        if (!isa<DNNDialect>(op->getDialect()))
          return;
        unsigned ordinal = ordinals[op->getName().getStringRef()]++;
        OpReport entry;
        entry.name = getReportName(op, ordinal);
        entry.op = op->getName().getStringRef().str();
        entry.function = func.getSymName().str();
        // The fused op's kernel is priced at its anchor.
        if (isa<FusedOp, YieldOp>(op))
          return;
        // Views and constants launch no kernel and cost nothing, nor do the
        // epilogue ops of a dnn.fused.
        bool epilogue = isa<FusedOp>(op->getParentOp()) && !isa<GemmOpInterface>(op);
        if (isa<ConstantOp, ReshapeOp, FlattenOp>(op) || epilogue) {
          if (epilogue) {
            entry.kind = "fused";
            report.ops.push_back(entry);
          }
          op->setAttr(DNNDialect::kCostAttrName, Cost().toAttr(&getContext()));
          return;
        }
        if (failed(predictOp(op, entry))) {
          failedOp = true;
          return;
        }
        op->setAttr(DNNDialect::kCostAttrName, entry.cost.toAttr(&getContext()));
        total.latencyUs += entry.cost.latencyUs;
        total.computeUs += entry.cost.computeUs;
        total.memoryUs += entry.cost.memoryUs;
        total.launchUs += entry.cost.launchUs;
        total.energyUJ += entry.cost.energyUJ;
        total.waves += std::ceil(entry.cost.waves - 1e-9);
        weightedTail += entry.cost.tailUtilization * entry.cost.latencyUs;
        report.ops.push_back(std::move(entry));
      });
      total.tailUtilization =
          total.latencyUs > 0 ? weightedTail / total.latencyUs : 1.0;
      func->setAttr(DNNDialect::kCostAttrName, total.toAttr(&getContext()));
    });
    if (failedOp)
      return signalPassFailure();
    if (!this->report.empty() && failed(writeReport(module, report)))
      return signalPassFailure();
  }

  LogicalResult writeReport(ModuleOp module, const ModelReport &report) {
    if (this->report == "-") {
      writeReportTable(report, llvm::outs());
      return success();
    }
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file =
        openOutputFile(this->report, &error);
    if (!file)
      return module.emitError() << "dnn-predict: cannot write report '"
                                << this->report << "': " << error;
    writeReportJSON(report, file->os());
    file->keep();
    return success();
  }
};
} // namespace
