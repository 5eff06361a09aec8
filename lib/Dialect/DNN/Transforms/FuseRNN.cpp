//===- FuseRNN.cpp - dnn-fuse-rnn -----------------------------------------===//
//
// Chooses, from the performance model, how each recurrent layer runs on the
// GPU target (unfused, hoisted or persistent; include/dnn/Analysis/
// RNNModel.h) and records it as the op's dnn.rnn_fusion attribute.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "dnn/Analysis/RNNModel.h"
#include "dnn/Analysis/Report.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "llvm/Support/FormatVariadic.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_FUSERNN
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

namespace {
constexpr llvm::StringLiteral kPass = "dnn-fuse-rnn";

struct LayerReport {
  std::string name, op;
  RecurrentShape shape;
  SmallVector<RNNLevelCost, 3> levels;
  RNNFusionLevel chosen = RNNFusionLevel::Unfused;
};

std::string usText(const RNNLevelCost &l) {
  return l.feasible ? llvm::formatv("{0:f2}", l.cost.latencyUs).str()
                    : std::string("infeasible");
}

struct FuseRNNPass : public dnn::impl::FuseRNNBase<FuseRNNPass> {
  using FuseRNNBase::FuseRNNBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<RNNFusionLevel> forced;
    if (level != "auto") {
      forced = parseRNNFusionLevel(level);
      if (!forced) {
        module.emitError() << kPass << ": level must be auto, unfused, "
                           << "hoisted or persistent, got '" << level << "'";
        return signalPassFailure();
      }
    }
    FailureOr<GPUTargetAttr> target = requireGPUTarget(module, kPass);
    if (failed(target))
      return signalPassFailure();
    FailureOr<ModelParams> params = loadParams(module, kPass, calibration);
    if (failed(params))
      return signalPassFailure();

    std::vector<LayerReport> reports;
    unsigned ordinal = 0;
    WalkResult walk = module.walk([&](RecurrentOpInterface op) {
      LayerReport r;
      r.name = getReportName(op, ordinal++);
      r.op = op->getName().getStringRef().str();
      r.shape = getRecurrentShape(op);
      r.levels =
          predictRecurrentLevels(&getContext(), *target, *params, r.shape);
      const RNNLevelCost *chosen = &fastestLevel(r.levels);
      // level=auto keeps a level the op already has (pinned by hand or by
      // an earlier run); level=NAME overrides it.
      std::optional<RNNFusionLevel> want = forced;
      if (!want)
        if (auto pinned =
                op->getAttrOfType<StringAttr>(DNNDialect::kRNNFusionAttrName))
          want = parseRNNFusionLevel(pinned.getValue());
      if (want) {
        chosen = &r.levels[static_cast<size_t>(*want)];
        if (!chosen->feasible) {
          op->emitError() << kPass << ": level "
                          << stringifyRNNFusionLevel(*want)
                          << " is infeasible on " << target->getName() << ": "
                          << chosen->reason;
          return WalkResult::interrupt();
        }
      }
      r.chosen = chosen->level;
      op->setAttr(DNNDialect::kRNNFusionAttrName,
                  StringAttr::get(&getContext(),
                                  stringifyRNNFusionLevel(r.chosen)));
      // The kernels' geometry, for dnn-predict and dnn-lower-to-gpu.
      if (chosen->mapping)
        op->setAttr(DNNDialect::kMappingAttrName, chosen->mapping);
      if (chosen->inputMapping)
        op->setAttr(DNNDialect::kInputMappingAttrName, chosen->inputMapping);
      else
        op->removeAttr(DNNDialect::kInputMappingAttrName);
      auto remark = mlir::emitRemark(op->getLoc())
                    << kPass << ": '" << r.name << "' -> "
                    << stringifyRNNFusionLevel(r.chosen) << " (predicted us: ";
      for (auto [i, l] : llvm::enumerate(r.levels))
        remark << (i ? ", " : "") << stringifyRNNFusionLevel(l.level) << " "
               << usText(l);
      remark << ")";
      reports.push_back(std::move(r));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (!report.empty() && failed(writeReport(module, reports)))
      signalPassFailure();
  }

  LogicalResult writeReport(ModuleOp module,
                            const std::vector<LayerReport> &reports) {
    if (report == "-") {
      llvm::raw_ostream &os = llvm::outs();
      os << llvm::formatv("{0,-16} {1,-9} {2,5} {3,3} {4,6} {5,2} {6,12} "
                          "{7,12} {8,12} {9,-10}\n",
                          "layer", "op", "T", "B", "H", "D", "unfused_us",
                          "hoisted_us", "persist_us", "chosen");
      for (const LayerReport &r : reports) {
        os << llvm::formatv(
            "{0,-16} {1,-9} {2,5} {3,3} {4,6} {5,2} {6,12} {7,12} {8,12} "
            "{9,-10}\n",
            r.name, r.op, r.shape.steps, r.shape.batch, r.shape.hidden,
            r.shape.dirs, usText(r.levels[0]), usText(r.levels[1]),
            usText(r.levels[2]), stringifyRNNFusionLevel(r.chosen));
        if (!r.levels[2].feasible)
          os << "    persistent: " << r.levels[2].reason << "\n";
      }
      return success();
    }
    return writeJSONReport(module, kPass, report,
                           [&](llvm::json::OStream &json) {
      json.attributeArray("layers", [&] {
        for (const LayerReport &r : reports)
          json.object([&] {
            json.attribute("name", r.name);
            json.attribute("op", r.op);
            json.attribute("steps", r.shape.steps);
            json.attribute("batch", r.shape.batch);
            json.attribute("input", r.shape.input);
            json.attribute("hidden", r.shape.hidden);
            json.attribute("directions", r.shape.dirs);
            json.attribute("chosen", stringifyRNNFusionLevel(r.chosen));
            json.attributeArray("levels", [&] {
              for (const RNNLevelCost &l : r.levels)
                json.object([&] {
                  json.attribute("level", stringifyRNNFusionLevel(l.level));
                  json.attribute("feasible", l.feasible);
                  if (!l.feasible)
                    json.attribute("reason", l.reason);
                  json.attribute("latency_us", l.feasible ? l.cost.latencyUs
                                                          : -1.0);
                  json.attribute("step_us", l.stepUs);
                  json.attribute("launches", l.launches);
                });
            });
          });
      });
    });
  }
};
} // namespace
