//===- ChannelGroupsTest.cpp - the channel grouping union-find -----------===//
//
// Group count and membership of the channel groups of a parsed function.

#include "dnn/Analysis/ChannelGroups.h"
#include "dnn/InitDNN.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::dnn;

namespace {

// A residual block after a stem conv, with a depthwise conv inside and a
// concat feeding the last conv.
constexpr const char *kModule = R"mlir(
func.func @f(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %ws = dnn.constant dense<1.0> : tensor<16x3x3x3xf32>
  %wd = dnn.constant dense<1.0> : tensor<16x1x3x3xf32>
  %s = dnn.constant dense<1.0> : tensor<16xf32>
  %wp = dnn.constant dense<1.0> : tensor<16x16x1x1xf32>
  %wa = dnn.constant dense<1.0> : tensor<8x16x1x1xf32>
  %wc = dnn.constant dense<1.0> : tensor<4x24x1x1xf32>
  %stem = dnn.conv2d %x, %ws {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x8x8xf32>
  %dw = dnn.conv2d %stem, %wd {padding = array<i64: 1, 1, 1, 1>, groups = 16 : i64} : (tensor<1x16x8x8xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x8x8xf32>
  %bn = dnn.batch_norm %dw, %s, %s, %s, %s : tensor<1x16x8x8xf32>, tensor<16xf32>
  %pw = dnn.conv2d %bn, %wp : (tensor<1x16x8x8xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x8x8xf32>
  %sum = dnn.add %pw, %stem : tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>
  %a = dnn.conv2d %sum, %wa : (tensor<1x16x8x8xf32>, tensor<8x16x1x1xf32>) -> tensor<1x8x8x8xf32>
  %cat = dnn.concat %sum, %a {axis = 1 : i64} : (tensor<1x16x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x24x8x8xf32>
  %c = dnn.conv2d %cat, %wc : (tensor<1x24x8x8xf32>, tensor<4x24x1x1xf32>) -> tensor<1x4x8x8xf32>
  return %c : tensor<1x4x8x8xf32>
}
)mlir";

class ChannelGroupsTest : public ::testing::Test {
protected:
  ChannelGroupsTest() : context(makeRegistry()) {
    context.loadAllAvailableDialects();
    module = parseSourceString<ModuleOp>(kModule, &context);
  }
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    registerAllDNNDialects(registry);
    return registry;
  }
  /// The op defining the value named by its position among the conv2d ops.
  Conv2DOp conv(unsigned n) {
    unsigned i = 0;
    Conv2DOp found;
    module->walk([&](Conv2DOp op) {
      if (i++ == n)
        found = op;
    });
    return found;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(ChannelGroupsTest, GroupsAndMembers) {
  ASSERT_TRUE(module);
  auto func = *module->getOps<func::FuncOp>().begin();
  ChannelGroups groups = ChannelGroups::analyze(func);
  // The image channels, the 16 residual channels (stem, depthwise, bn,
  // pointwise, add), the 8 channels of %a, the 24 of the concat and the 4
  // of the result.
  ASSERT_EQ(groups.getGroups().size(), 5u);

  Conv2DOp stem = conv(0), dw = conv(1), pw = conv(2), a = conv(3),
           last = conv(4);
  const ChannelGroup *residual = groups.lookup(stem.getResult(), 1);
  ASSERT_NE(residual, nullptr);
  EXPECT_EQ(residual->channels, 16);
  // The depthwise conv passes channels through; the add ties the pointwise
  // conv's output to the skip path.
  EXPECT_EQ(groups.lookup(dw.getResult(), 1), residual);
  EXPECT_EQ(groups.lookup(pw.getInput(), 1), residual);
  EXPECT_EQ(groups.lookup(pw.getResult(), 1), residual);
  EXPECT_EQ(groups.lookup(a.getInput(), 1), residual);
  EXPECT_EQ(residual->producers.size(), 2u); // stem, pointwise
  EXPECT_EQ(residual->consumers.size(), 2u); // pointwise, a
  EXPECT_EQ(residual->passThrough.size(), 3u); // depthwise, bn, add
  // Weights: stem dim 0, depthwise dim 0, the bn parameter (one constant
  // used four times), pointwise dims 0 and 1, a dim 1.
  EXPECT_EQ(residual->weights.size(), 6u);
  EXPECT_TRUE(residual->isModifiable()) << residual->reason();
  ASSERT_EQ(residual->pieceOf.size(), 1u);
  EXPECT_EQ(residual->pieceOf[0].offset, 0);

  const ChannelGroup *concat = groups.lookup(last.getInput(), 1);
  ASSERT_NE(concat, nullptr);
  EXPECT_EQ(concat->channels, 24);
  ASSERT_EQ(concat->pieces.size(), 2u);
  EXPECT_EQ(concat->pieces[0].group, residual->id);
  EXPECT_EQ(concat->pieces[1].group, groups.lookup(a.getResult(), 1)->id);
  EXPECT_EQ(concat->pieces[1].offset, 16);
  EXPECT_FALSE(concat->isModifiable());

  const ChannelGroup *image = groups.lookup(stem.getInput(), 1);
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->reason(), "function argument #0");
  const ChannelGroup *out = groups.lookup(last.getResult(), 1);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->reason(), "function result");
  // Batch and spatial dims are not channel groups.
  EXPECT_EQ(groups.lookup(stem.getResult(), 2), nullptr);
}

} // namespace
