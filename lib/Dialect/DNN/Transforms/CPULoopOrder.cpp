//===- CPULoopOrder.cpp - vectorizable loop order for CPU kernels ---------===//
//
// Interchanges the loops of linalg convolutions, poolings and GEMMs so that
// the reductions run outside the innermost output loops (see the pass
// description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_CPULOOPORDER
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;

namespace {

/// The loop permutation (new loop i = old loop perm[i]) that moves the
/// reductions just outside the innermost output loops of `op`, or nothing if
/// the op is not a convolution/GEMM or the result would not vectorize.
std::optional<SmallVector<unsigned>> vectorizableOrder(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
      !op.hasPureTensorSemantics())
    return std::nullopt;
  bool conv = linalg::isaConvolutionOpInterface(op);
  if (!conv && !linalg::isaContractionOpInterface(op))
    return std::nullopt;

  // Innermost output loops: the last two output dims of a convolution or
  // pooling (its spatial plane), the last of a GEMM. They must be plain loop
  // dims of the output map.
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  unsigned count = conv ? 2 : 1;
  if (outMap.getNumResults() < count)
    return std::nullopt;
  SmallVector<unsigned> inner;
  for (AffineExpr e : outMap.getResults().take_back(count)) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d)
      return std::nullopt;
    inner.push_back(d.getPosition());
  }

  // The innermost loop must be unit-stride in every operand that uses it:
  // it may appear only in the last result of each map.
  unsigned last = inner.back();
  for (AffineMap map : op.getIndexingMapsArray()) {
    for (auto [i, e] : llvm::enumerate(map.getResults()))
      if (e.isFunctionOfDim(last) && i + 1 != map.getNumResults())
        return std::nullopt;
  }

  SmallVector<unsigned> outer, reductions;
  auto iters = op.getIteratorTypesArray();
  for (unsigned d = 0, e = op.getNumLoops(); d < e; ++d) {
    if (llvm::is_contained(inner, d))
      continue;
    (linalg::isReductionIterator(iters[d]) ? reductions : outer).push_back(d);
  }
  SmallVector<unsigned> perm(outer);
  perm.append(reductions);
  perm.append(inner);
  if (llvm::equal(perm, llvm::seq<unsigned>(0, op.getNumLoops())))
    return std::nullopt;
  return perm;
}

struct CPULoopOrderPass
    : dnn::impl::CPULoopOrderBase<CPULoopOrderPass> {
  using CPULoopOrderBase::CPULoopOrderBase;

  void runOnOperation() override {
    if (im2colBelowWidth < 0) {
      getOperation()->emitError()
          << "dnn-cpu-loop-order: im2col-below-width must not be negative "
             "(0: never), got "
          << static_cast<int64_t>(im2colBelowWidth);
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    // Narrow or strided convolutions: im2col + GEMM, so the GEMM's innermost
    // loop runs over the whole output plane with unit stride.
    if (im2colBelowWidth > 0) {
      SmallVector<linalg::Conv2DNchwFchwOp> narrow;
      getOperation()->walk([&](linalg::Conv2DNchwFchwOp conv) {
        auto out = cast<ShapedType>(conv.getDpsInits()[0].getType());
        auto notOne = [](int64_t v) { return v != 1; };
        bool strided =
            llvm::any_of(conv.getStrides().getValues<int64_t>(), notOne);
        // linalg's im2col rewrite handles undilated convolutions only.
        bool dilated =
            llvm::any_of(conv.getDilations().getValues<int64_t>(), notOne);
        if (conv.hasPureTensorSemantics() && out.hasStaticShape() &&
            !dilated && (out.getDimSize(3) < im2colBelowWidth || strided))
          narrow.push_back(conv);
      });
      for (linalg::Conv2DNchwFchwOp conv : narrow) {
        rewriter.setInsertionPoint(conv);
        // On failure the convolution stays direct, which is still correct.
        (void)linalg::rewriteInIm2Col(rewriter, conv);
      }
    }

    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (vectorizableOrder(op))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp op : candidates) {
      SmallVector<unsigned> perm = *vectorizableOrder(op);
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
        if (failed(g)) {
          op->emitError("dnn-cpu-loop-order: cannot generalize this op");
          return signalPassFailure();
        }
        generic = *g;
      }
      if (failed(linalg::interchangeGenericOp(rewriter, generic, perm))) {
        generic->emitError("dnn-cpu-loop-order: loop interchange failed");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
