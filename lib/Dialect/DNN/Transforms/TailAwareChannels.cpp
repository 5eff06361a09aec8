//===- TailAwareChannels.cpp - dnn-tail-aware-channels pass ---------------===//
//
// Tail-effect elimination: per channel group (dnn/Analysis/ChannelGroups.h),
// predicts the latency of the group's ops for candidate channel counts
// (dnn/Analysis/TailSearch.h) and prunes or zero-pads the group's weights to
// the chosen count. See docs/design.md ("Tail-effect elimination").
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"
#include "dnn/Dialect/DNN/Transforms/WeightData.h"

#include "dnn/Analysis/ChannelGroups.h"
#include "dnn/Analysis/TailSearch.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <numeric>

namespace mlir::dnn {
#define GEN_PASS_DEF_TAILAWARECHANNELS
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

static constexpr StringLiteral kPass = "dnn-tail-aware-channels";

namespace {
/// One line of the report.
struct GroupReport {
  std::string function;
  unsigned id = 0;
  std::vector<std::string> members;
  int64_t channelsBefore = 0, channelsAfter = 0;
  double wavesBefore = 0, wavesAfter = 0;
  double latencyBeforeUs = 0, latencyAfterUs = 0;
  double l1RemovedFraction = 0;
  std::vector<int64_t> removedChannels;
  std::string action, reason;
};

/// Whole-module figures of the report.
struct Totals {
  double beforeUs = 0, afterUs = 0;
  unsigned rounds = 0;
};
} // namespace

/// Strides of `dim`: elements before (outer), the dim, elements after.
static std::tuple<int64_t, int64_t, int64_t> split(ArrayRef<int64_t> shape,
                                                   int64_t dim) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  for (int64_t d = dim + 1, e = shape.size(); d < e; ++d)
    inner *= shape[d];
  return {outer, shape[dim], inner};
}

/// Adds |x| of every element to the L1 of its index along `dim`.
static void accumulateL1(const RawTensor &raw, int64_t dim,
                         std::vector<double> &l1) {
  auto [outer, n, inner] = split(raw.type.getShape(), dim);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < n; ++c)
      for (int64_t i = 0; i < inner; ++i)
        l1[c] += std::fabs(raw.get((o * n + c) * inner + i));
}

/// Rebuilds `raw` along `dim`: entry j of `source` is the old index to copy,
/// or -1 for `fill`.
static void remap(RawTensor &raw, int64_t dim, ArrayRef<int64_t> source,
                  double fill) {
  auto [outer, n, inner] = split(raw.type.getShape(), dim);
  int64_t m = source.size();
  int64_t eb = raw.elementBytes;
  llvm::APFloat f(fill);
  bool lost = false;
  f.convert(raw.elementType.getFloatSemantics(),
            llvm::APFloat::rmNearestTiesToEven, &lost);
  uint64_t fillBits = f.bitcastToAPInt().getZExtValue();
  std::vector<char> out(static_cast<size_t>(outer * m * inner * eb));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < m; ++j) {
      char *dst = out.data() + (o * m + j) * inner * eb;
      if (source[j] >= 0) {
        std::memcpy(dst, raw.bytes.data() + (o * n + source[j]) * inner * eb,
                    inner * eb);
        continue;
      }
      for (int64_t i = 0; i < inner; ++i)
        std::memcpy(dst + i * eb, &fillBits, eb);
    }
  raw.bytes = std::move(out);
  SmallVector<int64_t> shape(raw.type.getShape());
  shape[dim] = m;
  raw.type = raw.type.clone(shape);
}

static RankedTensorType withDim(Type type, int64_t dim, int64_t size) {
  auto tensor = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[dim] = size;
  return tensor.clone(shape);
}

/// Unique ops of a member list, in order.
static SmallVector<Operation *>
uniqueOps(const std::vector<ChannelMember> &members) {
  llvm::SetVector<Operation *> ops;
  for (const ChannelMember &m : members)
    ops.insert(m.op);
  return SmallVector<Operation *>(ops.begin(), ops.end());
}

static bool isDepthwise(Operation *op) {
  auto conv = dyn_cast<Conv2DOp>(op);
  return conv && conv.getGroups() > 1;
}

