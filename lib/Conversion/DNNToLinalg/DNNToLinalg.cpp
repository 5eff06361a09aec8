//===- DNNToLinalg.cpp - dnn ops to linalg on tensors ---------------------===//
//
// One conversion pattern per dnn op. Each produces linalg named ops where
// linalg has the layer (convolution, matmul, pooling) and linalg.generic
// otherwise, on tensors, with the exact semantics of the op's documentation.
//
// Precision: f16/bf16 layers accumulate (convolution, GEMM, reductions) and
// evaluate their arithmetic in f32 and round once at the end; f32 and f64
// layers compute in their own type.
//
//===----------------------------------------------------------------------===//

#include "dnn/Conversion/DNNToLinalg/DNNToLinalg.h"
#include "dnn/Conversion/Passes.h"

#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/DialectConversion.h"

#include <numeric>

namespace mlir::dnn {
#define GEN_PASS_DEF_CONVERTDNNTOLINALG
#include "dnn/Conversion/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// The type arithmetic is done in: f32 for the 16-bit floats, else itself.
Type computeType(Type elementType) {
  if (elementType.isF16() || elementType.isBF16())
    return Float32Type::get(elementType.getContext());
  return elementType;
}

/// Converts a float scalar to `to` (extension or truncation; no-op if equal).
Value castFloat(OpBuilder &b, Location loc, Value v, Type to) {
  auto from = cast<FloatType>(v.getType());
  auto target = cast<FloatType>(to);
  if (from == target)
    return v;
  if (from.getWidth() < target.getWidth())
    return arith::ExtFOp::create(b, loc, target, v);
  return arith::TruncFOp::create(b, loc, target, v);
}

Value floatConst(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, type,
                                   b.getFloatAttr(type, value));
}

Value negInfinity(OpBuilder &b, Location loc, Type type) {
  auto ft = cast<FloatType>(type);
  return arith::ConstantOp::create(
      b, loc, type,
      b.getFloatAttr(type, APFloat::getInf(ft.getFloatSemantics(),
                                           /*Negative=*/true)));
}

/// A tensor of `shape` x `type` filled with `value`.
Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type type,
             Value value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, type);
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

SmallVector<IteratorType> parallelIters(int64_t rank) {
  return SmallVector<IteratorType>(rank, kPar);
}

/// A linalg.generic with one result of `resultType`, writing into `init`.
Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iters,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, iters,
      /*doc=*/"", /*libraryCall=*/"",
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return op.getResult(0);
}

/// Element-wise map of `inputs` (already indexed by `maps`, one per input)
/// into a fresh tensor of `shape` x `type`.
Value mapInto(OpBuilder &b, Location loc, ValueRange inputs,
              ArrayRef<AffineMap> inputMaps, ArrayRef<int64_t> shape,
              Type type,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  Value init = tensor::EmptyOp::create(b, loc, shape, type);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(shape.size()));
  return generic(b, loc, inputs, init, maps, parallelIters(shape.size()),
                 body);
}

/// Rounds `v` (a tensor in compute type) to `type` element-wise, or returns
/// it if it already has that element type.
Value roundTo(OpBuilder &b, Location loc, Value v, Type type) {
  RankedTensorType t = tensorType(v);
  if (t.getElementType() == type)
    return v;
  int64_t rank = t.getRank();
  return mapInto(b, loc, v, b.getMultiDimIdentityMap(rank), t.getShape(), type,
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   return castFloat(nb, nloc, args[0], type);
                 });
}

/// Reassociation that groups the dims of a `rank`-D shape so that each
/// group holds exactly one dim of `keep` (dims not kept must have size 1).
/// Empty when nothing is kept (collapse to rank 0).
SmallVector<ReassociationIndices> groupAround(int64_t rank,
                                              ArrayRef<bool> keep) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices current;
  bool currentHasKept = false;
  for (int64_t d = 0; d < rank; ++d) {
    if (keep[d] && currentHasKept) {
      groups.push_back(current);
      current.clear();
      currentHasKept = false;
    }
    current.push_back(d);
    currentHasKept |= keep[d];
  }
  if (!current.empty()) {
    if (currentHasKept || groups.empty())
      groups.push_back(current);
    else
      groups.back().append(current.begin(), current.end());
  }
  if (llvm::none_of(keep, [](bool k) { return k; }))
    groups.clear();
  return groups;
}

/// Reshapes a tensor to `type` (same element count) with collapse/expand.
Value reshapeTo(OpBuilder &b, Location loc, Value v, RankedTensorType type) {
  RankedTensorType from = tensorType(v);
  if (from == type)
    return v;
  // Through the flat 1-D form (or rank 0 when every shape is all ones);
  // canonicalization folds the pair where one reshape suffices.
  int64_t n = from.getNumElements();
  Value flat = v;
  if (from.getRank() != 1) {
    SmallVector<ReassociationIndices> groups;
    if (from.getRank() > 0) {
      ReassociationIndices all(from.getRank());
      std::iota(all.begin(), all.end(), 0);
      groups.push_back(all);
    }
    auto flatType = RankedTensorType::get({n}, from.getElementType());
    if (from.getRank() == 0)
      flat = tensor::ExpandShapeOp::create(b, loc, flatType, v, groups);
    else
      flat = tensor::CollapseShapeOp::create(b, loc, flatType, v, groups);
  }
  if (type.getRank() == 1)
    return flat;
  SmallVector<ReassociationIndices> groups;
  if (type.getRank() > 0) {
    ReassociationIndices all(type.getRank());
    std::iota(all.begin(), all.end(), 0);
    groups.push_back(all);
    return tensor::ExpandShapeOp::create(b, loc, type, flat, groups);
  }
  return tensor::CollapseShapeOp::create(b, loc, type, flat, groups);
}

/// Prepares `v` for NumPy broadcasting against an output of `outShape`:
/// drops the size-1 dims that broadcast (collapse_shape) and returns the
/// value with its indexing map from the output's loops.
std::pair<Value, AffineMap> broadcastOperand(OpBuilder &b, Location loc,
                                             Value v,
                                             ArrayRef<int64_t> outShape) {
  RankedTensorType t = tensorType(v);
  int64_t outRank = outShape.size(), rank = t.getRank();
  int64_t lead = outRank - rank;
  SmallVector<bool> keep(rank);
  SmallVector<AffineExpr> exprs;
  SmallVector<int64_t> keptShape;
  for (int64_t d = 0; d < rank; ++d) {
    keep[d] = !(t.getDimSize(d) == 1 && outShape[lead + d] != 1);
    if (keep[d]) {
      exprs.push_back(b.getAffineDimExpr(lead + d));
      keptShape.push_back(t.getDimSize(d));
    }
  }
  Value operand = v;
  if (static_cast<int64_t>(keptShape.size()) != rank)
    operand = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get(keptShape, t.getElementType()), v,
        groupAround(rank, keep));
  return {operand, AffineMap::get(outRank, 0, exprs, b.getContext())};
}

/// Broadcasts the 1-D `vec` along dimension `dim` of a tensor of `shape`,
/// converted to `type`.
Value broadcastVector(OpBuilder &b, Location loc, Value vec, int64_t dim,
                      ArrayRef<int64_t> shape, Type type) {
  AffineMap map = AffineMap::get(shape.size(), 0, b.getAffineDimExpr(dim),
                                 b.getContext());
  return mapInto(b, loc, vec, map, shape, type,
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   return castFloat(nb, nloc, args[0], type);
                 });
}

/// The accumulator a GEMM-like layer starts from: its `bias` (if any)
/// broadcast along dimension `dim` of `shape`, else zeros, in `type`.
Value accumulatorInit(OpBuilder &b, Location loc, Value bias, int64_t dim,
                      ArrayRef<int64_t> shape, Type type) {
  if (bias)
    return broadcastVector(b, loc, bias, dim, shape, type);
  return filled(b, loc, shape, type, floatConst(b, loc, type, 0));
}

DenseIntElementsAttr i64Vector(OpBuilder &b, ArrayRef<int64_t> values) {
  return b.getI64VectorAttr(values);
}

/// Pads the two spatial dims of an NCHW tensor with `value`.
Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> low, ArrayRef<int64_t> high, Value value) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return input;
  RankedTensorType t = tensorType(input);
  SmallVector<int64_t> shape(t.getShape());
  shape[2] += low[0] + high[0];
  shape[3] += low[1] + high[1];
  SmallVector<OpFoldResult> lo = {b.getIndexAttr(0), b.getIndexAttr(0),
                                  b.getIndexAttr(low[0]),
                                  b.getIndexAttr(low[1])};
  SmallVector<OpFoldResult> hi = {b.getIndexAttr(0), b.getIndexAttr(0),
                                  b.getIndexAttr(high[0]),
                                  b.getIndexAttr(high[1])};
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), input, lo, hi,
      value);
}

