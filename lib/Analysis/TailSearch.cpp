//===- TailSearch.cpp - channel counts that fill whole waves --------------===//

#include "dnn/Analysis/TailSearch.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <functional>
#include <optional>
#include <set>

using namespace mlir;
using namespace mlir::dnn;

/// `value * channels / original`, rounded up, at least 1: a dimension that is
/// proportional to the channel count.
static int64_t scaled(int64_t value, int64_t original, int64_t channels) {
  __int128 num = static_cast<__int128>(value) * channels;
  int64_t result = static_cast<int64_t>((num + original - 1) / original);
  return std::max<int64_t>(result, 1);
}

TailModel::TailModel(MLIRContext *context, GPUTargetAttr target,
                     const ModelParams &params, TailNetwork net)
    : context(context), target(target), params(params),
      network(std::move(net)) {
  unsigned numGroups = network.channels.size();
  // The concatenations each group is (transitively) a piece of.
  std::vector<std::vector<unsigned>> parents(numGroups);
  for (unsigned r = 0; r < numGroups; ++r)
    for (unsigned p : network.pieces[r])
      parents[p].push_back(r);
  std::vector<std::set<unsigned>> reach(numGroups);
  for (unsigned g = 0; g < numGroups; ++g) {
    SmallVector<unsigned> work = {g};
    while (!work.empty()) {
      unsigned x = work.pop_back_val();
      if (!reach[g].insert(x).second)
        continue;
      llvm::append_range(work, parents[x]);
    }
  }
  touched.resize(numGroups);
  depends.resize(network.kernels.size());
  memo.resize(network.kernels.size());
  for (unsigned i = 0, e = network.kernels.size(); i < e; ++i) {
    const TailKernel &k = network.kernels[i];
    std::set<unsigned> deps;
    for (int g : {k.nGroup, k.kGroup, k.batchGroup})
      if (g >= 0)
        deps.insert(g);
    for (const ScaledBytes &b : k.bytes)
      deps.insert(b.groups.begin(), b.groups.end());
    deps.insert(k.elementGroups.begin(), k.elementGroups.end());
    depends[i].assign(deps.begin(), deps.end());
    for (unsigned g = 0; g < numGroups; ++g)
      if (llvm::any_of(deps, [&](unsigned d) { return reach[g].count(d); }))
        touched[g].push_back(i);
  }
}

std::vector<int64_t> TailModel::originalCounts() const {
  return network.channels;
}

void TailModel::derive(std::vector<int64_t> &counts) const {
  // Pieces may be concatenations themselves: resolve depth-first.
  unsigned n = counts.size();
  std::vector<char> done(n, 0);
  std::function<int64_t(unsigned)> resolve = [&](unsigned g) -> int64_t {
    if (done[g] || network.pieces[g].empty())
      return counts[g];
    done[g] = 1; // a cycle (not built by the pass) stops here
    int64_t sum = 0;
    for (unsigned p : network.pieces[g])
      sum += resolve(p);
    counts[g] = sum;
    return sum;
  };
  for (unsigned g = 0; g < n; ++g)
    resolve(g);
}

FailureOr<Cost> TailModel::cost(unsigned i, ArrayRef<int64_t> counts) {
  std::vector<int64_t> key;
  key.reserve(depends[i].size());
  for (unsigned g : depends[i])
    key.push_back(counts[g]);
  auto it = memo[i].find(key);
  if (it != memo[i].end())
    return it->second;

  const TailKernel &k = network.kernels[i];
  auto ratio = [&](unsigned g) {
    return static_cast<double>(counts[g]) /
           static_cast<double>(network.channels[g]);
  };
  double bytes = 0;
  for (const ScaledBytes &b : k.bytes) {
    double scale = 1;
    for (unsigned g : b.groups)
      scale *= ratio(g);
    bytes += b.bytes * scale;
  }
  Cost result;
  if (k.gemm) {
    GemmShape shape = k.shape;
    if (k.nGroup >= 0)
      shape.n = scaled(shape.n, network.channels[k.nGroup], counts[k.nGroup]);
    if (k.kGroup >= 0)
      shape.k = scaled(shape.k, network.channels[k.kGroup], counts[k.kGroup]);
    if (k.batchGroup >= 0)
      shape.batch = scaled(shape.batch, network.channels[k.batchGroup],
                           counts[k.batchGroup]);
    GemmTraffic traffic;
    traffic.elementBytes = k.elementBytes;
    traffic.uniqueBytes = bytes;
    MappingAttr mapping =
        chooseMapping(context, target, params, shape, traffic, k.tensorCore);
    if (!mapping)
      return failure();
    result = predictGemm(target, params, shape, mapping, traffic);
  } else {
    double scale = 1;
    for (unsigned g : k.elementGroups)
      scale *= ratio(g);
    int64_t elements = std::max<int64_t>(
        1, static_cast<int64_t>(std::ceil(k.elements * scale - 1e-9)));
    result = predictMemoryBound(target, params, bytes,
                                k.flopsPerElement * elements, elements);
  }
  memo[i].emplace(std::move(key), result);
  return result;
}

