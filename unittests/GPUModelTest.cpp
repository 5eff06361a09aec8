//===- GPUModelTest.cpp - the analytical GPU performance model ----------===//
//
// Hand-worked checks of lib/Analysis/GPUModel.cpp and Report.cpp. The
// arithmetic behind every expected value is written next to it.
//
// Two kinds of check:
//  - occupancy, CTA counts, waves and tails are pure arithmetic of the
//    #dnn.gpu limits and the kernel table, so they are exact numbers;
//  - latencies and energies depend on constants another engineer is
//    calibrating, so on the real presets they are checked as properties
//    (orderings, differences that the equations fix), and exact values are
//    worked on a "toy" target and ModelParams whose numbers are chosen
//    here to make the arithmetic round.
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/GPUModel.h"
#include "dnn/Analysis/Report.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/GPUTargets.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::dnn;

namespace {

/// Relative comparison for model outputs computed in double precision.
#define EXPECT_CLOSE(actual, expected)                                        \
  EXPECT_NEAR((actual), (expected), 1e-9 * std::max(1.0, std::fabs(expected)))

class GPUModelTest : public ::testing::Test {
protected:
  GPUModelTest() {
    context.getOrLoadDialect<DNNDialect>();
    context.allowUnregisteredDialects();
    h100 = getGPUTargetAttr(&context, *findGPUPreset("h100"));
  }

  const KernelConfig &config(StringRef name) {
    const KernelConfig *c = findKernelConfig(name);
    EXPECT_NE(c, nullptr) << name.str();
    return *c;
  }

  /// A target with the H100's per-SM limits (so the same occupancy) but
  /// round throughputs: 132 SMs, fp32 132 TFLOP/s = 1e6 FLOP/us per SM,
  /// tensor cores 1320 TFLOP/s = 1e7 FLOP/us per SM, DRAM 1000 GB/s = 1e6
  /// B/us.
  GPUTargetAttr toyTarget() {
    return GPUTargetAttr::get(
        &context, "toy", "sm_90", /*sms=*/132, /*clock_mhz=*/1000,
        /*max_threads_per_sm=*/2048, /*max_blocks_per_sm=*/32,
        /*max_threads_per_block=*/1024, /*regs_per_sm=*/65536,
        /*max_regs_per_thread=*/255, /*smem_per_sm=*/233472,
        /*max_smem_per_block=*/232448, /*smem_reserved_per_block=*/1024,
        /*warp_size=*/32, /*l2_bytes=*/50 * 1024 * 1024,
        llvm::APFloat(1000.0), llvm::APFloat(132.0), llvm::APFloat(1320.0));
  }

  /// Round constants for the toy target:
  ///   DRAM   1e6 B/us x 0.5            = 5e5 B/us
  ///   L2     1e6 B/us x 13.2 / 132 SMs = 1e5 B/us per SM
  ///   sgemm_64x64x16_t256: efficiency 0.5 (5e5 FLOP/us per SM), co-resident
  ///   cost 0.25; hgemm_128x128x32_t256: efficiency 0.5 (5e6 FLOP/us per SM),
  ///   co-resident cost 0.5.
  static ModelParams toyParams() {
    ModelParams p;
    p.memoryEfficiency = 0.5;
    p.l2BandwidthRatio = 13.2;
    p.launchUs = 2.0;
    p.elementwiseEfficiency = 0.5;
    p.pjPerFlopFP32 = 1.0;
    p.pjPerFlopTensor = 0.25;
    p.pjPerDramByte = 10.0;
    p.pjPerL2Byte = 1.0;
    p.staticWatts = 100.0;
    p.configEfficiency["sgemm_64x64x16_t256"] = {0.5, 0.25};
    p.configEfficiency["hgemm_128x128x32_t256"] = {0.5, 0.5};
    return p;
  }

  /// Operands and result once: what a GEMM must move at least.
  static GemmTraffic traffic(const GemmShape &s, int64_t elementBytes = 4) {
    return {elementBytes,
            static_cast<double>(s.batch * (s.m * s.k + s.k * s.n + s.m * s.n) *
                                elementBytes)};
  }

  Cost predict(GPUTargetAttr target, const ModelParams &params,
               const GemmShape &shape, const KernelConfig &c,
               int64_t splitK = 1, int64_t elementBytes = 4) {
    MappingAttr mapping = buildMapping(&context, target, shape, c, splitK);
    EXPECT_TRUE(mapping);
    return predictGemm(target, params, shape, mapping,
                       traffic(shape, elementBytes));
  }

  /// Whether `mapping` passes the verifier against `target`.
  bool verifies(MappingAttr mapping, GPUTargetAttr target) {
    return succeeded(mapping.verifyAgainst(target, [&] {
      return mlir::emitError(UnknownLoc::get(&context));
    }));
  }

