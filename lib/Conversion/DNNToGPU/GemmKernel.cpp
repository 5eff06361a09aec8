//===- GemmKernel.cpp - tiled GEMM kernels for the GPU lowering -----------===//
//
// The GEMM kernels of the GPU lowering (see GemmKernel.h): the SIMT f32
// kernel and the f16/bf16 tensor-core kernel share their staging, bounds
// handling and epilogue. Loops over the tile_k slices stay loops (scf.for
// carrying the accumulators); the loops inside a slice are unrolled here, so
// every accumulator, fragment and staged operand is an SSA value (a
// register), never a private array.
//
//===----------------------------------------------------------------------===//

#include "dnn/Conversion/DNNToGPU/GemmKernel.h"
#include "dnn/Conversion/DNNToLinalg/DNNToLinalg.h"

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

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

bool mlir::dnn::usesTensorCores(const GemmKernelSpec &spec) {
  return spec.elementType &&
         (spec.elementType.isF16() || spec.elementType.isBF16());
}

/// mma.sync.m16n8k16: the shape of one warp-level tensor-core product.
static constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 16, kWarp = 32;
/// 16-byte global and shared accesses of 16-bit elements.
static constexpr int64_t kVector = 8, kVectorBytes = 16;

LogicalResult mlir::dnn::getWarpTile(const GemmKernelSpec &spec,
                                     int64_t &warpsM, int64_t &warpsN,
                                     std::string &error) {
  if (spec.tileM < 1 || spec.tileN < 1 || spec.tileK < 1 || spec.threads < 1) {
    error = "tile sizes and threads must be positive";
    return failure();
  }
  if (spec.threads % kWarp != 0) {
    error = "the tensor-core kernel needs whole warps, got " +
            std::to_string(spec.threads) + " threads";
    return failure();
  }
  if (spec.tileK % kMmaK != 0) {
    error = "the tensor-core kernel needs tile_k to be a multiple of 16 "
            "(mma.sync.m16n8k16), got " +
            std::to_string(spec.tileK);
    return failure();
  }
  int64_t warps = spec.threads / kWarp;
  double best = 0;
  warpsM = warpsN = 0;
  for (int64_t wm = 1; wm <= warps; ++wm) {
    if (warps % wm != 0)
      continue;
    int64_t wn = warps / wm;
    if (spec.tileM % (wm * kMmaM) != 0 || spec.tileN % (wn * kMmaN) != 0)
      continue;
    // ldmatrix loads per mma of a warp tile of mt x nt mma tiles.
    int64_t mt = spec.tileM / wm / kMmaM, nt = spec.tileN / wn / kMmaN;
    double loads = static_cast<double>(mt + nt) / static_cast<double>(mt * nt);
    if (warpsM == 0 || loads < best) {
      best = loads;
      warpsM = wm;
      warpsN = wn;
    }
  }
  if (warpsM == 0) {
    error = "no layout of " + std::to_string(warps) + " warps covers a " +
            std::to_string(spec.tileM) + "x" + std::to_string(spec.tileN) +
            " tile with 16x8 mma tiles";
    return failure();
  }
  return success();
}

