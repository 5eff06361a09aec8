//===- FoldBatchNorm.cpp - dnn-fold-batch-norm ----------------------------===//
//
// Folds an inference batch norm into the conv2d or linear that produces its
// input (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/Transforms/WeightData.h"

#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace mlir::dnn {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

static constexpr StringLiteral kPass = "dnn-fold-batch-norm";

/// Why `bn` cannot be folded, or "" (and its producer in `producer`).
static std::string whyNot(BatchNormOp bn, Operation *&producer) {
  producer = bn.getInput().getDefiningOp();
  if (!producer || !isa<Conv2DOp, LinearOp>(producer))
    return "its input is not a conv2d or linear";
  if (!bn.getInput().hasOneUse())
    return "the producer's result has other users";
  if (isa<LinearOp>(producer) &&
      cast<RankedTensorType>(producer->getResult(0).getType()).getRank() != 2)
    return "the linear layer's features are not the batch norm's channel dim";
  for (Value v : {bn.getScale(), bn.getOffset(), bn.getMean(),
                  bn.getVariance()})
    if (!v.getDefiningOp<ConstantOp>())
      return "a batch-norm parameter is not a constant";
  if (!producer->getOperand(1).getDefiningOp<ConstantOp>())
    return "the weight is not a constant";
  if (producer->getNumOperands() > 2 &&
      !producer->getOperand(2).getDefiningOp<ConstantOp>())
    return "the bias is not a constant";
  return "";
}

/// Folds `bn` into `producer`; fails (changing nothing) if some data
/// cannot be read.
static LogicalResult fold(BatchNormOp bn, Operation *producer) {
  auto read = [](Value v) {
    return readConstant(v.getDefiningOp<ConstantOp>());
  };
  FailureOr<RawTensor> scale = read(bn.getScale()), offset = read(bn.getOffset()),
                       mean = read(bn.getMean()), var = read(bn.getVariance()),
                       weight = read(producer->getOperand(1));
  if (failed(scale) || failed(offset) || failed(mean) || failed(var) ||
      failed(weight))
    return failure();
  int64_t features = weight->type.getDimSize(0);
  if (scale->size() != features || offset->size() != features ||
      mean->size() != features || var->size() != features)
    return failure();
  std::optional<RawTensor> bias;
  if (producer->getNumOperands() > 2) {
    FailureOr<RawTensor> b = read(producer->getOperand(2));
    if (failed(b) || b->size() != features)
      return failure();
    bias = std::move(*b);
  }

  double eps = bn.getEpsilon().convertToDouble();
  RawTensor newWeight = *weight;
  RawTensor newBias;
  newBias.type = RankedTensorType::get({features}, weight->elementType);
  newBias.elementType = weight->elementType;
  newBias.elementBytes = weight->elementBytes;
  newBias.bytes.assign(features * weight->elementBytes, 0);
  int64_t perFeature = weight->size() / features;
  for (int64_t f = 0; f < features; ++f) {
    double a = scale->get(f) / std::sqrt(var->get(f) + eps);
    for (int64_t i = 0; i < perFeature; ++i)
      newWeight.set(f * perFeature + i, weight->get(f * perFeature + i) * a);
    double b = bias ? bias->get(f) : 0.0;
    newBias.set(f, (b - mean->get(f)) * a + offset->get(f));
  }

  OpBuilder builder(producer);
  auto weightOp = producer->getOperand(1).getDefiningOp<ConstantOp>();
  Value w = ConstantOp::create(builder, weightOp.getLoc(),
                               makeConstantAttr(newWeight, weightOp.getValue()));
  Attribute biasLike =
      bias ? producer->getOperand(2).getDefiningOp<ConstantOp>().getValue()
           : weightOp.getValue();
  Value b = ConstantOp::create(builder, bn.getLoc(),
                               makeConstantAttr(newBias, biasLike));
  OperationState state(producer->getLoc(), producer->getName());
  state.addOperands({producer->getOperand(0), w, b});
  state.addAttributes(producer->getAttrs());
  state.addTypes(producer->getResultTypes());
  Operation *fused = builder.create(state);
  fused->removeAttr(DNNDialect::kMappingAttrName);
  fused->removeAttr(DNNDialect::kCostAttrName);
  bn.getResult().replaceAllUsesWith(fused->getResult(0));
  // The old weight, bias and parameters, unless something else uses them.
  llvm::SetVector<Operation *> inputs;
  for (Value v : llvm::concat<Value>(bn->getOperands().drop_front(),
                                     producer->getOperands().drop_front()))
    if (Operation *def = v.getDefiningOp())
      inputs.insert(def);
  bn.erase();
  producer->erase();
  for (Operation *op : inputs)
    if (op->use_empty())
      op->erase();
  return success();
}

namespace {
struct FoldBatchNormPass
    : public dnn::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    SmallVector<BatchNormOp> norms;
    getOperation()->walk([&](BatchNormOp bn) { norms.push_back(bn); });
    for (BatchNormOp bn : norms) {
      Operation *producer = nullptr;
      std::string why = whyNot(bn, producer);
      if (why.empty() && failed(fold(bn, producer)))
        why = "a weight or parameter is not a readable float constant of the "
              "right size";
      if (!why.empty())
        bn.emitRemark() << kPass << ": not folded: " << why;
    }
  }
};
} // namespace
