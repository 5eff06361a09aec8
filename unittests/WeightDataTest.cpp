//===- WeightDataTest.cpp - 16-bit element access of RawTensor ------------===//
//
// RawTensor reads and writes f16/bf16 elements without APFloat (which cost
// seconds per network in dnn-fold-batch-norm); these tests hold the fast
// conversions to APFloat's: every 16-bit pattern decodes to the same value,
// and doubles round to the same bits (nearest, ties to even), including
// exact ties, values next to ties, subnormals, overflow and NaN.
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/Transforms/WeightData.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/APFloat.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::dnn;

namespace {

RawTensor scalar(FloatType type) {
  RawTensor t;
  t.type = RankedTensorType::get({1}, type);
  t.elementType = type;
  t.elementBytes = 2;
  t.bytes.assign(2, 0);
  return t;
}

uint16_t bitsOf(const RawTensor &t) {
  uint16_t bits;
  std::memcpy(&bits, t.bytes.data(), 2);
  return bits;
}

/// What APFloat makes of `value` in `type`: the reference.
uint16_t apfloatBits(double value, FloatType type) {
  llvm::APFloat f(value);
  bool lost = false;
  f.convert(type.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

double apfloatValue(uint16_t bits, FloatType type) {
  return llvm::APFloat(type.getFloatSemantics(), llvm::APInt(16, bits))
      .convertToDouble();
}

class WeightDataTest : public ::testing::TestWithParam<bool> {
protected:
  MLIRContext context;
  FloatType type() {
    return GetParam() ? FloatType(BFloat16Type::get(&context))
                      : FloatType(Float16Type::get(&context));
  }
};

TEST_P(WeightDataTest, EveryPatternDecodesAsAPFloat) {
  RawTensor t = scalar(type());
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    uint16_t b = static_cast<uint16_t>(bits);
    std::memcpy(t.bytes.data(), &b, 2);
    double got = t.get(0), want = apfloatValue(b, type());
    if (std::isnan(want))
      EXPECT_TRUE(std::isnan(got)) << std::hex << bits;
    else
      EXPECT_EQ(got, want) << std::hex << bits;
  }
}

TEST_P(WeightDataTest, RoundsAsAPFloat) {
  RawTensor t = scalar(type());
  auto check = [&](double v) {
    t.set(0, v);
    uint16_t want = apfloatBits(v, type());
    if (std::isnan(v))
      EXPECT_TRUE(std::isnan(t.get(0))) << v;
    else
      EXPECT_EQ(bitsOf(t), want) << "value " << v;
  };
  // Every representable value, the midpoints between neighbours (exact
  // ties), and doubles just either side of each midpoint.
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    double v = apfloatValue(static_cast<uint16_t>(bits), type());
    double next = apfloatValue(static_cast<uint16_t>(bits + 1), type());
    if (!std::isfinite(v))
      continue;
    check(v);
    if (!std::isfinite(next) || std::fabs(next) < std::fabs(v))
      continue;
    double mid = (v + next) / 2;
    check(mid);
    check(std::nextafter(mid, 0.0));
    check(std::nextafter(mid, mid * 2));
  }
  // Overflow: around the largest finite value plus half an ulp.
  double max = apfloatValue(GetParam() ? 0x7F7F : 0x7BFF, type());
  double prev = apfloatValue(GetParam() ? 0x7F7E : 0x7BFE, type());
  double over = max + (max - prev) / 2;
  for (double v : std::initializer_list<double>{over, std::nextafter(over, 0.0), std::nextafter(over, 1e300),
                   -over, 1e30, 1e300, -1e300, double(INFINITY), -double(INFINITY), double(NAN), 0.0,
                   -0.0, 1e-300, -1e-300, 1e-8, 3e-8, 6e-8})
    check(v);
  // Random doubles over many magnitudes.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-30, 20);
  for (int i = 0; i < 200000; ++i)
    check(std::ldexp(mantissa(rng), exponent(rng)));
}

INSTANTIATE_TEST_SUITE_P(Types, WeightDataTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool> &info) {
                           return info.param ? "BF16" : "F16";
                         });

} // namespace