/// Extra end padding so that `out` windows of `extent` at `stride` fit in a
/// padded input of `padded` elements (only ceil_mode needs any).
int64_t overhang(int64_t out, int64_t stride, int64_t extent,
                 int64_t padded) {
  return std::max<int64_t>(0, (out - 1) * stride + extent - padded);
}

} // namespace

/// ONNX's default alpha and beta of a recurrent activation function.
static RecurrentCellFunction defaultCellFunction(StringRef name) {
  RecurrentCellFunction f{name.str()};
  if (name == "hard_sigmoid") {
    f.alpha = 0.2;
    f.beta = 0.5;
  } else if (name == "leaky_relu") {
    f.alpha = 0.01;
  } else if (name == "thresholded_relu" || name == "elu") {
    f.alpha = 1.0;
  } else if (name == "scaled_tanh" || name == "affine") {
    f.alpha = 1.0;
    f.beta = name == "scaled_tanh" ? 1.0 : 0.0;
  }
  return f;
}

Value dnn::buildRecurrentCellFunction(OpBuilder &b, Location loc,
                                      const RecurrentCellFunction &f, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConst(b, loc, t, v); };
  auto mul = [&](Value a, Value y) {
    return arith::MulFOp::create(b, loc, a, y).getResult();
  };
  auto add = [&](Value a, Value y) {
    return arith::AddFOp::create(b, loc, a, y).getResult();
  };
  auto select = [&](arith::CmpFPredicate p, Value lhs, Value rhs, Value yes,
                    Value no) {
    Value cond = arith::CmpFOp::create(b, loc, p, lhs, rhs);
    return arith::SelectOp::create(b, loc, cond, yes, no).getResult();
  };
  // One op per statement below: the order of ops created inside one call's
  // arguments would be the host compiler's choice.
  StringRef n = f.name;
  if (n == "sigmoid")
    return buildActivation(b, loc, ActivationKind::sigmoid, x);
  if (n == "tanh")
    return buildActivation(b, loc, ActivationKind::tanh, x);
  if (n == "relu")
    return buildActivation(b, loc, ActivationKind::relu, x);
  if (n == "hard_sigmoid") {
    Value beta = c(f.beta);
    Value linear = add(mul(c(f.alpha), x), beta);
    Value one = c(1);
    Value upper = arith::MinimumFOp::create(b, loc, one, linear);
    Value zero = c(0);
    return arith::MaximumFOp::create(b, loc, zero, upper);
  }
  if (n == "leaky_relu") {
    Value scaled = mul(c(f.alpha), x);
    Value zero = c(0);
    return select(arith::CmpFPredicate::OGE, x, zero, x, scaled);
  }
  if (n == "thresholded_relu") {
    Value zero = c(0);
    Value alpha = c(f.alpha);
    return select(arith::CmpFPredicate::OGT, x, alpha, x, zero);
  }
  if (n == "scaled_tanh") {
    Value th = math::TanhOp::create(b, loc, mul(c(f.beta), x));
    return mul(c(f.alpha), th);
  }
  if (n == "affine") {
    Value beta = c(f.beta);
    return add(mul(c(f.alpha), x), beta);
  }
  if (n == "elu") {
    Value one = c(1);
    Value e = math::ExpOp::create(b, loc, x);
    Value em1 = arith::SubFOp::create(b, loc, e, one);
    Value scaled = mul(c(f.alpha), em1);
    Value zero = c(0);
    return select(arith::CmpFPredicate::OGE, x, zero, x, scaled);
  }
  if (n == "softsign") {
    Value abs = math::AbsFOp::create(b, loc, x);
    return arith::DivFOp::create(b, loc, x, add(c(1), abs));
  }
  // softplus (the verifier admits no other name)
  return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
}

std::pair<Value, Value> dnn::buildLSTMCell(
    OpBuilder &b, Location loc, Value c, bool inputForget,
    function_ref<Value(int64_t)> xw, function_ref<Value(int64_t)> hr,
    function_ref<Value(int64_t, Value)> peep,
    function_ref<Value(int64_t, Value, bool)> act) {
  auto add = [&](Value x, Value y) {
    return arith::AddFOp::create(b, loc, x, y).getResult();
  };
  auto mul = [&](Value x, Value y) {
    return arith::MulFOp::create(b, loc, x, y).getResult();
  };
  // x W^T + Wb + h R^T + Rb (+ peephole) of gate g, one op per statement:
  // the peephole term, then h R^T + Rb, then x W^T + Wb (not the host
  // compiler's choice of argument evaluation order).
  auto gatePre = [&](int64_t g, Value peepholeTerm) {
    Value recurrent = hr(g);
    Value sum = add(xw(g), recurrent);
    return peepholeTerm ? add(sum, peepholeTerm) : sum;
  };
  Value i = act(0, gatePre(0, peep(0, c)), true);
  Value f = inputForget
                ? arith::SubFOp::create(b, loc,
                                        floatConst(b, loc, c.getType(), 1), i)
                      .getResult()
                : act(0, gatePre(2, peep(2, c)), true);
  Value g = act(1, gatePre(3, Value()), true);
  Value ig = mul(i, g);
  Value cn = add(mul(f, c), ig);
  Value o = act(0, gatePre(1, peep(1, cn)), true);
  return {mul(o, act(2, cn, false)), cn};
}

/// The functions of direction `d` of `op` (ONNX defaults filled in).
SmallVector<RecurrentCellFunction>
dnn::getRecurrentCellFunctions(RecurrentOpInterface op, int64_t d) {
  int64_t per = op.getNumActivations();
  auto names = op->getAttrOfType<ArrayAttr>("activations");
  auto alpha = op->getAttrOfType<DenseF32ArrayAttr>("activation_alpha");
  auto beta = op->getAttrOfType<DenseF32ArrayAttr>("activation_beta");
  SmallVector<RecurrentCellFunction> fs;
  SmallVector<StringRef, 3> defaults = op.getDefaultActivations();
  for (int64_t i = 0; i < per; ++i) {
    int64_t at = d * per + i;
    RecurrentCellFunction f = defaultCellFunction(
        names ? cast<StringAttr>(names[at]).getValue() : defaults[i]);
    if (alpha)
      f.alpha = alpha[at];
    if (beta)
      f.beta = beta[at];
    fs.push_back(f);
  }
  return fs;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

template <typename OpT>
struct DNNPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  using OpAdaptor = typename OpT::Adaptor;
};

//--- conv2d -------------------------------------------------------------===//

struct Conv2DLowering : DNNPattern<Conv2DOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type et = resultType.getElementType();
    Type acc = computeType(et);
    ArrayRef<int64_t> pad = op.getPadding();
    Value input = padSpatial(rewriter, loc, adaptor.getInput(), pad.take_front(2),
                             pad.drop_front(2), floatConst(rewriter, loc, et, 0));
    Value weight = adaptor.getWeight();
    ArrayRef<int64_t> outShape = resultType.getShape();

    Value init =
        accumulatorInit(rewriter, loc, adaptor.getBias(), 1, outShape, acc);

    SmallVector<NamedAttribute> attrs = {
        rewriter.getNamedAttr("strides", i64Vector(rewriter, op.getStrides())),
        rewriter.getNamedAttr("dilations",
                              i64Vector(rewriter, op.getDilation()))};
    int64_t groups = op.getGroups();
    Value result;
    if (groups == 1) {
      result = linalg::Conv2DNchwFchwOp::create(
                   rewriter, loc, TypeRange{init.getType()},
                   ValueRange{input, weight}, ValueRange{init}, attrs)
                   .getResult(0);
    } else {
      // N x (G*C/G) x H x W -> N x G x C/G x H x W, and likewise for the
      // weight (G*F/G first) and the accumulator.
      RankedTensorType in = tensorType(input), w = tensorType(weight);
      auto split = [&](Value v, ArrayRef<int64_t> shape, int64_t at) {
        SmallVector<int64_t> s(shape.take_front(at));
        s.push_back(groups);
        s.push_back(shape[at] / groups);
        s.append(shape.begin() + at + 1, shape.end());
        SmallVector<ReassociationIndices> re;
        for (int64_t d = 0, r = shape.size(); d < r; ++d) {
          int64_t base = d <= at ? d : d + 1;
          if (d == at)
            re.push_back({base, base + 1});
          else
            re.push_back({base});
        }
        return std::make_pair(
            Value(tensor::ExpandShapeOp::create(
                rewriter, loc,
                RankedTensorType::get(s, cast<RankedTensorType>(v.getType())
                                             .getElementType()),
                v, re)),
            re);
      };
      Value gin = split(input, in.getShape(), 1).first;
      Value gw = split(weight, w.getShape(), 0).first;
      auto [ginit, outGroups] = split(init, outShape, 1);
      Value conv = linalg::Conv2DNgchwGfchwOp::create(
                       rewriter, loc, TypeRange{ginit.getType()},
                       ValueRange{gin, gw}, ValueRange{ginit}, attrs)
                       .getResult(0);
      result = tensor::CollapseShapeOp::create(rewriter, loc, init.getType(),
                                               conv, outGroups);
    }
    rewriter.replaceOp(op, roundTo(rewriter, loc, result, et));
    return success();
  }
};

