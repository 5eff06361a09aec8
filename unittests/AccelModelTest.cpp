//===- AccelModelTest.cpp - the dataflow-accelerator model --------------===//
//
// Hand-computed access counts, energy and latency of lib/Analysis/
// AccelModel.cpp on a toy accelerator whose numbers make the arithmetic
// round, plus the eyeriss preset and the spec parser.
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/AccelModel.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <cmath>
#include <string>

using namespace mlir;
using namespace mlir::dnn;

namespace {

#define EXPECT_CLOSE(actual, expected)                                        \
  EXPECT_NEAR((actual), (expected), 1e-9 * std::max(1.0, std::fabs(expected)))

class AccelModelTest : public ::testing::Test {
protected:
  AccelModelTest() { context.getOrLoadDialect<DNNDialect>(); }

  /// 2 x 4 PEs at 100 MHz, 16-bit data, a 128-byte (64-element) GLB reading
  /// 8 bytes/cycle, 1 GB/s DRAM (1000 bytes/us), multicast to 2 PEs;
  /// energies in the Eyeriss ratios with 1 pJ per MAC.
  AccelTargetAttr toy(int64_t glbBytes = 128) {
    return AccelTargetAttr::get(
        &context, "toy", /*pe_rows=*/2, /*pe_cols=*/4, /*clock_mhz=*/100,
        /*element_bytes=*/2, /*rf_bytes=*/16, glbBytes,
        /*glb_bytes_per_cycle=*/8, llvm::APFloat(1.0), /*multicast=*/2,
        llvm::APFloat(1.0), llvm::APFloat(1.0), llvm::APFloat(2.0),
        llvm::APFloat(6.0), llvm::APFloat(200.0));
  }

