//===- TailSearchTest.cpp - the channel-count candidate search ----------===//
//
// Checks lib/Analysis/TailSearch.cpp on the H100 preset (132 SMs) with the
// built-in model constants. Expected counts are not hard-coded: each test
// recomputes, by brute force over evaluateChannels, what the mode's rule
// says, and checks the properties the rule promises (whole waves removed,
// latency within tolerance, largest such count, multiples).
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/TailSearch.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/GPUTargets.h"

#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::dnn;

namespace {

class TailSearchTest : public ::testing::Test {
protected:
  TailSearchTest() {
    context.getOrLoadDialect<DNNDialect>();
    h100 = getGPUTargetAttr(&context, *findGPUPreset("h100"));
  }

  /// A 3x3 convolution producing `f` channels on a `hw` x `hw` image
  /// (implicit GEMM M = hw*hw, N = f, K = c*9), f32.
  static TailTerm producer(int64_t c, int64_t f, int64_t hw) {
    TailTerm t;
    t.kind = TailTerm::Kind::GemmN;
    t.name = "conv";
    t.shape.m = hw * hw;
    t.shape.n = f;
    t.shape.k = c * 9;
    t.fixedBytes = 4.0 * c * hw * hw;              // input
    t.scaledBytes = 4.0 * (f * c * 9 + f * hw * hw); // weights + output
    return t;
  }

  /// The next 3x3 convolution, reducing over the `f` channels.
  static TailTerm consumer(int64_t f, int64_t out, int64_t hw) {
    TailTerm t;
    t.kind = TailTerm::Kind::GemmK;
    t.name = "next";
    t.shape.m = hw * hw;
    t.shape.n = out;
    t.shape.k = f * 9;
    t.fixedBytes = 4.0 * out * hw * hw;
    t.scaledBytes = 4.0 * (f * hw * hw + out * f * 9);
    return t;
  }

  static TailTerm elementwise(int64_t f, int64_t hw) {
    TailTerm t;
    t.kind = TailTerm::Kind::Memory;
    t.name = "relu";
    t.elements = f * hw * hw;
    t.bytes = 8.0 * t.elements;
    t.flops = t.elements;
    return t;
  }

  TailEvaluation eval(ArrayRef<TailTerm> terms, int64_t original,
                      int64_t channels) {
    FailureOr<TailEvaluation> e =
        evaluateChannels(&context, h100, params, terms, original, channels);
    EXPECT_TRUE(succeeded(e));
    return succeeded(e) ? *e : TailEvaluation();
  }