//--- linear -------------------------------------------------------------===//

struct LinearLowering : DNNPattern<LinearOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type et = resultType.getElementType();
    Type acc = computeType(et);
    RankedTensorType inType = tensorType(adaptor.getInput());
    int64_t k = inType.getShape().back();
    int64_t n = tensorType(adaptor.getWeight()).getDimSize(0);
    int64_t m = inType.getNumElements() / k;
    // ... x K -> M x K.
    Value input = reshapeTo(rewriter, loc, adaptor.getInput(),
                            RankedTensorType::get({m, k}, et));
    Value init =
        accumulatorInit(rewriter, loc, adaptor.getBias(), 1, {m, n}, acc);
    Value product = linalg::MatmulTransposeBOp::create(
                        rewriter, loc, TypeRange{init.getType()},
                        ValueRange{input, adaptor.getWeight()},
                        ValueRange{init})
                        .getResult(0);
    Value rounded = roundTo(rewriter, loc, product, et);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, rounded, resultType));
    return success();
  }
};

//--- sparse_linear ------------------------------------------------------===//

/// One entry of a balanced-sparse direct loop: `args` = (value, offset,
/// accumulator) of an entry in bank `bankIndex`, which is column c =
/// bankIndex * bank + offset (offsets are unsigned: an i8 holds 0..255) of
/// the implicit GEMM; `gather(c)` reads x at column c (clamped to K - 1),
/// and x is 0 past K. Returns accumulator + value * x in `acc`.
Value sparseEntryProduct(OpBuilder &b, Location l, ValueRange args,
                         Value bankIndex, int64_t bank, int64_t k, Type et,
                         Type acc, function_ref<Value(Value column)> gather) {
  Value offset =
      arith::IndexCastUIOp::create(b, l, b.getIndexType(), args[1]);
  Value column = arith::AddIOp::create(
      b, l,
      arith::MulIOp::create(b, l, bankIndex,
                            arith::ConstantIndexOp::create(b, l, bank)),
      offset);
  Value last = arith::ConstantIndexOp::create(b, l, k - 1);
  Value inside =
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::ule, column, last);
  Value x = gather(arith::MinUIOp::create(b, l, column, last));
  x = arith::SelectOp::create(b, l, inside, x, floatConst(b, l, et, 0));
  Value w = castFloat(b, l, args[0], acc);
  return arith::AddFOp::create(
      b, l, args[2], arith::MulFOp::create(b, l, w, castFloat(b, l, x, acc)));
}

/// The direct loop of the balanced layout: for every (m, n) the sum over
/// banks b and entries j of values[n, b, j] * x[m, b * bank + indices[n, b,
/// j]] (x read as 0 past column K - 1), added to the bias. No dense weight
/// is materialised.
struct SparseLinearLowering : DNNPattern<SparseLinearOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(SparseLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type et = resultType.getElementType();
    Type acc = computeType(et);
    int64_t k = op.getInFeatures(), n = op.getOutFeatures();
    int64_t m = op.getBatchRows();
    int64_t bank = op.getLayout().getBankSize();
    Value input = reshapeTo(rewriter, loc, adaptor.getInput(),
                            RankedTensorType::get({m, k}, et));
    Value init =
        accumulatorInit(rewriter, loc, adaptor.getBias(), 1, {m, n}, acc);
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr dm, dn, db, dj;
    bindDims(ctx, dm, dn, db, dj);
    auto entries = AffineMap::get(4, 0, {dn, db, dj}, ctx);
    auto out = AffineMap::get(4, 0, {dm, dn}, ctx);
    Value product = generic(
        rewriter, loc, ValueRange{adaptor.getValues(), adaptor.getIndices()},
        init, {entries, entries, out}, {kPar, kPar, kRed, kRed},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = linalg::IndexOp::create(b, l, 0);
          Value bankIndex = linalg::IndexOp::create(b, l, 2);
          return sparseEntryProduct(
              b, l, args, bankIndex, bank, k, et, acc, [&](Value column) {
                return tensor::ExtractOp::create(b, l, input,
                                                 ValueRange{row, column})
                    .getResult();
              });
        });
    Value rounded = roundTo(rewriter, loc, product, et);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, rounded, resultType));
    return success();
  }
};

/// dnn.sparse_conv2d: the same direct loop over the kept entries, over
/// (n, f, p, q, bank, entry); entry j of bank b is column c = b * bank +
/// offset of the implicit GEMM, read from the zero-padded input at channel
/// c / (KH * KW), row p * stride_h + kh * dilation_h, column q * stride_w +
/// kw * dilation_w (padded coordinates), and 0 past K.
struct SparseConv2DLowering : DNNPattern<SparseConv2DOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(SparseConv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type et = resultType.getElementType();
    Type acc = computeType(et);
    ArrayRef<int64_t> pad = op.getPadding(), strides = op.getStrides(),
                      dilation = op.getDilation(), kernel = op.getKernel();
    int64_t window = kernel[0] * kernel[1];
    int64_t k = op.getSparseGemmShape().k;
    int64_t bank = op.getLayout().getBankSize();
    Value input = padSpatial(rewriter, loc, adaptor.getInput(),
                             pad.take_front(2), pad.drop_front(2),
                             floatConst(rewriter, loc, et, 0));
    Value init = accumulatorInit(rewriter, loc, adaptor.getBias(), 1,
                                 resultType.getShape(), acc);
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr dn, df, dp, dq, db, dj;
    bindDims(ctx, dn, df, dp, dq, db, dj);
    auto entries = AffineMap::get(6, 0, {df, db, dj}, ctx);
    auto out = AffineMap::get(6, 0, {dn, df, dp, dq}, ctx);
    Value product = generic(
        rewriter, loc, ValueRange{adaptor.getValues(), adaptor.getIndices()},
        init, {entries, entries, out},
        {kPar, kPar, kPar, kPar, kRed, kRed},
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto c = [&](int64_t v) {
            return arith::ConstantIndexOp::create(b, l, v).getResult();
          };
          auto mul = [&](Value x, int64_t v) {
            return arith::MulIOp::create(b, l, x, c(v)).getResult();
          };
          auto add = [&](Value x, Value y) {
            return arith::AddIOp::create(b, l, x, y).getResult();
          };
          Value image = linalg::IndexOp::create(b, l, 0);
          Value p = linalg::IndexOp::create(b, l, 2);
          Value q = linalg::IndexOp::create(b, l, 3);
          Value bankIndex = linalg::IndexOp::create(b, l, 4);
          return sparseEntryProduct(
              b, l, args, bankIndex, bank, k, et, acc, [&](Value column) {
                Value channel = arith::DivUIOp::create(b, l, column, c(window));
                Value tap = arith::RemUIOp::create(b, l, column, c(window));
                Value kh = arith::DivUIOp::create(b, l, tap, c(kernel[1]));
                Value kw = arith::RemUIOp::create(b, l, tap, c(kernel[1]));
                // One op per statement: the order of ops created inside
                // one call's arguments would be the host compiler's choice.
                Value khDil = mul(kh, dilation[0]);
                Value h = add(mul(p, strides[0]), khDil);
                Value kwDil = mul(kw, dilation[1]);
                Value w = add(mul(q, strides[1]), kwDil);
                return tensor::ExtractOp::create(
                           b, l, input, ValueRange{image, channel, h, w})
                    .getResult();
              });
        });
    rewriter.replaceOp(op, roundTo(rewriter, loc, product, et));
    return success();
  }
};

//--- recurrent layers ---------------------------------------------------===//

/// A static slice of `source` at `offsets` of `sizes`, rank-reduced to
/// `shape`; an offset may be a Value.
Value sliceOf(OpBuilder &b, Location loc, Value source,
              ArrayRef<OpFoldResult> offsets, ArrayRef<int64_t> sizes,
              ArrayRef<int64_t> shape) {
  SmallVector<OpFoldResult> sz, strides;
  for (int64_t s : sizes) {
    sz.push_back(b.getIndexAttr(s));
    strides.push_back(b.getIndexAttr(1));
  }
  auto type = RankedTensorType::get(shape, tensorType(source).getElementType());
  return tensor::ExtractSliceOp::create(b, loc, type, source, offsets, sz,
                                        strides);
}

