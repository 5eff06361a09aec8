//===- ChannelGroups.cpp - channels that must change together ------------===//
//
// Union-find over (value, dim) slots, joined by the ties of the ops'
// ChannelOpInterface; see docs/design.md ("Channel groups").
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/ChannelGroups.h"
#include "dnn/Analysis/Report.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <functional>

using namespace mlir;
using namespace mlir::dnn;

Operation *ChannelGroup::getAnchor() const {
  if (!producers.empty())
    return producers.front().op;
  Operation *first = nullptr;
  auto consider = [&](Operation *op) {
    if (op && (!first || op->isBeforeInBlock(first)))
      first = op;
  };
  auto sameBlock = [&](Operation *op) {
    return !first || op->getBlock() == first->getBlock();
  };
  for (const auto *list : {&consumers, &passThrough})
    for (const ChannelMember &m : *list)
      if (sameBlock(m.op))
        consider(m.op);
  for (const ChannelPiece &p : pieces)
    if (sameBlock(p.concat))
      consider(p.concat);
  for (const ChannelPiece &p : pieceOf)
    if (sameBlock(p.concat))
      consider(p.concat);
  return first;
}

namespace {
/// Why a slot blocks its group; lower ranks are reported first.
struct Blocker {
  int rank;
  std::string text;
};

class SlotUnionFind {
public:
  unsigned slot(Value value, int64_t dim) {
    auto [it, inserted] = ids.try_emplace({value, dim}, slots.size());
    if (inserted) {
      slots.push_back({value, dim});
      parent.push_back(it->second);
      blockers.emplace_back();
    }
    return it->second;
  }
  unsigned find(unsigned x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
  void unite(unsigned a, unsigned b) {
    a = find(a);
    b = find(b);
    if (a != b)
      parent[std::max(a, b)] = std::min(a, b); // the root is the first slot
  }
  /// Blocks every dim of `value`.
  void blockValue(Value value, int rank, const std::string &why) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return;
    for (int64_t d = 0, e = type.getRank(); d < e; ++d)
      blockers[slot(value, d)].push_back({rank, why});
  }

  llvm::DenseMap<std::pair<Value, int64_t>, unsigned> ids;
  std::vector<ChannelSlot> slots;
  std::vector<unsigned> parent;
  std::vector<std::vector<Blocker>> blockers;
};
} // namespace

static int64_t dimSize(const ChannelSlot &s) {
  return cast<RankedTensorType>(s.value.getType()).getDimSize(s.dim);
}