  MLIRContext context;
  /// Diagnostics go here instead of stderr.
  std::string diagnostics;
  ScopedDiagnosticHandler handler{&context, [this](Diagnostic &diag) {
                                    diagnostics += diag.str() + "\n";
                                    return success();
                                  }};
  GPUTargetAttr h100;
};

//===----------------------------------------------------------------------===//
// Kernel table
//===----------------------------------------------------------------------===//

TEST_F(GPUModelTest, KernelTableIsConsistent) {
  std::set<std::string> names;
  int tensorCore = 0;
  for (const KernelConfig &c : getKernelConfigs()) {
    EXPECT_TRUE(names.insert(c.name.str()).second) << c.name.str();
    EXPECT_EQ(findKernelConfig(c.name), &c);
    EXPECT_GT(c.tileM, 0);
    EXPECT_GT(c.tileN, 0);
    EXPECT_GT(c.tileK, 0);
    EXPECT_EQ(c.threads % 32, 0) << c.name.str();
    EXPECT_GT(c.computeEfficiency, 0.0);
    EXPECT_LE(c.computeEfficiency, 1.0);
    EXPECT_GE(c.coResidentCost, 0.0);
    EXPECT_LE(c.coResidentCost, 1.0);
    // configOf maps the tiling back to the row it came from.
    MappingAttr m = buildMapping(&context, h100, {1, 256, 256, 256}, c, 1);
    ASSERT_TRUE(m);
    EXPECT_EQ(configOf(m, c.tensorCore), &c);
    EXPECT_EQ(configOf(m, !c.tensorCore), nullptr);
    tensorCore += c.tensorCore;
  }
  EXPECT_EQ(findKernelConfig("sgemm_1x1x1_t1"), nullptr);
  EXPECT_EQ(findKernelConfig(""), nullptr);
  // At least one kernel for each kind of operand.
  EXPECT_GE(tensorCore, 1);
  EXPECT_LT(tensorCore, static_cast<int>(getKernelConfigs().size()));
}

//===----------------------------------------------------------------------===//
// Occupancy: computeCTAsPerSM
//
// H100 (sm_90) limits: 2048 threads, 32 blocks, 65536 registers, 233472 B
// (228 KiB) shared memory per SM; 1024 threads, 255 registers and 232448 B
// shared memory per block; 1024 B reserved per block; warps of 32.
// Registers go per warp in units of 256.
//===----------------------------------------------------------------------===//

TEST_F(GPUModelTest, OccupancyOfEachKernelConfigOnH100) {
  struct Row {
    const char *name;
    int64_t regs, smem, expected;
  } rows[] = {
      // 64 regs x 32 = 2048/warp (a multiple of 256), x 8 warps = 16384
      // per CTA -> 65536 / 16384 = 4. Threads 2048/256 = 8, smem
      // 233472 / (8192 + 1024) = 25, blocks 32. min = 4 (registers).
      {"sgemm_64x64x16_t256", 64, 8192, 4},
      // 108 x 32 = 3456 -> 3584/warp, x 8 = 28672 -> 65536 / 28672 = 2
      // (2.29). smem 233472 / 13312 = 17. min = 2.
      {"sgemm_128x64x16_t256", 108, 12288, 2},
      // 127 x 32 = 4064 -> 4096/warp, x 8 = 32768 -> 2. smem 25. min = 2.
      {"sgemm_128x128x8_t256", 127, 8192, 2},
      // 128 x 32 = 4096/warp -> 2. smem 233472 / 21504 = 10. min 2.
      {"hgemm_128x128x32_t256", 128, 20480, 2},
  };
  for (const Row &row : rows) {
    const KernelConfig &c = config(row.name);
    // The table's ptxas facts the arithmetic above assumes.
    ASSERT_EQ(c.threads, 256) << row.name;
    ASSERT_EQ(c.regsPerThread, row.regs) << row.name;
    ASSERT_EQ(c.smemPerBlock, row.smem) << row.name;
    EXPECT_EQ(computeCTAsPerSM(h100, c.threads, c.regsPerThread,
                               c.smemPerBlock),
              row.expected)
        << row.name;
    // buildMapping records the same number.
    MappingAttr m = buildMapping(&context, h100, {1, 1024, 1024, 64}, c, 1);
    ASSERT_TRUE(m);
    EXPECT_EQ(m.getCtasPerSm(), row.expected) << row.name;
  }
  // These are the B that cudaOccupancyMaxActiveBlocksPerMultiprocessor
  // reported for the same kernels on the lent H100 (docs/benchmarks.md,
  // "controlled wave staircase"), including the "1cta" variant: 127 regs and
  // 151552 B of shared memory -> 233472 / (151552 + 1024) = 1 (1.53).
  EXPECT_EQ(computeCTAsPerSM(h100, 256, 127, 151552), 1);
}

TEST_F(GPUModelTest, OccupancyLimitingCases) {
  // Registers: 128 x 32 = 4096/warp, x 8 warps = 32768 -> 65536/32768 = 2;
  // threads would allow 8, smem (0 + 1024 reserved) 228, blocks 32.
  EXPECT_EQ(computeCTAsPerSM(h100, 256, 128, 0), 2);
  // Register granularity: 33 x 32 = 1056 -> 1280/warp (5 x 256), x 8 =
  // 10240 -> 65536 / 10240 = 6 (6.4). Unrounded, 65536 / (33 x 256) = 7.
  EXPECT_EQ(computeCTAsPerSM(h100, 256, 33, 0), 6);
  // Shared memory: 100 KiB = 102400 + 1024 = 103424 -> 233472 / 103424 = 2
  // (2.26); 128 threads x 32 regs would allow 16 by threads and registers.
  EXPECT_EQ(computeCTAsPerSM(h100, 128, 32, 100 * 1024), 2);
  // The per-block reservation counts: 116224 B alone would fit twice
  // (233472 / 116224 = 2.008), but 117248 with the reservation fits once.
  EXPECT_EQ(computeCTAsPerSM(h100, 128, 32, 115712), 2); // 116736 x 2 = all
  EXPECT_EQ(computeCTAsPerSM(h100, 128, 32, 116224), 1);
  // The largest block: 232448 + 1024 = 233472 = the whole SM -> 1.
  EXPECT_EQ(computeCTAsPerSM(h100, 128, 32, 232448), 1);
  // Threads: 2048 / 1024 = 2; registers 16 x 32 = 512/warp x 32 warps =
  // 16384 -> 4; smem 228.
  EXPECT_EQ(computeCTAsPerSM(h100, 1024, 16, 0), 2);
  // Threads round up to whole warps: 97 threads = 4 warps = 128 threads ->
  // 2048 / 128 = 16; no register limit when regs is 0 (unknown).
  EXPECT_EQ(computeCTAsPerSM(h100, 97, 0, 0), 16);
  // Block cap: 32 threads -> 2048 / 32 = 64 by threads, 32 x 32 = 1024
  // regs/warp -> 64, smem 228; the 32-block cap wins.
  EXPECT_EQ(computeCTAsPerSM(h100, 32, 32, 0), 32);
  EXPECT_EQ(computeCTAsPerSM(h100, 64, 0, 0), 32); // 2048 / 64 = 32 too

  // A CTA that does not fit: 0.
  EXPECT_EQ(computeCTAsPerSM(h100, 0, 32, 0), 0);
  EXPECT_EQ(computeCTAsPerSM(h100, 1025, 32, 0), 0); // > 1024 per block
  EXPECT_EQ(computeCTAsPerSM(h100, 256, 256, 0), 0); // > 255 per thread
  EXPECT_EQ(computeCTAsPerSM(h100, 256, 32, 232449), 0); // > max per block
  // 1024 x 64: 2048/warp x 32 warps = 65536 = the register file -> 1;
  // 1024 x 65: 2080 -> 2304/warp x 32 = 73728 > 65536 -> 0.
  EXPECT_EQ(computeCTAsPerSM(h100, 1024, 64, 0), 1);
  EXPECT_EQ(computeCTAsPerSM(h100, 1024, 65, 0), 0);
  EXPECT_EQ(computeCTAsPerSM(h100, 1024, 255, 0), 0);
}

TEST_F(GPUModelTest, OccupancyOnOtherPresets) {
  // T4 (sm_75): 1024 threads, 16 blocks, 64 KiB shared memory per SM, no
  // reservation. sgemm_64x64: threads 1024/256 = 4, regs 4, smem
  // 65536/8192 = 8 -> 4. hgemm: smem 65536 / 18944 = 3, regs 2 -> 2.
  GPUTargetAttr t4 = getGPUTargetAttr(&context, *findGPUPreset("t4"));
  EXPECT_EQ(computeCTAsPerSM(t4, 256, 64, 8192), 4);
  EXPECT_EQ(computeCTAsPerSM(t4, 256, 126, 18944), 2);
  EXPECT_EQ(computeCTAsPerSM(t4, 512, 0, 0), 2);  // 1024 / 512
  EXPECT_EQ(computeCTAsPerSM(t4, 32, 0, 0), 16);  // block cap 16
  EXPECT_EQ(computeCTAsPerSM(t4, 256, 0, 65537), 0);
  // RTX 4090 (sm_89): 1536 threads, 24 blocks, 100 KiB smem, 1 KiB reserved.
  // 256 threads: 1536/256 = 6; 64 regs -> 4; 100 KiB = 102400 / 9216 = 11.
  GPUTargetAttr ada = getGPUTargetAttr(&context, *findGPUPreset("4090"));
  EXPECT_EQ(computeCTAsPerSM(ada, 256, 64, 8192), 4);
  EXPECT_EQ(computeCTAsPerSM(ada, 256, 32, 0), 6);
  // 49152 + 1024 = 50176 -> 102400 / 50176 = 2 (2.04).
  EXPECT_EQ(computeCTAsPerSM(ada, 256, 32, 49152), 2);
}

//===----------------------------------------------------------------------===//
// Grid and waves: buildMapping
//===----------------------------------------------------------------------===//

TEST_F(GPUModelTest, GridOfAMapping) {
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  // ResNet 3x3 conv at 56x56, batch 1, Cin = Cout = 64: m = 1 x 56 x 56 =
  // 3136 -> ceil(3136/64) = 49 row tiles; n = 64 -> 1 column tile.
  MappingAttr m = buildMapping(&context, h100, {1, 3136, 64, 576}, c, 1);
  ASSERT_TRUE(m);
  EXPECT_EQ(m.getTileM(), 64);
  EXPECT_EQ(m.getTileN(), 64);
  EXPECT_EQ(m.getTileK(), 16);
  EXPECT_EQ(m.getThreads(), 256);
  EXPECT_EQ(m.getSplitK(), 1);
  EXPECT_EQ(m.getRegsPerThread(), 64);
  EXPECT_EQ(m.getSmemPerBlock(), 8192);
  EXPECT_EQ(m.getCtas(), 49);
  EXPECT_EQ(m.getCtasPerSm(), 4);
  // 49 / (132 x 4) = 0.0928030... -> 4 decimals.
  EXPECT_DOUBLE_EQ(m.getWavesValue(), 0.0928);
  EXPECT_EQ(m.getPaidWaves(), 1);
  EXPECT_TRUE(verifies(m, h100));
  // Edge tiles count as whole CTAs: n = 65 -> 2 column tiles, 98 CTAs.
  EXPECT_EQ(buildMapping(&context, h100, {1, 3136, 65, 576}, c, 1).getCtas(),
            98);
  // Split-K is a factor of the grid.
  EXPECT_EQ(buildMapping(&context, h100, {1, 3136, 64, 576}, c, 3).getCtas(),
            147);
  // A target so wide that one CTA is under 0.00005 waves: 1 / (20000 x 4)
  // = 1.25e-05 must not round to 0 (the #dnn.mapping verifier wants > 0).
  GPUTargetAttr wafer = GPUTargetAttr::get(
      &context, "wafer", "sm_90", 20000, 1000, 2048, 32, 1024, 65536, 255,
      233472, 232448, 1024, 32, 52428800, llvm::APFloat(3350.0),
      llvm::APFloat(10000.0), llvm::APFloat(100000.0));
  MappingAttr tiny = buildMapping(&context, wafer, {1, 64, 64, 64}, c, 1);
  ASSERT_TRUE(tiny);
  EXPECT_EQ(tiny.getCtas(), 1);
  EXPECT_DOUBLE_EQ(tiny.getWavesValue(), 1.25e-05);
  EXPECT_TRUE(verifies(tiny, wafer));
  EXPECT_TRUE(succeeded(MappingAttr::verify(
      [&] { return mlir::emitError(UnknownLoc::get(&context)); },
      tiny.getTileM(), tiny.getTileN(), tiny.getTileK(), tiny.getThreads(),
      tiny.getSplitK(), tiny.getRegsPerThread(), tiny.getSmemPerBlock(),
      tiny.getCtas(), tiny.getCtasPerSm(), tiny.getWaves())))
      << diagnostics;
  // No mapping for a split below 1 or a kernel that does not fit.
  EXPECT_FALSE(buildMapping(&context, h100, {1, 64, 64, 64}, c, 0));
  KernelConfig huge = c;
  huge.smemPerBlock = 300 * 1024;
  EXPECT_FALSE(buildMapping(&context, h100, {1, 64, 64, 64}, huge, 1));
}

TEST_F(GPUModelTest, GroupedConvMultipliesTheGrid) {
  // A grouped conv is `groups` independent GEMMs (batch = groups): conv
  // 1x64x56x56 -> 64 channels, 3x3, groups g: m = 3136, n = 64/g,
  // k = 64/g x 9. Every group has its own 49 x 1 tiles.
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  for (int64_t g : {1, 2, 4, 8, 32, 64}) {
    GemmShape shape{g, 3136, 64 / g, 64 / g * 9};
    MappingAttr m = buildMapping(&context, h100, shape, c, 1);
    ASSERT_TRUE(m);
    EXPECT_EQ(m.getCtas(), 49 * g) << "groups " << g;
    EXPECT_TRUE(verifies(m, h100));
    Cost cost = predictGemm(h100, ModelParams(), shape, m, traffic(shape));
    EXPECT_EQ(cost.ctas, 49 * g);
  }
  // Depthwise (g = 64): 3136 CTAs / 528 slots = 5.939... waves, and the
  // last wave holds 3136 - 5 x 528 = 496 of 528 slots.
  GemmShape dw{64, 3136, 1, 9};
  Cost cost = predict(h100, ModelParams(), dw, c);
  EXPECT_DOUBLE_EQ(cost.waves, 5.9394);
  EXPECT_DOUBLE_EQ(cost.tailUtilization, 496.0 / 528.0);
  // The same GEMM as one big one (batch folded into n) has 49 x 1 tiles:
  // grouping multiplies both the CTAs and, at a fixed per-group size, the
  // latency never drops.
  Cost one = predict(h100, ModelParams(), {1, 3136, 1, 9}, c);
  EXPECT_EQ(one.ctas, 49);
  EXPECT_GT(cost.latencyUs, one.latencyUs);
}

TEST_F(GPUModelTest, OneWaveExactlyAndOneCTAOver) {
  // sgemm_64x64x16 holds B = 4 CTAs per SM on the H100: a wave is
  // 132 x 4 = 528 CTAs. With n = 64 (one column of tiles), m = 528 x 64 =
  // 33792 gives exactly 528 CTAs (as a conv: batch 33 at 32x32 output), and
  // m + 1 adds one row tile: 529 CTAs.
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  ModelParams params;
  GemmShape full{1, 33792, 64, 1024}, over{1, 33793, 64, 1024};
  MappingAttr mFull = buildMapping(&context, h100, full, c, 1);
  MappingAttr mOver = buildMapping(&context, h100, over, c, 1);
  ASSERT_TRUE(mFull && mOver);
  EXPECT_EQ(mFull.getCtas(), 528);
  EXPECT_EQ(mOver.getCtas(), 529);
  EXPECT_DOUBLE_EQ(mFull.getWavesValue(), 1.0);
  // 529 / 528 = 1.001893... -> 1.0019.
  EXPECT_DOUBLE_EQ(mOver.getWavesValue(), 1.0019);
  EXPECT_EQ(mFull.getPaidWaves(), 1);
  EXPECT_EQ(mOver.getPaidWaves(), 2);
  EXPECT_TRUE(verifies(mFull, h100));
  EXPECT_TRUE(verifies(mOver, h100));

  Cost a = predictGemm(h100, params, full, mFull, traffic(full));
  Cost b = predictGemm(h100, params, over, mOver, traffic(over));
  EXPECT_DOUBLE_EQ(a.tailUtilization, 1.0);
  // 529 mod 528 = 1 CTA in the last wave of 132 x 4 slots.
  EXPECT_DOUBLE_EQ(b.tailUtilization, 1.0 / (132.0 * 4.0));
  EXPECT_GT(b.waves, 1.0);
  EXPECT_EQ(a.ctasPerSM, 4);
  EXPECT_EQ(b.ctas, 529);
  EXPECT_EQ(b.threads, 256);
  // The busiest SM runs ceil(528/132) = 4 CTAs in one round of 4, or
  // ceil(529/132) = 5 CTAs: a round of 4, then one alone. The extra CTA
  // costs exactly a lone CTA's time: that of a 1-CTA grid with the same K.
  Cost lone = predict(h100, params, {1, 64, 64, 1024}, c);
  EXPECT_EQ(lone.ctas, 1);
  EXPECT_CLOSE(b.computeUs - a.computeUs, lone.computeUs);
  // and a full round of 4 is one lone time plus 3 co-resident surcharges.
  EXPECT_CLOSE(a.computeUs,
               lone.computeUs * (1 + 3 * params.coResidentCostOf(c)));
  EXPECT_GT(b.latencyUs, a.latencyUs);
  EXPECT_GT(b.latencyUs - a.latencyUs, 0.5 * lone.computeUs);

  // The same on the 128x128x8 kernel, B = 2: a wave is 264 CTAs.
  const KernelConfig &big = config("sgemm_128x128x8_t256");
  MappingAttr m264 = buildMapping(&context, h100, {1, 264 * 128, 128, 1024},
                                  big, 1);
  MappingAttr m265 = buildMapping(&context, h100,
                                  {1, 264 * 128 + 1, 128, 1024}, big, 1);
  EXPECT_EQ(m264.getCtas(), 264);
  EXPECT_EQ(m265.getCtas(), 265);
  EXPECT_DOUBLE_EQ(m264.getWavesValue(), 1.0);
  EXPECT_DOUBLE_EQ(m265.getWavesValue(), 1.0038); // 1.003787...
  Cost c265 = predictGemm(h100, params, {1, 264 * 128 + 1, 128, 1024}, m265,
                          traffic({1, 264 * 128 + 1, 128, 1024}));
  EXPECT_DOUBLE_EQ(c265.tailUtilization, 1.0 / 264.0);
}

TEST_F(GPUModelTest, ExactRooflineOnToyTarget) {
  GPUTargetAttr toy = toyTarget();
  ModelParams params = toyParams();
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  // 528 CTAs of 64x64 tiles with K = 1024 (a multiple of tile_k = 16).
  GemmShape full{1, 33792, 64, 1024};
  MappingAttr m = buildMapping(&context, toy, full, c, 1);
  ASSERT_TRUE(m);
  ASSERT_EQ(m.getCtasPerSm(), 4);
  Cost cost = predictGemm(toy, params, full, m, {4, 4.0e6});
  // One CTA: 2 x 64 x 64 x 1024 = 8388608 FLOP at 5e5 FLOP/us = 16.777216
  // us; its tiles, (64 + 64) x 1024 x 4 = 524288 B at 1e5 B/us = 5.24288 us
  // from L2. Compute bound: alone = 16.777216 us.
  // Busiest SM: ceil(528/132) = 4 CTAs, one round of 4:
  //   16.777216 x (1 + 3 x 0.25) = 29.360128 us.
  EXPECT_CLOSE(cost.computeUs, 29.360128);
  // DRAM: 4e6 B at 5e5 B/us = 8 us; launch 2 us.
  EXPECT_CLOSE(cost.memoryUs, 8.0);
  EXPECT_CLOSE(cost.launchUs, 2.0);
  EXPECT_CLOSE(cost.latencyUs, 31.360128);
  // Energy: 2 x 33792 x 64 x 1024 = 4429185024 FLOP x 1 pJ = 4429.185024 uJ;
  // DRAM 4e6 B x 10 pJ = 40 uJ; L2 528 CTAs x 524288 B x 1 pJ =
  // 276.824064 uJ; static 100 W x 31.360128 us = 3136.0128 uJ.
  EXPECT_CLOSE(cost.energyUJ, 4429.185024 + 40.0 + 276.824064 + 3136.0128);

  // One more row: 529 CTAs, busiest SM has 5 = a round of 4 plus one alone:
  // 29.360128 + 16.777216 = 46.137344 us.
  GemmShape over{1, 33793, 64, 1024};
  Cost b = predictGemm(toy, params, over,
                       buildMapping(&context, toy, over, c, 1), {4, 4.0e6});
  EXPECT_CLOSE(b.computeUs, 46.137344);
  EXPECT_CLOSE(b.latencyUs, 48.137344);
  EXPECT_CLOSE(b.energyUJ,
               4429.316096 + 40.0 + 277.348352 + 100.0 * 48.137344);

  // L2-bound: at an L2 ratio of 1.32 each SM gets 1e4 B/us, and a lone CTA
  // takes 524288 / 1e4 = 52.4288 us > 16.777216 us of arithmetic.
  params.l2BandwidthRatio = 1.32;
  Cost l2 = predictGemm(toy, params, full, m, {4, 4.0e6});
  EXPECT_CLOSE(l2.computeUs, 52.4288 * 1.75);

  // Memory-bound: 4e7 B at 5e5 B/us = 80 us > 29.36 us.
  params.l2BandwidthRatio = 13.2;
  Cost dram = predictGemm(toy, params, full, m, {4, 4.0e7});
  EXPECT_CLOSE(dram.memoryUs, 80.0);
  EXPECT_CLOSE(dram.latencyUs, 82.0);

  // The whole-wave model (co-resident cost 0): a round of 4 costs one lone
  // CTA, and 529 CTAs cost two.
  params.configEfficiency["sgemm_64x64x16_t256"] = {0.5, 0.0};
  EXPECT_CLOSE(predictGemm(toy, params, full, m, {4, 0}).computeUs,
               16.777216);
  // Serialising co-residents (cost 1): a round of 4 costs four.
  params.configEfficiency["sgemm_64x64x16_t256"] = {0.5, 1.0};
  EXPECT_CLOSE(predictGemm(toy, params, full, m, {4, 0}).computeUs,
               4 * 16.777216);
}

TEST_F(GPUModelTest, KRemainderCostsAWholeTileStep) {
  // K = 1000 is not a multiple of tile_k = 16: each CTA steps
  // ceil(1000/16) = 63 times, i.e. over K = 1008.
  GPUTargetAttr toy = toyTarget();
  ModelParams params = toyParams();
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  Cost cost = predict(toy, params, {1, 64, 64, 1000}, c);
  // 2 x 64 x 64 x 1008 / 5e5 = 16.515072 us.
  EXPECT_CLOSE(cost.computeUs, 16.515072);
  // Edge tiles cost a whole tile: m = n = 1 is as slow as 64 x 64.
  EXPECT_CLOSE(predict(toy, params, {1, 1, 1, 1000}, c).computeUs,
               16.515072);
}

TEST_F(GPUModelTest, TensorCoreKernelOnToyTarget) {
  GPUTargetAttr toy = toyTarget();
  ModelParams params = toyParams();
  const KernelConfig &c = config("hgemm_128x128x32_t256");
  GemmShape s{1, 128, 128, 1024};
  Cost cost = predict(toy, params, s, c, 1, /*elementBytes=*/2);
  // 2 x 128 x 128 x 1024 = 33554432 FLOP at 1e7 x 0.5 = 5e6 FLOP/us per SM
  // = 6.7108864 us; L2: 256 x 1024 x 2 = 524288 B / 1e5 = 5.24288 us.
  EXPECT_CLOSE(cost.computeUs, 6.7108864);
  // DRAM: (128x1024 + 1024x128 + 128x128) x 2 = 557056 B / 5e5 = 1.114112.
  EXPECT_CLOSE(cost.memoryUs, 1.114112);
  EXPECT_CLOSE(cost.latencyUs, 8.7108864);
  // 33554432 x 0.25 pJ = 8.388608 uJ; DRAM 557056 x 10 = 5.57056 uJ;
  // L2 524288 x 1 = 0.524288 uJ; static 100 W x 8.7108864 us.
  EXPECT_CLOSE(cost.energyUJ, 8.388608 + 5.57056 + 0.524288 + 871.08864);
}

TEST_F(GPUModelTest, SplitKMultipliesCTAsAndAddsPartialSums) {
  GPUTargetAttr toy = toyTarget();
  ModelParams params = toyParams();
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  // One 64x64 tile with K = 8192: 1 CTA unsplit, 4 CTAs split 4 ways.
  GemmShape s{1, 64, 64, 8192};
  Cost one = predict(toy, params, s, c, 1);
  Cost four = predict(toy, params, s, c, 4);
  EXPECT_EQ(one.ctas, 1);
  EXPECT_EQ(four.ctas, 4);
  // Unsplit: 2 x 64 x 64 x 8192 / 5e5 = 134.217728 us. Traffic
  // (64x8192 + 8192x64 + 64x64) x 4 = 4210688 B / 5e5 = 8.421376 us.
  EXPECT_CLOSE(one.computeUs, 134.217728);
  EXPECT_CLOSE(one.memoryUs, 8.421376);
  EXPECT_CLOSE(one.launchUs, 2.0);
  // Split 4: K chunk 2048, each CTA alone on an SM: 33.554432 us. The
  // reduction writes and reads an FP32 partial result per split:
  // 2 x 4 x 64 x 64 x 4 = 131072 B more -> 4341760 B / 5e5 = 8.68352 us,
  // of which the reduction's 131072 B / 5e5 = 0.262144 us run after the
  // GEMM and add to its time. Two launches (GEMM + reduction):
  // max(33.554432, 8.421376) + 0.262144 + 4 = 37.816576 us.
  EXPECT_CLOSE(four.computeUs, 33.554432);
  EXPECT_CLOSE(four.memoryUs, 8.68352);
  EXPECT_CLOSE(four.launchUs, 4.0);
  EXPECT_CLOSE(four.latencyUs, 37.816576);

  // The same on the H100 with the default constants, as relations.
  ModelParams defaults;
  Cost h1 = predict(h100, defaults, s, c, 1);
  Cost h4 = predict(h100, defaults, s, c, 4);
  Cost h8 = predict(h100, defaults, s, c, 8);
  EXPECT_EQ(h8.ctas, 8);
  // Lone CTAs with a quarter of K: exactly a quarter of the time.
  EXPECT_CLOSE(h4.computeUs, h1.computeUs / 4);
  double dramBytesPerUs = 3350.0 * 1e3 * defaults.memoryEfficiency;
  EXPECT_CLOSE(h4.memoryUs - h1.memoryUs, 2.0 * 4 * 64 * 64 * 4 / dramBytesPerUs);
  EXPECT_CLOSE(h8.memoryUs - h1.memoryUs, 2.0 * 8 * 64 * 64 * 4 / dramBytesPerUs);
  EXPECT_CLOSE(h4.launchUs, 2 * h1.launchUs);
  // Batched (grouped) split-K: partial sums of every group.
  Cost g4 = predict(h100, defaults, {3, 64, 64, 8192}, c, 4);
  Cost g1 = predict(h100, defaults, {3, 64, 64, 8192}, c, 1);
  EXPECT_EQ(g4.ctas, 12);
  EXPECT_CLOSE(g4.memoryUs - g1.memoryUs,
               2.0 * 4 * 3 * 64 * 64 * 4 / dramBytesPerUs);
}

TEST_F(GPUModelTest, TinyGemmIsLaunchBound) {
  ModelParams params;
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  GemmShape s{1, 16, 16, 16};
  Cost cost = predict(h100, params, s, c);
  EXPECT_EQ(cost.ctas, 1);
  EXPECT_CLOSE(cost.launchUs, params.launchUs);
  EXPECT_CLOSE(cost.latencyUs,
               params.launchUs + std::max(cost.computeUs, cost.memoryUs));
  // Launch dominates: one 64x64x16 tile step is 131072 FLOP and the
  // operands 3 x 16 x 16 x 4 = 3072 B.
  EXPECT_GT(cost.launchUs, cost.computeUs);
  EXPECT_GT(cost.launchUs, 100 * cost.memoryUs);
  EXPECT_LT(cost.latencyUs, 2 * cost.launchUs);
  // On the toy target: 131072 / 5e5 = 0.262144 us compute, 3072 / 5e5 =
  // 0.006144 us memory, latency 2.262144 us.
  Cost toy = predict(toyTarget(), toyParams(), s, c);
  EXPECT_CLOSE(toy.computeUs, 0.262144);
  EXPECT_CLOSE(toy.memoryUs, 0.006144);
  EXPECT_CLOSE(toy.latencyUs, 2.262144);
}

TEST_F(GPUModelTest, GemvMovesItsWeightsOnce) {
  // y = W x with W 16384 x 8192 f32, batch 1 (docs/benchmarks.md measures
  // 197.2 us for it on the H100, near DRAM bandwidth).
  ModelParams params;
  GemmShape s{1, 1, 16384, 8192};
  GemmTraffic t = traffic(s);
  // 4 x (8192 + 16384 x 8192 + 16384) = 536969216 B, almost all weights.
  EXPECT_DOUBLE_EQ(t.uniqueBytes, 536969216.0);
  for (const KernelConfig &c : getKernelConfigs()) {
    if (c.tensorCore)
      continue;
    MappingAttr m = buildMapping(&context, h100, s, c, 1);
    Cost cost = predictGemm(h100, params, s, m, t);
    EXPECT_CLOSE(cost.memoryUs,
                 536969216.0 / (3350.0 * 1e3 * params.memoryEfficiency));
    // Far above the useful-FLOP roofline: 2 x 16384 x 8192 FLOP at peak.
    EXPECT_GT(cost.memoryUs, 10 * s.flops() / (66.9e6));
    // Every CTA is a full tile (m = 1 is padded to tile_m rows), so the
    // compute term equals that of the m = tile_m GEMM.
    GemmShape padded{1, c.tileM, 16384, 8192};
    EXPECT_CLOSE(cost.computeUs,
                 predict(h100, params, padded, c).computeUs);
  }
  // Not asserted: memory_us > compute_us. Because m = 1 pays for tile_m
  // rows (32 FLOP per weight byte for a 64-row FP32 tile), the padded
  // compute term is the larger one for every kernel with the default
  // constants (about 3x here), while the H100 measures this product near
  // DRAM bandwidth. A GEMV kernel (or tile) in the table would fix that.
}

//===----------------------------------------------------------------------===//
// The staircase
//===----------------------------------------------------------------------===//

/// Latency vs output channels n = 1..1024 of a conv 1x256x56x56, 3x3:
/// m = 3136, k = 256 x 9 = 2304, with one fixed kernel and no split.
/// Returns the n at which the latency rises over that at n - 1.
static std::vector<int64_t> staircaseSteps(MLIRContext *context,
                                           GPUTargetAttr target,
                                           const ModelParams &params,
                                           const KernelConfig &c,
                                           bool &monotone, bool &computeBound) {
  std::vector<int64_t> steps;
  monotone = computeBound = true;
  double previous = 0;
  int64_t bytes = c.tensorCore ? 2 : 4;
  for (int64_t n = 1; n <= 1024; ++n) {
    GemmShape s{1, 3136, n, 2304};
    MappingAttr m = buildMapping(context, target, s, c, 1);
    Cost cost = predictGemm(
        target, params, s, m,
        {bytes, static_cast<double>((3136 * 2304 + 2304 * n + 3136 * n) *
                                    bytes)});
    computeBound &= cost.computeUs > cost.memoryUs;
    if (n > 1 && cost.latencyUs < previous)
      monotone = false;
    if (n > 1 && cost.latencyUs != previous)
      steps.push_back(n);
    previous = cost.latencyUs;
  }
  return steps;
}

TEST_F(GPUModelTest, StaircaseStepsAtMultiplesOf132CTAs) {
  ModelParams params;
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  ASSERT_GT(params.coResidentCostOf(c), 0.0);
  bool monotone, computeBound;
  std::vector<int64_t> steps =
      staircaseSteps(&context, h100, params, c, monotone, computeBound);
  ASSERT_TRUE(computeBound) << "the staircase needs the compute term";
  EXPECT_TRUE(monotone);
  // 49 row tiles; j = ceil(n/64) column tiles; ctas = 49 j. The busiest SM
  // runs ceil(49 j / 132) CTAs:
  //   j     1   2 | 3   4   5 | 6   7   8 | 9  10 | 11  12  13 | 14  15  16
  //   ctas 49  98 |147 196 245|294 343 392|441 490|539 588 637|686 735 784
  //   load  1   1 | 2   2   2 | 3   3   3 | 4   4 |  5   5   5 |  6   6   6
  // so latency steps when j goes 2->3, 5->6, 8->9, 10->11, 13->14, i.e. at
  // n = 64 (j - 1) + 1 = 129, 321, 513, 641, 833 (crossing 132, 264, 396,
  // 528, 660 CTAs) and is flat in between, also across the B x 132 = 528
  // wave boundary's neighbours (the busiest-SM rule).
  EXPECT_EQ(steps, (std::vector<int64_t>{129, 321, 513, 641, 833}));

  // The whole-wave model (co-resident cost 0) steps only where the rounds
  // ceil(load / 4) change: load 4 -> 5 at 490 -> 539 CTAs, n = 641.
  ModelParams wholeWave;
  wholeWave.configEfficiency[c.name] = {c.computeEfficiency, 0.0};
  steps = staircaseSteps(&context, h100, wholeWave, c, monotone, computeBound);
  ASSERT_TRUE(computeBound);
  EXPECT_TRUE(monotone);
  EXPECT_EQ(steps, (std::vector<int64_t>{641}));
}

TEST_F(GPUModelTest, StaircaseOfEveryKernelFollowsTheFormula) {
  // For every kernel, the steps are where ceil(ctas / 132) changes, with
  // ctas = ceil(3136 / tile_m) x ceil(n / tile_n).
  ModelParams params;
  for (const KernelConfig &c : getKernelConfigs()) {
    ASSERT_GT(params.coResidentCostOf(c), 0.0);
    bool monotone, computeBound;
    std::vector<int64_t> steps =
        staircaseSteps(&context, h100, params, c, monotone, computeBound);
    ASSERT_TRUE(computeBound) << c.name.str();
    EXPECT_TRUE(monotone) << c.name.str();
    std::vector<int64_t> expected;
    int64_t rows = (3136 + c.tileM - 1) / c.tileM;
    auto load = [&](int64_t n) {
      int64_t ctas = rows * ((n + c.tileN - 1) / c.tileN);
      return (ctas + 131) / 132;
    };
    for (int64_t n = 2; n <= 1024; ++n)
      if (load(n) != load(n - 1))
        expected.push_back(n);
    EXPECT_EQ(steps, expected) << c.name.str();
  }
  // Hand-worked for 128x64 (25 row tiles): 25 j crosses 132 at j = 6, 264 at
  // j = 11, 396 at j = 16 -> n = 321, 641, 961; for 128x128 (25 x j, j <= 8)
  // only 132 at j = 6 -> n = 641.
  bool monotone, computeBound;
  EXPECT_EQ(staircaseSteps(&context, h100, params,
                           config("sgemm_128x64x16_t256"), monotone,
                           computeBound),
            (std::vector<int64_t>{321, 641, 961}));
  EXPECT_EQ(staircaseSteps(&context, h100, params,
                           config("sgemm_128x128x8_t256"), monotone,
                           computeBound),
            (std::vector<int64_t>{641}));
}

//===----------------------------------------------------------------------===//
// chooseMapping
//===----------------------------------------------------------------------===//

/// GEMM shapes that exercise tiny grids, exact waves, edge tiles, groups and
/// the split-K thresholds.
static const GemmShape kShapes[] = {
    {1, 1, 1, 1},        {1, 16, 16, 16},      {1, 64, 64, 8192},
    {1, 64, 64, 1024},   {1, 64, 64, 511},     {1, 1, 16384, 8192},
    {1, 3136, 64, 576},  {1, 3136, 260, 576},  {1, 784, 128, 1152},
    {1, 49, 512, 4608},  {1, 33792, 64, 1024}, {32, 3136, 1, 9},
    {4, 3136, 16, 144},  {1, 8, 1000, 2048},   {12, 128, 128, 64},
    {1, 12544, 64, 147}, {1, 256, 1024, 1024}, {1, 100000, 3, 3},
};

TEST_F(GPUModelTest, ChooseMappingIsDeterministicAndVerifies) {
  ModelParams params;
  for (const GPUPreset &preset : getGPUPresets()) {
    GPUTargetAttr target = getGPUTargetAttr(&context, preset);
    for (const GemmShape &s : kShapes) {
      for (bool tc : {false, true}) {
        GemmTraffic t = traffic(s, tc ? 2 : 4);
        MappingAttr a = chooseMapping(&context, target, params, s, t, tc);
        MappingAttr b = chooseMapping(&context, target, params, s, t, tc);
        ASSERT_TRUE(a) << preset.key.str();
        EXPECT_EQ(a, b);
        diagnostics.clear();
        EXPECT_TRUE(verifies(a, target))
            << preset.key.str() << " " << s.m << "x" << s.n << "x" << s.k
            << ": " << diagnostics;
        const KernelConfig *c = configOf(a, tc);
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(c->tensorCore, tc);
      }
    }
  }
}

TEST_F(GPUModelTest, ChooseMappingIsTheBestCandidate) {
  // Brute force over the documented candidates: every config of the
  // operand kind, split-K in {1, 2, 4, 8}, a split only while the unsplit
  // grid is under one wave and k / split >= 256.
  ModelParams params;
  for (const GemmShape &s : kShapes) {
    for (bool tc : {false, true}) {
      GemmTraffic t = traffic(s, tc ? 2 : 4);
      double best = INFINITY;
      for (const KernelConfig &c : getKernelConfigs()) {
        if (c.tensorCore != tc)
          continue;
        MappingAttr unsplit = buildMapping(&context, h100, s, c, 1);
        for (int64_t split : {1, 2, 4, 8}) {
          if (split > 1 && (unsplit.getWavesValue() >= 1.0 || s.k < 256 * split))
            continue;
          best = std::min(
              best, predict(h100, params, s, c, split, tc ? 2 : 4).latencyUs);
        }
      }
      MappingAttr chosen = chooseMapping(&context, h100, params, s, t, tc);
      Cost cost = predictGemm(h100, params, s, chosen, t);
      EXPECT_CLOSE(cost.latencyUs, best) << s.m << "x" << s.n << "x" << s.k;
    }
  }
}

TEST_F(GPUModelTest, ChooseMappingTiesGoToTheEarlierConfigAndSmallerSplit) {
  // At a memory efficiency of 1e-6, every candidate is memory bound
  // at the same time (the unique bytes); splits only add partial sums and a
  // launch. All configs tie, so the first of the table wins, unsplit.
  ModelParams slow;
  slow.memoryEfficiency = 1e-6;
  GemmShape s{1, 64, 64, 8192};
  for (bool tc : {false, true}) {
    MappingAttr m =
        chooseMapping(&context, h100, slow, s, traffic(s, tc ? 2 : 4), tc);
    ASSERT_TRUE(m);
    const KernelConfig *first = nullptr;
    for (const KernelConfig &c : getKernelConfigs())
      if (c.tensorCore == tc && !first)
        first = &c;
    EXPECT_EQ(configOf(m, tc), first);
    EXPECT_EQ(m.getSplitK(), 1);
  }
  // Ties between splits: with serialising co-residents (cost 1) and no
  // launch cost, 132 tiles of 64x64 (m = 8448, n = 64, 0.25 waves) take the
  // same compute time at every split: split s puts s CTAs of K/s on each SM,
  // s x alone(K/s) = alone(K). Compute-bound (K = 8192: a lone CTA is
  // 2 x 64 x 64 x 8192 FLOP, DRAM ~281 MB), so the GEMMs tie and only the
  // reduction after a split adds time: split 1 wins.
  const KernelConfig &c64 = config("sgemm_64x64x16_t256");
  ModelParams serial;
  serial.launchUs = 0;
  serial.configEfficiency[c64.name] = {c64.computeEfficiency, 1.0};
  GemmShape tiles{1, 8448, 64, 8192};
  double split1 = 0, compute1 = 0;
  for (int64_t split : {1, 2, 4, 8}) {
    Cost cost = predict(h100, serial, tiles, c64, split);
    ASSERT_GT(cost.computeUs, cost.memoryUs);
    if (split == 1) {
      split1 = cost.latencyUs;
      compute1 = cost.computeUs;
    }
    EXPECT_NEAR(cost.computeUs, compute1, 1e-9 * compute1) << split;
    if (split > 1)
      EXPECT_GT(cost.latencyUs, split1) << split;
  }
  MappingAttr tie = chooseMapping(&context, h100, serial, tiles,
                                  traffic(tiles), false, {&c64, 0});
  ASSERT_TRUE(tie);
  EXPECT_EQ(tie.getSplitK(), 1);

  // Forcing a config forces it, even where it is worse.
  const KernelConfig &last = config("sgemm_128x128x8_t256");
  MappingAttr forced = chooseMapping(&context, h100, ModelParams(), s,
                                     traffic(s), false, {&last, 0});
  ASSERT_TRUE(forced);
  EXPECT_EQ(configOf(forced, false), &last);
}

TEST_F(GPUModelTest, SplitKOnlyForSmallGridsWithLongK) {
  ModelParams params;
  // One tile, K = 8192: 1 CTA of 528 slots; splitting helps.
  GemmShape tiny{1, 64, 64, 8192};
  MappingAttr m = chooseMapping(&context, h100, params, tiny, traffic(tiny),
                                false);
  ASSERT_TRUE(m);
  EXPECT_GT(m.getSplitK(), 1);
  EXPECT_LT(predictGemm(h100, params, tiny, m, traffic(tiny)).latencyUs,
            predict(h100, params, tiny, *configOf(m, false), 1).latencyUs);
  // K = 1024: splits of at most 1024 / 256 = 4.
  GemmShape k1024{1, 64, 64, 1024};
  EXPECT_LE(chooseMapping(&context, h100, params, k1024, traffic(k1024), false)
                .getSplitK(),
            4);
  // K = 511: 511 / 2 = 255 < 256, never split.
  GemmShape k511{1, 64, 64, 511};
  EXPECT_EQ(chooseMapping(&context, h100, params, k511, traffic(k511), false)
                .getSplitK(),
            1);
  // A full wave on every FP32 kernel (528 CTAs of 64x64 at B = 4, 264 of
  // 128x64 at B = 2, 264 of 128x128 at B = 2 -- all 1.0 wave): never split,
  // however long K is.
  GemmShape wave{1, 33792, 128, 8192};
  for (const KernelConfig &c : getKernelConfigs())
    if (!c.tensorCore) {
      EXPECT_GE(buildMapping(&context, h100, wave, c, 1).getWavesValue(), 1.0)
          << c.name.str();
    }
  EXPECT_EQ(chooseMapping(&context, h100, params, wave, traffic(wave), false)
                .getSplitK(),
            1);
  // A forced split is used as given, even where the search would not try it.
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  MappingAttr forced = chooseMapping(&context, h100, params, wave,
                                     traffic(wave), false, {&c, 3});
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced.getSplitK(), 3);
  EXPECT_EQ(forced.getCtas(), 3 * 528 * 2);
  EXPECT_TRUE(verifies(forced, h100));
  // A config for the other kind of operand gives nothing.
  EXPECT_FALSE(chooseMapping(&context, h100, params, wave, traffic(wave),
                             /*tensorCoreOperands=*/true, {&c, 0}));
}