/// The kernels of `func` for the joint search: every dnn op that launches
/// one, with its GEMM dims and bytes tied to the groups of its channel dims.
static TailNetwork buildNetwork(func::FuncOp func, const ChannelGroups &groups) {
  TailNetwork net;
  const std::vector<ChannelGroup> &all = groups.getGroups();
  net.channels.resize(all.size());
  net.pieces.resize(all.size());
  // Which group each GEMM's N, K and batch follow.
  llvm::DenseMap<Operation *, std::array<int, 3>> gemmGroups;
  auto note = [&](Operation *op, unsigned slot, unsigned g) {
    auto [it, inserted] = gemmGroups.try_emplace(op, std::array<int, 3>{-1, -1, -1});
    it->second[slot] = g;
  };
  for (const ChannelGroup &g : all) {
    net.channels[g.id] = g.channels;
    for (Operation *op : uniqueOps(g.producers))
      note(op, 0, g.id);
    for (Operation *op : uniqueOps(g.consumers))
      note(op, 1, g.id);
    for (Operation *op : uniqueOps(g.passThrough))
      if (isDepthwise(op))
        note(op, 2, g.id);
    // A concatenation (of one concat op, no producer) follows its pieces.
    if (!g.pieces.empty() && g.producers.empty() &&
        llvm::all_of(g.pieces, [&](const ChannelPiece &p) {
          return p.concat == g.pieces.front().concat;
        })) {
      std::vector<ChannelPiece> pieces = g.pieces;
      llvm::stable_sort(pieces, [](const ChannelPiece &l, const ChannelPiece &r) {
        return l.offset < r.offset;
      });
      for (const ChannelPiece &p : pieces)
        net.pieces[g.id].push_back(p.group);
    }
  }
  auto groupsOf = [&](Value v) {
    SmallVector<unsigned, 2> ids;
    if (auto type = dyn_cast<RankedTensorType>(v.getType()))
      for (int64_t d = 0, e = type.getRank(); d < e; ++d)
        if (const ChannelGroup *g = groups.lookup(v, d))
          ids.push_back(g->id);
    return ids;
  };
  func.walk([&](Operation *op) {
    if (!isa<DNNDialect>(op->getDialect()) ||
        isa<ConstantOp, ReshapeOp, FlattenOp>(op))
      return; // no kernel
    TailKernel k;
    k.name = groups.getName(op);
    for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults()))
      k.bytes.push_back({tensorBytes(v.getType()), groupsOf(v)});
    if (auto gemm = dyn_cast<GemmOpInterface>(op)) {
      k.gemm = true;
      k.shape = gemm.getGemmShape();
      k.elementBytes = gemmTraffic(op).elementBytes;
      k.tensorCore = usesTensorCores(op);
      if (auto it = gemmGroups.find(op); it != gemmGroups.end()) {
        k.nGroup = it->second[0];
        k.kGroup = it->second[1];
        k.batchGroup = it->second[2];
      }
    } else {
      k.elements = outputElements(op);
      k.flopsPerElement = flopsPerElement(op);
      Value counted = isa<GlobalAvgPoolOp>(op) ? op->getOperand(0)
                                               : op->getResult(0);
      k.elementGroups = groupsOf(counted);
    }
    net.kernels.push_back(std::move(k));
  });
  return net;
}

/// The (constant, dim) pairs whose L1 ranks the channels: producer filters,
/// depthwise filters, batch-norm scales and consumer input slices.
static SmallVector<std::pair<ConstantOp, int64_t>>
rankingWeights(const ChannelGroup &group) {
  SmallVector<std::pair<ConstantOp, int64_t>> result;
  auto add = [&](Value v, int64_t dim) {
    if (auto c = v.getDefiningOp<ConstantOp>())
      result.push_back({c, dim});
  };
  for (Operation *op : uniqueOps(group.producers))
    add(op->getOperand(1), 0);
  for (Operation *op : uniqueOps(group.consumers))
    add(op->getOperand(1), 1);
  for (Operation *op : uniqueOps(group.passThrough)) {
    if (isDepthwise(op))
      add(op->getOperand(1), 0);
    else if (auto bn = dyn_cast<BatchNormOp>(op))
      add(bn.getScale(), 0);
  }
  return result;
}

