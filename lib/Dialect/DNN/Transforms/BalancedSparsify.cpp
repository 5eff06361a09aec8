//===- BalancedSparsify.cpp - dnn-balanced-sparsify ----------------------===//
//
// Rewrites dnn.linear and dnn.conv2d (one group) layers with constant
// weights into dnn.sparse_linear / dnn.sparse_conv2d with a #dnn.balanced
// layout (or, emit=masked, into the dense layer with the dropped weights
// zeroed), where the performance model predicts the balanced-sparse kernel
// faster than the dense GEMM.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "dnn/Analysis/Report.h"
#include "dnn/Analysis/SparseModel.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"
#include "dnn/Dialect/DNN/Transforms/WeightData.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace mlir::dnn {
#define GEN_PASS_DEF_BALANCEDSPARSIFY
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

namespace {
constexpr llvm::StringLiteral kPass = "dnn-balanced-sparsify";

/// One layer's decision, for the remark and the report.
struct LayerReport {
  std::string name, function, action, reason;
  int64_t n = 0, k = 0, m = 0, banks = 0, nnz = 0;
  double keptL1 = 0, denseUs = 0, sparseUs = 0;
};

/// The kept entries of one weight: per (row, bank), `nnz` ascending
/// offsets and their values.
struct Selection {
  std::vector<uint32_t> offsets;
  std::vector<double> values;
  double keptL1 = 0, totalL1 = 0;
};

/// Top-|w| entries of every bank (ties: the lower column first), then
/// sorted by offset. A partial last bank with fewer than `nnz` columns is
/// completed with zeros at offsets past K.
Selection selectBanks(const RawTensor &weight, int64_t n, int64_t k,
                      int64_t bankSize, int64_t nnz) {
  int64_t banks = llvm::divideCeil(k, bankSize);
  Selection s;
  s.offsets.reserve(n * banks * nnz);
  s.values.reserve(n * banks * nnz);
  std::vector<double> bank(bankSize);
  std::vector<uint32_t> order(bankSize);
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t b = 0; b < banks; ++b) {
      int64_t first = b * bankSize;
      int64_t real = std::min(bankSize, k - first);
      for (int64_t o = 0; o < real; ++o) {
        bank[o] = weight.get(row * k + first + o);
        s.totalL1 += std::fabs(bank[o]);
      }
      order.resize(real);
      std::iota(order.begin(), order.end(), 0u);
      int64_t keep = std::min(nnz, real);
      std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                        [&](uint32_t a, uint32_t c) {
                          double fa = std::fabs(bank[a]), fc = std::fabs(bank[c]);
                          return fa > fc || (fa == fc && a < c);
                        });
      order.resize(keep);
      std::sort(order.begin(), order.end());
      for (uint32_t o : order) {
        s.offsets.push_back(o);
        s.values.push_back(bank[o]);
        s.keptL1 += std::fabs(bank[o]);
      }
      for (int64_t pad = keep; pad < nnz; ++pad) {
        s.offsets.push_back(static_cast<uint32_t>(real + (pad - keep)));
        s.values.push_back(0.0);
      }
    }
  }
  return s;
}

