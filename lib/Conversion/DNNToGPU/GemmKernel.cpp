//===- GemmKernel.cpp - tiled GEMM kernels for the GPU lowering -----------===//
//
// The SIMT f32 GEMM of the GPU lowering (see GemmKernel.h). Loops over the
// tile_k slices stay loops (scf.for carrying the accumulators); the loops
// inside a slice are unrolled here, so every accumulator and staged operand
// is an SSA value (a register), never a private array.
//
//===----------------------------------------------------------------------===//

#include "dnn/Conversion/DNNToGPU/GemmKernel.h"
#include "dnn/Conversion/DNNToLinalg/DNNToLinalg.h"

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::dnn;
using namespace mlir::dnn::gpukernels;

LogicalResult mlir::dnn::getRegisterTile(const GemmKernelSpec &spec,
                                         int64_t &tm, int64_t &tn,
                                         std::string &error) {
  if (spec.tileM < 1 || spec.tileN < 1 || spec.tileK < 1 || spec.threads < 1) {
    error = "tile sizes and threads must be positive";
    return failure();
  }
  int64_t outputs = spec.tileM * spec.tileN;
  if (outputs % spec.threads != 0) {
    error = "a " + std::to_string(spec.tileM) + "x" +
            std::to_string(spec.tileN) + " tile does not split evenly over " +
            std::to_string(spec.threads) + " threads";
    return failure();
  }
  int64_t perThread = outputs / spec.threads;
  // The squarest power-of-two split, TM >= TN (8x8, 8x4, 4x4, ...).
  tm = 1;
  while (tm * tm < perThread)
    tm *= 2;
  tn = perThread / tm;
  if (tm * tn != perThread || spec.tileM % tm != 0 || spec.tileN % tn != 0) {
    error = "no register tile covers a " + std::to_string(spec.tileM) + "x" +
            std::to_string(spec.tileN) + " tile with " +
            std::to_string(spec.threads) + " threads";
    return failure();
  }
  return success();
}

GemmKernelSpec mlir::dnn::getConvGemmSpec(const ConvGeometry &conv) {
  GemmKernelSpec spec;
  spec.m = conv.batch * conv.outH * conv.outW;
  spec.n = conv.filters;
  spec.k = conv.channels * conv.kernelH * conv.kernelW;
  spec.batch = conv.groups;
  spec.conv = conv;
  return spec;
}

int64_t mlir::dnn::getKPerSplit(const GemmKernelSpec &spec) {
  int64_t split = std::max<int64_t>(spec.splitK, 1);
  int64_t per = llvm::divideCeil(spec.k, split);
  return llvm::divideCeil(per, spec.tileK) * spec.tileK;
}

static constexpr int64_t kReduceThreads = 256;

GemmLaunch mlir::dnn::getGemmLaunch(const GemmKernelSpec &spec) {
  GemmLaunch launch;
  launch.gridX = llvm::divideCeil(spec.n, spec.tileN);
  launch.gridY = llvm::divideCeil(spec.m, spec.tileM);
  launch.gridZ = spec.batch * std::max<int64_t>(spec.splitK, 1);
  launch.blockX = spec.threads;
  if (spec.splitK > 1) {
    launch.reduceBlockX = kReduceThreads;
    launch.reduceGridX =
        llvm::divideCeil(spec.batch * spec.m * spec.n, kReduceThreads);
  }
  return launch;
}

/// The type of C in its final layout (NCHW for a convolution).
static MemRefType outputType(const GemmKernelSpec &spec, Type f32) {
  if (const std::optional<ConvGeometry> &conv = spec.conv)
    return MemRefType::get(
        {conv->batch, conv->filters * conv->groups, conv->outH, conv->outW},
        f32);
  if (spec.batch > 1)
    return MemRefType::get({spec.batch, spec.m, spec.n}, f32);
  return MemRefType::get({spec.m, spec.n}, f32);
}

/// Where C(mi, ni) of GEMM `g` lives in C's final layout.
static SmallVector<Value> outputIndex(IndexBuilder &ix,
                                      const GemmKernelSpec &spec, Value g,
                                      Value mi, Value ni) {
  const std::optional<ConvGeometry> &conv = spec.conv;
  if (!conv)
    return spec.batch > 1 ? SmallVector<Value>{g, mi, ni}
                          : SmallVector<Value>{mi, ni};
  int64_t plane = conv->outH * conv->outW;
  Value pix = ix.rem(mi, plane);
  return {ix.div(mi, plane), ix.add(ix.mul(g, conv->filters), ni),
          ix.div(pix, conv->outW), ix.rem(pix, conv->outW)};
}