Value insertInto(OpBuilder &b, Location loc, Value piece, Value dest,
                 ArrayRef<OpFoldResult> offsets, ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> sz, strides;
  for (int64_t s : sizes) {
    sz.push_back(b.getIndexAttr(s));
    strides.push_back(b.getIndexAttr(1));
  }
  return tensor::InsertSliceOp::create(b, loc, piece, dest, offsets, sz,
                                       strides);
}

/// a[M x K] * w[N x K]^T + bias[N] (all in the compute type).
Value rowsTimesWeights(OpBuilder &b, Location loc, Value a, Value w,
                       Value bias) {
  int64_t m = tensorType(a).getDimSize(0), n = tensorType(w).getDimSize(0);
  Type t = tensorType(a).getElementType();
  Value init = broadcastVector(b, loc, bias, 1, {m, n}, t);
  MLIRContext *ctx = b.getContext();
  AffineExpr dm, dn, dk;
  bindDims(ctx, dm, dn, dk);
  return generic(
      b, loc, ValueRange{a, w}, init,
      {AffineMap::get(3, 0, {dm, dk}, ctx), AffineMap::get(3, 0, {dn, dk}, ctx),
       AffineMap::get(3, 0, {dm, dn}, ctx)},
      {kPar, kPar, kRed}, [&](OpBuilder &nb, Location l, ValueRange args) {
        return arith::AddFOp::create(
            nb, l, args[2], arith::MulFOp::create(nb, l, args[0], args[1]));
      });
}

/// dnn.lstm / dnn.gru / dnn.rnn: per direction an scf.for over the time
/// steps carrying h (and c) and Y; each step one GEMM for x_t W^T + Wb (at
/// dnn.rnn_fusion hoisted or persistent: one GEMM for all steps before the
/// loop, sliced per step), one for h R^T + Rb (GRU without linear_before_reset: a second one for
/// (r . h) Rh^T + Rbh) and one element-wise linalg.generic for the cell.
/// Everything in the compute type (f32 for 16-bit layers); the results are
/// rounded once.
template <typename OpTy>
struct RecurrentLowering : DNNPattern<OpTy> {
  using DNNPattern<OpTy>::DNNPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rec = cast<RecurrentOpInterface>(op.getOperation());
    Location loc = op.getLoc();
    Type et = tensorType(op->getResult(0)).getElementType();
    Type acc = computeType(et);
    int64_t steps = rec.getSteps(), batch = rec.getBatch(),
            in = rec.getInputSize(), dirs = rec.getNumDirections();
    int64_t h = op.getHiddenSize(), gates = rec.getNumGates();
    int64_t gh = gates * h;
    bool lstm = std::is_same_v<OpTy, LSTMOp>;
    bool gru = std::is_same_v<OpTy, GRUOp>;
    bool reverseOnly = op.getDirection() == "reverse";
    // dnn.rnn_fusion (dnn-fuse-rnn): the loop structure of that level.
    bool hoisted = false;
    if (auto level =
            op->template getAttrOfType<StringAttr>(DNNDialect::kRNNFusionAttrName))
      hoisted = level.getValue() != "unfused";
    std::optional<double> clip;
    if (auto c = op.getClipAttr())
      clip = c.getValueAsDouble();
    bool inputForget = false, linearBeforeReset = false;
    Value initialC, peephole;
    if constexpr (std::is_same_v<OpTy, LSTMOp>) {
      inputForget = op.getInputForget();
      initialC = adaptor.getInitialC();
      peephole = adaptor.getPeephole();
    }
    if constexpr (std::is_same_v<OpTy, GRUOp>)
      linearBeforeReset = op.getLinearBeforeReset();

    OpBuilder &b = rewriter;
    auto toAcc = [&](Value v) { return v ? roundTo(b, loc, v, acc) : v; };
    Value x = toAcc(adaptor.getInput()), w = toAcc(adaptor.getWeight()),
          r = toAcc(adaptor.getRecurrence()), bias = toAcc(adaptor.getBias()),
          h0 = toAcc(adaptor.getInitialH());
    Value lens = adaptor.getSequenceLens();
    initialC = toAcc(initialC);
    peephole = toAcc(peephole);
    auto idx = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
    Value zero = floatConst(b, loc, acc, 0);
    Value y = tensor::EmptyOp::create(b, loc,
                                      ArrayRef<int64_t>{steps, dirs, batch, h},
                                      acc);
    Value yh = tensor::EmptyOp::create(b, loc,
                                       ArrayRef<int64_t>{dirs, batch, h}, acc);
    Value yc = yh;
    MLIRContext *ctx = b.getContext();
    AffineExpr db, dj;
    bindDims(ctx, db, dj);
    auto rowMap = AffineMap::get(2, 0, {db, dj}, ctx);
    auto vecMap = AffineMap::get(2, 0, {dj}, ctx);