struct BalancedSparsifyPass
    : public dnn::impl::BalancedSparsifyBase<BalancedSparsifyPass> {
  using BalancedSparsifyBase::BalancedSparsifyBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkOptions(module)))
      return signalPassFailure();
    GPUTargetAttr target;
    ModelParams params;
    if (decide == "model") {
      FailureOr<GPUTargetAttr> t = requireGPUTarget(module, kPass);
      FailureOr<ModelParams> p = loadParams(module, kPass, calibration);
      if (failed(t) || failed(p)) {
        module.emitRemark() << kPass
                            << ": decide=always rewrites without a target";
        return signalPassFailure();
      }
      target = *t;
      params = std::move(*p);
    }
    llvm::StringSet<> wanted;
    for (const std::string &name : layers)
      wanted.insert(name);
    llvm::StringSet<> seen;

    std::vector<LayerReport> reports;
    bool failedAny = false;
    module.walk([&](func::FuncOp func) {
      SmallVector<Operation *> layers;
      func.walk([&](Operation *op) {
        if (isa<LinearOp, Conv2DOp>(op))
          layers.push_back(op);
      });
      unsigned ordinal = 0;
      for (Operation *op : layers) {
        std::string name = getReportName(op, ordinal++);
        seen.insert(name);
        if (!wanted.empty() && !wanted.contains(name))
          continue;
        LayerReport r;
        r.name = name;
        r.function = func.getSymName().str();
        if (failed(rewrite(op, target, params, r)))
          failedAny = true;
        reports.push_back(std::move(r));
      }
    });
    for (const auto &entry : wanted)
      if (!seen.contains(entry.getKey()))
        module.emitWarning() << kPass << ": no dnn.linear or dnn.conv2d named '"
                             << entry.getKey() << "'";
    if (failedAny)
      return signalPassFailure();
    if (!report.empty() && failed(writeReport(module, reports)))
      return signalPassFailure();
  }

  LogicalResult checkOptions(ModuleOp module) {
    if (bankSize < 1 || bankSize > 65536)
      return module.emitError() << kPass << ": bank-size must be in [1, 65536], got "
                                << static_cast<int64_t>(bankSize);
    if (!(sparsity >= 0.0 && sparsity < 1.0))
      return module.emitError() << kPass << ": sparsity must be in [0, 1), got "
                                << static_cast<double>(sparsity);
    int64_t minBits = BalancedSparsityAttr::getMinIndexBits(bankSize);
    if (indexBits != 0 && (indexBits < minBits || indexBits > 32))
      return module.emitError()
             << kPass << ": index-bits must be 0 or in [" << minBits
             << ", 32] for bank-size " << static_cast<int64_t>(bankSize)
             << ", got " << static_cast<int64_t>(indexBits);
    if (minWeights < 0)
      return module.emitError() << kPass << ": min-weights must not be negative";
    if (decide != "model" && decide != "always")
      return module.emitError() << kPass << ": decide must be model or always, got '"
                                << decide << "'";
    if (emit != "sparse" && emit != "masked")
      return module.emitError() << kPass << ": emit must be sparse or masked, got '"
                                << emit << "'";
    return success();
  }

  int64_t keptPerBank() const {
    int64_t nnz = static_cast<int64_t>(
        std::llround(static_cast<double>(bankSize) * (1.0 - sparsity)));
    return std::clamp<int64_t>(nnz, 1, bankSize);
  }

  LogicalResult rewrite(Operation *op, GPUTargetAttr target,
                        const ModelParams &params, LayerReport &r) {
    auto linear = dyn_cast<LinearOp>(op);
    auto conv = dyn_cast<Conv2DOp>(op);
    Value input = op->getOperand(0);
    OpOperand &weightOperand = op->getOpOperand(1);
    Value bias = linear ? linear.getBias() : conv.getBias();
    // The weight as the F x K matrix of the GEMM: row-major FCHW is already
    // [F, C * KH * KW].
    auto weightType = cast<RankedTensorType>(weightOperand.get().getType());
    GemmShape gemm = cast<GemmOpInterface>(op).getGemmShape();
    r.n = weightType.getDimSize(0);
    r.k = weightType.getNumElements() / r.n;
    r.m = gemm.m;
    r.nnz = keptPerBank();
    r.banks = llvm::divideCeil(r.k, static_cast<int64_t>(bankSize));
    auto skip = [&](std::string why) {
      r.action = "dense";
      r.keptL1 = 1.0; // nothing dropped
      r.reason = std::move(why);
      mlir::emitRemark(op->getLoc()) << kPass << ": '" << r.name
                                    << "' stays dense: " << r.reason;
      return success();
    };
    if (conv && conv.getGroups() != 1)
      return skip("a grouped convolution (groups = " +
                  std::to_string(conv.getGroups()) +
                  ") has no balanced-sparse form");
    if (weightType.getNumElements() < minWeights)
      return skip("fewer than min-weights = " + std::to_string(minWeights) +
                  " weight elements");
    auto constant = weightOperand.get().getDefiningOp<ConstantOp>();
    if (!constant)
      return skip("the weight is not a dnn.constant");
    std::string unreadable;
    FailureOr<RawTensor> weight = readConstant(constant, &unreadable);
    if (failed(weight))
      return skip("the weight's data cannot be read: " + unreadable);
    // Banks keep their largest magnitudes: a NaN or infinity has none.
    if (std::optional<int64_t> bad = weight->firstNonFinite())
      return constant.emitError()
             << kPass << ": weight element #" << *bad << " is not finite ("
             << weight->get(*bad)
             << "); its bank cannot be ranked by magnitude";

    int64_t bits = indexBits ? static_cast<int64_t>(indexBits)
                             : BalancedSparsityAttr::getMinIndexBits(bankSize);
    int64_t container = bits <= 8 ? 8 : bits <= 16 ? 16 : 32;
    Type elementType = weightType.getElementType();
    BalancedSparseShape shape;
    shape.m = r.m;
    shape.n = r.n;
    shape.k = r.k;
    shape.bankSize = bankSize;
    shape.nnz = r.nnz;
    shape.valueBytes = weightType.getElementTypeBitWidth() / 8;
    shape.indexBytes = container / 8;
    shape.bias = static_cast<bool>(bias);
    shape.xElements =
        cast<RankedTensorType>(input.getType()).getNumElements();

    if (target) {
      GemmTraffic traffic = gemmTraffic(op);
      MappingAttr dense =
          chooseMapping(&getContext(), target, params, gemm, traffic,
                        usesTensorCores(op), MappingSearch{});
      if (dense)
        r.denseUs = predictGemm(target, params, gemm, dense, traffic).latencyUs;
      std::string error;
      MappingAttr sparse =
          mapBalancedSparse(&getContext(), target, shape, error);
      if (!sparse)
        return skip(error);
      r.sparseUs =
          predictBalancedSparse(target, params, shape, sparse).latencyUs;
      if (decide == "model" && dense && r.sparseUs >= r.denseUs)
        return skip(llvm::formatv("the sparse kernel is predicted slower "
                                  "({0:f2} us against {1:f2} us dense)",
                                  r.sparseUs, r.denseUs)
                        .str());
    }

    Selection s = selectBanks(*weight, r.n, r.k, bankSize, r.nnz);
    r.keptL1 = s.totalL1 > 0 ? s.keptL1 / s.totalL1 : 1.0;
    OpBuilder b(op);
    Location loc = op->getLoc();
    Attribute like = constant.getValue();
    if (emit == "masked") {
      RawTensor masked = *weight;
      std::fill(masked.bytes.begin(), masked.bytes.end(), 0);
      int64_t banks = r.banks;
      for (int64_t row = 0; row < r.n; ++row)
        for (int64_t bank = 0; bank < banks; ++bank)
          for (int64_t j = 0; j < r.nnz; ++j) {
            size_t e = (row * banks + bank) * r.nnz + j;
            int64_t column = bank * bankSize + s.offsets[e];
            if (column < r.k)
              masked.set(row * r.k + column, s.values[e]);
          }
      auto w = ConstantOp::create(b, constant.getLoc(),
                                  makeConstantAttr(masked, like));
      weightOperand.assign(w);
      op->removeAttr(DNNDialect::kMappingAttrName);
      op->removeAttr(DNNDialect::kCostAttrName);
      r.action = "masked";
    } else {
      RawTensor values = *weight;
      values.type = RankedTensorType::get({r.n, r.banks, r.nnz}, elementType);
      values.bytes.assign(s.values.size() * values.elementBytes, 0);
      for (size_t e = 0; e < s.values.size(); ++e)
        values.set(static_cast<int64_t>(e), s.values[e]);
      RawTensor offsets;
      offsets.type = RankedTensorType::get(
          {r.n, r.banks, r.nnz}, b.getIntegerType(container));
      offsets.elementBytes = container / 8;
      offsets.bytes.resize(s.offsets.size() * offsets.elementBytes);
      for (size_t e = 0; e < s.offsets.size(); ++e)
        std::memcpy(offsets.bytes.data() + e * offsets.elementBytes,
                    &s.offsets[e], offsets.elementBytes); // little endian
      auto layout = BalancedSparsityAttr::get(&getContext(), bankSize, r.nnz,
                                              bits, elementType);
      auto v = ConstantOp::create(b, constant.getLoc(),
                                  makeConstantAttr(values, like));
      auto i = ConstantOp::create(b, constant.getLoc(),
                                  makeConstantAttr(offsets, like));
      Value sparse;
      if (linear)
        sparse = SparseLinearOp::create(b, loc, input, v, i, bias, layout);
      else
        sparse = SparseConv2DOp::create(
            b, loc, input, v, i, bias, layout,
            b.getDenseI64ArrayAttr({weightType.getDimSize(2),
                                    weightType.getDimSize(3)}),
            conv.getStridesAttr(), conv.getPaddingAttr(),
            conv.getDilationAttr());
      op->getResult(0).replaceAllUsesWith(sparse);
      op->erase();
      r.action = "sparse";
    }
    if (constant->use_empty())
      constant.erase();
    auto remark = InFlightDiagnostic(
        mlir::emitRemark(loc) << kPass << ": '" << r.name << "' -> "
                              << r.action << ", " << r.nnz << " of "
                              << static_cast<int64_t>(bankSize)
                              << " per bank, "
                              << llvm::formatv("{0:f1}", 100.0 * r.keptL1)
                              << "% of the weight's L1 kept");
    if (target)
      remark << llvm::formatv(" (predicted {0:f2} us sparse, {1:f2} us dense)",
                              r.sparseUs, r.denseUs)
                    .str();
    return success();
  }

  LogicalResult writeReport(ModuleOp module,
                            const std::vector<LayerReport> &reports) {
    if (report == "-") {
      llvm::raw_ostream &os = llvm::outs();
      os << llvm::formatv("{0,-24} {1,-7} {2,17} {3,9} {4,9} {5,11} {6,11}\n",
                          "layer", "action", "weight", "nnz/bank", "kept_l1",
                          "dense_us", "sparse_us");
      for (const LayerReport &r : reports) {
        os << llvm::formatv(
            "{0,-24} {1,-7} {2,17} {3,9} {4,9:f4} {5,11:f2} {6,11:f2}\n",
            r.name, r.action, llvm::formatv("{0}x{1}", r.n, r.k).str(),
            llvm::formatv("{0}/{1}", r.nnz, static_cast<int64_t>(bankSize))
                .str(),
            r.keptL1, r.denseUs, r.sparseUs);
        if (!r.reason.empty())
          os << "    " << r.reason << "\n";
      }
      return success();
    }
    return writeJSONReport(module, kPass, report,
                           [&](llvm::json::OStream &json) {
      json.attribute("bank_size", static_cast<int64_t>(bankSize));
      json.attribute("sparsity", static_cast<double>(sparsity));
      json.attributeArray("layers", [&] {
        for (const LayerReport &r : reports)
          json.object([&] {
            json.attribute("name", r.name);
            json.attribute("function", r.function);
            json.attribute("action", r.action);
            json.attribute("reason", r.reason);
            json.attribute("m", r.m);
            json.attribute("n", r.n);
            json.attribute("k", r.k);
            json.attribute("banks", r.banks);
            json.attribute("nnz_per_bank", r.nnz);
            json.attribute("kept_l1_fraction", r.keptL1);
            json.attribute("dense_us", r.denseUs);
            json.attribute("sparse_us", r.sparseUs);
          });
      });
    });
  }
};
} // namespace