  MLIRContext context;
  GPUTargetAttr h100;
  ModelParams params;
};

TEST_F(TailSearchTest, EvaluationScalesTheChannelDimension) {
  SmallVector<TailTerm> terms = {producer(64, 256, 28), consumer(256, 128, 28),
                                 elementwise(256, 28)};
  TailEvaluation same = eval(terms, 256, 256);
  TailEvaluation half = eval(terms, 256, 128);
  // Fewer channels never cost more, and the original count is reproduced.
  EXPECT_LE(half.latencyUs, same.latencyUs);
  EXPECT_EQ(same.channels, 256);
  EXPECT_EQ(half.channels, 128);
  EXPECT_GT(same.paidWaves, 0);
  // Bad counts fail instead of dividing by zero.
  EXPECT_TRUE(failed(evaluateChannels(&context, h100, params, terms, 0, 8)));
  EXPECT_TRUE(failed(evaluateChannels(&context, h100, params, terms, 8, 0)));
}

TEST_F(TailSearchTest, PruneRemovesAWholeWaveWithinTheLimit) {
  // Find a producer whose waves are just above a whole number, so that a
  // small prune removes a wave (the 1.05-waves case of the issue).
  int tried = 0;
  for (int64_t f = 96; f <= 2048; f += 8) {
    SmallVector<TailTerm> terms = {producer(64, f, 112)};
    TailEvaluation e = eval(terms, f, f);
    double frac = e.waves - std::floor(e.waves);
    if (e.waves < 1.0 || frac <= 0 || frac > 0.15)
      continue;
    ++tried;
    TailOptions options;
    options.mode = TailMode::Prune;
    options.maxPrune = 0.1;
    options.channelMultiple = 8;
    FailureOr<TailDecision> d =
        chooseChannels(&context, h100, params, terms, f, options);
    ASSERT_TRUE(succeeded(d));
    if (d->action != "prune")
      continue; // the wave boundary may lie beyond max-prune for this f
    EXPECT_LT(d->after.channels, f);
    EXPECT_GE(d->after.channels, static_cast<int64_t>(std::ceil(f * 0.9)));
    EXPECT_EQ(d->after.channels % 8, 0);
    EXPECT_LT(d->after.paidWaves, d->before.paidWaves);
    EXPECT_LT(d->after.latencyUs, d->before.latencyUs);
    // Largest such count: the next multiple up pays as many waves as before.
    TailEvaluation above = eval(terms, f, d->after.channels + 8);
    if (d->after.channels + 8 < f)
      EXPECT_GE(above.paidWaves, d->before.paidWaves);
    return;
  }
  FAIL() << "no producer shape with a nearly empty last wave could be pruned ("
         << tried << " tried)";
}

TEST_F(TailSearchTest, PruneKeepsWhenNoWaveCanBeRemoved) {
  // With max-prune 0 no candidate is allowed: the count stays.
  SmallVector<TailTerm> terms = {producer(64, 512, 14)};
  TailOptions options;
  options.mode = TailMode::Prune;
  options.maxPrune = 0.0; // nothing may be removed
  FailureOr<TailDecision> d =
      chooseChannels(&context, h100, params, terms, 512, options);
  ASSERT_TRUE(succeeded(d));
  EXPECT_EQ(d->action, "keep");
  EXPECT_EQ(d->after.channels, 512);
}

TEST_F(TailSearchTest, PadFillsTheTailWithinTolerance) {
  SmallVector<TailTerm> terms = {producer(64, 200, 56), consumer(200, 64, 56)};
  TailOptions options;
  options.mode = TailMode::Pad;
  options.padTolerance = 0.005;
  options.channelMultiple = 8;
  FailureOr<TailDecision> d =
      chooseChannels(&context, h100, params, terms, 200, options);
  ASSERT_TRUE(succeeded(d));
  double limit = d->before.latencyUs * 1.005;
  if (d->action == "pad") {
    EXPECT_GT(d->after.channels, 200);
    EXPECT_EQ(d->after.channels % 8, 0);
    EXPECT_LE(d->after.latencyUs, limit);
  }
  // Brute force: no larger multiple within max-pad is within the tolerance.
  for (int64_t c = d->after.channels + 8; c <= 300; c += 8)
    EXPECT_GT(eval(terms, 200, c).latencyUs, limit) << c;
}

TEST_F(TailSearchTest, AutoFollowsTheProducerTail) {
  SmallVector<TailTerm> terms = {producer(128, 264, 56)};
  TailEvaluation e = eval(terms, 264, 264);
  TailOptions options;
  options.mode = TailMode::Auto;
  options.channelMultiple = 8;
  options.autoPruneBelow = e.producerTailUtilization + 0.01; // force prune side
  FailureOr<TailDecision> pruneSide =
      chooseChannels(&context, h100, params, terms, 264, options);
  options.autoPruneBelow = 0.0; // never prune
  FailureOr<TailDecision> padSide =
      chooseChannels(&context, h100, params, terms, 264, options);
  ASSERT_TRUE(succeeded(pruneSide));
  ASSERT_TRUE(succeeded(padSide));
  EXPECT_NE(padSide->action, "prune");
  EXPECT_GE(padSide->after.channels, 264);
  if (pruneSide->action == "prune")
    EXPECT_LT(pruneSide->after.paidWaves, pruneSide->before.paidWaves);
}

} // namespace
