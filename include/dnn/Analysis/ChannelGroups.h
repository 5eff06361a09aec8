//===- ChannelGroups.h - channels that must change together -----*- C++ -*-===//
//
// A union-find over the (value, dim) channel slots of a function, built from
// the ChannelOpInterface of its ops. Each group is a set of tensor
// dimensions that must keep one size: a conv's output channels with the
// batch_norm, activation and pooling after it, the next conv's input
// channels, both sides of a residual add, a depthwise conv's input and
// output. dnn-tail-aware-channels decides per group, never per op.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_ANALYSIS_CHANNELGROUPS_H
#define DNN_ANALYSIS_CHANNELGROUPS_H

#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::dnn {

/// One dimension of one value.
struct ChannelSlot {
  Value value;
  int64_t dim = 0;
};

/// An op's tie that lies in a group (a Slice tie lies in two: the piece's
/// group and the concat result's).
struct ChannelMember {
  Operation *op = nullptr;
  ChannelTie tie;
};

/// A dnn.constant whose dimension `dim` is in the group: the data a rewrite
/// slices or pads.
struct ChannelWeight {
  ConstantOp op;
  int64_t dim = 0;
};

/// This group's channels are `[offset, offset + channels)` of `group`'s
/// (through `concat`).
struct ChannelPiece {
  unsigned group = 0;
  int64_t offset = 0;
  ConcatOp concat;
};

struct ChannelGroup {
  unsigned id = 0;
  int64_t channels = 0;
  /// Every (value, dim) in the group, in program order.
  std::vector<ChannelSlot> slots;
  /// Ops that create the channels (conv2d, linear outputs).
  std::vector<ChannelMember> producers;
  /// Ops that reduce over them (the next conv2d/linear's input channels).
  std::vector<ChannelMember> consumers;
  /// Ops that carry them through (batch_norm, activation, pooling, add,
  /// mul, depthwise conv2d, concat off its axis).
  std::vector<ChannelMember> passThrough;
  std::vector<ChannelWeight> weights;
  /// For the result of a concat along its axis: the groups it is made of,
  /// in order. Such a group changes only through its pieces.
  std::vector<ChannelPiece> pieces;
  /// The concat results this group is a piece of (`ChannelPiece::group` is
  /// the concat result's group).
  std::vector<ChannelPiece> pieceOf;
  /// Why the group must stay as it is; empty when it may change.
  std::vector<std::string> blockers;

  bool isModifiable() const { return blockers.empty(); }
  /// The first reason, or "" when modifiable.
  std::string reason() const { return blockers.empty() ? "" : blockers[0]; }
  /// The op to report the group on: its first producer, else the first op
  /// that touches it.
  Operation *getAnchor() const;
};

class ChannelGroups {
public:
  /// Groups the channel slots of `func`. Only groups with a producer, a
  /// consumer or concat pieces are kept (the batch and spatial dims that
  /// element-wise ops tie are not channels).
  static ChannelGroups analyze(func::FuncOp func);

  const std::vector<ChannelGroup> &getGroups() const { return groups; }
  /// The group of `dim` of `value`, if it is in a kept group.
  const ChannelGroup *lookup(Value value, int64_t dim) const;
  /// The name reports give `op` (getReportName: its NameLoc, else
  /// `<mnemonic>_<n>` counting ops of that name in the function).
  std::string getName(Operation *op) const;

private:
  std::vector<ChannelGroup> groups;
  llvm::DenseMap<std::pair<Value, int64_t>, unsigned> groupOfSlot;
  llvm::DenseMap<Operation *, std::string> names;
};

} // namespace mlir::dnn

#endif // DNN_ANALYSIS_CHANNELGROUPS_H