/// The value the new channels of a padded constant hold: 1 for batch-norm
/// scales and variances (so BN(0) = 0 and no division by ~0), else 0.
static double padFill(ConstantOp op) {
  for (OpOperand &use : op->getUses())
    if (isa<BatchNormOp>(use.getOwner()) &&
        (use.getOperandNumber() == 1 || use.getOperandNumber() == 4))
      return 1.0;
  return 0.0;
}

/// Changes the group to `source.size()` channels: entry j of `source` is the
/// old channel that becomes channel j, or -1 for a new (padded) channel.
static LogicalResult rewriteGroup(const ChannelGroup &group,
                                  ArrayRef<int64_t> source) {
  int64_t channels = source.size();
  // Read every weight first so nothing changes if one cannot be read.
  llvm::MapVector<Operation *, SmallVector<int64_t>> dimsOf;
  for (const ChannelWeight &w : group.weights) {
    SmallVector<int64_t> &dims = dimsOf[w.op];
    if (!llvm::is_contained(dims, w.dim))
      dims.push_back(w.dim);
  }
  std::vector<RawTensor> raws;
  for (auto &[op, dims] : dimsOf) {
    FailureOr<RawTensor> raw = readConstant(cast<ConstantOp>(op));
    if (failed(raw))
      return failure();
    raws.push_back(std::move(*raw));
  }
  llvm::SetVector<Operation *> touched;
  unsigned i = 0;
  for (auto &[op, dims] : dimsOf) {
    auto constant = cast<ConstantOp>(op);
    RawTensor &raw = raws[i++];
    double fill = padFill(constant);
    for (int64_t dim : dims)
      remap(raw, dim, source, fill);
    // A resource blob stays one (under a new key, made unique by the blob
    // manager), so large models stay compact.
    ElementsAttr attr = makeConstantAttr(raw, constant.getValue());
    constant.setValueAttr(attr);
    constant.getResult().setType(raw.type);
    for (Operation *user : constant->getUsers())
      touched.insert(user);
  }
  for (const ChannelSlot &slot : group.slots) {
    Value value = slot.value;
    if (value.getDefiningOp<ConstantOp>())
      continue;
    value.setType(withDim(value.getType(), slot.dim, channels));
    if (Operation *def = value.getDefiningOp())
      touched.insert(def);
    for (Operation *user : value.getUsers())
      touched.insert(user);
  }
  // A depthwise conv keeps groups == channels.
  for (const ChannelMember &m : group.passThrough)
    if (auto conv = dyn_cast<Conv2DOp>(m.op); conv && isDepthwise(conv))
      conv.setGroups(channels);
  // Their mappings and costs were chosen for the old shapes.
  for (Operation *op : touched) {
    op->removeAttr(DNNDialect::kMappingAttrName);
    op->removeAttr(DNNDialect::kCostAttrName);
  }
  return success();
}