//===----------------------------------------------------------------------===//
// Memory-bound kernels
//===----------------------------------------------------------------------===//

TEST_F(GPUModelTest, MemoryBoundKernelOnToyTarget) {
  // 262144 elements, 4 per thread, 256 threads per CTA: 256 CTAs. 256
  // threads x 32 regs: 8 per SM on the H100 limits -> 1056 slots.
  Cost cost = predictMemoryBound(toyTarget(), toyParams(), 1.0e6, 1.0e6,
                                 262144);
  EXPECT_EQ(cost.ctas, 256);
  EXPECT_EQ(cost.ctasPerSM, 8);
  EXPECT_EQ(cost.threads, 256);
  EXPECT_CLOSE(cost.waves, 256.0 / 1056.0);
  EXPECT_CLOSE(cost.tailUtilization, 256.0 / 1056.0);
  // 1e6 B at 1e6 x 0.5 B/us = 2 us; 1e6 FLOP at 132e6 x 0.5 = 0.01515 us.
  EXPECT_CLOSE(cost.memoryUs, 2.0);
  EXPECT_CLOSE(cost.computeUs, 1.0e6 / 66.0e6);
  EXPECT_CLOSE(cost.latencyUs, 4.0);
  // 1e6 x 1 pJ + 1e6 x 10 pJ = 11 uJ; 100 W x 4 us = 400 uJ.
  EXPECT_CLOSE(cost.energyUJ, 411.0);
  // At least one CTA.
  EXPECT_EQ(predictMemoryBound(toyTarget(), toyParams(), 4, 1, 1).ctas, 1);
  // On every preset, including those that reserve no shared memory per
  // block (V100, T4: a CTA without shared memory must not divide by zero).
  // T4: 1024 threads per SM / 256 = 4; the others: 32 regs x 256 threads =
  // 8192 registers -> 8 (with >= 2048 threads per SM) or 6 (1536 threads).
  for (const GPUPreset &preset : getGPUPresets()) {
    GPUTargetAttr target = getGPUTargetAttr(&context, preset);
    Cost cost = predictMemoryBound(target, ModelParams(), 1e6, 1e6, 1 << 20);
    int64_t expected = std::min<int64_t>(8, preset.maxThreadsPerSM / 256);
    EXPECT_EQ(cost.ctasPerSM, expected) << preset.key.str();
    EXPECT_EQ(cost.ctas, 1024) << preset.key.str();
    EXPECT_GT(cost.latencyUs, 0) << preset.key.str();
  }
  // 2112 CTAs = 2 waves exactly: full tail.
  Cost two = predictMemoryBound(h100, ModelParams(), 1e6, 1e6, 2112 * 1024);
  EXPECT_EQ(two.ctas, 2112);
  EXPECT_CLOSE(two.waves, 2.0);
  EXPECT_CLOSE(two.tailUtilization, 1.0);
}

