//===- GPUTargetsTest.cpp - the preset table and #dnn.gpu/#dnn.mapping ---===//

#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/GPUTargets.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>
#include <set>

using namespace mlir;
using namespace mlir::dnn;

namespace {

class GPUTargetsTest : public ::testing::Test {
protected:
  GPUTargetsTest() { context.getOrLoadDialect<DNNDialect>(); }

  /// Verifier errors go here instead of aborting the test.
  std::string diagnostics;
  MLIRContext context;
  ScopedDiagnosticHandler handler{&context, [this](Diagnostic &diag) {
                                    diagnostics += diag.str() + "\n";
                                    return success();
                                  }};
  InFlightDiagnostic emit() { return mlir::emitError(UnknownLoc::get(&context)); }
};

TEST_F(GPUTargetsTest, EveryPresetIsAValidTarget) {
  ASSERT_GE(getGPUPresets().size(), 6u);
  for (const GPUPreset &preset : getGPUPresets()) {
    GPUTargetAttr attr = GPUTargetAttr::getChecked(
        [&] { return emit(); }, &context, llvm::StringRef(preset.key),
        llvm::StringRef(preset.arch), preset.sms, preset.clockMHz,
        preset.maxThreadsPerSM, preset.maxBlocksPerSM, int64_t(1024),
        int64_t(65536), int64_t(255), preset.smemPerSM, preset.maxSmemPerBlock,
        preset.smemReservedPerBlock, int64_t(32), preset.l2Bytes,
        llvm::APFloat(preset.dramGBps), llvm::APFloat(preset.fp32TFlops),
        llvm::APFloat(preset.tensorTFlops));
    EXPECT_TRUE(attr) << preset.key.str() << ": " << diagnostics;
    EXPECT_FALSE(preset.source.empty()) << preset.key.str();
    EXPECT_EQ(getGPUTargetAttr(&context, preset), attr);
  }
}

TEST_F(GPUTargetsTest, LookupIsByKeyOrAliasIgnoringCase) {
  const GPUPreset *h100 = findGPUPreset("h100-sxm");
  ASSERT_NE(h100, nullptr);
  EXPECT_EQ(findGPUPreset("H100"), h100);
  EXPECT_EQ(findGPUPreset(" h100-SXM5 "), h100);
  EXPECT_EQ(h100->sms, 132);
  EXPECT_EQ(findGPUPreset("a100")->sms, 108);
  EXPECT_EQ(findGPUPreset("orin")->arch, "sm_87");
  EXPECT_EQ(findGPUPreset("4090")->key, "rtx-4090");
  EXPECT_EQ(findGPUPreset("h1000"), nullptr);
  EXPECT_EQ(findGPUPreset(""), nullptr);
}

TEST_F(GPUTargetsTest, KeysAndAliasesAreUnique) {
  std::set<std::string> names;
  for (const GPUPreset &preset : getGPUPresets()) {
    EXPECT_TRUE(names.insert(preset.key.str()).second) << preset.key.str();
    llvm::SmallVector<llvm::StringRef> aliases;
    preset.aliases.split(aliases, ',', -1, false);
    for (llvm::StringRef alias : aliases)
      EXPECT_TRUE(names.insert(alias.str()).second) << alias.str();
  }
}

TEST_F(GPUTargetsTest, SpecParsesPresetsAndFullAttributes) {
  FailureOr<GPUTargetAttr> l4 =
      parseGPUTargetSpec(&context, "L4", [&] { return emit(); });
  ASSERT_TRUE(succeeded(l4));
  EXPECT_EQ(l4->getSms(), 58);
  EXPECT_EQ(l4->getComputeCapability(), 89);
  EXPECT_DOUBLE_EQ(l4->getDramBandwidthGBps(), 300.0);

  std::string text;
  llvm::raw_string_ostream os(text);
  os << *l4;
  FailureOr<GPUTargetAttr> again =
      parseGPUTargetSpec(&context, text, [&] { return emit(); });
  ASSERT_TRUE(succeeded(again)) << diagnostics;
  EXPECT_EQ(*again, *l4);

  EXPECT_TRUE(failed(parseGPUTargetSpec(&context, "tpu", [&] { return emit(); })));
  EXPECT_NE(diagnostics.find("known presets: v100-sxm2"), std::string::npos);
}

TEST_F(GPUTargetsTest, MappingWavesAndFeasibility) {
  GPUTargetAttr h100 = getGPUTargetAttr(&context, *findGPUPreset("h100"));
  // 260 CTAs at 2 per SM on 132 SMs: 0.985 waves, one paid.
  auto mapping = MappingAttr::get(&context, 128, 128, 32, 256, 1, 128, 65536,
                                  260, 2, llvm::APFloat(260.0 / 264.0));
  EXPECT_EQ(mapping.getPaidWaves(), 1);
  EXPECT_TRUE(succeeded(mapping.verifyAgainst(h100, [&] { return emit(); })))
      << diagnostics;
  // 265 CTAs: a second, nearly empty wave.
  auto tail = MappingAttr::get(&context, 128, 128, 32, 256, 1, 128, 65536,
                               265, 2, llvm::APFloat(265.0 / 264.0));
  EXPECT_EQ(tail.getPaidWaves(), 2);
  // 3 CTAs of 256 threads x 128 registers do not fit in 64K registers.
  auto tooManyRegs = MappingAttr::get(&context, 128, 128, 32, 256, 1, 128, 0,
                                      396, 3, llvm::APFloat(1.0));
  EXPECT_TRUE(failed(tooManyRegs.verifyAgainst(h100, [&] { return emit(); })));
  EXPECT_NE(diagnostics.find("registers per SM"), std::string::npos);
}

/// Float parameters print in a form that parses back to the same bits.
TEST_F(GPUTargetsTest, FloatParametersRoundTripExactly) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> mantissa(1.0, 10.0);
  std::uniform_int_distribution<int> exponent(-12, 20);
  for (int i = 0; i < 500; ++i) {
    double value = mantissa(rng) * std::pow(10.0, exponent(rng));
    auto mapping = MappingAttr::get(&context, 64, 64, 16, 128, 1, 0, 0, 1, 1,
                                    llvm::APFloat(value));
    std::string text;
    llvm::raw_string_ostream os(text);
    os << mapping;
    Attribute parsed = parseAttribute(text, &context);
    ASSERT_TRUE(parsed) << text << "\n" << diagnostics;
    EXPECT_EQ(cast<MappingAttr>(parsed).getWavesValue(), value) << text;
  }
}

} // namespace