    for (int64_t d = 0; d < dirs; ++d) {
      bool reverse = reverseOnly || d == 1;
      SmallVector<RecurrentCellFunction> fs = getRecurrentCellFunctions(rec, d);
      Value wd = sliceOf(b, loc, w, {idx(d), idx(0), idx(0)}, {1, gh, in},
                         {gh, in});
      Value rd = sliceOf(b, loc, r, {idx(d), idx(0), idx(0)}, {1, gh, h},
                         {gh, h});
      Value wb, rb;
      if (bias) {
        wb = sliceOf(b, loc, bias, {idx(d), idx(0)}, {1, gh}, {gh});
        rb = sliceOf(b, loc, bias, {idx(d), idx(gh)}, {1, gh}, {gh});
      } else {
        wb = rb = filled(b, loc, {gh}, acc, zero);
      }
      Value pd = peephole ? sliceOf(b, loc, peephole, {idx(d), idx(0)},
                                    {1, 3 * h}, {3 * h})
                          : Value();
      auto state = [&](Value init) {
        return init ? sliceOf(b, loc, init, {idx(d), idx(0), idx(0)},
                              {1, batch, h}, {batch, h})
                    : filled(b, loc, {batch, h}, acc, zero);
      };
      // The states of every step, slot 0 the initial one: step s reads slot
      // s and writes slot s + 1 (double buffering, and the loop updates its
      // tensors in place).
      auto history = [&](Value init) {
        Value all = tensor::EmptyOp::create(
            b, loc, ArrayRef<int64_t>{steps + 1, batch, h}, acc);
        return insertInto(b, loc, state(init), all, {idx(0), idx(0), idx(0)},
                          {1, batch, h});
      };
      SmallVector<Value> iterInit = {history(h0)};
      if (lstm)
        iterInit.push_back(history(initialC));

      // Hoisted (and persistent, whose CPU form is the same): x W^T + Wb
      // of every step as one GEMM before the loop.
      Value xwAll;
      if (hoisted)
        xwAll = rowsTimesWeights(
            b, loc,
            reshapeTo(b, loc, x,
                      RankedTensorType::get({steps * batch, in}, acc)),
            wd, wb);

      // One op per statement: the order of ops created inside one call's
      // arguments would be the host compiler's choice.
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      Value stepCount = arith::ConstantIndexOp::create(b, loc, steps);
      Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
      auto loop = scf::ForOp::create(b, loc, zeroIdx, stepCount, one, iterInit);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value s = loop.getInductionVar();
        Value t = reverse
                      ? arith::SubIOp::create(
                            b, loc,
                            arith::ConstantIndexOp::create(b, loc, steps - 1),
                            s)
                            .getResult()
                      : s;
        Value hAll = loop.getRegionIterArgs()[0];
        Value cAll = lstm ? loop.getRegionIterArgs()[1] : Value();
        Value next = arith::AddIOp::create(
            b, loc, s, arith::ConstantIndexOp::create(b, loc, 1));
        auto at = [&](Value all, Value slot) {
          return sliceOf(b, loc, all, {slot, idx(0), idx(0)}, {1, batch, h},
                         {batch, h});
        };
        Value hPrev = at(hAll, s);
        Value cPrev = lstm ? at(cAll, s) : Value();
        // With sequence_lens in reverse, batch entry b is at time
        // L_b - 1 - s: x (or its projection) is gathered row by row.
        auto gatherRows = [&](Value all, int64_t cols, bool flat) {
          Value init = tensor::EmptyOp::create(
              b, loc, ArrayRef<int64_t>{batch, cols}, acc);
          return generic(
              b, loc, ValueRange{lens}, init,
              {AffineMap::get(2, 0, {db}, ctx), rowMap}, {kPar, kPar},
              [&](OpBuilder &nb, Location l, ValueRange a) {
                Value row = linalg::IndexOp::create(nb, l, 0);
                Value col = linalg::IndexOp::create(nb, l, 1);
                Value len = arith::IndexCastOp::create(
                    nb, l, nb.getIndexType(), a[0]);
                Value one = arith::ConstantIndexOp::create(nb, l, 1);
                // max(L_b - 1 - s, 0): rows past their length are unused.
                Value zero = arith::ConstantIndexOp::create(nb, l, 0);
                Value last = arith::SubIOp::create(nb, l, len, one);
                Value tb = arith::MaxSIOp::create(
                    nb, l, arith::SubIOp::create(nb, l, last, s), zero);
                if (flat) {
                  Value r = arith::AddIOp::create(
                      nb, l,
                      arith::MulIOp::create(
                          nb, l, tb,
                          arith::ConstantIndexOp::create(nb, l, batch)),
                      row);
                  return tensor::ExtractOp::create(nb, l, all,
                                                   ValueRange{r, col})
                      .getResult();
                }
                return tensor::ExtractOp::create(nb, l, all,
                                                 ValueRange{tb, row, col})
                    .getResult();
              });
        };
        Value xw;
        if (lens && reverse) {
          xw = hoisted ? gatherRows(xwAll, gh, true)
                       : rowsTimesWeights(b, loc, gatherRows(x, in, false),
                                          wd, wb);
        } else if (hoisted) {
          Value row = arith::MulIOp::create(
              b, loc, t, arith::ConstantIndexOp::create(b, loc, batch));
          xw = sliceOf(b, loc, xwAll, {row, idx(0)}, {batch, gh}, {batch, gh});
        } else {
          Value xt = sliceOf(b, loc, x, {t, idx(0), idx(0)}, {1, batch, in},
                             {batch, in});
          xw = rowsTimesWeights(b, loc, xt, wd, wb);
        }
        Value hr = rowsTimesWeights(b, loc, hPrev, rd, rb);
        // Gate g's B x H columns of a B x G*H product.
        auto gate = [&](Value v, int64_t g) {
          return sliceOf(b, loc, v, {idx(0), idx(g * h)}, {batch, h},
                         {batch, h});
        };

        auto pre = [&](OpBuilder &nb, Location l, Value v) {
          if (!clip)
            return v;
          Value lim = floatConst(nb, l, acc, *clip);
          Value neg = floatConst(nb, l, acc, -*clip);
          return arith::MinimumFOp::create(
                     nb, l, arith::MaximumFOp::create(nb, l, v, neg), lim)
              .getResult();
        };
        auto fn = [&](OpBuilder &nb, Location l, int which, Value v) {
          return buildRecurrentCellFunction(nb, l, fs[which], pre(nb, l, v));
        };
        auto addf = [](OpBuilder &nb, Location l, Value a, Value c) {
          return arith::AddFOp::create(nb, l, a, c).getResult();
        };
        auto mulf = [](OpBuilder &nb, Location l, Value a, Value c) {
          return arith::MulFOp::create(nb, l, a, c).getResult();
        };
        auto subf = [](OpBuilder &nb, Location l, Value a, Value c) {
          return arith::SubFOp::create(nb, l, a, c).getResult();
        };
        Value empty = tensor::EmptyOp::create(
            b, loc, ArrayRef<int64_t>{batch, h}, acc);
        Value hNext, cNext;
        if (lstm) {
          // Gates i, o, f, c (ONNX order); peepholes i, o, f. The B x H
          // state comes first: linalg takes the loop bounds from the first
          // operand indexed by (b, j).
          SmallVector<Value> ins = {cPrev,       gate(xw, 0), gate(xw, 1),
                                    gate(xw, 2), gate(xw, 3), gate(hr, 0),
                                    gate(hr, 1), gate(hr, 2), gate(hr, 3)};
          SmallVector<AffineMap> maps(9, rowMap);
          if (pd) {
            for (int64_t k = 0; k < 3; ++k)
              ins.push_back(sliceOf(b, loc, pd, {idx(k * h)}, {h}, {h}));
            maps.append({vecMap, vecMap, vecMap});
          }
          maps.append({rowMap, rowMap});
          auto cell = linalg::GenericOp::create(
              b, loc, TypeRange{empty.getType(), empty.getType()}, ins,
              ValueRange{empty, empty}, maps, {kPar, kPar}, "", "",
              [&](OpBuilder &nb, Location l, ValueRange a) {
                // a[1 + g] = x W^T + Wb, a[5 + g] = h R^T + Rb of gate g.
                auto [hn, cn] = buildLSTMCell(
                    nb, l, a[0], inputForget,
                    [&](int64_t g) { return a[1 + g]; },
                    [&](int64_t g) { return a[5 + g]; },
                    [&](int64_t k, Value cv) -> Value {
                      return pd ? mulf(nb, l, a[9 + k], cv)
                                : floatConst(nb, l, acc, 0);
                    },
                    [&](int64_t which, Value x, bool clipped) {
                      return clipped ? fn(nb, l, which, x)
                                     : buildRecurrentCellFunction(
                                           nb, l, fs[which], x);
                    });
                linalg::YieldOp::create(nb, l, ValueRange{hn, cn});
              });
          hNext = cell.getResult(0);
          cNext = cell.getResult(1);
        } else if (gru) {
          // Gates z, r, h (ONNX order).
          Value hn;
          if (!linearBeforeReset) {
            // (r . h) Rh^T + Rbh needs r first.
            Value rh = generic(
                b, loc, ValueRange{hPrev, gate(xw, 1), gate(hr, 1)}, empty,
                {rowMap, rowMap, rowMap, rowMap}, {kPar, kPar},
                [&](OpBuilder &nb, Location l, ValueRange a) {
                  Value rg = fn(nb, l, 0, addf(nb, l, a[1], a[2]));
                  return mulf(nb, l, rg, a[0]);
                });
            Value rh3 = sliceOf(b, loc, rd, {idx(2 * h), idx(0)}, {h, h},
                                {h, h});
            Value rbh = sliceOf(b, loc, rb, {idx(2 * h)}, {h}, {h});
            hn = rowsTimesWeights(b, loc, rh, rh3, rbh);
          }
          // a[0] = h, a[1 + g] = x W^T + Wb, a[4 + g] = h R^T + Rb, a[7] =
          // (r . h) Rh^T + Rbh without linear_before_reset.
          SmallVector<Value> ins = {hPrev,       gate(xw, 0), gate(xw, 1),
                                    gate(xw, 2), gate(hr, 0), gate(hr, 1),
                                    gate(hr, 2)};
          SmallVector<AffineMap> maps(7, rowMap);
          if (hn) {
            ins.push_back(hn);
            maps.push_back(rowMap);
          }
          maps.push_back(rowMap);
          hNext = generic(
              b, loc, ins, empty, maps, {kPar, kPar},
              [&](OpBuilder &nb, Location l, ValueRange a) {
                Value z = fn(nb, l, 0, addf(nb, l, a[1], a[4]));
                Value n;
                if (linearBeforeReset) {
                  Value rg = fn(nb, l, 0, addf(nb, l, a[2], a[5]));
                  n = fn(nb, l, 1, addf(nb, l, a[3], mulf(nb, l, rg, a[6])));
                } else {
                  n = fn(nb, l, 1, addf(nb, l, a[3], a[7]));
                }
                Value one = floatConst(nb, l, acc, 1);
                Value zh = mulf(nb, l, z, a[0]);
                return addf(nb, l, mulf(nb, l, subf(nb, l, one, z), n), zh);
              });
        } else {
          hNext = generic(b, loc, ValueRange{xw, hr}, empty,
                          {rowMap, rowMap, rowMap}, {kPar, kPar},
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            return fn(nb, l, 0, addf(nb, l, a[0], a[1]));
                          });
        }
        // With sequence_lens, a batch entry past its length keeps its state.
        auto freeze = [&](Value fresh, Value old) {
          return generic(
              b, loc, ValueRange{lens, fresh, old}, empty,
              {AffineMap::get(2, 0, {db}, ctx), rowMap, rowMap, rowMap},
              {kPar, kPar}, [&](OpBuilder &nb, Location l, ValueRange a) {
                Value len = arith::IndexCastOp::create(
                    nb, l, nb.getIndexType(), a[0]);
                Value valid = arith::CmpIOp::create(
                    nb, l, arith::CmpIPredicate::slt, s, len);
                return arith::SelectOp::create(nb, l, valid, a[1], a[2])
                    .getResult();
              });
        };
        if (lens) {
          hNext = freeze(hNext, hPrev);
          if (lstm)
            cNext = freeze(cNext, cPrev);
        }
        SmallVector<Value> yields = {insertInto(b, loc, hNext, hAll,
                                                {next, idx(0), idx(0)},
                                                {1, batch, h})};
        if (lstm)
          yields.push_back(insertInto(b, loc, cNext, cAll,
                                      {next, idx(0), idx(0)}, {1, batch, h}));
        scf::YieldOp::create(b, loc, yields);
      }
      // Y[t, d] = the state after time step t: slot t + 1 forward, slot
      // T - t in reverse.
      Value hAll = loop.getResult(0);
      AffineExpr dt, dbb, djj;
      bindDims(ctx, dt, dbb, djj);
      AffineExpr slot = reverse ? getAffineConstantExpr(steps, ctx) - dt
                                : dt + 1;
      Value yEmpty = tensor::EmptyOp::create(
          b, loc, ArrayRef<int64_t>{steps, batch, h}, acc);
      Value yd;
      if (!lens) {
        yd = generic(b, loc, ValueRange{hAll}, yEmpty,
                     {AffineMap::get(3, 0, {slot, dbb, djj}, ctx),
                      b.getMultiDimIdentityMap(3)},
                     {kPar, kPar, kPar},
                     [](OpBuilder &, Location, ValueRange a) { return a[0]; });
      } else {
        // Y[t, d, b] = 0 at t >= L_b; else slot t + 1 (reverse: L_b - t).
        yd = generic(
            b, loc, ValueRange{lens}, yEmpty,
            {AffineMap::get(3, 0, {dbb}, ctx), b.getMultiDimIdentityMap(3)},
            {kPar, kPar, kPar}, [&](OpBuilder &nb, Location l, ValueRange a) {
              Value tt = linalg::IndexOp::create(nb, l, 0);
              Value row = linalg::IndexOp::create(nb, l, 1);
              Value col = linalg::IndexOp::create(nb, l, 2);
              Value len = arith::IndexCastOp::create(nb, l,
                                                     nb.getIndexType(), a[0]);
              Value one = arith::ConstantIndexOp::create(nb, l, 1);
              Value valid = arith::CmpIOp::create(
                  nb, l, arith::CmpIPredicate::slt, tt, len);
              Value at = reverse ? arith::SubIOp::create(nb, l, len, tt)
                                       .getResult()
                                 : arith::AddIOp::create(nb, l, tt, one)
                                       .getResult();
              Value last = arith::ConstantIndexOp::create(nb, l, steps);
              Value zero = arith::ConstantIndexOp::create(nb, l, 0);
              at = arith::MinSIOp::create(
                  nb, l, arith::MaxSIOp::create(nb, l, at, zero), last);
              Value v = tensor::ExtractOp::create(nb, l, hAll,
                                                  ValueRange{at, row, col});
              return arith::SelectOp::create(nb, l, valid, v,
                                             floatConst(nb, l, acc, 0))
                  .getResult();
            });
      }
      y = insertInto(b, loc, yd, y, {idx(0), idx(d), idx(0), idx(0)},
                     {steps, 1, batch, h});
      auto last = [&](Value all) {
        return sliceOf(b, loc, all, {idx(steps), idx(0), idx(0)},
                       {1, batch, h}, {1, batch, h});
      };
      yh = insertInto(b, loc, last(hAll), yh, {idx(d), idx(0), idx(0)},
                      {1, batch, h});
      if (lstm)
        yc = insertInto(b, loc, last(loop.getResult(1)), yc,
                        {idx(d), idx(0), idx(0)}, {1, batch, h});
    }
    SmallVector<Value> results = {roundTo(b, loc, y, et),
                                  roundTo(b, loc, yh, et)};
    if (lstm)
      results.push_back(roundTo(b, loc, yc, et));
    rewriter.replaceOp(op, results);
    return success();
  }
};