/// The bias: one value per output channel (all groups' for a convolution).
static MemRefType biasType(const GemmKernelSpec &spec, Type f32) {
  return MemRefType::get({spec.n * (spec.conv ? spec.conv->groups : 1)}, f32);
}

/// Where GEMM `g`'s column `ni` finds its bias.
static Value biasIndex(IndexBuilder &ix, const GemmKernelSpec &spec, Value g,
                       Value ni) {
  return spec.conv ? ix.add(ix.mul(g, spec.n), ni) : ni;
}

/// A matmul operand's type: [batch, rows, cols] unless shared by all the
/// GEMMs (or batch is 1).
static MemRefType matrixType(const GemmKernelSpec &spec, bool broadcast,
                             int64_t rows, int64_t cols, Type f32) {
  if (spec.batch > 1 && !broadcast)
    return MemRefType::get({spec.batch, rows, cols}, f32);
  return MemRefType::get({rows, cols}, f32);
}

/// The checks both kernels share.
static LogicalResult verifySpec(Location loc, StringRef name,
                                const GemmKernelSpec &spec) {
  if (spec.m < 1 || spec.n < 1 || spec.k < 1 || spec.batch < 1)
    return emitError(loc) << "GEMM kernel '" << name << "': empty shape "
                          << spec.m << "x" << spec.n << "x" << spec.k
                          << " (batch " << spec.batch << ")";
  if (spec.conv && spec.conv->groups != spec.batch)
    return emitError(loc) << "GEMM kernel '" << name
                          << "': a convolution's batch of GEMMs must be its "
                          << "groups";
  if (spec.splitK < 1)
    return emitError(loc) << "GEMM kernel '" << name
                          << "': split-k must be at least 1, got "
                          << spec.splitK;
  return success();
}

/// C's value from the accumulated `v` of GEMM `g`, column `ni`, stored at
/// `at`: + bias, + residual, activation.
static Value epilogue(OpBuilder &builder, Location loc, IndexBuilder &ix,
                      const GemmKernelSpec &spec, Value v, Value bias,
                      Value residual, Value g, Value ni, ValueRange at) {
  if (bias)
    v = arith::AddFOp::create(
        builder, loc, v,
        memref::LoadOp::create(builder, loc, bias, biasIndex(ix, spec, g, ni)));
  if (residual)
    v = arith::AddFOp::create(builder, loc, v,
                              memref::LoadOp::create(builder, loc, residual, at));
  if (spec.activation)
    v = buildActivation(builder, loc, *spec.activation, v);
  return v;
}