int64_t mlir::dnn::getGemmSharedBytes(const GemmKernelSpec &spec) {
  if (usesTensorCores(spec))
    return (spec.tileM + spec.tileN) * (spec.tileK + kSharedRowPad) *
           static_cast<int64_t>(spec.elementType.getIntOrFloatBitWidth() / 8);
  return (spec.tileM + spec.tileN) * spec.tileK * 4;
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
static MemRefType outputType(const GemmKernelSpec &spec, Type element) {
  if (const std::optional<ConvGeometry> &conv = spec.conv)
    return MemRefType::get(
        {conv->batch, conv->filters * conv->groups, conv->outH, conv->outW},
        element);
  if (spec.batch > 1)
    return MemRefType::get({spec.batch, spec.m, spec.n}, element);
  return MemRefType::get({spec.m, spec.n}, element);
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
static MemRefType biasType(const GemmKernelSpec &spec, Type element) {
  return MemRefType::get({spec.n * (spec.conv ? spec.conv->groups : 1)},
                         element);
}

/// Where GEMM `g`'s column `ni` finds its bias.
static Value biasIndex(IndexBuilder &ix, const GemmKernelSpec &spec, Value g,
                       Value ni) {
  return spec.conv ? ix.add(ix.mul(g, spec.n), ni) : ni;
}

/// A matmul operand's type: [batch, rows, cols] unless shared by all the
/// GEMMs (or batch is 1).
static MemRefType matrixType(const GemmKernelSpec &spec, bool broadcast,
                             int64_t rows, int64_t cols, Type element) {
  if (spec.batch > 1 && !broadcast)
    return MemRefType::get({spec.batch, rows, cols}, element);
  return MemRefType::get({rows, cols}, element);
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
  if (spec.f32Output && (spec.residual || spec.activation || spec.splitK > 1))
    return emitError(loc) << "GEMM kernel '" << name
                          << "': an f32 output takes no residual, activation "
                             "or split-K";
  if (spec.splitK < 1)
    return emitError(loc) << "GEMM kernel '" << name
                          << "': split-k must be at least 1, got "
                          << spec.splitK;
  return success();
}

/// C's value (of `type`) from the f32 accumulated `v` of GEMM `g`, column
/// `ni`, stored at `at`: + bias, + residual, activation. A 16-bit result is
/// rounded after each step, as the op by op reference rounds each op's.
static Value epilogue(OpBuilder &builder, Location loc, IndexBuilder &ix,
                      const GemmKernelSpec &spec, Type type, Value v,
                      Value bias, Value residual, Value g, Value ni,
                      ValueRange at) {
  if (bias)
    v = arith::AddFOp::create(
        builder, loc, v,
        extendToF32(builder, loc,
              memref::LoadOp::create(builder, loc, bias,
                                     biasIndex(ix, spec, g, ni))));
  if (residual) {
    // One op per statement, so the op order is not the host compiler's
    // choice of argument evaluation order.
    Value load = memref::LoadOp::create(builder, loc, residual, at);
    Value res = extendToF32(builder, loc, load);
    Value rounded = extendToF32(builder, loc, roundTo(builder, loc, v, type));
    v = arith::AddFOp::create(builder, loc, rounded, res);
  }
  if (spec.activation)
    v = buildActivation(builder, loc, *spec.activation,
                        extendToF32(builder, loc, roundTo(builder, loc, v, type)));
  return roundTo(builder, loc, v, type);
}

/// The element type of A, B, bias, residual and C.
static Type elementTypeOf(const GemmKernelSpec &spec, Builder &builder) {
  return spec.elementType ? spec.elementType : builder.getF32Type();
}

/// One mma.sync.m16n8k16 with f32 accumulators: `acc` (4 values) +=
/// A fragment `a` (4 registers of two 16-bit values) * B fragment `b` (2).
static void mma(OpBuilder &builder, Location loc, Type element,
                ArrayRef<Value> a, ArrayRef<Value> b,
                MutableArrayRef<Value> acc) {
  MLIRContext *ctx = builder.getContext();
  Type f32 = builder.getF32Type();
  NVVM::MMATypes ptx =
      element.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  auto result = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  auto op = NVVM::MmaOp::create(
      builder, loc, result, a, b, acc, {kMmaM, kMmaN, kMmaK},
      /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
      std::array<NVVM::MMATypes, 2>{ptx, ptx},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  for (int64_t e = 0; e < 4; ++e)
    acc[e] = LLVM::ExtractValueOp::create(builder, loc, op.getRes(), e);
}

/// The registers of an ldmatrix result (vector<N x 2 x T>) as mma.sync
/// takes them: vector<2xf16> for f16, the two bf16 packed in an i32.
static SmallVector<Value> fragmentRegisters(OpBuilder &builder, Location loc,
                                            Value fragment, int64_t count) {
  SmallVector<Value> regs;
  for (int64_t r = 0; r < count; ++r) {
    Value pair = vector::ExtractOp::create(builder, loc, fragment,
                                           ArrayRef<int64_t>{r});
    if (cast<VectorType>(pair.getType()).getElementType().isBF16())
      pair = LLVM::BitcastOp::create(builder, loc, builder.getI32Type(), pair);
    regs.push_back(pair);
  }
  return regs;
}

FailureOr<gpu::GPUFuncOp>
mlir::dnn::buildGemmKernel(OpBuilder &builder, Location loc,
                           gpu::GPUModuleOp module, StringRef name,
                           const GemmKernelSpec &spec) {
  if (failed(verifySpec(loc, name, spec)))
    return failure();
  Type element = elementTypeOf(spec, builder);
  if (!element.isF32() && !usesTensorCores(spec))
    return emitError(loc) << "GEMM kernel '" << name
                          << "': no kernel for element type " << element
                          << " (f32, f16 or bf16)";
  const bool tensorCores = usesTensorCores(spec);
  // SIMT: a tm x tn register tile per thread. Tensor cores: a grid of
  // warpsM x warpsN warps, each with mt x nt mma tiles.
  int64_t tm = 0, tn = 0, warpsM = 0, warpsN = 0;
  std::string error;
  if (failed(tensorCores ? getWarpTile(spec, warpsM, warpsN, error)
                         : getRegisterTile(spec, tm, tn, error)))
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
                            element);
    bType = MemRefType::get({conv->filters * conv->groups, conv->channels,
                             conv->kernelH, conv->kernelW},
                            element);
  } else {
    aType = matrixType(spec, spec.broadcastA, spec.m, spec.k, element);
    bType = spec.transposeB
                ? matrixType(spec, spec.broadcastB, spec.n, spec.k, element)
                : matrixType(spec, spec.broadcastB, spec.k, spec.n, element);
  }
  // With split-K, C is the f32 workspace of partial sums and the bias waits
  // for the reduction.
  bool split = spec.splitK > 1;
  cType = split ? MemRefType::get({spec.batch * spec.splitK, spec.m, spec.n},
                                  f32)
                : outputType(spec, spec.f32Output ? f32 : element);
  // A matmul operand with a batch dim is indexed by the GEMM first.
  bool batchedA = !conv && spec.batch > 1 && !spec.broadcastA;
  bool batchedB = !conv && spec.batch > 1 && !spec.broadcastB;
  // With split-K, the epilogue runs in the reduction.
  bool withBias = spec.bias && !split;
  bool withResidual = spec.residual && !split;
  SmallVector<Type> args = {aType, bType};
  if (withBias)
    args.push_back(biasType(spec, element));
  if (withResidual)
    args.push_back(outputType(spec, element));
  args.push_back(cType);
  auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  // Shared tiles. SIMT: k-major ([k][m], [k][n]), so a thread's TM (TN)
  // operands are contiguous. Tensor cores: k contiguous ([m][k], [n][k]),
  // the row-major A and column-major B fragments ldmatrix reads, rows padded.
  MemRefType aTile, bTile;
  if (tensorCores) {
    aTile = MemRefType::get({bm, bk + kSharedRowPad}, element,
                            MemRefLayoutAttrInterface{}, workgroup);
    bTile = MemRefType::get({bn, bk + kSharedRowPad}, element,
                            MemRefLayoutAttrInterface{}, workgroup);
  } else {
    aTile = MemRefType::get({bk, bm}, f32, MemRefLayoutAttrInterface{},
                            workgroup);
    bTile = MemRefType::get({bk, bn}, f32, MemRefLayoutAttrInterface{},
                            workgroup);
  }

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
  // ldmatrix and the 16-byte stores need 16-byte aligned rows.
  for (unsigned i = 0; i < 2; ++i)
    func.setWorkgroupAttributionAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                                     builder.getI64IntegerAttr(16));
  // Stores a staged element: (row of the tile, k).
  auto stageA = [&](Value v, Value r, Value q) {
    memref::StoreOp::create(builder, loc, v, as,
                            tensorCores ? ValueRange{r, q} : ValueRange{q, r});
  };
  auto stageB = [&](Value v, Value kk, Value nn) {
    memref::StoreOp::create(builder, loc, v, bs,
                            tensorCores ? ValueRange{nn, kk}
                                        : ValueRange{kk, nn});
  };

  Value tid = gpu::ThreadIdOp::create(builder, loc, gpu::Dimension::x);
  Value blockM = ix.mul(gpu::BlockIdOp::create(builder, loc, gpu::Dimension::y), bm);
  Value blockN = ix.mul(gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x), bn);
  Value zero = arith::ConstantOp::create(builder, loc, builder.getF32FloatAttr(0));
  Value elementZero =
      element.isF32() ? zero
                      : arith::ConstantOp::create(
                            builder, loc, builder.getFloatAttr(element, 0));
  // Grid z enumerates (GEMM g, split s), s fastest.
  Value gridZ = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::z);
  Value group = split ? ix.div(gridZ, spec.splitK) : gridZ;

  // A(mi, ki) and B(ki, ni) of the GEMM view, 0 outside the problem (and
  // in a convolution's padding). Indices are clamped so that no load leaves
  // its buffer; the value is then selected away.
  // One op per statement: the order of ops created inside one call's
  // arguments would be the host compiler's choice.
  auto loadA = [&](Value mi, Value ki) -> Value {
    Value kIn = ix.lt(ki, spec.k);
    Value mIn = ix.lt(mi, spec.m);
    Value inside = ix.both(mIn, kIn);
    SmallVector<Value> at;
    if (conv) {
      int64_t plane = conv->outH * conv->outW, window = conv->kernelH * conv->kernelW;
      Value nb = ix.div(mi, plane), pix = ix.rem(mi, plane);
      Value oh = ix.div(pix, conv->outW), ow = ix.rem(pix, conv->outW);
      Value ch = ix.div(ki, window), tap = ix.rem(ki, window);
      Value r = ix.div(tap, conv->kernelW), q = ix.rem(tap, conv->kernelW);
      Value rDil = ix.mul(r, conv->dilationH);
      Value ohStr = ix.mul(oh, conv->strideH);
      Value ih = ix.sub(ix.add(ohStr, rDil), conv->padTop);
      Value qDil = ix.mul(q, conv->dilationW);
      Value owStr = ix.mul(ow, conv->strideW);
      Value iw = ix.sub(ix.add(owStr, qDil), conv->padLeft);
      Value wIn = ix.within(iw, conv->width);
      Value hIn = ix.within(ih, conv->height);
      inside = ix.both(inside, ix.both(hIn, wIn));
      Value batch = ix.min(nb, conv->batch - 1);
      Value chClamped = ix.min(ch, conv->channels - 1);
      Value chBase = ix.mul(group, conv->channels);
      at = {batch, ix.add(chBase, chClamped), ix.clamp(ih, conv->height),
            ix.clamp(iw, conv->width)};
    } else {
      at = {ix.min(mi, spec.m - 1), ix.min(ki, spec.k - 1)};
      if (batchedA)
        at.insert(at.begin(), group);
    }
    Value v = memref::LoadOp::create(builder, loc, a, at);
    return arith::SelectOp::create(builder, loc, inside, v, elementZero);
  };
  auto loadB = [&](Value ki, Value ni) -> Value {
    Value nIn = ix.lt(ni, spec.n);
    Value kIn = ix.lt(ki, spec.k);
    Value inside = ix.both(kIn, nIn);
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
    return arith::SelectOp::create(builder, loc, inside, v, elementZero);
  };
  // Stages a [slow][fast] block of `count` elements with all threads:
  // element tid + l * threads goes through `stage(slow, fast)` (a partial
  // last round is guarded). In the tensor-core kernel, when `fast` divides
  // the thread count, a thread's fast coordinate is the same in every round,
  // so what depends on it alone (a convolution's output pixel) is computed
  // once: ResNet's 7x7 stem then takes 149 registers instead of 174. (The
  // SIMT kernels keep the per-element form: ptxas spills the SIMT stem
  // with the other.)
  auto cooperative = [&](int64_t count, int64_t fast,
                         function_ref<void(Value, Value)> stage) {
    int64_t rounds = llvm::divideCeil(count, threads);
    bool fixed = tensorCores && threads % fast == 0;
    Value fastOf = fixed ? ix.rem(tid, fast) : Value();
    Value slowOf = fixed ? ix.div(tid, fast) : Value();
    for (int64_t l = 0; l < rounds; ++l) {
      Value idx = ix.add(tid, l * threads);
      auto emit = [&] {
        if (fixed) {
          stage(ix.add(slowOf, l * (threads / fast)), fastOf);
        } else {
          Value fastIdx = ix.rem(idx, fast);
          stage(ix.div(idx, fast), fastIdx);
        }
      };
      if ((l + 1) * threads <= count) {
        emit();
        continue;
      }
      auto inTile = scf::IfOp::create(builder, loc, ix.lt(idx, count));
      OpBuilder::InsertionGuard g(builder);
      builder.setInsertionPointToStart(inTile.thenBlock());
      emit();
    }
  };

  // Where each thread's accumulators sit in the CTA tile. SIMT: rows
  // row + i, columns col + j. Tensor cores: warp (wr, wc) covers rows
  // warpRow + [0, wtm) and columns warpCol + [0, wtn); lane l holds, of
  // each 16x8 mma tile, rows l/4 and l/4 + 8, columns 2 (l%4) + {0, 1}.
  const int64_t wtm = tensorCores ? bm / warpsM : 0,
                wtn = tensorCores ? bn / warpsN : 0;
  const int64_t mt = wtm / kMmaM, nt = wtn / kMmaN;
  Value row, col, warpRow, warpCol, lane;
  if (tensorCores) {
    lane = ix.rem(tid, kWarp);
    Value warp = ix.div(tid, kWarp);
    warpRow = ix.mul(ix.div(warp, warpsN), wtm);
    warpCol = ix.mul(ix.rem(warp, warpsN), wtn);
  } else {
    row = ix.mul(ix.div(tid, bn / tn), tm);
    col = ix.mul(ix.rem(tid, bn / tn), tn);
  }
  int64_t accumulators = tensorCores ? mt * nt * 4 : tm * tn;
  SmallVector<Value> init(accumulators, zero);
  // This CTA's K range: all of K, or its split's (grid z).
  Value kBegin = ix.c(0), kEnd = ix.c(spec.k);
  if (split) {
    kBegin = ix.mul(ix.rem(gridZ, spec.splitK), getKPerSplit(spec));
    Value kAll = ix.c(spec.k);
    Value kSplitEnd = ix.add(kBegin, getKPerSplit(spec));
    kEnd = arith::MinUIOp::create(builder, loc, kSplitEnd, kAll);
  }
  // ldmatrix row addresses: lanes 0-15 give rows 0-15 of the A fragment at
  // k 0, lanes 16-31 the same rows at k 8 (x4: four 8x8 matrices, a0..a3
  // of mma.sync); lanes 0-7 give rows n 0-7 of B at k 0, lanes 8-15 at
  // k 8 (x2; lanes 16-31 repeat them, unused).
  Value aFragRow, aFragK, bFragRow, bFragK;
  if (tensorCores) {
    aFragRow = ix.add(warpRow, ix.rem(lane, 16));
    aFragK = ix.mul(ix.div(lane, 16), 8);
    bFragRow = ix.add(warpCol, ix.rem(lane, 8));
    bFragK = ix.mul(ix.rem(ix.div(lane, 8), 2), 8);
  }
  // Tensor cores: operands whose k is contiguous in memory (a row-major A,
  // B as [n, k]) are staged 16 bytes at a time when K keeps those vectors
  // aligned (K % 8 == 0: every buffer starts 256-byte aligned) and whole
  // (k0 and tile_k are multiples of 8). A convolution's weight is read as
  // its [filters, channels * kh * kw] matrix.
  const bool vectorK = tensorCores && spec.k % kVector == 0;
  const bool vectorA = vectorK && !conv;
  const bool vectorB = vectorK && (spec.transposeB || conv);
  Value bRows = bMat;
  if (vectorB && conv) {
    int64_t rows = spec.n * spec.batch;
    bRows = memref::ReinterpretCastOp::create(
        builder, loc, MemRefType::get({rows, spec.k}, element), bMat,
        /*offset=*/0, ArrayRef<int64_t>{rows, spec.k},
        ArrayRef<int64_t>{spec.k, 1});
  }
  auto vectorType = VectorType::get({kVector}, element);
  Value zeroVector;
  if (vectorA || vectorB)
    zeroVector = arith::ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(vectorType, builder.getFloatAttr(element, 0)));
  // tile[at] = inside ? src[clamped] : 0, eight elements.
  auto stageVector = [&](Value src, ArrayRef<Value> clamped, Value inside,
                         Value tile, ArrayRef<Value> at) {
    Value v = vector::LoadOp::create(builder, loc, vectorType, src, clamped,
                                     /*nontemporal=*/false,
                                     llvm::MaybeAlign(kVectorBytes));
    v = arith::SelectOp::create(builder, loc, inside, v, zeroVector);
    vector::StoreOp::create(builder, loc, v, tile, at, /*nontemporal=*/false,
                            llvm::MaybeAlign(kVectorBytes));
  };
  auto loop = scf::ForOp::create(builder, loc, kBegin, kEnd, ix.c(bk), init);
  builder.setInsertionPointToStart(loop.getBody());
  Value k0 = loop.getInductionVar();
  // Stage A[blockM : +bm, k0 : +bk], consecutive threads on A's contiguous
  // dim: k for a row-major A, m (the output pixels) for a convolution's
  // input.
  if (vectorA) {
    cooperative(bm * bk / kVector, bk / kVector, [&](Value r, Value q) {
      q = ix.mul(q, kVector);
      Value mi = ix.add(blockM, r), ki = ix.add(k0, q);
      SmallVector<Value> at = {ix.min(mi, spec.m - 1),
                               ix.min(ki, spec.k - kVector)};
      if (batchedA)
        at.insert(at.begin(), group);
      Value kIn = ix.lt(ki, spec.k);
      Value mIn = ix.lt(mi, spec.m);
      stageVector(a, at, ix.both(mIn, kIn), as, {r, q});
    });
  } else {
    cooperative(bm * bk, conv ? bm : bk, [&](Value slow, Value fast) {
      Value r = conv ? fast : slow, q = conv ? slow : fast;
      Value ki = ix.add(k0, q);
      Value mi = ix.add(blockM, r);
      stageA(loadA(mi, ki), r, q);
    });
  }
  // Stage B[k0 : +bk, blockN : +bn], consecutive threads on B's contiguous
  // dim: k when B is [n, k] (linear, convolution), else n.
  if (vectorB) {
    cooperative(bn * bk / kVector, bk / kVector, [&](Value nn, Value kk) {
      kk = ix.mul(kk, kVector);
      Value ni = ix.add(blockN, nn), ki = ix.add(k0, kk);
      Value n = ix.min(ni, spec.n - 1);
      SmallVector<Value> at = {conv ? ix.add(ix.mul(group, spec.n), n) : n,
                               ix.min(ki, spec.k - kVector)};
      if (batchedB)
        at.insert(at.begin(), group);
      Value kIn = ix.lt(ki, spec.k);
      Value nIn = ix.lt(ni, spec.n);
      stageVector(bRows, at, ix.both(nIn, kIn), bs, {nn, kk});
    });
  } else {
    bool alongK = spec.transposeB || conv;
    cooperative(bk * bn, alongK ? bk : bn, [&](Value slow, Value fast) {
      Value kk = alongK ? fast : slow, nn = alongK ? slow : fast;
      Value ni = ix.add(blockN, nn);
      Value ki = ix.add(k0, kk);
      stageB(loadB(ki, ni), kk, nn);
    });
  }
  gpu::BarrierOp::create(builder, loc);
  SmallVector<Value> acc(loop.getRegionIterArgs());
  if (tensorCores) {
    // For each 16-deep step of the slice: the warp's mt A fragments and nt
    // B fragments, then its mt x nt mma tiles.
    auto aFragType = VectorType::get({4, 2}, element);
    auto bFragType = VectorType::get({2, 2}, element);
    for (int64_t ks = 0; ks < bk; ks += kMmaK) {
      SmallVector<SmallVector<Value>> fa, fb;
      for (int64_t i = 0; i < mt; ++i) {
        Value f = nvgpu::LdMatrixOp::create(
            builder, loc, aFragType, as,
            ValueRange{ix.add(aFragRow, i * kMmaM), ix.add(aFragK, ks)},
            /*transpose=*/false, /*numTiles=*/4);
        fa.push_back(fragmentRegisters(builder, loc, f, 4));
      }
      for (int64_t j = 0; j < nt; ++j) {
        Value f = nvgpu::LdMatrixOp::create(
            builder, loc, bFragType, bs,
            ValueRange{ix.add(bFragRow, j * kMmaN), ix.add(bFragK, ks)},
            /*transpose=*/false, /*numTiles=*/2);
        fb.push_back(fragmentRegisters(builder, loc, f, 2));
      }
      for (int64_t i = 0; i < mt; ++i)
        for (int64_t j = 0; j < nt; ++j)
          mma(builder, loc, element, fa[i], fb[j],
              MutableArrayRef<Value>(acc).slice((i * nt + j) * 4, 4));
    }
  } else {
    // acc[i][j] += as[k][row + i] * bs[k][col + j] over the slice.
    for (int64_t kk = 0; kk < bk; ++kk) {
      SmallVector<Value> ra, rb;
      for (int64_t i = 0; i < tm; ++i)
        ra.push_back(memref::LoadOp::create(
            builder, loc, as, ValueRange{ix.c(kk), ix.add(row, i)}));
      for (int64_t j = 0; j < tn; ++j)
        rb.push_back(memref::LoadOp::create(
            builder, loc, bs, ValueRange{ix.c(kk), ix.add(col, j)}));
      // a * b + acc, contractible into one fma.rn.f32 (math.fma would
      // become a libdevice call).
      auto contract =
          arith::FastMathFlagsAttr::get(ctx, arith::FastMathFlags::contract);
      for (int64_t i = 0; i < tm; ++i)
        for (int64_t j = 0; j < tn; ++j) {
          Value p = arith::MulFOp::create(builder, loc, ra[i], rb[j], contract);
          acc[i * tn + j] =
              arith::AddFOp::create(builder, loc, p, acc[i * tn + j], contract);
        }
    }
  }
  // The next slice overwrites the tiles: wait until every warp has read
  // them. With one slice nothing follows, and a barrier there would pin all
  // the slice's shared loads ahead of it while the products sink into the
  // epilogue's guarded stores (all operands live at once: up to 200
  // registers in depthwise and K <= tile_k kernels).
  int64_t kPerCta = spec.splitK > 1 ? getKPerSplit(spec) : spec.k;
  if (kPerCta > bk)
    gpu::BarrierOp::create(builder, loc);
  scf::YieldOp::create(builder, loc, acc);

  // The accumulators are complete here, before any epilogue branch. Each is
  // passed to an empty volatile asm statement (no instruction in the PTX):
  // otherwise LLVM sinks every product of a single-slice kernel into its
  // store's branch, which orders the multiply-adds output by output and
  // holds all staged operands live at once (150-210 registers in the
  // K <= tile_k and depthwise kernels against 64/108 with the k-major order).
  builder.setInsertionPointAfter(loop);
  for (Value v : loop.getResults())
    LLVM::InlineAsmOp::create(builder, loc, TypeRange{}, ValueRange{v},
                              /*asm_string=*/"", /*constraints=*/"f",
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None,
                              /*asm_dialect=*/LLVM::AsmDialectAttr(),
                              /*operand_attrs=*/ArrayAttr());
  // Epilogue: each accumulator at CTA-tile offset (rowBase + dr, colBase +
  // dq). A thread whose whole register tile lies inside C stores without
  // per-element guards; the others guard each store.
  struct Output {
    int64_t acc, dr, dq;
  };
  SmallVector<Output> outputs;
  Value rowBase, colBase;
  if (tensorCores) {
    rowBase = ix.add(warpRow, ix.div(lane, 4));
    colBase = ix.add(warpCol, ix.mul(ix.rem(lane, 4), 2));
    for (int64_t i = 0; i < mt; ++i)
      for (int64_t j = 0; j < nt; ++j)
        for (int64_t e = 0; e < 4; ++e)
          outputs.push_back({(i * nt + j) * 4 + e, i * kMmaM + (e / 2) * 8,
                             j * kMmaN + e % 2});
  } else {
    rowBase = row;
    colBase = col;
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t j = 0; j < tn; ++j)
        outputs.push_back({i * tn + j, i, j});
  }
  rowBase = ix.add(blockM, rowBase);
  colBase = ix.add(blockN, colBase);
  int64_t lastRow = 0, lastCol = 0;
  for (const Output &o : outputs) {
    lastRow = std::max(lastRow, o.dr);
    lastCol = std::max(lastCol, o.dq);
  }
  auto storeAll = [&](bool guarded) {
    for (const Output &o : outputs) {
      Value v = loop.getResult(o.acc);
      Value r = ix.add(rowBase, o.dr), q = ix.add(colBase, o.dq);
      OpBuilder::InsertionGuard g(builder);
      if (guarded) {
        Value qIn = ix.lt(q, spec.n);
        Value rIn = ix.lt(r, spec.m);
        auto inside = scf::IfOp::create(builder, loc, ix.both(rIn, qIn));
        builder.setInsertionPointToStart(inside.thenBlock());
      }
      SmallVector<Value> at = split ? SmallVector<Value>{gridZ, r, q}
                                    : outputIndex(ix, spec, group, r, q);
      if (!split)
        v = epilogue(builder, loc, ix, spec,
                     cast<MemRefType>(c.getType()).getElementType(), v, bias,
                     residual, group, q, at);
      memref::StoreOp::create(builder, loc, v, c, at);
    }
  };
  Value colsIn = ix.lt(ix.add(colBase, lastCol), spec.n);
  Value rowsIn = ix.lt(ix.add(rowBase, lastRow), spec.m);
  auto whole = scf::IfOp::create(builder, loc, ix.both(rowsIn, colsIn),
                                 /*withElseRegion=*/true);
  builder.setInsertionPointToStart(whole.thenBlock());
  storeAll(/*guarded=*/false);
  builder.setInsertionPointToStart(whole.elseBlock());
  storeAll(/*guarded=*/true);
  builder.setInsertionPointAfter(whole);
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
  Type element = elementTypeOf(spec, builder);
  SmallVector<Type> args = {
      MemRefType::get({spec.batch * spec.splitK, spec.m, spec.n}, f32)};
  if (spec.bias)
    args.push_back(biasType(spec, element));
  if (spec.residual)
    args.push_back(outputType(spec, element));
  args.push_back(outputType(spec, element));

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
  // One op per statement, so the op order is not the host compiler's
  // choice of argument evaluation order.
  Value tidX = gpu::ThreadIdOp::create(builder, loc, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x);
  Value idx = ix.add(ix.mul(blockX, kReduceThreads), tidX);
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
  sum = epilogue(builder, loc, ix, spec, element, sum, bias, residual, g, ni,
                 at);
  memref::StoreOp::create(builder, loc, sum, out, at);
  builder.setInsertionPointAfter(inside);
  gpu::ReturnOp::create(builder, loc);
  return func;
}
