//===- DNNChannels.cpp - ChannelOpInterface of the dnn ops ---------------===//
//
// How channels flow through each op (see DNNInterfaces.td). The channel
// grouping analysis (lib/Analysis/ChannelGroups.cpp) builds on these ties.
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/DNNOps.h"

using namespace mlir;
using namespace mlir::dnn;

static int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

static ChannelTie tie(ChannelTieKind kind,
                      std::initializer_list<ChannelDim> dims) {
  ChannelTie t;
  t.kind = kind;
  t.dims.append(dims.begin(), dims.end());
  return t;
}

/// Channel dim 1 of the input passes through to the result.
static void passChannelDim(SmallVectorImpl<ChannelTie> &ties) {
  ties.push_back(tie(ChannelTieKind::PassThrough,
                     {ChannelDim::operand(0, 1), ChannelDim::result(0, 1)}));
}

//===----------------------------------------------------------------------===//
// GEMM-like layers
//===----------------------------------------------------------------------===//

/// Depthwise: every input channel is its own group with one filter.
static bool isDepthwise(Conv2DOp op) {
  int64_t c = op.getInput().getType().getShape()[1];
  int64_t f = op.getType().getShape()[1];
  int64_t groups = op.getGroups();
  return groups > 1 && groups == c && c == f;
}

bool Conv2DOp::isChannelOpaque() {
  // A grouped conv other than depthwise couples its channel counts to the
  // group count; it is left alone.
  return getGroups() != 1 && !isDepthwise(*this);
}

void Conv2DOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  if (isChannelOpaque())
    return;
  ChannelTie out;
  out.dims.push_back(ChannelDim::result(0, 1));
  out.dims.push_back(ChannelDim::operand(1, 0, /*weight=*/true));
  if (getBias())
    out.dims.push_back(ChannelDim::operand(2, 0, /*weight=*/true));
  if (isDepthwise(*this)) {
    // Output channel i reads input channel i only.
    out.kind = ChannelTieKind::PassThrough;
    out.dims.insert(out.dims.begin(), ChannelDim::operand(0, 1));
    ties.push_back(out);
    return;
  }
  out.kind = ChannelTieKind::Produce;
  ties.push_back(out);
  ties.push_back(tie(ChannelTieKind::Consume,
                     {ChannelDim::operand(0, 1),
                      ChannelDim::operand(1, 1, /*weight=*/true)}));
}

void LinearOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  ChannelTie out = tie(ChannelTieKind::Produce,
                       {ChannelDim::result(0, rankOf(getResult()) - 1),
                        ChannelDim::operand(1, 0, /*weight=*/true)});
  if (getBias())
    out.dims.push_back(ChannelDim::operand(2, 0, /*weight=*/true));
  ties.push_back(out);
  ties.push_back(tie(ChannelTieKind::Consume,
                     {ChannelDim::operand(0, rankOf(getInput()) - 1),
                      ChannelDim::operand(1, 1, /*weight=*/true)}));
}

bool MatmulOp::isChannelOpaque() { return true; }

//===----------------------------------------------------------------------===//
// Per-channel and element-wise layers
//===----------------------------------------------------------------------===//

void BatchNormOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  ChannelTie t = tie(ChannelTieKind::PassThrough,
                     {ChannelDim::operand(0, 1), ChannelDim::result(0, 1)});
  for (unsigned i = 1; i <= 4; ++i)
    t.dims.push_back(ChannelDim::operand(i, 0, /*weight=*/true));
  ties.push_back(t);
}

void ActivationOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  // Element-wise: every dimension passes through (the channel dim of a
  // linear layer's output is the last one, of a conv's dim 1).
  for (int64_t d = 0, e = rankOf(getInput()); d < e; ++d)
    ties.push_back(tie(ChannelTieKind::PassThrough,
                       {ChannelDim::operand(0, d), ChannelDim::result(0, d)}));
}