//===----------------------------------------------------------------------===//
// #dnn.cost
//===----------------------------------------------------------------------===//

TEST_F(GPUModelTest, CostAttrRoundsForPeople) {
  Cost cost;
  cost.latencyUs = 12.34567;
  cost.computeUs = 10.00049;
  cost.memoryUs = 0.0004;
  cost.launchUs = 2.0;
  cost.waves = 1.001893939;
  cost.tailUtilization = 1.0 / 528.0;
  cost.energyUJ = 99.9996;
  CostAttr attr = cost.toAttr(&context);
  EXPECT_DOUBLE_EQ(attr.getLatency(), 12.346);
  EXPECT_DOUBLE_EQ(attr.getComputeUs().convertToDouble(), 10.0);
  EXPECT_DOUBLE_EQ(attr.getMemoryUs().convertToDouble(), 0.0);
  EXPECT_DOUBLE_EQ(attr.getLaunchUs().convertToDouble(), 2.0);
  EXPECT_DOUBLE_EQ(attr.getWaves().convertToDouble(), 1.0019);
  EXPECT_DOUBLE_EQ(attr.getTailUtilization().convertToDouble(), 0.0019);
  EXPECT_DOUBLE_EQ(attr.getEnergy(), 100.0);
  // Every predicted cost makes a valid attribute.
  for (const GemmShape &s : kShapes) {
    Cost c = predict(h100, ModelParams(), s, config("sgemm_64x64x16_t256"));
    diagnostics.clear();
    CostAttr a = c.toAttr(&context);
    EXPECT_TRUE(succeeded(CostAttr::verify(
        [&] { return mlir::emitError(UnknownLoc::get(&context)); },
        a.getLatencyUs(), a.getComputeUs(), a.getMemoryUs(), a.getLaunchUs(),
        a.getWaves(), a.getTailUtilization(), a.getEnergyUj())))
        << diagnostics;
  }
}