ChannelGroups ChannelGroups::analyze(func::FuncOp func) {
  ChannelGroups result;
  SlotUnionFind b;
  std::vector<ChannelMember> members;

  for (BlockArgument arg : func.getArguments())
    b.blockValue(arg, 1, "function argument #" +
                             std::to_string(arg.getArgNumber()));

  llvm::StringMap<unsigned> ordinals;
  func.walk([&](Operation *op) {
    if (op == func.getOperation())
      return;
    unsigned ordinal = ordinals[op->getName().getStringRef()]++;
    std::string name = getReportName(op, ordinal);
    result.names[op] = name;

    if (isa<func::ReturnOp>(op)) {
      for (Value v : op->getOperands())
        b.blockValue(v, 1, "function result");
      return;
    }
    auto iface = dyn_cast<ChannelOpInterface>(op);
    if (!iface || iface.isChannelOpaque()) {
      std::string why = (iface ? "opaque op " : "unknown op ") + name + " (" +
                        op->getName().getStringRef().str() + ")";
      for (Value v : op->getOperands())
        b.blockValue(v, 2, why);
      for (Value v : op->getResults())
        b.blockValue(v, 2, why);
      return;
    }
    SmallVector<ChannelTie> ties;
    iface.getChannelTies(ties);
    // A dim no tie covers does not follow a change: block it (it matters
    // only if another op puts it in a channel group). A constant's dims are
    // rewritten as the weights of the ops that use it.
    llvm::DenseSet<std::pair<Value, int64_t>> covered;
    for (const ChannelTie &tie : ties)
      for (const ChannelDim &d : tie.dims)
        covered.insert({d.getValue(op), d.dim});
    if (!isa<ConstantOp>(op))
      for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults()))
        if (auto type = dyn_cast<RankedTensorType>(v.getType()))
          for (int64_t d = 0, e = type.getRank(); d < e; ++d)
            if (!covered.contains({v, d}))
              b.blockers[b.slot(v, d)].push_back(
                  {2, "dim " + std::to_string(d) + " not carried through " +
                          name + " (" + op->getName().getStringRef().str() +
                          ")"});
    for (ChannelTie &tie : ties) {
      if (tie.dims.empty())
        continue;
      SmallVector<unsigned> ids;
      for (const ChannelDim &d : tie.dims) {
        ids.push_back(b.slot(d.getValue(op), d.dim));
      }
      if (tie.kind != ChannelTieKind::Slice)
        for (unsigned id : ids)
          b.unite(ids.front(), id);
      members.push_back({op, std::move(tie)});
    }
  });

  // One group per union-find root, numbered by first slot (program order).
  std::vector<ChannelGroup> all;
  llvm::DenseMap<unsigned, unsigned> groupOfRoot;
  std::vector<std::vector<Blocker>> groupBlockers;
  auto groupOf = [&](unsigned slotId) { return groupOfRoot[b.find(slotId)]; };
  for (unsigned i = 0, e = b.slots.size(); i < e; ++i) {
    unsigned root = b.find(i);
    auto [it, inserted] = groupOfRoot.try_emplace(root, all.size());
    if (inserted) {
      all.emplace_back();
      all.back().channels = dimSize(b.slots[i]);
      groupBlockers.emplace_back();
    }
    ChannelGroup &g = all[it->second];
    g.slots.push_back(b.slots[i]);
    if (auto constant = b.slots[i].value.getDefiningOp<ConstantOp>())
      g.weights.push_back({constant, b.slots[i].dim});
    llvm::append_range(groupBlockers[it->second], b.blockers[i]);
  }
  for (ChannelMember &m : members) {
    const ChannelDim &first = m.tie.dims.front();
    unsigned g = groupOf(b.slot(first.getValue(m.op), first.dim));
    switch (m.tie.kind) {
    case ChannelTieKind::Produce:
      all[g].producers.push_back(m);
      break;
    case ChannelTieKind::Consume:
      all[g].consumers.push_back(m);
      break;
    case ChannelTieKind::PassThrough:
      all[g].passThrough.push_back(m);
      break;
    case ChannelTieKind::Slice: {
      const ChannelDim &to = m.tie.dims.back();
      unsigned whole = groupOf(b.slot(to.getValue(m.op), to.dim));
      auto concat = cast<ConcatOp>(m.op);
      all[whole].pieces.push_back({g, m.tie.offset, concat});
      all[g].pieceOf.push_back({whole, m.tie.offset, concat});
      if (whole == g)
        groupBlockers[g].push_back(
            {0, "concat piece tied to its own concat result"});
      break;
    }
    }
  }
  // Non-constant weights block every group their weight dims are in.
  for (ChannelMember &m : members)
    for (const ChannelDim &d : m.tie.dims)
      if (d.isWeight && !d.getValue(m.op).getDefiningOp<ConstantOp>())
        groupBlockers[groupOf(b.slot(d.getValue(m.op), d.dim))].push_back(
            {0, "non-constant weight of " + result.names[m.op]});

  for (unsigned g = 0; g < all.size(); ++g) {
    for (const ChannelMember &m : all[g].producers)
      if (!isa<Conv2DOp, LinearOp>(m.op))
        groupBlockers[g].push_back(
            {0, "producer " + result.names[m.op] + " is not a conv2d or linear"});
    if (all[g].producers.empty() && all[g].pieces.empty())
      groupBlockers[g].push_back({3, "no producer"});
    // A concatenation's count is the sum of its pieces only if nothing else
    // defines it: no producer, one concat op.
    if (!all[g].pieces.empty()) {
      if (!all[g].producers.empty())
        groupBlockers[g].push_back(
            {0, "concat result also produced by " +
                    result.names[all[g].producers.front().op]});
      for (const ChannelPiece &p : all[g].pieces)
        if (p.concat != all[g].pieces.front().concat) {
          groupBlockers[g].push_back(
              {0, "concat result tied to the result of another concat"});
          break;
        }
    }
  }

  // A concat result changes only through its pieces, and a piece may
  // change only if its concat results may: inherit what blocks them.
  std::vector<int> state(all.size(), 0); // 0 new, 1 visiting, 2 done
  std::vector<std::vector<Blocker>> inherited(all.size());
  std::function<void(unsigned)> resolve = [&](unsigned g) {
    if (state[g])
      return;
    state[g] = 1;
    std::vector<Blocker> own = groupBlockers[g];
    for (const ChannelPiece &p : all[g].pieceOf) {
      if (p.group == g || state[p.group] == 1)
        continue;
      resolve(p.group);
      for (const Blocker &bl : inherited[p.group])
        own.push_back({bl.rank, "concat result blocked: " + bl.text});
    }
    inherited[g] = own;
    state[g] = 2;
  };
  for (unsigned g = 0; g < all.size(); ++g)
    resolve(g);

  // Keep the channel groups, renumbered.
  std::vector<int> newId(all.size(), -1);
  for (unsigned g = 0; g < all.size(); ++g) {
    const ChannelGroup &group = all[g];
    if (group.producers.empty() && group.consumers.empty() &&
        group.pieces.empty() && group.pieceOf.empty())
      continue;
    newId[g] = result.groups.size();
    result.groups.push_back(group);
    ChannelGroup &kept = result.groups.back();
    kept.id = newId[g];
    std::vector<Blocker> list = inherited[g];
    if (!group.pieces.empty())
      list.push_back({4, "concat result (changes through its pieces)"});
    std::stable_sort(list.begin(), list.end(),
                     [](const Blocker &l, const Blocker &r) {
                       return l.rank < r.rank;
                     });
    for (const Blocker &bl : list)
      if (!llvm::is_contained(kept.blockers, bl.text))
        kept.blockers.push_back(bl.text);
    for (const ChannelSlot &s : kept.slots)
      result.groupOfSlot[{s.value, s.dim}] = kept.id;
  }
  for (ChannelGroup &g : result.groups) {
    for (ChannelPiece &p : g.pieces)
      p.group = newId[p.group];
    for (ChannelPiece &p : g.pieceOf)
      p.group = newId[p.group];
  }
  return result;
}

const ChannelGroup *ChannelGroups::lookup(Value value, int64_t dim) const {
  auto it = groupOfSlot.find({value, dim});
  return it == groupOfSlot.end() ? nullptr : &groups[it->second];
}

std::string ChannelGroups::getName(Operation *op) const {
  auto it = names.find(op);
  return it == names.end() ? op->getName().getStringRef().str() : it->second;
}