FailureOr<gpu::GPUFuncOp>
mlir::dnn::buildGemmKernel(OpBuilder &builder, Location loc,
                           gpu::GPUModuleOp module, StringRef name,
                           const GemmKernelSpec &spec) {
  if (failed(verifySpec(loc, name, spec)))
    return failure();
  int64_t tm = 0, tn = 0;
  std::string error;
  if (failed(getRegisterTile(spec, tm, tn, error)))
    return emitError(loc) << "GEMM kernel '" << name << "': " << error;
  const int64_t bm = spec.tileM, bn = spec.tileN, bk = spec.tileK,
                threads = spec.threads;

  MLIRContext *ctx = builder.getContext();
  Type f32 = builder.getF32Type();
  const std::optional<ConvGeometry> &conv = spec.conv;
  if (conv && (spec.m != conv->batch * conv->outH * conv->outW ||
               spec.n != conv->filters ||
               spec.k != conv->channels * conv->kernelH * conv->kernelW))
    return emitError(loc) << "GEMM kernel '" << name
                          << "': m, n, k are not the convolution's";
  MemRefType aType, bType, cType;
  if (conv) {
    aType = MemRefType::get({conv->batch, conv->channels * conv->groups,
                             conv->height, conv->width},
                            f32);
    bType = MemRefType::get({conv->filters * conv->groups, conv->channels,
                             conv->kernelH, conv->kernelW},
                            f32);
  } else {
    aType = matrixType(spec, spec.broadcastA, spec.m, spec.k, f32);
    bType = spec.transposeB
                ? matrixType(spec, spec.broadcastB, spec.n, spec.k, f32)
                : matrixType(spec, spec.broadcastB, spec.k, spec.n, f32);
  }
  // With split-K, C is the workspace of partial sums and the bias waits for
  // the reduction.
  bool split = spec.splitK > 1;
  cType = split ? MemRefType::get({spec.batch * spec.splitK, spec.m, spec.n},
                                  f32)
                : outputType(spec, f32);
  // A matmul operand with a batch dim is indexed by the GEMM first.
  bool batchedA = !conv && spec.batch > 1 && !spec.broadcastA;
  bool batchedB = !conv && spec.batch > 1 && !spec.broadcastB;
  // With split-K, the epilogue runs in the reduction.
  bool withBias = spec.bias && !split;
  bool withResidual = spec.residual && !split;
  SmallVector<Type> args = {aType, bType};
  if (withBias)
    args.push_back(biasType(spec, f32));
  if (withResidual)
    args.push_back(outputType(spec, f32));
  args.push_back(cType);
  auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  // Shared tiles, k-major so a thread's TM (TN) operands are contiguous.
  auto aTile = MemRefType::get({bk, bm}, f32, MemRefLayoutAttrInterface{},
                               workgroup);
  auto bTile = MemRefType::get({bk, bn}, f32, MemRefLayoutAttrInterface{},
                               workgroup);

  OpBuilder::InsertionGuard guard(builder);
  auto func = createKernel(builder, loc, module, name, args,
                           TypeRange{aTile, bTile}, threads);
  Block &entry = func.getBody().front();
  IndexBuilder ix{builder, loc};
  Value a = entry.getArgument(0), bMat = entry.getArgument(1);
  Value bias = withBias ? entry.getArgument(2) : Value();
  Value residual = withResidual ? entry.getArgument(withBias ? 3 : 2) : Value();
  Value c = entry.getArgument(args.size() - 1);
  Value as = func.getWorkgroupAttributions()[0];
  Value bs = func.getWorkgroupAttributions()[1];

  Value tid = gpu::ThreadIdOp::create(builder, loc, gpu::Dimension::x);
  Value blockM = ix.mul(gpu::BlockIdOp::create(builder, loc, gpu::Dimension::y), bm);
  Value blockN = ix.mul(gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x), bn);
  Value row = ix.mul(ix.div(tid, bn / tn), tm); // first row of the thread's tile
  Value col = ix.mul(ix.rem(tid, bn / tn), tn);
  Value zero = arith::ConstantOp::create(builder, loc, builder.getF32FloatAttr(0));
  // Grid z enumerates (GEMM g, split s), s fastest.
  Value gridZ = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::z);
  Value group = split ? ix.div(gridZ, spec.splitK) : gridZ;

  // A(mi, ki) and B(ki, ni) of the GEMM view, 0 outside the problem (and
  // in a convolution's padding). Indices are clamped so that no load leaves
  // its buffer; the value is then selected away.
  auto loadA = [&](Value mi, Value ki) -> Value {
    Value inside = ix.both(ix.lt(mi, spec.m), ix.lt(ki, spec.k));
    SmallVector<Value> at;
    if (conv) {
      int64_t plane = conv->outH * conv->outW, window = conv->kernelH * conv->kernelW;
      Value nb = ix.div(mi, plane), pix = ix.rem(mi, plane);
      Value oh = ix.div(pix, conv->outW), ow = ix.rem(pix, conv->outW);
      Value ch = ix.div(ki, window), tap = ix.rem(ki, window);
      Value r = ix.div(tap, conv->kernelW), q = ix.rem(tap, conv->kernelW);
      Value ih = ix.sub(ix.add(ix.mul(oh, conv->strideH),
                               ix.mul(r, conv->dilationH)), conv->padTop);
      Value iw = ix.sub(ix.add(ix.mul(ow, conv->strideW),
                               ix.mul(q, conv->dilationW)), conv->padLeft);
      inside = ix.both(inside, ix.both(ix.within(ih, conv->height),
                                       ix.within(iw, conv->width)));
      at = {ix.min(nb, conv->batch - 1),
            ix.add(ix.mul(group, conv->channels),
                   ix.min(ch, conv->channels - 1)),
            ix.clamp(ih, conv->height), ix.clamp(iw, conv->width)};
    } else {
      at = {ix.min(mi, spec.m - 1), ix.min(ki, spec.k - 1)};
      if (batchedA)
        at.insert(at.begin(), group);
    }
    Value v = memref::LoadOp::create(builder, loc, a, at);
    return arith::SelectOp::create(builder, loc, inside, v, zero);
  };
  auto loadB = [&](Value ki, Value ni) -> Value {
    Value inside = ix.both(ix.lt(ki, spec.k), ix.lt(ni, spec.n));
    Value kc = ix.min(ki, spec.k - 1), nc = ix.min(ni, spec.n - 1);
    SmallVector<Value> at;
    if (conv) {
      int64_t window = conv->kernelH * conv->kernelW;
      Value tap = ix.rem(kc, window);
      at = {ix.add(ix.mul(group, conv->filters), nc), ix.div(kc, window),
            ix.div(tap, conv->kernelW), ix.rem(tap, conv->kernelW)};
    } else {
      at = spec.transposeB ? SmallVector<Value>{nc, kc}
                           : SmallVector<Value>{kc, nc};
      if (batchedB)
        at.insert(at.begin(), group);
    }
    Value v = memref::LoadOp::create(builder, loc, bMat, at);
    return arith::SelectOp::create(builder, loc, inside, v, zero);
  };
  // Stages `count` elements with all threads; element `idx` goes through
  // `stage` (a partial last round is guarded).
  auto cooperative = [&](int64_t count, function_ref<void(Value)> stage) {
    int64_t rounds = llvm::divideCeil(count, threads);
    for (int64_t l = 0; l < rounds; ++l) {
      Value idx = ix.add(tid, l * threads);
      if ((l + 1) * threads <= count) {
        stage(idx);
        continue;
      }
      auto inTile = scf::IfOp::create(builder, loc, ix.lt(idx, count));
      OpBuilder::InsertionGuard g(builder);
      builder.setInsertionPointToStart(inTile.thenBlock());
      stage(idx);
    }
  };

  SmallVector<Value> init(tm * tn, zero);
  // This CTA's K range: all of K, or its split's (grid z).
  Value kBegin = ix.c(0), kEnd = ix.c(spec.k);
  if (split) {
    kBegin = ix.mul(ix.rem(gridZ, spec.splitK), getKPerSplit(spec));
    kEnd = arith::MinUIOp::create(builder, loc,
                                  ix.add(kBegin, getKPerSplit(spec)),
                                  ix.c(spec.k));
  }
  auto loop = scf::ForOp::create(builder, loc, kBegin, kEnd, ix.c(bk), init);
  builder.setInsertionPointToStart(loop.getBody());
  Value k0 = loop.getInductionVar();
  // Stage A[blockM : +bm, k0 : +bk] into as[k][m], consecutive threads on
  // A's contiguous dim: k for a row-major A, m (the output pixels) for a
  // convolution's input.
  cooperative(bm * bk, [&](Value idx) {
    Value r = conv ? ix.rem(idx, bm) : ix.div(idx, bk);
    Value q = conv ? ix.div(idx, bm) : ix.rem(idx, bk);
    Value v = loadA(ix.add(blockM, r), ix.add(k0, q));
    memref::StoreOp::create(builder, loc, v, as, ValueRange{q, r});
  });
  // Stage B[k0 : +bk, blockN : +bn] into bs[k][n], consecutive threads on
  // B's contiguous dim: k when B is [n, k] (linear, convolution), else n.
  cooperative(bk * bn, [&](Value idx) {
    bool alongK = spec.transposeB || conv;
    Value kk = alongK ? ix.rem(idx, bk) : ix.div(idx, bn);
    Value nn = alongK ? ix.div(idx, bk) : ix.rem(idx, bn);
    Value v = loadB(ix.add(k0, kk), ix.add(blockN, nn));
    memref::StoreOp::create(builder, loc, v, bs, ValueRange{kk, nn});
  });
  gpu::BarrierOp::create(builder, loc);
  // acc[i][j] += as[k][row + i] * bs[k][col + j] over the slice.
  SmallVector<Value> acc(loop.getRegionIterArgs());
  for (int64_t kk = 0; kk < bk; ++kk) {
    SmallVector<Value> ra, rb;
    for (int64_t i = 0; i < tm; ++i)
      ra.push_back(memref::LoadOp::create(builder, loc, as,
                                          ValueRange{ix.c(kk), ix.add(row, i)}));
    for (int64_t j = 0; j < tn; ++j)
      rb.push_back(memref::LoadOp::create(builder, loc, bs,
                                          ValueRange{ix.c(kk), ix.add(col, j)}));
    // a * b + acc, contractible into one fma.rn.f32 (math.fma would become
    // a libdevice call).
    auto contract = arith::FastMathFlagsAttr::get(
        ctx, arith::FastMathFlags::contract);
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t j = 0; j < tn; ++j) {
        Value p = arith::MulFOp::create(builder, loc, ra[i], rb[j], contract);
        acc[i * tn + j] =
            arith::AddFOp::create(builder, loc, p, acc[i * tn + j], contract);
      }
  }
  gpu::BarrierOp::create(builder, loc);
  scf::YieldOp::create(builder, loc, acc);

  // Epilogue: bias, then the in-bounds outputs.
  builder.setInsertionPointAfter(loop);
  for (int64_t i = 0; i < tm; ++i) {
    Value r = ix.add(ix.add(blockM, row), i);
    for (int64_t j = 0; j < tn; ++j) {
      Value q = ix.add(ix.add(blockN, col), j);
      auto inside = scf::IfOp::create(builder, loc,
                                      ix.both(ix.lt(r, spec.m), ix.lt(q, spec.n)));
      OpBuilder::InsertionGuard g(builder);
      builder.setInsertionPointToStart(inside.thenBlock());
      Value v = loop.getResult(i * tn + j);
      SmallVector<Value> at = split ? SmallVector<Value>{gridZ, r, q}
                                    : outputIndex(ix, spec, group, r, q);
      if (!split)
        v = epilogue(builder, loc, ix, spec, v, bias, residual, group, q, at);
      memref::StoreOp::create(builder, loc, v, c, at);
    }
  }
  gpu::ReturnOp::create(builder, loc);
  return func;
}