//===----------------------------------------------------------------------===//
// loadModelParams
//===----------------------------------------------------------------------===//

class LoadParamsTest : public GPUModelTest {
protected:
  /// Writes `text` to a fresh temporary file and loads it into `params`.
  LogicalResult load(StringRef text, ModelParams &params) {
    llvm::SmallString<128> path;
    int fd;
    EXPECT_FALSE(
        llvm::sys::fs::createTemporaryFile("gpumodel", "json", fd, path));
    {
      llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
      os << text;
    }
    llvm::FileRemover remover(path);
    diagnostics.clear();
    return loadModelParams(path, params, [&] {
      return mlir::emitError(UnknownLoc::get(&context));
    });
  }
};

TEST_F(LoadParamsTest, GoodFileOverridesValues) {
  ModelParams params;
  ASSERT_TRUE(succeeded(load(R"({
    "memory_efficiency": 0.9, "l2_bandwidth_ratio": 3, "launch_us": 1.5,
    "elementwise_efficiency": 0.6, "pj_per_flop_fp32": 2,
    "pj_per_flop_tensor": 0.5, "pj_per_dram_byte": 20, "pj_per_l2_byte": 4,
    "static_watts": 0,
    "configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.4,
                                        "co_resident_cost": 0.0}}
  })",
                             params)))
      << diagnostics;
  EXPECT_DOUBLE_EQ(params.memoryEfficiency, 0.9);
  EXPECT_DOUBLE_EQ(params.l2BandwidthRatio, 3.0);
  EXPECT_DOUBLE_EQ(params.launchUs, 1.5);
  EXPECT_DOUBLE_EQ(params.elementwiseEfficiency, 0.6);
  EXPECT_DOUBLE_EQ(params.pjPerFlopFP32, 2.0);
  EXPECT_DOUBLE_EQ(params.pjPerFlopTensor, 0.5);
  EXPECT_DOUBLE_EQ(params.pjPerDramByte, 20.0);
  EXPECT_DOUBLE_EQ(params.pjPerL2Byte, 4.0);
  EXPECT_DOUBLE_EQ(params.staticWatts, 0.0);
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  EXPECT_DOUBLE_EQ(params.computeEfficiencyOf(c), 0.4);
  EXPECT_DOUBLE_EQ(params.coResidentCostOf(c), 0.0);
  // Other configs keep the table's values.
  const KernelConfig &other = config("sgemm_128x128x8_t256");
  EXPECT_DOUBLE_EQ(params.computeEfficiencyOf(other), other.computeEfficiency);
  EXPECT_DOUBLE_EQ(params.coResidentCostOf(other), other.coResidentCost);
  // The overrides reach the prediction: launch 1.5 us.
  Cost cost = predict(h100, params, {1, 16, 16, 16}, c);
  EXPECT_DOUBLE_EQ(cost.launchUs, 1.5);

  // A partial file keeps the defaults of what it does not name.
  ModelParams partial;
  ASSERT_TRUE(succeeded(load(R"({"launch_us": 3})", partial)));
  EXPECT_DOUBLE_EQ(partial.launchUs, 3.0);
  EXPECT_DOUBLE_EQ(partial.memoryEfficiency, ModelParams().memoryEfficiency);
  ModelParams empty;
  EXPECT_TRUE(succeeded(load("{}", empty)));
}

