//===- TailSearch.cpp - channel counts that fill whole waves --------------===//

#include "dnn/Analysis/TailSearch.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dnn;

/// `value * channels / original`, rounded up, at least 1: a dimension that is
/// proportional to the channel count.
static int64_t scaled(int64_t value, int64_t original, int64_t channels) {
  __int128 num = static_cast<__int128>(value) * channels;
  int64_t result = static_cast<int64_t>((num + original - 1) / original);
  return std::max<int64_t>(result, 1);
}

FailureOr<TailEvaluation>
mlir::dnn::evaluateChannels(MLIRContext *context, GPUTargetAttr target,
                            const ModelParams &params,
                            ArrayRef<TailTerm> terms, int64_t originalChannels,
                            int64_t channels) {
  if (originalChannels < 1 || channels < 1)
    return failure();
  double ratio = static_cast<double>(channels) / originalChannels;
  TailEvaluation eval;
  eval.channels = channels;
  bool sawProducer = false;
  for (const TailTerm &term : terms) {
    if (term.kind == TailTerm::Kind::Memory) {
      int64_t elements = scaled(term.elements, originalChannels, channels);
      Cost cost = predictMemoryBound(target, params, term.bytes * ratio,
                                     term.flops * ratio, elements);
      eval.latencyUs += cost.latencyUs;
      continue;
    }
    GemmShape shape = term.shape;
    switch (term.kind) {
    case TailTerm::Kind::GemmN:
      shape.n = scaled(shape.n, originalChannels, channels);
      break;
    case TailTerm::Kind::GemmK:
      shape.k = scaled(shape.k, originalChannels, channels);
      break;
    case TailTerm::Kind::GemmBatch:
      shape.batch = scaled(shape.batch, originalChannels, channels);
      break;
    case TailTerm::Kind::Memory:
      break;
    }
    GemmTraffic traffic;
    traffic.elementBytes = term.elementBytes;
    traffic.uniqueBytes = term.fixedBytes + term.scaledBytes * ratio;
    MappingAttr mapping = chooseMapping(context, target, params, shape, traffic,
                                        term.tensorCore);
    if (!mapping)
      return failure();
    Cost cost = predictGemm(target, params, shape, mapping, traffic);
    eval.latencyUs += cost.latencyUs;
    eval.waves += cost.waves;
    eval.paidWaves += static_cast<int64_t>(std::ceil(cost.waves - 1e-9));
    if (term.kind == TailTerm::Kind::GemmN && !sawProducer) {
      eval.producerTailUtilization = cost.tailUtilization;
      sawProducer = true;
    }
  }
  return eval;
}

namespace {
/// Evaluates candidates of one group, remembering the first failure.
struct Search {
  MLIRContext *context;
  GPUTargetAttr target;
  const ModelParams &params;
  ArrayRef<TailTerm> terms;
  int64_t original;

  FailureOr<TailEvaluation> at(int64_t channels) const {
    return evaluateChannels(context, target, params, terms, original,
                            channels);
  }
};
} // namespace

/// Largest multiple of `m` at or below `x`.
static int64_t floorTo(int64_t x, int64_t m) { return (x / m) * m; }

FailureOr<TailDecision>
mlir::dnn::chooseChannels(MLIRContext *context, GPUTargetAttr target,
                          const ModelParams &params, ArrayRef<TailTerm> terms,
                          int64_t channels, const TailOptions &options) {
  Search search{context, target, params, terms, channels};
  FailureOr<TailEvaluation> before = search.at(channels);
  if (failed(before))
    return failure();
  TailDecision decision;
  decision.before = decision.after = *before;
  decision.action = "keep";
  int64_t m = std::max<int64_t>(options.channelMultiple, 1);

  // Prune: the largest candidate that pays for fewer waves.
  auto prune = [&]() -> FailureOr<bool> {
    int64_t lowest = static_cast<int64_t>(
        std::ceil(static_cast<double>(channels) * (1.0 - options.maxPrune)));
    lowest = std::max<int64_t>(lowest, m);
    for (int64_t c = floorTo(channels - 1, m); c >= lowest; c -= m) {
      FailureOr<TailEvaluation> eval = search.at(c);
      if (failed(eval))
        return failure();
      if (eval->paidWaves < before->paidWaves &&
          eval->latencyUs < before->latencyUs) {
        decision.after = *eval;
        decision.action = "prune";
        decision.reason = llvm::formatv(
            "{0} -> {1} channels: {2} -> {3} waves paid, {4:f2} -> {5:f2} us",
            channels, c, before->paidWaves, eval->paidWaves,
            before->latencyUs, eval->latencyUs);
        return true;
      }
    }
    return false;
  };

  // Pad: the largest candidate within the latency tolerance.
  auto pad = [&]() -> FailureOr<bool> {
    int64_t highest = static_cast<int64_t>(
        std::floor(static_cast<double>(channels) * (1.0 + options.maxPad)));
    double limit = before->latencyUs * (1.0 + options.padTolerance);
    std::optional<TailEvaluation> best;
    for (int64_t c = floorTo(channels, m) + m; c <= highest; c += m) {
      FailureOr<TailEvaluation> eval = search.at(c);
      if (failed(eval))
        return failure();
      if (eval->latencyUs <= limit)
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