FailureOr<gpu::GPUFuncOp>
mlir::dnn::buildSplitKReduceKernel(OpBuilder &builder, Location loc,
                                   gpu::GPUModuleOp module, StringRef name,
                                   const GemmKernelSpec &spec) {
  if (failed(verifySpec(loc, name, spec)))
    return failure();
  if (spec.splitK < 2)
    return emitError(loc) << "split-K reduction '" << name
                          << "' needs split-k > 1";
  Type f32 = builder.getF32Type();
  SmallVector<Type> args = {
      MemRefType::get({spec.batch * spec.splitK, spec.m, spec.n}, f32)};
  if (spec.bias)
    args.push_back(biasType(spec, f32));
  if (spec.residual)
    args.push_back(outputType(spec, f32));
  args.push_back(outputType(spec, f32));

  OpBuilder::InsertionGuard guard(builder);
  auto func = createKernel(builder, loc, module, name, args, TypeRange{},
                           kReduceThreads);
  Block &entry = func.getBody().front();
  IndexBuilder ix{builder, loc};
  Value ws = entry.getArgument(0);
  Value bias = spec.bias ? entry.getArgument(1) : Value();
  Value residual =
      spec.residual ? entry.getArgument(spec.bias ? 2 : 1) : Value();
  Value out = entry.getArgument(args.size() - 1);
  Value idx = ix.add(
      ix.mul(gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x),
             kReduceThreads),
      gpu::ThreadIdOp::create(builder, loc, gpu::Dimension::x));
  auto inside = scf::IfOp::create(
      builder, loc, ix.lt(idx, spec.batch * spec.m * spec.n));
  builder.setInsertionPointToStart(inside.thenBlock());
  Value g = ix.div(idx, spec.m * spec.n), mn = ix.rem(idx, spec.m * spec.n);
  Value mi = ix.div(mn, spec.n), ni = ix.rem(mn, spec.n);
  // Splits summed in order, so the result does not depend on timing.
  Value first = ix.mul(g, spec.splitK);
  Value sum = memref::LoadOp::create(builder, loc, ws,
                                     ValueRange{first, mi, ni});
  for (int64_t s = 1; s < spec.splitK; ++s)
    sum = arith::AddFOp::create(
        builder, loc, sum,
        memref::LoadOp::create(builder, loc, ws,
                               ValueRange{ix.add(first, s), mi, ni}));
  SmallVector<Value> at = outputIndex(ix, spec, g, mi, ni);
  sum = epilogue(builder, loc, ix, spec, sum, bias, residual, g, ni, at);
  memref::StoreOp::create(builder, loc, sum, out, at);
  builder.setInsertionPointAfter(inside);
  gpu::ReturnOp::create(builder, loc);
  return func;
}