//--- matmul -------------------------------------------------------------===//

struct MatmulLowering : DNNPattern<MatmulOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type et = resultType.getElementType();
    Type acc = computeType(et);
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    RankedTensorType lt = tensorType(lhs), rt = tensorType(rhs);
    ArrayRef<int64_t> outShape = resultType.getShape();
    int64_t rank = resultType.getRank();
    int64_t m = outShape[rank - 2], n = outShape[rank - 1];
    int64_t k = lt.getShape().back();
    Value zero = floatConst(rewriter, loc, acc, 0);

    Value product;
    if (rt.getRank() == 2) {
      // Batch dims (if any) only on the left: one (B*M) x K GEMM.
      int64_t rows = lt.getNumElements() / k;
      Value a = reshapeTo(rewriter, loc, lhs,
                          RankedTensorType::get({rows, k}, et));
      Value init = filled(rewriter, loc, {rows, n}, acc, zero);
      product = linalg::MatmulOp::create(rewriter, loc,
                                         TypeRange{init.getType()},
                                         ValueRange{a, rhs}, ValueRange{init})
                    .getResult(0);
      product = reshapeTo(rewriter, loc, product,
                          RankedTensorType::get(outShape, acc));
    } else {
      // Loops (batch..., m, n, k); each operand's batch dims broadcast.
      int64_t loops = rank + 1;
      MLIRContext *ctx = rewriter.getContext();
      auto operandMap = [&](Value &v, AffineExpr row, AffineExpr col) {
        RankedTensorType t = tensorType(v);
        int64_t batch = t.getRank() - 2;
        SmallVector<int64_t> batchOut(outShape.take_front(rank - 2));
        SmallVector<bool> keep(t.getRank(), true);
        SmallVector<AffineExpr> exprs;
        SmallVector<int64_t> kept;
        for (int64_t d = 0; d < batch; ++d) {
          int64_t od = rank - 2 - batch + d;
          keep[d] = !(t.getDimSize(d) == 1 && batchOut[od] != 1);
          if (keep[d]) {
            exprs.push_back(rewriter.getAffineDimExpr(od));
            kept.push_back(t.getDimSize(d));
          }
        }
        kept.push_back(t.getDimSize(batch));
        kept.push_back(t.getDimSize(batch + 1));
        exprs.push_back(row);
        exprs.push_back(col);
        if (static_cast<int64_t>(kept.size()) != t.getRank())
          v = tensor::CollapseShapeOp::create(
              rewriter, loc, RankedTensorType::get(kept, t.getElementType()),
              v, groupAround(t.getRank(), keep));
        return AffineMap::get(loops, 0, exprs, ctx);
      };
      AffineExpr dm = rewriter.getAffineDimExpr(rank - 2);
      AffineExpr dn = rewriter.getAffineDimExpr(rank - 1);
      AffineExpr dk = rewriter.getAffineDimExpr(rank);
      AffineMap lmap = operandMap(lhs, dm, dk);
      AffineMap rmap = operandMap(rhs, dk, dn);
      SmallVector<AffineExpr> outExprs;
      for (int64_t d = 0; d < rank; ++d)
        outExprs.push_back(rewriter.getAffineDimExpr(d));
      AffineMap omap = AffineMap::get(loops, 0, outExprs, ctx);
      SmallVector<IteratorType> iters = parallelIters(rank);
      iters.push_back(kRed);
      Value init = filled(rewriter, loc, outShape, acc, zero);
      product = generic(
          rewriter, loc, ValueRange{lhs, rhs}, init, {lmap, rmap, omap}, iters,
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value a = castFloat(b, l, args[0], acc);
            Value c = castFloat(b, l, args[1], acc);
            Value p = arith::MulFOp::create(b, l, a, c);
            return arith::AddFOp::create(b, l, args[2], p);
          });
    }
    rewriter.replaceOp(op, roundTo(rewriter, loc, product, et));
    return success();
  }
};

//--- batch_norm ---------------------------------------------------------===//