TEST_F(LoadParamsTest, BadFilesFailWithADiagnostic) {
  struct Case {
    const char *text, *diagnostic;
  } cases[] = {
      {"{\"launch_us\": 2,", "is not valid JSON"},
      {"not json", "is not valid JSON"},
      {"[1, 2]", "must hold a JSON object"},
      {R"({"launch_us": -1})", "'launch_us' must be a non-negative number"},
      {R"({"static_watts": -0.5})",
       "'static_watts' must be a non-negative number"},
      {R"({"pj_per_dram_byte": "31.2"})",
       "'pj_per_dram_byte' must be a non-negative number"},
      {R"({"memory_efficiency": 0})", "efficiencies must be in (0, 1]"},
      {R"({"memory_efficiency": 1.5})", "efficiencies must be in (0, 1]"},
      {R"({"elementwise_efficiency": 2})", "efficiencies must be in (0, 1]"},
      {R"({"l2_bandwidth_ratio": 0})", "L2 bandwidth ratio positive"},
      {R"({"configs": {"sgemm_1x1x1": {"compute_efficiency": 0.5,
                                       "co_resident_cost": 0.5}}})",
       "unknown kernel config 'sgemm_1x1x1'"},
      {R"({"configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.5}}})",
       "config 'sgemm_64x64x16_t256' needs compute_efficiency in (0, 1]"},
      {R"({"configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 1.5,
                                               "co_resident_cost": 0.5}}})",
       "needs compute_efficiency in (0, 1]"},
      {R"({"configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.5,
                                               "co_resident_cost": -0.1}}})",
       "co_resident_cost in [0, 1]"},
  };
  for (const Case &c : cases) {
    ModelParams params;
    EXPECT_TRUE(failed(load(c.text, params))) << c.text;
    EXPECT_NE(diagnostics.find(c.diagnostic), std::string::npos)
        << c.text << "\n  got: " << diagnostics;
    EXPECT_NE(diagnostics.find("calibration file '"), std::string::npos)
        << diagnostics;
  }
  // A file that does not exist.
  ModelParams params;
  diagnostics.clear();
  EXPECT_TRUE(failed(loadModelParams(
      "/nonexistent/dir/calibration.json", params,
      [&] { return mlir::emitError(UnknownLoc::get(&context)); })));
  EXPECT_NE(diagnostics.find("cannot read calibration file "
                             "'/nonexistent/dir/calibration.json'"),
            std::string::npos)
      << diagnostics;
}