FailureOr<TailEvaluation> TailModel::evaluate(ArrayRef<int64_t> counts,
                                              ArrayRef<unsigned> kernels,
                                              int group) {
  TailEvaluation eval;
  if (group >= 0)
    eval.channels = counts[group];
  bool sawProducer = false;
  for (unsigned i : kernels) {
    FailureOr<Cost> c = cost(i, counts);
    if (failed(c))
      return failure();
    eval.latencyUs += c->latencyUs;
    if (!network.kernels[i].gemm)
      continue;
    eval.waves += c->waves;
    eval.paidWaves += static_cast<int64_t>(std::ceil(c->waves - 1e-9));
    if (group >= 0 && network.kernels[i].nGroup == group && !sawProducer) {
      eval.producerTailUtilization = c->tailUtilization;
      sawProducer = true;
    }
  }
  return eval;
}

FailureOr<double> TailModel::totalLatency(ArrayRef<int64_t> counts) {
  double total = 0;
  for (unsigned i = 0, e = network.kernels.size(); i < e; ++i) {
    FailureOr<Cost> c = cost(i, counts);
    if (failed(c))
      return failure();
    total += c->latencyUs;
  }
  return total;
}

/// Largest multiple of `m` at or below `x`.
static int64_t floorTo(int64_t x, int64_t m) { return (x / m) * m; }

FailureOr<TailDecision>
mlir::dnn::chooseChannels(TailEvaluator evaluate, int64_t channels,
                          const TailOptions &options, double padBudgetUs) {
  if (channels < 1)
    return failure();
  FailureOr<TailEvaluation> before = evaluate(channels);
  if (failed(before))
    return failure();
  TailDecision decision;
  decision.before = decision.after = *before;
  decision.action = "keep";
  int64_t m = std::max<int64_t>(options.channelMultiple, 1);

  // Prune: the largest (or fastest) candidate that is faster.
  auto prune = [&]() -> FailureOr<bool> {
    int64_t lowest = static_cast<int64_t>(
        std::ceil(static_cast<double>(channels) * (1.0 - options.maxPrune)));
    lowest = std::max<int64_t>(lowest, m);
    bool fastest = options.prunePick == TailOptions::PrunePick::Fastest;
    std::optional<TailEvaluation> best;
    for (int64_t c = floorTo(channels - 1, m); c >= lowest; c -= m) {
      FailureOr<TailEvaluation> eval = evaluate(c);
      if (failed(eval))
        return failure();
      if (!(eval->latencyUs < before->latencyUs))
        continue;
      if (fastest) {
        if (!best || eval->latencyUs < best->latencyUs)
          best = *eval;
        continue;
      }
      if (eval->paidWaves < before->paidWaves) {
        best = *eval;
        break;
      }
    }
    if (!best)
      return false;
    decision.after = *best;
    decision.action = "prune";
    decision.reason = llvm::formatv(
        "{0} -> {1} channels: {2} -> {3} waves paid, {4:f2} -> {5:f2} us",
        channels, best->channels, before->paidWaves, best->paidWaves,
        before->latencyUs, best->latencyUs);
    return true;
  };

  // Pad: the largest candidate within the latency tolerance and budget.
  auto pad = [&]() -> FailureOr<bool> {
    int64_t highest = static_cast<int64_t>(
        std::floor(static_cast<double>(channels) * (1.0 + options.maxPad)));
    double limit = before->latencyUs * (1.0 + options.padTolerance);
    std::optional<TailEvaluation> best;
    for (int64_t c = floorTo(channels, m) + m; c <= highest; c += m) {
      FailureOr<TailEvaluation> eval = evaluate(c);
      if (failed(eval))
        return failure();
      if (eval->latencyUs <= limit && eval->totalLatencyUs <= padBudgetUs)
        best = *eval;
    }
    if (!best)
      return false;
    decision.after = *best;
    decision.action = "pad";
    decision.reason = llvm::formatv(
        "{0} -> {1} channels within {2:f1}% latency: {3:f2} -> {4:f2} us",
        channels, best->channels, options.padTolerance * 100,
        before->latencyUs, best->latencyUs);
    return true;
  };

  FailureOr<bool> changed = false;
  switch (options.mode) {
  case TailMode::Prune:
    changed = prune();
    break;
  case TailMode::Pad:
    changed = pad();
    break;
  case TailMode::Auto:
    if (before->producerTailUtilization < options.autoPruneBelow) {
      changed = prune();
      if (succeeded(changed) && !*changed)
        changed = pad();
    } else {
      changed = pad();
    }
    break;
  }
  if (failed(changed))
    return failure();
  if (!*changed)
    decision.reason = "no candidate count helps";
  return decision;
}