struct BatchNormLowering : DNNPattern<BatchNormOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type et = resultType.getElementType();
    Type acc = computeType(et);
    int64_t channels = resultType.getDimSize(1);
    double eps = op.getEpsilon().convertToDouble();

    // Per channel: a = scale / sqrt(variance + eps), b = offset - mean * a.
    AffineMap id1 = rewriter.getMultiDimIdentityMap(1);
    Value a = mapInto(
        rewriter, loc, ValueRange{adaptor.getScale(), adaptor.getVariance()},
        {id1, id1}, {channels}, acc,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value var = castFloat(b, l, args[1], acc);
          Value sum =
              arith::AddFOp::create(b, l, var, floatConst(b, l, acc, eps));
          Value root = math::SqrtOp::create(b, l, sum);
          return arith::DivFOp::create(b, l, castFloat(b, l, args[0], acc),
                                       root);
        });
    Value shift = mapInto(
        rewriter, loc, ValueRange{adaptor.getOffset(), adaptor.getMean(), a},
        {id1, id1, id1}, {channels}, acc,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value scaledMean =
              arith::MulFOp::create(b, l, castFloat(b, l, args[1], acc), args[2]);
          return arith::SubFOp::create(b, l, castFloat(b, l, args[0], acc),
                                       scaledMean);
        });
    int64_t rank = resultType.getRank();
    AffineMap channel = AffineMap::get(rank, 0, rewriter.getAffineDimExpr(1),
                                       rewriter.getContext());
    Value result = mapInto(
        rewriter, loc, ValueRange{adaptor.getInput(), a, shift},
        {rewriter.getMultiDimIdentityMap(rank), channel, channel},
        resultType.getShape(), et,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = castFloat(b, l, args[0], acc);
          Value y = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, x, args[1]), args[2]);
          return castFloat(b, l, y, et);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//--- activation ---------------------------------------------------------===//

/// The activation `kind` of `x` (in a float type).
Value activate(OpBuilder &b, Location loc, ActivationKind kind, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConst(b, loc, t, v); };
  switch (kind) {
  case ActivationKind::relu:
    return arith::MaximumFOp::create(b, loc, x, c(0));
  case ActivationKind::relu6: {
    Value six = c(6), zero = c(0);
    Value low = arith::MaximumFOp::create(b, loc, x, zero);
    return arith::MinimumFOp::create(b, loc, low, six);
  }
  case ActivationKind::sigmoid: {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    Value one = c(1);
    Value den = arith::AddFOp::create(b, loc, one, e);
    Value one2 = c(1);
    return arith::DivFOp::create(b, loc, one2, den);
  }
  case ActivationKind::tanh:
    return math::TanhOp::create(b, loc, x);
  case ActivationKind::gelu: {
    // x * (1 + erf(x / sqrt(2))) / 2
    Value e = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, c(M_SQRT1_2)));
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half,
                                 arith::AddFOp::create(b, loc, c(1), e));
  }
  case ActivationKind::gelu_tanh: {
    // x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2
    Value x3 = arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, x), x);
    Value inner = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, x3, c(0.044715)));
    Value th = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, inner, c(M_2_SQRTPI * M_SQRT1_2)));
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half,
                                 arith::AddFOp::create(b, loc, c(1), th));
  }
  }
  llvm_unreachable("unknown activation kind");
}

struct ActivationLowering : DNNPattern<ActivationOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(ActivationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    Type acc = computeType(et);
    ActivationKind kind = op.getKind();
    Value result = mapInto(
        rewriter, op.getLoc(), adaptor.getInput(),
        rewriter.getMultiDimIdentityMap(type.getRank()), type.getShape(), et,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = castFloat(b, l, args[0], acc);
          return castFloat(b, l, activate(b, l, kind, x), et);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//--- add, mul -----------------------------------------------------------===//

/// Element-wise binary ops with NumPy broadcasting, computed by `ArithOp`.
template <typename OpT, typename ArithOp>
struct BroadcastBinaryLowering : DNNPattern<OpT> {
  using DNNPattern<OpT>::DNNPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    Type acc = computeType(et);
    auto [lhs, lmap] =
        broadcastOperand(rewriter, loc, adaptor.getLhs(), type.getShape());
    auto [rhs, rmap] =
        broadcastOperand(rewriter, loc, adaptor.getRhs(), type.getShape());
    Value result = mapInto(
        rewriter, loc, ValueRange{lhs, rhs}, {lmap, rmap}, type.getShape(), et,
        [&](OpBuilder &b, Location l, ValueRange args) {
          // One op per statement: the order of ops created inside one
          // call's arguments would be the host compiler's choice.
          Value y = castFloat(b, l, args[1], acc);
          Value v = ArithOp::create(b, l, castFloat(b, l, args[0], acc), y);
          return castFloat(b, l, v, et);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//--- softmax ------------------------------------------------------------===//

struct SoftmaxLowering : DNNPattern<SoftmaxOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    Type acc = computeType(et);
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    MLIRContext *ctx = rewriter.getContext();

    SmallVector<int64_t> reducedShape;
    SmallVector<AffineExpr> reducedExprs;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis) {
        reducedShape.push_back(type.getDimSize(d));
        reducedExprs.push_back(rewriter.getAffineDimExpr(d));
      }
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = AffineMap::get(rank, 0, reducedExprs, ctx);
    SmallVector<IteratorType> iters = parallelIters(rank);
    iters[axis] = kRed;
    Value x = adaptor.getInput();

    // m = max(x) along the axis.
    Value maxInit =
        filled(rewriter, loc, reducedShape, acc, negInfinity(rewriter, loc, acc));
    Value max = generic(rewriter, loc, x, maxInit, {id, reduced}, iters,
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          return arith::MaximumFOp::create(
                              b, l, castFloat(b, l, args[0], acc), args[1]);
                        });
    // s = sum(exp(x - m)) along the axis.
    Value sumInit = filled(rewriter, loc, reducedShape, acc,
                           floatConst(rewriter, loc, acc, 0));
    Value sum = generic(
        rewriter, loc, ValueRange{x, max}, sumInit, {id, reduced, reduced},
        iters, [&](OpBuilder &b, Location l, ValueRange args) {
          Value e = math::ExpOp::create(
              b, l,
              arith::SubFOp::create(b, l, castFloat(b, l, args[0], acc),
                                    args[1]));
          return arith::AddFOp::create(b, l, args[2], e);
        });
    // y = exp(x - m) / s.
    Value result = mapInto(
        rewriter, loc, ValueRange{x, max, sum}, {id, reduced, reduced},
        type.getShape(), et, [&](OpBuilder &b, Location l, ValueRange args) {
          Value e = math::ExpOp::create(
              b, l,
              arith::SubFOp::create(b, l, castFloat(b, l, args[0], acc),
                                    args[1]));
          return castFloat(b, l, arith::DivFOp::create(b, l, e, args[2]), et);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//--- pooling ------------------------------------------------------------===//

/// Pads an NCHW input for a pooling window: the op's padding plus the
/// overhang of ceil_mode's last window, with `value`.
Value padForWindow(OpBuilder &b, Location loc, Value input,
                   ArrayRef<int64_t> outShape, ArrayRef<int64_t> kernel,
                   ArrayRef<int64_t> strides, ArrayRef<int64_t> padding,
                   ArrayRef<int64_t> dilation, Value value) {
  RankedTensorType t = tensorType(input);
  SmallVector<int64_t> low = {padding[0], padding[1]};
  SmallVector<int64_t> high = {padding[2], padding[3]};
  for (int i = 0; i < 2; ++i) {
    int64_t extent = dilation[i] * (kernel[i] - 1) + 1;
    high[i] += overhang(outShape[2 + i], strides[i], extent,
                        t.getDimSize(2 + i) + low[i] + high[i]);
  }
  return padSpatial(b, loc, input, low, high, value);
}

struct MaxPoolLowering : DNNPattern<MaxPool2DOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(MaxPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    Value ninf = negInfinity(rewriter, loc, et);
    Value input = padForWindow(rewriter, loc, adaptor.getInput(),
                               type.getShape(), op.getKernelSize(),
                               op.getStrides(), op.getPadding(),
                               op.getDilation(), ninf);
    Value init = filled(rewriter, loc, type.getShape(), et, ninf);
    Value window =
        tensor::EmptyOp::create(rewriter, loc, op.getKernelSize(), et);
    SmallVector<NamedAttribute> attrs = {
        rewriter.getNamedAttr("strides", i64Vector(rewriter, op.getStrides())),
        rewriter.getNamedAttr("dilations",
                              i64Vector(rewriter, op.getDilation()))};
    Value result = linalg::PoolingNchwMaxOp::create(
                       rewriter, loc, TypeRange{type},
                       ValueRange{input, window}, ValueRange{init}, attrs)
                       .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AvgPoolLowering : DNNPattern<AvgPool2DOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(AvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    Type acc = computeType(et);
    ArrayRef<int64_t> kernel = op.getKernelSize();
    ArrayRef<int64_t> strides = op.getStrides();
    ArrayRef<int64_t> pad = op.getPadding();
    ArrayRef<int64_t> dilation = op.getDilation();
    RankedTensorType inType = tensorType(adaptor.getInput());
    Value input = padForWindow(rewriter, loc, adaptor.getInput(),
                               type.getShape(), kernel, strides, pad, dilation,
                               floatConst(rewriter, loc, et, 0));
    Value init = filled(rewriter, loc, type.getShape(), acc,
                        floatConst(rewriter, loc, acc, 0));
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, et);
    SmallVector<NamedAttribute> attrs = {
        rewriter.getNamedAttr("strides", i64Vector(rewriter, strides)),
        rewriter.getNamedAttr("dilations", i64Vector(rewriter, dilation))};
    Value sum = linalg::PoolingNchwSumOp::create(
                    rewriter, loc, TypeRange{init.getType()},
                    ValueRange{input, window}, ValueRange{init}, attrs)
                    .getResult(0);

    // Divide each window's sum by its count of positions: inside the padded
    // input with count_include_pad, inside the real input without. Along one
    // dimension, window position k (0 <= k < K) reads padded row
    // start + k * d; those in [lo, hi) count:
    //   min(K - 1, floordiv(hi - 1 - start, d))
    //     - max(0, ceildiv(lo - start, d)) + 1
    // which is never negative (the shape rules keep every window start below
    // hi and the padding below the kernel extent). It is zero only for a
    // dilated window that steps over every input row: its mean is 0/0, NaN.
    bool includePad = op.getCountIncludePad();
    int64_t rank = type.getRank();
    Value result = mapInto(
        rewriter, loc, sum, rewriter.getMultiDimIdentityMap(rank),
        type.getShape(), et, [&](OpBuilder &b, Location l, ValueRange args) {
          auto idx = [&](int64_t v) -> Value {
            return arith::ConstantIndexOp::create(b, l, v);
          };
          Value count = idx(1);
          for (int i = 0; i < 2; ++i) {
            Value pos = linalg::IndexOp::create(b, l, 2 + i);
            // Window start in padded coordinates.
            Value start = arith::MulIOp::create(b, l, pos, idx(strides[i]));
            int64_t size = inType.getDimSize(2 + i);
            int64_t lo = includePad ? 0 : pad[i];
            int64_t hi = includePad ? size + pad[i] + pad[2 + i] : size + pad[i];
            Value d = idx(dilation[i]);
            // One op per statement: the order of ops created inside one
            // call's arguments would be the compiler's choice.
            Value loIdx = idx(lo);
            Value fromLo = arith::SubIOp::create(b, l, loIdx, start);
            Value firstK = arith::CeilDivSIOp::create(b, l, fromLo, d);
            Value zero = idx(0);
            Value first = arith::MaxSIOp::create(b, l, zero, firstK);
            Value hiIdx = idx(hi - 1);
            Value toHi = arith::SubIOp::create(b, l, hiIdx, start);
            Value lastK = arith::FloorDivSIOp::create(b, l, toHi, d);
            Value kMax = idx(kernel[i] - 1);
            Value last = arith::MinSIOp::create(b, l, kMax, lastK);
            Value one = idx(1);
            Value width = arith::SubIOp::create(b, l, last, first);
            Value n = arith::AddIOp::create(b, l, width, one);
            count = arith::MulIOp::create(b, l, count, n);
          }
          Value n = arith::IndexCastOp::create(b, l, b.getI64Type(), count);
          Value nf = arith::SIToFPOp::create(b, l, acc, n);
          return castFloat(b, l, arith::DivFOp::create(b, l, args[0], nf), et);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GlobalAvgPoolLowering : DNNPattern<GlobalAvgPoolOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(GlobalAvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    Type acc = computeType(et);
    RankedTensorType inType = tensorType(adaptor.getInput());
    int64_t rank = inType.getRank();
    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1);
    int64_t count = inType.getNumElements() / (n * c);
    SmallVector<IteratorType> iters = parallelIters(rank);
    for (int64_t d = 2; d < rank; ++d)
      iters[d] = kRed;
    MLIRContext *ctx = rewriter.getContext();
    AffineMap nc = AffineMap::get(
        rank, 0, {rewriter.getAffineDimExpr(0), rewriter.getAffineDimExpr(1)},
        ctx);
    Value init =
        filled(rewriter, loc, {n, c}, acc, floatConst(rewriter, loc, acc, 0));
    Value sum = generic(rewriter, loc, adaptor.getInput(), init,
                        {rewriter.getMultiDimIdentityMap(rank), nc}, iters,
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          return arith::AddFOp::create(
                              b, l, castFloat(b, l, args[0], acc), args[1]);
                        });
    Value mean = mapInto(
        rewriter, loc, sum, rewriter.getMultiDimIdentityMap(2), {n, c}, et,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value q = arith::DivFOp::create(
              b, l, args[0], floatConst(b, l, acc, static_cast<double>(count)));
          return castFloat(b, l, q, et);
        });
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, mean, type));
    return success();
  }
};

//--- shapes -------------------------------------------------------------===//

template <typename OpT>
struct ReshapeLikeLowering : DNNPattern<OpT> {
  using DNNPattern<OpT>::DNNPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(),
                                     op.getType()));
    return success();
  }
};

