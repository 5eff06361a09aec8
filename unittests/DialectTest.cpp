//===- DialectTest.cpp - building dnn ops from C++ -----------------------===//
//
// Passes create dnn ops through the C++ builders; shape inference must give
// them the same types the parser and verifier agree on.

#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/InitDNN.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::dnn;

namespace {

class DialectTest : public ::testing::Test {
protected:
  DialectTest() : context(makeRegistry()), builder(&context) {
    context.loadAllAvailableDialects();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    registerAllDNNDialects(registry);
    return registry;
  }
  Value argument(ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, builder.getF32Type());
    if (!func) {
      func = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                  builder.getFunctionType({}, {}));
      builder.setInsertionPointToStart(func.addEntryBlock());
    }
    func.insertArgument(func.getNumArguments(), type, {},
                        builder.getUnknownLoc());
    return func.getArgument(func.getNumArguments() - 1);
  }
  ArrayRef<int64_t> shapeOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  func::FuncOp func;
};

TEST_F(DialectTest, Conv2dInfersImplicitGemmShape) {
  Value x = argument({2, 32, 28, 28});
  Value w = argument({64, 8, 3, 3});
  auto conv = Conv2DOp::create(builder, builder.getUnknownLoc(), x, w,
                               /*bias=*/Value(), builder.getDenseI64ArrayAttr({2, 2}),
                               builder.getDenseI64ArrayAttr({1, 1, 1, 1}),
                               builder.getDenseI64ArrayAttr({1, 1}),
                               builder.getI64IntegerAttr(4));
  EXPECT_EQ(shapeOf(conv), (ArrayRef<int64_t>{2, 64, 14, 14}));
  EXPECT_TRUE(succeeded(verify(conv)));
}

TEST_F(DialectTest, LinearMatmulAddConcatInferShapes) {
  Value x = argument({4, 7, 512});
  Value w = argument({1000, 512});
  auto linear = LinearOp::create(builder, builder.getUnknownLoc(), x, w, Value());
  EXPECT_EQ(shapeOf(linear), (ArrayRef<int64_t>{4, 7, 1000}));

  Value a = argument({5, 1, 6, 3});
  Value b = argument({4, 3, 2});
  auto matmul = MatmulOp::create(builder, builder.getUnknownLoc(), a, b);
  EXPECT_EQ(shapeOf(matmul), (ArrayRef<int64_t>{5, 4, 6, 2}));

  Value p = argument({8, 1, 3});
  Value q = argument({5, 1});
  auto add = AddOp::create(builder, builder.getUnknownLoc(), p, q);
  EXPECT_EQ(shapeOf(add), (ArrayRef<int64_t>{8, 5, 3}));

  Value c0 = argument({1, 16, 7, 7});
  Value c1 = argument({1, 48, 7, 7});
  auto concat = ConcatOp::create(builder, builder.getUnknownLoc(),
                                 ValueRange{c0, c1, c0}, 1);
  EXPECT_EQ(shapeOf(concat), (ArrayRef<int64_t>{1, 80, 7, 7}));
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(DialectTest, PoolingFollowsCeilModeRule) {
  Value x = argument({1, 8, 112, 112});
  auto floorPool = MaxPool2DOp::create(
      builder, builder.getUnknownLoc(), x, builder.getDenseI64ArrayAttr({3, 3}),
      builder.getDenseI64ArrayAttr({2, 2}),
      builder.getDenseI64ArrayAttr({0, 0, 0, 0}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getBoolAttr(false));
  auto ceilPool = MaxPool2DOp::create(
      builder, builder.getUnknownLoc(), x, builder.getDenseI64ArrayAttr({3, 3}),
      builder.getDenseI64ArrayAttr({2, 2}),
      builder.getDenseI64ArrayAttr({0, 0, 0, 0}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getBoolAttr(true));
  EXPECT_EQ(shapeOf(floorPool), (ArrayRef<int64_t>{1, 8, 55, 55}));
  EXPECT_EQ(shapeOf(ceilPool), (ArrayRef<int64_t>{1, 8, 56, 56}));
}

TEST_F(DialectTest, ConstantsFoldAndMaterialize) {
  auto type = RankedTensorType::get({2, 2}, builder.getF32Type());
  auto value = DenseElementsAttr::get(type, 1.5f);
  auto constant = ConstantOp::create(builder, builder.getUnknownLoc(), value);
  EXPECT_EQ(constant.getType(), type);
  Operation *materialized = context.getLoadedDialect<DNNDialect>()
      ->materializeConstant(builder, value, type, builder.getUnknownLoc());
  ASSERT_NE(materialized, nullptr);
  EXPECT_TRUE(isa<ConstantOp>(materialized));
}

} // namespace