FailureOr<TailPlan> mlir::dnn::planChannels(TailModel &model,
                                            ArrayRef<bool> modifiable,
                                            const TailOptions &options) {
  const TailNetwork &net = model.getNetwork();
  unsigned numGroups = model.getNumGroups();
  TailPlan plan;
  std::vector<int64_t> original = model.originalCounts();
  std::vector<int64_t> counts = original;
  model.derive(counts);
  FailureOr<double> total0 = model.totalLatency(counts);
  if (failed(total0))
    return failure();
  plan.totalBeforeUs = *total0;
  plan.decisions.resize(numGroups);
  for (unsigned g = 0; g < numGroups; ++g) {
    FailureOr<TailEvaluation> before =
        model.evaluate(counts, model.kernelsOf(g), g);
    if (failed(before))
      return failure();
    before->totalLatencyUs = *total0;
    plan.decisions[g].before = plan.decisions[g].after = *before;
    plan.decisions[g].action = "keep";
  }

  double total = *total0;
  double padBudget = *total0 * (1.0 + options.padTolerance);
  for (unsigned round = 0; round < std::max(options.maxRounds, 1u); ++round) {
    ++plan.rounds;
    bool changed = false;
    for (unsigned g = 0; g < numGroups; ++g) {
      if (g >= modifiable.size() || !modifiable[g] || !net.pieces[g].empty())
        continue;
      ArrayRef<unsigned> kernels = model.kernelsOf(g);
      FailureOr<TailEvaluation> current = model.evaluate(counts, kernels, g);
      if (failed(current))
        return failure();
      std::vector<int64_t> trial = counts;
      bool evalFailed = false;
      auto evaluate = [&](int64_t c) -> FailureOr<TailEvaluation> {
        trial[g] = c;
        model.derive(trial);
        FailureOr<TailEvaluation> e = model.evaluate(trial, kernels, g);
        if (failed(e)) {
          evalFailed = true;
          return failure();
        }
        e->totalLatencyUs = total - current->latencyUs + e->latencyUs;
        return e;
      };
      FailureOr<TailDecision> d =
          chooseChannels(evaluate, original[g], options, padBudget);
      if (failed(d)) {
        if (evalFailed)
          return failure();
        continue;
      }
      int64_t next = d->after.channels;
      if (next == counts[g])
        continue;
      double newTotal = d->after.totalLatencyUs;
      bool accept = d->action == "pad" ? newTotal <= padBudget
                                       : newTotal <= total;
      if (!accept)
        continue;
      counts[g] = next;
      model.derive(counts);
      FailureOr<double> exact = model.totalLatency(counts);
      if (failed(exact))
        return failure();
      total = *exact;
      plan.decisions[g].action = d->action;
      plan.decisions[g].reason = d->reason;
      changed = true;
    }
    if (!changed)
      break;
  }

  plan.channels = counts;
  plan.totalAfterUs = total;
  for (unsigned g = 0; g < numGroups; ++g) {
    FailureOr<TailEvaluation> after =
        model.evaluate(counts, model.kernelsOf(g), g);
    if (failed(after))
      return failure();
    after->totalLatencyUs = total;
    TailDecision &d = plan.decisions[g];
    d.after = *after;
    if (counts[g] == original[g] && (d.action == "prune" || d.action == "pad")) {
      d.action = "keep";
      d.reason = "no candidate count helps once the other groups changed";
    } else if (d.action == "keep" && modifiable.size() > g && modifiable[g] &&
               net.pieces[g].empty() && d.reason.empty()) {
      d.reason = "no candidate count helps";
    }
  }
  return plan;
}