struct ConcatLowering : DNNPattern<ConcatOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis();
    Value result = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                           type.getElementType());
    int64_t offset = 0;
    for (Value in : adaptor.getInputs()) {
      RankedTensorType t = tensorType(in);
      SmallVector<OpFoldResult> offsets(t.getRank(), rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes, strides(t.getRank(),
                                               rewriter.getIndexAttr(1));
      for (int64_t d : t.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      result = tensor::InsertSliceOp::create(rewriter, loc, in, result, offsets,
                                             sizes, strides);
      offset += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TransposeLowering : DNNPattern<TransposeOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), type.getShape(),
                                         type.getElementType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(
                               rewriter, op.getLoc(), adaptor.getInput(), init,
                               op.getPermutation())
                               .getResult());
    return success();
  }
};

/// dnn.fused: its body in place (the ops are then lowered one by one; the
/// linalg fusion of the CPU pipeline joins the epilogue again).
struct FusedLowering : DNNPattern<FusedOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(FusedOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Block &body = op.getBody().front();
    auto yield = cast<YieldOp>(body.getTerminator());
    Value result = yield.getValue();
    rewriter.inlineBlockBefore(&body, op, adaptor.getInputs());
    rewriter.replaceOp(op, result);
    rewriter.eraseOp(yield);
    return success();
  }
};

struct ConstantLowering : DNNPattern<ConstantOp> {
  using DNNPattern::DNNPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value || value.getType() != op.getType())
      return rewriter.notifyMatchFailure(op, "value is not a typed tensor");
    // A rank-0 dense_resource becomes a dense literal: MLIR 22's lowering of
    // rank-0 memref.globals reads the initializer element-wise, which a
    // dense_resource cannot do (it aborts).
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(value);
        resource && op.getType().getRank() == 0) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob)
        return rewriter.notifyMatchFailure(op, "dense_resource without data");
      ArrayRef<char> data = blob->getData();
      if (static_cast<int64_t>(data.size()) * 8 !=
          op.getType().getElementTypeBitWidth())
        return op.emitError("dense_resource blob holds ")
               << data.size() << " bytes, expected one "
               << op.getType().getElementType() << " element";
      value = DenseElementsAttr::getFromRawBuffer(op.getType(), data);
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getType(), value);
    return success();
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

Value dnn::buildActivation(OpBuilder &b, Location loc, ActivationKind kind,
                          Value x) {
  return activate(b, loc, kind, x);
}

void dnn::populateDNNToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DLowering, LinearLowering, SparseLinearLowering,
               SparseConv2DLowering,
               MatmulLowering,
               BatchNormLowering, ActivationLowering,
               BroadcastBinaryLowering<AddOp, arith::AddFOp>,
               BroadcastBinaryLowering<MulOp, arith::MulFOp>, TransposeLowering,
               SoftmaxLowering, MaxPoolLowering, AvgPoolLowering,
               GlobalAvgPoolLowering, ReshapeLikeLowering<FlattenOp>,
               ReshapeLikeLowering<ReshapeOp>, ConcatLowering,
               ConstantLowering, FusedLowering, RecurrentLowering<LSTMOp>,
               RecurrentLowering<GRUOp>, RecurrentLowering<RNNOp>>(
      patterns.getContext());
}

void dnn::configureDNNToLinalgTarget(ConversionTarget &target) {
  target.addIllegalDialect<DNNDialect>();
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         math::MathDialect, scf::SCFDialect,
                         tensor::TensorDialect>();
}

namespace {
struct ConvertDNNToLinalgPass
    : dnn::impl::ConvertDNNToLinalgBase<ConvertDNNToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    configureDNNToLinalgTarget(target);
    RewritePatternSet patterns(ctx);
    populateDNNToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