  MLIRContext context;
};

// C[4x6] = A[4x8] B[8x6] on the toy: M = 4, N = 6, K = 8.
TEST_F(AccelModelTest, SmallGemmAccessesWithGLBReuse) {
  GemmShape shape{/*batch=*/1, /*m=*/4, /*n=*/6, /*k=*/8};
  AccelAccesses a = countGemmAccesses(toy(), shape);
  // MACs = 4 * 6 * 8 = 192.
  EXPECT_CLOSE(a.macs, 192.0);
  // Row blocks ceil(4/2) = 2, column blocks ceil(6/4) = 2 (widths 4 and 2):
  // 4 array passes of K = 8 cycles each = 32 cycles.
  EXPECT_CLOSE(a.arrayPasses, 4.0);
  EXPECT_CLOSE(a.computeCycles, 32.0);
  // Utilisation = 192 / (32 cycles * 8 PEs) = 0.75 (the 2-wide column block
  // leaves half the array idle).
  EXPECT_CLOSE(a.utilization, 0.75);
  // GLB = 128 / 2 = 64 elements. One K x 4 block of B (32) plus 2 rows of A
  // (16) = 48 <= 64 fits; rows of A that fit next to B = (64 - 32) / 8 = 4,
  // a multiple of 2, so Mg = min(4, 4) = 4: all of A stays in the GLB.
  EXPECT_EQ(a.glbRowBlock, 4);
  // DRAM reads = A once (4*8 = 32) + B once per GLB block (8*6*1 = 48) = 80;
  // writes = C = 24.
  EXPECT_CLOSE(a.dramReads, 80.0);
  EXPECT_CLOSE(a.dramWrites, 24.0);
  // GLB = fills 80 + array reads K*(M*colBlocks + N*rowBlocks)
  //     = 8*(4*2 + 6*2) = 160 + outputs in and out 2*24 = 48  -> 288.
  EXPECT_CLOSE(a.glb, 288.0);
  // NoC: A to its row's PEs: widths 4 and 2 -> ceil(4/2) + ceil(2/2) = 3
  // transfers per A element per column block sweep; B to its column's PEs:
  // heights 2 and 2 -> 1 + 1 = 2. 8*(4*3 + 6*2) = 192, + 24 outputs = 216.
  EXPECT_CLOSE(a.noc, 216.0);
  // RF: 4 per MAC = 768.
  EXPECT_CLOSE(a.rf, 768.0);
}

TEST_F(AccelModelTest, SmallGemmEnergyAndLatency) {
  Cost c = predictAccelGemm(toy(), GemmShape{1, 4, 6, 8});
  // Energy, pJ: MAC 192*1 + RF 768*1 + NoC 216*2 = 432 + GLB 288*6 = 1728
  //           + DRAM (80 + 24)*200 = 20800  ->  23920 pJ = 0.02392 uJ.
  EXPECT_CLOSE(c.energyUJ, 0.02392);
  // Compute: 32 cycles / 100 MHz = 0.32 us.
  EXPECT_CLOSE(c.computeUs, 0.32);
  // GLB: 288 accesses * 2 B / 8 B/cycle = 72 cycles = 0.72 us;
  // DRAM: 104 * 2 B = 208 B / 1000 B/us = 0.208 us. Memory = 0.72 us.
  EXPECT_CLOSE(c.memoryUs, 0.72);
  EXPECT_CLOSE(c.latencyUs, 0.72);
  EXPECT_CLOSE(c.launchUs, 0.0);
  // waves = array passes, tail = PE utilisation.
  EXPECT_CLOSE(c.waves, 4.0);
  EXPECT_CLOSE(c.tailUtilization, 0.75);
  EXPECT_EQ(c.ctas, 4);
  EXPECT_EQ(c.threads, 8);
}

// M = 8: the GLB still holds only 4 rows of A, so B is read twice.
TEST_F(AccelModelTest, GLBBlockingReReadsB) {
  AccelAccesses a = countGemmAccesses(toy(), GemmShape{1, 8, 6, 8});
  EXPECT_EQ(a.glbRowBlock, 4);
  // A 8*8 = 64 once + B 48 * ceil(8/4) = 96 -> 160.
  EXPECT_CLOSE(a.dramReads, 160.0);
  EXPECT_CLOSE(a.dramWrites, 48.0);
}

// A 64-byte (32-element) GLB cannot hold 2 rows of A and a 8x4 block of B
// (48 elements): no GLB reuse, every pass refetches its operands.
TEST_F(AccelModelTest, NoGLBReuseWhenTheTileDoesNotFit) {
  AccelAccesses a = countGemmAccesses(toy(/*glbBytes=*/64), GemmShape{1, 4, 6, 8});
  EXPECT_EQ(a.glbRowBlock, 0);
  // A 32 * 2 column blocks + B 48 * 2 row blocks = 160.
  EXPECT_CLOSE(a.dramReads, 160.0);
  // GLB = 160 fills + 160 array reads + 48 = 368.
  EXPECT_CLOSE(a.glb, 368.0);
  // More DRAM traffic costs more energy than with reuse:
  // 23920 + (160 - 80) * 200 + (368 - 288) * 6 = 23920 + 16000 + 480.
  EXPECT_CLOSE(predictAccelGemm(toy(64), GemmShape{1, 4, 6, 8}).energyUJ,
               0.0404);
}

TEST_F(AccelModelTest, BatchScalesEverything) {
  Cost one = predictAccelGemm(toy(), GemmShape{1, 4, 6, 8});
  Cost three = predictAccelGemm(toy(), GemmShape{3, 4, 6, 8});
  EXPECT_CLOSE(three.energyUJ, 3 * one.energyUJ);
  EXPECT_CLOSE(three.latencyUs, 3 * one.latencyUs);
  EXPECT_CLOSE(three.tailUtilization, one.tailUtilization);
}

TEST_F(AccelModelTest, MemoryBound) {
  // 100 elements, 50 ops: DRAM 200 B / 1000 B/us = 0.2 us; GLB 200 B / 8 =
  // 25 cycles = 0.25 us; compute 50 / 8 PEs / 100 MHz = 0.0625 us.
  Cost c = predictAccelMemoryBound(toy(), 100, 50);
  EXPECT_CLOSE(c.memoryUs, 0.25);
  EXPECT_CLOSE(c.computeUs, 0.0625);
  EXPECT_CLOSE(c.latencyUs, 0.25);
  // 50 * 1 + 100 * (200 + 6) = 20650 pJ.
  EXPECT_CLOSE(c.energyUJ, 0.02065);
}

TEST_F(AccelModelTest, EyerissPreset) {
  const AccelPreset *p = findAccelPreset("Eyeriss");
  ASSERT_NE(p, nullptr);
  AccelTargetAttr e = getAccelTargetAttr(&context, *p);
  EXPECT_EQ(e.getName(), "eyeriss");
  EXPECT_EQ(e.getNumPEs(), 168);
  EXPECT_EQ(e.getGlbBytes(), 131072);
  EXPECT_EQ(e.getElementBytes(), 2);
  // Energy ratios of Chen et al. (ISCA 2016): RF 1, array 2, GLB 6, DRAM 200.
  double mac = e.getPjMac().convertToDouble();
  EXPECT_CLOSE(e.getPjRf().convertToDouble() / mac, 1.0);
  EXPECT_CLOSE(e.getPjNoc().convertToDouble() / mac, 2.0);
  EXPECT_CLOSE(e.getPjGlb().convertToDouble() / mac, 6.0);
  EXPECT_CLOSE(e.getPjDram().convertToDouble() / mac, 200.0);
  EXPECT_EQ(findAccelPreset("h100"), nullptr);
}

TEST_F(AccelModelTest, SpecDiagnostics) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  Location loc = UnknownLoc::get(&context);
  auto emit = [&] { return emitError(loc); };
  EXPECT_TRUE(failed(parseAccelTargetSpec(&context, "tpu", emit)));
  EXPECT_NE(message.find("unknown accelerator 'tpu'"), std::string::npos);
  EXPECT_NE(message.find("eyeriss"), std::string::npos);
  EXPECT_NE(message.find("h100-sxm"), std::string::npos);
  FailureOr<AccelTargetAttr> parsed = parseAccelTargetSpec(
      &context, "eyeriss", emit);
  ASSERT_TRUE(succeeded(parsed));
  EXPECT_EQ(parsed->getPeRows(), 12);
}

} // namespace