//===----------------------------------------------------------------------===//
// Report
//===----------------------------------------------------------------------===//

TEST_F(GPUModelTest, ReportJSONHasTheSchemaAndTotals) {
  ModelParams params;
  ModelReport report;
  report.target = h100;
  const KernelConfig &c = config("sgemm_64x64x16_t256");
  GemmShape shapes[] = {{1, 3136, 64, 576}, {1, 33793, 64, 1024},
                        {4, 3136, 16, 144}};
  const char *names[] = {"conv1", "layer1.0/conv2", "grouped"};
  for (int i = 0; i < 3; ++i) {
    OpReport r;
    r.name = names[i];
    r.op = "dnn.conv2d";
    r.function = "main";
    r.kind = "gemm";
    r.shape = shapes[i];
    r.flops = shapes[i].flops();
    r.tile[0] = 64;
    r.tile[1] = 64;
    r.tile[2] = 16;
    r.splitK = i == 0 ? 2 : 1;
    r.cost = predict(h100, params, shapes[i], c, r.splitK);
    report.ops.push_back(r);
  }
  OpReport relu;
  relu.name = "relu_0";
  relu.op = "dnn.activation";
  relu.function = "main";
  relu.kind = "memory";
  relu.flops = 200704;
  relu.cost = predictMemoryBound(h100, params, 2 * 802816.0, 200704, 200704);
  report.ops.push_back(relu);

  double sum = 0, energy = 0;
  for (const OpReport &r : report.ops) {
    sum += r.cost.latencyUs;
    energy += r.cost.energyUJ;
  }
  EXPECT_DOUBLE_EQ(report.totalLatencyUs(), sum);
  EXPECT_DOUBLE_EQ(report.totalEnergyUJ(), energy);

  std::string text;
  llvm::raw_string_ostream os(text);
  writeReportJSON(report, os);
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  ASSERT_TRUE(bool(json)) << llvm::toString(json.takeError()) << "\n" << text;
  const llvm::json::Object *root = json->getAsObject();
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->getInteger("schema_version"), 1);
  const llvm::json::Object *target = root->getObject("target");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->getString("name"), "h100-sxm");
  EXPECT_EQ(target->getString("arch"), "sm_90");
  EXPECT_EQ(target->getInteger("sms"), 132);
  EXPECT_EQ(target->getNumber("dram_gbps"), 3350.0);
  const llvm::json::Array *ops = root->getArray("ops");
  ASSERT_NE(ops, nullptr);
  ASSERT_EQ(ops->size(), 4u);
  double jsonSum = 0;
  for (size_t i = 0; i < ops->size(); ++i) {
    const llvm::json::Object *op = (*ops)[i].getAsObject();
    ASSERT_NE(op, nullptr);
    const OpReport &r = report.ops[i];
    for (const char *key :
         {"name", "op", "function", "kind", "batch", "m", "n", "k", "flops",
          "tile", "split_k", "threads", "ctas", "ctas_per_sm", "waves",
          "tail_utilization", "latency_us", "compute_us", "memory_us",
          "launch_us", "energy_uj"})
      EXPECT_NE(op->get(key), nullptr) << key;
    EXPECT_EQ(op->getString("name"), r.name);
    EXPECT_EQ(op->getString("op"), r.op);
    EXPECT_EQ(op->getString("kind"), r.kind);
    EXPECT_EQ(op->getInteger("batch"), r.shape.batch);
    EXPECT_EQ(op->getInteger("m"), r.shape.m);
    EXPECT_EQ(op->getInteger("n"), r.shape.n);
    EXPECT_EQ(op->getInteger("k"), r.shape.k);
    const llvm::json::Array *tile = op->getArray("tile");
    ASSERT_NE(tile, nullptr);
    ASSERT_EQ(tile->size(), 3u);
    EXPECT_EQ((*tile)[0].getAsInteger(), r.tile[0]);
    EXPECT_EQ((*tile)[2].getAsInteger(), r.tile[2]);
    EXPECT_EQ(op->getInteger("split_k"), r.splitK);
    EXPECT_EQ(op->getInteger("threads"), r.cost.threads);
    EXPECT_EQ(op->getInteger("ctas"), r.cost.ctas);
    EXPECT_EQ(op->getInteger("ctas_per_sm"), r.cost.ctasPerSM);
    EXPECT_NEAR(*op->getNumber("waves"), r.cost.waves, 5e-4);
    EXPECT_NEAR(*op->getNumber("tail_utilization"), r.cost.tailUtilization,
                5e-4);
    EXPECT_NEAR(*op->getNumber("latency_us"), r.cost.latencyUs, 5e-4);
    EXPECT_NEAR(*op->getNumber("compute_us"), r.cost.computeUs, 5e-4);
    EXPECT_NEAR(*op->getNumber("memory_us"), r.cost.memoryUs, 5e-4);
    EXPECT_NEAR(*op->getNumber("energy_uj"), r.cost.energyUJ, 5e-4);
    jsonSum += *op->getNumber("latency_us");
  }
  // Known values: 49 x 1 tiles split 2 = 98 CTAs; 529 CTAs; 4 x 49.
  EXPECT_EQ((*ops)[0].getAsObject()->getInteger("ctas"), 98);
  EXPECT_EQ((*ops)[1].getAsObject()->getInteger("ctas"), 529);
  EXPECT_EQ((*ops)[1].getAsObject()->getNumber("waves"), 1.002);
  EXPECT_EQ((*ops)[1].getAsObject()->getNumber("tail_utilization"), 0.002);
  EXPECT_EQ((*ops)[2].getAsObject()->getInteger("ctas"), 196);
  // 2 x 3136 x 64 x 576.
  EXPECT_EQ((*ops)[0].getAsObject()->getNumber("flops"), 231211008.0);
  // Totals: the sum of the op latencies (each rounded to 3 decimals).
  EXPECT_NEAR(*root->getNumber("total_latency_us"), sum, 5e-4);
  EXPECT_NEAR(*root->getNumber("total_latency_us"), jsonSum, 4 * 5e-4 + 1e-9);
  EXPECT_NEAR(*root->getNumber("total_energy_uj"), energy, 5e-4);

  // The table names every op and the totals.
  std::string table;
  llvm::raw_string_ostream tos(table);
  writeReportTable(report, tos);
  EXPECT_NE(table.find("dnn-predict: 4 ops on h100-sxm (132 SMs)"),
            std::string::npos)
      << table;
  for (const char *name : names)
    EXPECT_NE(table.find(name), std::string::npos) << table;
  EXPECT_NE(table.find("64x64x16"), std::string::npos);
  EXPECT_NE(table.find(llvm::formatv("total latency {0:F2} us", sum).str()),
            std::string::npos)
      << table;
}