/// NumPy broadcasting: ties each result dim to the operand dims it is not
/// broadcast from (dims aligned from the right; a 1 against a larger size
/// is broadcast and stays out).
static void broadcastTies(Operation *op, SmallVectorImpl<ChannelTie> &ties) {
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t rank = result.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    ChannelTie t;
    t.kind = ChannelTieKind::PassThrough;
    for (unsigned i = 0, e = op->getNumOperands(); i < e; ++i) {
      auto type = cast<RankedTensorType>(op->getOperand(i).getType());
      int64_t od = d - (rank - type.getRank());
      if (od < 0 || type.getDimSize(od) != result.getDimSize(d))
        continue;
      t.dims.push_back(ChannelDim::operand(i, od));
    }
    t.dims.push_back(ChannelDim::result(0, d));
    ties.push_back(t);
  }
}

void AddOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  broadcastTies(*this, ties);
}

void MulOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  broadcastTies(*this, ties);
}

bool SoftmaxOp::isChannelOpaque() { return true; }

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

void MaxPool2DOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  passChannelDim(ties);
}

void AvgPool2DOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  passChannelDim(ties);
}

void GlobalAvgPoolOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  passChannelDim(ties);
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

/// A reshape that only adds or drops unit dims keeps every dim of size > 1:
/// their sizes, in order, are the same on both sides. Appends a
/// PassThrough tie per such pair to `ties` (if given); false if the
/// reshape merges or splits dims.
static bool unitReshapeTies(Value input, Value result,
                            SmallVectorImpl<ChannelTie> *ties) {
  auto in = cast<RankedTensorType>(input.getType());
  auto out = cast<RankedTensorType>(result.getType());
  if (!in.hasStaticShape() || !out.hasStaticShape())
    return false;
  SmallVector<int64_t> a, b;
  for (int64_t d = 0; d < in.getRank(); ++d)
    if (in.getDimSize(d) != 1)
      a.push_back(d);
  for (int64_t d = 0; d < out.getRank(); ++d)
    if (out.getDimSize(d) != 1)
      b.push_back(d);
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (in.getDimSize(a[i]) != out.getDimSize(b[i]))
      return false;
  if (ties)
    for (size_t i = 0; i < a.size(); ++i)
      ties->push_back(tie(ChannelTieKind::PassThrough,
                          {ChannelDim::operand(0, a[i]),
                           ChannelDim::result(0, b[i])}));
  return true;
}

bool FlattenOp::isChannelOpaque() {
  return !unitReshapeTies(getInput(), getResult(), nullptr);
}
void FlattenOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  unitReshapeTies(getInput(), getResult(), &ties);
}
bool ReshapeOp::isChannelOpaque() {
  return !unitReshapeTies(getInput(), getResult(), nullptr);
}
void ReshapeOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  unitReshapeTies(getInput(), getResult(), &ties);
}
bool TransposeOp::isChannelOpaque() { return true; }

void ConcatOp::getChannelTies(SmallVectorImpl<ChannelTie> &ties) {
  int64_t axis = getAxis();
  int64_t rank = rankOf(getResult());
  unsigned n = getNumOperands();
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis || n == 1) {
      // Off the axis (or a single input) every input passes through.
      ChannelTie t;
      t.kind = ChannelTieKind::PassThrough;
      for (unsigned i = 0; i < n; ++i)
        t.dims.push_back(ChannelDim::operand(i, d));
      t.dims.push_back(ChannelDim::result(0, d));
      ties.push_back(t);
      continue;
    }
    int64_t offset = 0;
    for (unsigned i = 0; i < n; ++i) {
      ChannelTie t = tie(ChannelTieKind::Slice, {ChannelDim::operand(i, d),
                                                 ChannelDim::result(0, d)});
      t.offset = offset;
      offset += cast<RankedTensorType>(getOperand(i).getType()).getDimSize(d);
      ties.push_back(t);
    }
  }
}