namespace {
struct TailAwareChannelsPass
    : public dnn::impl::TailAwareChannelsBase<TailAwareChannelsPass> {
  using TailAwareChannelsBase::TailAwareChannelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    TailOptions options;
    if (mode == "prune")
      options.mode = TailMode::Prune;
    else if (mode == "pad")
      options.mode = TailMode::Pad;
    else if (mode == "auto")
      options.mode = TailMode::Auto;
    else {
      module.emitError() << kPass << ": mode must be prune, pad or auto, got '"
                         << mode << "'";
      return signalPassFailure();
    }
    if (!(maxPrune >= 0 && maxPrune < 1)) {
      module.emitError() << kPass << ": max-prune must be in [0, 1), got "
                         << maxPrune;
      return signalPassFailure();
    }
    if (channelMultiple < 1) {
      module.emitError() << kPass << ": channel-multiple must be at least 1, "
                         << "got " << static_cast<int64_t>(channelMultiple);
      return signalPassFailure();
    }
    if (!(padTolerance >= 0)) {
      module.emitError() << kPass << ": pad-tolerance must be >= 0, got "
                         << padTolerance;
      return signalPassFailure();
    }
    if (!(autoPruneBelow >= 0 && autoPruneBelow <= 1)) {
      module.emitError() << kPass << ": auto-prune-below must be in [0, 1], "
                         << "got " << autoPruneBelow;
      return signalPassFailure();
    }
    options.maxPrune = maxPrune;
    options.channelMultiple = channelMultiple;
    options.padTolerance = padTolerance;
    options.autoPruneBelow = autoPruneBelow;

    FailureOr<GPUTargetAttr> target = requireGPUTarget(module, kPass);
    FailureOr<ModelParams> params = loadParams(module, kPass, calibration);
    if (failed(target) || failed(params))
      return signalPassFailure();

    if (prunePick == "largest")
      options.prunePick = TailOptions::PrunePick::Largest;
    else if (prunePick == "fastest")
      options.prunePick = TailOptions::PrunePick::Fastest;
    else {
      module.emitError() << kPass << ": prune-pick must be largest or "
                         << "fastest, got '" << prunePick << "'";
      return signalPassFailure();
    }

    std::vector<GroupReport> reports;
    Totals totals;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      runOnFunction(func, *target, *params, options, reports, totals);
    }
    if (!report.empty() && failed(writeReport(module, reports, totals)))
      return signalPassFailure();
  }

  void runOnFunction(func::FuncOp func, GPUTargetAttr target,
                     const ModelParams &params, const TailOptions &options,
                     std::vector<GroupReport> &reports, Totals &totals) {
    MLIRContext *ctx = &getContext();
    ChannelGroups groups = ChannelGroups::analyze(func);
    const std::vector<ChannelGroup> &all = groups.getGroups();
    TailNetwork network = buildNetwork(func, groups);
    unsigned numGroups = all.size();

    // Which groups may change: not blocked, every weight readable (a piece's
    // concatenations are rewritten with it, so theirs too).
    std::vector<std::string> blocked(numGroups);
    std::vector<char> readable(numGroups, 1);
    for (const ChannelGroup &g : all)
      for (const ChannelWeight &w : g.weights)
        if (failed(readConstant(w.op)))
          readable[g.id] = 0;
    std::function<bool(unsigned)> allReadable = [&](unsigned g) {
      if (!readable[g])
        return false;
      for (const ChannelPiece &p : all[g].pieceOf)
        if (p.group != g && !allReadable(p.group))
          return false;
      return true;
    };
    SmallVector<bool> modifiable(numGroups, false);
    const std::vector<std::vector<unsigned>> &pieces = network.pieces;
    for (const ChannelGroup &g : all) {
      // A concatenation that nothing else blocks follows its pieces.
      if (!pieces[g.id].empty() && g.blockers.size() == 1)
        continue;
      if (!g.isModifiable())
        blocked[g.id] = g.reason();
      else if (!allReadable(g.id))
        blocked[g.id] = "a weight's data cannot be read (not a float dense or "
                        "dense_resource constant)";
      modifiable[g.id] = blocked[g.id].empty();
    }

    TailModel model(ctx, target, params, std::move(network));
    FailureOr<TailPlan> plan = planChannels(model, modifiable, options);
    size_t first = reports.size();
    for (const ChannelGroup &g : all) {
      GroupReport r;
      r.function = func.getSymName().str();
      r.id = g.id;
      r.channelsBefore = r.channelsAfter = g.channels;
      for (const auto *list : {&g.producers, &g.consumers, &g.passThrough})
        for (Operation *op : uniqueOps(*list)) {
          std::string name = groups.getName(op);
          if (!llvm::is_contained(r.members, name))
            r.members.push_back(name);
        }
      if (succeeded(plan)) {
        const TailDecision &d = plan->decisions[g.id];
        r.wavesBefore = d.before.waves;
        r.latencyBeforeUs = d.before.latencyUs;
        r.wavesAfter = d.after.waves;
        r.latencyAfterUs = d.after.latencyUs;
        r.channelsAfter = plan->channels[g.id];
        r.action = d.action;
        r.reason = d.reason;
      } else {
        r.action = "keep";
        r.reason = "a GEMM of the function fits on no kernel configuration";
      }
      if (!model.getNetwork().pieces[g.id].empty() && r.action == "keep" &&
          succeeded(plan)) {
        std::string list;
        for (unsigned p : model.getNetwork().pieces[g.id])
          list += (list.empty() ? "#" : ", #") + std::to_string(p);
        r.action = r.channelsAfter == r.channelsBefore ? "keep" : "follow";
        r.reason = "concatenation of groups " + list;
      }
      if (!blocked[g.id].empty()) {
        r.action = "blocked";
        r.reason = blocked[g.id];
        Operation *anchor = g.getAnchor();
        (anchor ? anchor : func.getOperation())->emitRemark()
            << kPass << ": channel group #" << g.id
            << " left alone: " << blocked[g.id];
      }
      reports.push_back(std::move(r));
    }
    if (failed(plan)) {
      func.emitRemark() << kPass << ": function left alone: a GEMM fits on "
                        << "no kernel configuration of the target";
      return;
    }
    totals.beforeUs += plan->totalBeforeUs;
    totals.afterUs += plan->totalAfterUs;
    totals.rounds = std::max(totals.rounds, plan->rounds);

    // The channel map of every group: entry j is the old channel that
    // becomes channel j, or -1 for a new (padded) one. L1 norms are taken on
    // the original weights, before anything is rewritten.
    std::vector<std::optional<std::vector<double>>> l1Memo(numGroups);
    std::function<const std::vector<double> &(unsigned)> l1Of =
        [&](unsigned g) -> const std::vector<double> & {
      if (l1Memo[g])
        return *l1Memo[g];
      std::vector<double> l1(all[g].channels, 0.0);
      for (auto [constant, dim] : rankingWeights(all[g]))
        if (FailureOr<RawTensor> raw = readConstant(constant); succeeded(raw))
          accumulateL1(*raw, dim, l1);
      for (const ChannelPiece &p : all[g].pieceOf) {
        if (p.group == g)
          continue;
        const std::vector<double> &whole = l1Of(p.group);
        for (int64_t c = 0; c < all[g].channels; ++c)
          l1[c] += whole[p.offset + c];
      }
      l1Memo[g] = std::move(l1);
      return *l1Memo[g];
    };
    std::vector<std::optional<std::vector<int64_t>>> sources(numGroups);
    std::function<const std::vector<int64_t> &(unsigned)> sourceOf =
        [&](unsigned g) -> const std::vector<int64_t> & {
      if (sources[g])
        return *sources[g];
      int64_t before = all[g].channels, after = plan->channels[g];
      std::vector<int64_t> source;
      const std::vector<unsigned> &pieces = model.getNetwork().pieces[g];
      GroupReport &r = reports[first + g];
      if (!pieces.empty()) {
        int64_t offset = 0;
        for (unsigned p : pieces) {
          for (int64_t s : sourceOf(p))
            source.push_back(s < 0 ? -1 : offset + s);
          offset += all[p].channels;
        }
      } else if (after >= before) {
        source.resize(after, -1);
        std::iota(source.begin(), source.begin() + before, 0);
      } else {
        const std::vector<double> &l1 = l1Of(g);
        std::vector<int64_t> order(before);
        std::iota(order.begin(), order.end(), 0);
        // Largest L1 first; ties keep the lower index.
        std::stable_sort(order.begin(), order.end(),
                         [&](int64_t a, int64_t b) { return l1[a] > l1[b]; });
        source.assign(order.begin(), order.begin() + after);
        llvm::sort(source);
        double total = 0, removed = 0;
        for (double v : l1)
          total += v;
        for (auto it = order.begin() + after; it != order.end(); ++it) {
          removed += l1[*it];
          r.removedChannels.push_back(*it);
        }
        llvm::sort(r.removedChannels);
        r.l1RemovedFraction = total > 0 ? removed / total : 0;
      }
      sources[g] = std::move(source);
      return *sources[g];
    };
    // Pruning ranks channels by L1 norm: a NaN or infinite weight has none.
    for (const ChannelGroup &g : all) {
      if (plan->channels[g.id] >= g.channels ||
          !model.getNetwork().pieces[g.id].empty())
        continue;
      for (auto [constant, dim] : rankingWeights(g)) {
        FailureOr<RawTensor> raw = readConstant(constant);
        std::optional<int64_t> bad =
            succeeded(raw) ? raw->firstNonFinite() : std::nullopt;
        if (!bad)
          continue;
        constant.emitError()
            << kPass << ": weight element #" << *bad << " is not finite ("
            << raw->get(*bad) << "); channel group #" << g.id
            << " cannot be pruned by L1 norm";
        return signalPassFailure();
      }
    }
    for (const ChannelGroup &g : all)
      if (plan->channels[g.id] != g.channels)
        (void)sourceOf(g.id);
    for (const ChannelGroup &g : all) {
      if (!sources[g.id])
        continue;
      const std::vector<int64_t> &source = *sources[g.id];
      bool identity = static_cast<int64_t>(source.size()) == g.channels;
      for (int64_t c = 0; identity && c < g.channels; ++c)
        identity = source[c] == c;
      if (identity)
        continue;
      GroupReport &r = reports[first + g.id];
      if (failed(rewriteGroup(g, *sources[g.id]))) {
        // Checked above; reaching this is a bug, not bad input.
        func.emitError() << kPass << ": channel group #" << g.id
                         << ": a weight could not be rewritten";
        return signalPassFailure();
      }
      Operation *anchor = g.getAnchor();
      (anchor ? anchor : func.getOperation())->emitRemark()
          << kPass << ": channel group #" << g.id << ": " << r.action << " "
          << r.reason;
    }
  }

  LogicalResult writeReport(ModuleOp module,
                            const std::vector<GroupReport> &reports,
                            const Totals &totals) {
    double before = totals.beforeUs, after = totals.afterUs;
    if (report == "-") {
      llvm::raw_ostream &os = llvm::outs();
      os << llvm::formatv("{0,-20} {1,5} {2,-8} {3,15} {4,15} {5,23}  {6}\n",
                          "function", "group", "action", "channels",
                          "waves", "latency_us", "members / reason");
      for (const GroupReport &r : reports) {
        os << llvm::formatv(
            "{0,-20} {1,5} {2,-8} {3,15} {4,15} {5,23}  {6}\n", r.function,
            r.id, r.action,
            llvm::formatv("{0} -> {1}", r.channelsBefore, r.channelsAfter),
            llvm::formatv("{0:f2} -> {1:f2}", r.wavesBefore, r.wavesAfter),
            llvm::formatv("{0:f2} -> {1:f2}", r.latencyBeforeUs,
                          r.latencyAfterUs),
            llvm::join(r.members, ","));
        if (!r.reason.empty())
          os << llvm::formatv("{0,-20} {1,5} {2}\n", "", "", r.reason);
      }
      unsigned changed = 0, blocked = 0;
      for (const GroupReport &r : reports) {
        changed += r.action == "prune" || r.action == "pad";
        blocked += r.action == "blocked";
      }
      os << llvm::formatv("total: {0:f2} us -> {1:f2} us ({2} groups, {3} "
                          "changed, {4} blocked, {5} rounds)\n",
                          before, after, reports.size(), changed, blocked,
                          totals.rounds);
      return success();
    }
    return writeJSONReport(module, kPass, report,
                           [&](llvm::json::OStream &json) {
      json.attributeArray("groups", [&] {
        for (const GroupReport &r : reports)
          json.object([&] {
            json.attribute("function", r.function);
            json.attribute("group", static_cast<int64_t>(r.id));
            json.attributeArray("members", [&] {
              for (const std::string &m : r.members)
                json.value(m);
            });
            json.attribute("channels_before", r.channelsBefore);
            json.attribute("channels_after", r.channelsAfter);
            json.attribute("waves_before", r.wavesBefore);
            json.attribute("waves_after", r.wavesAfter);
            json.attribute("latency_before_us", r.latencyBeforeUs);
            json.attribute("latency_after_us", r.latencyAfterUs);
            json.attribute("l1_removed_fraction", r.l1RemovedFraction);
            json.attributeArray("removed_channels", [&] {
              for (int64_t c : r.removedChannels)
                json.value(c);
            });
            json.attribute("action", r.action);
            json.attribute("reason", r.reason);
          });
      });
      json.attribute("total_latency_before_us", before);
      json.attribute("total_latency_after_us", after);
      json.attribute("rounds", static_cast<int64_t>(totals.rounds));
    });
  }
};
} // namespace