TEST_F(GPUModelTest, EmptyReport) {
  ModelReport report;
  report.target = h100;
  EXPECT_EQ(report.totalLatencyUs(), 0.0);
  std::string text;
  llvm::raw_string_ostream os(text);
  writeReportJSON(report, os);
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  ASSERT_TRUE(bool(json));
  EXPECT_EQ(json->getAsObject()->getArray("ops")->size(), 0u);
  EXPECT_EQ(json->getAsObject()->getNumber("total_latency_us"), 0.0);
}

TEST_F(GPUModelTest, ReportNamesComeFromLocations) {
  OpBuilder builder(&context);
  auto make = [&](Location loc) {
    OperationState state(loc, "test.op");
    return Operation::create(state);
  };
  Location unknown = UnknownLoc::get(&context);
  Location named = NameLoc::get(builder.getStringAttr("conv1"));
  struct Case {
    Location loc;
    const char *expected;
  } cases[] = {
      {named, "conv1"},
      {FusedLoc::get(&context,
                     {unknown, NameLoc::get(builder.getStringAttr("fc"))}),
       "fc"},
      {CallSiteLoc::get(NameLoc::get(builder.getStringAttr("callee")),
                        unknown),
       "callee"},
      {unknown, "op_7"},
      {FileLineColLoc::get(&context, "model.onnx", 3, 4), "op_7"},
  };
  for (const Case &c : cases) {
    Operation *op = make(c.loc);
    EXPECT_EQ(getReportName(op, 7), c.expected);
    op->destroy();
  }
}

} // namespace
