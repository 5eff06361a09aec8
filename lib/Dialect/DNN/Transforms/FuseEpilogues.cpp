//===- FuseEpilogues.cpp - dnn-fuse-epilogues -----------------------------===//
//
// GEMM -> [add residual] -> [activation] chains become dnn.fused ops (see
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_FUSEEPILOGUES
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

namespace {

/// The single user of `value`, if it has exactly one use.
Operation *onlyUser(Value value) {
  return value.hasOneUse() ? *value.getUsers().begin() : nullptr;
}

struct FuseEpiloguesPass
    : public dnn::impl::FuseEpiloguesBase<FuseEpiloguesPass> {
  void runOnOperation() override {
    SmallVector<Operation *> anchors;
    getOperation()->walk([&](Operation *op) {
      if (isa<Conv2DOp, LinearOp>(op) && !op->getParentOfType<FusedOp>())
        anchors.push_back(op);
    });
    for (Operation *anchor : anchors)
      fuse(anchor);
  }

  void fuse(Operation *anchor) {
    SmallVector<Operation *> chain = {anchor};
    Value current = anchor->getResult(0);
    Value residual;
    if (auto add = dyn_cast_or_null<AddOp>(onlyUser(current))) {
      Value other = add.getLhs() == current ? add.getRhs() : add.getLhs();
      // The residual must be another value of the same shape (no
      // broadcast), available where the fused op goes.
      if (other != current && other.getType() == current.getType()) {
        residual = other;
        chain.push_back(add);
        current = add.getResult();
      }
    }
    if (auto act = dyn_cast_or_null<ActivationOp>(onlyUser(current))) {
      chain.push_back(act);
      current = act.getResult();
    }
    if (chain.size() == 1)
      return;
    Operation *last = chain.back();
    // The residual must dominate the fused op, which replaces `last`: it
    // does when defined before `last` in the same block (or a block arg).
    if (residual) {
      Operation *def = residual.getDefiningOp();
      if (def && (def->getBlock() != last->getBlock() ||
                  !def->isBeforeInBlock(last)))
        return;
    }

    OpBuilder builder(last);
    // Each value once (a residual may also be the GEMM's input).
    llvm::SetVector<Value> inputs(anchor->operand_begin(),
                                  anchor->operand_end());
    if (residual)
      inputs.insert(residual);
    auto fused = FusedOp::create(builder, last->getLoc(), current.getType(),
                                 inputs.getArrayRef());
    Block *body = builder.createBlock(&fused.getBody());
    for (Value input : inputs)
      body->addArgument(input.getType(), input.getLoc());
    IRMapping map;
    for (auto [input, arg] : llvm::zip(inputs, body->getArguments()))
      map.map(input, arg);
    builder.setInsertionPointToStart(body);
    for (Operation *op : chain)
      builder.clone(*op, map);
    YieldOp::create(builder, last->getLoc(), map.lookup(current));
    last->getResult(0).replaceAllUsesWith(fused.getResult());
    for (Operation *op : llvm::reverse(chain))
      op->erase();
  }
};

} // namespace
