//===- SparseKernel.cpp - the balanced-sparse GPU kernel -----------------===//
//
// y[m, n] = bias[n] + sum over banks b, entries j of
//           values[n, b, j] * x[m, b * bank + offsets[n, b, j]]
//
// CTA: `rowsPerCta` warps, warp w owns output feature blockIdx.x * rows + w;
// the CTA covers batch rows blockIdx.y * batchTile + [0, batchTile). x is
// staged `banksPerChunk` banks at a time into shared memory as f32, laid
// out xs[(t * bank + o) * chunk + c] (batch row t, in-bank offset o, bank c
// of the chunk). Lane l takes banks c = l, l + 32, ...: its reads
// xs[(t * bank + offset) * chunk + c] fall in shared-memory bank c mod 32 = l
// whatever the offsets, so a warp never conflicts. Every lane sums its
// banks' entries for each batch row, the warp adds its 32 partial sums with
// xor shuffles, lane 0 writes.
//
//===----------------------------------------------------------------------===//

#include "dnn/Conversion/DNNToGPU/SparseKernel.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "KernelBuilder.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::dnn;
using namespace mlir::dnn::gpukernels;

static constexpr int64_t kWarp = 32;
/// Entries per bank unrolled in the lane's inner loop (more: an scf.for).
static constexpr int64_t kUnrollEntries = 16;

FailureOr<SparseKernelSpec>
mlir::dnn::getSparseKernelSpec(BalancedSparseOpInterface op,
                               MappingAttr mapping, std::string &error) {
  SparseKernelSpec spec;
  spec.shape = getBalancedSparseShape(op);
  spec.elementType =
      cast<RankedTensorType>(op->getResult(0).getType()).getElementType();
  spec.indexType =
      cast<RankedTensorType>(op.getIndices().getType()).getElementType();
  if (auto conv = dyn_cast<SparseConv2DOp>(op.getOperation())) {
    SparseConvGeometry g;
    ArrayRef<int64_t> in = conv.getInput().getType().getShape();
    ArrayRef<int64_t> out = conv.getType().getShape();
    g.batch = in[0];
    g.channels = in[1];
    g.height = in[2];
    g.width = in[3];
    g.outHeight = out[2];
    g.outWidth = out[3];
    for (int i = 0; i < 2; ++i) {
      g.kernel[i] = conv.getKernel()[i];
      g.strides[i] = conv.getStrides()[i];
      g.padding[i] = conv.getPadding()[i];
      g.dilation[i] = conv.getDilation()[i];
    }
    spec.conv = g;
  }
  // Offsets are read unsigned: i8, i16 or i32 (the op's verifier).
  if (!spec.indexType.isInteger(8) && !spec.indexType.isInteger(16) &&
      !spec.indexType.isInteger(32)) {
    error = "the balanced-sparse GPU kernel reads i8, i16 or i32 offsets";
    return failure();
  }
  int64_t bank = spec.shape.bankSize;
  SparseKernelPlan &plan = spec.plan;
  plan.threads = mapping.getThreads();
  plan.batchTile = mapping.getTileM();
  plan.rowsPerCta = mapping.getTileN();
  plan.regsPerThread = mapping.getRegsPerThread();
  if (mapping.getSplitK() != 1 || mapping.getTileK() % (kWarp * bank) != 0 ||
      plan.threads != plan.rowsPerCta * kWarp || plan.batchTile < 1 ||
      plan.batchTile > kSparseMaxBatchTile) {
    error = "the mapping is not one of the balanced-sparse kernel (one warp "
            "per row, tile_k a multiple of 32 banks, no split-K, batch tile "
            "1-8); re-run dnn-assign-mapping";
    return failure();
  }
  plan.banksPerChunk = mapping.getTileK() / bank;
  plan.smemBytes = plan.batchTile * bank * plan.banksPerChunk * 4;
  if (plan.smemBytes != mapping.getSmemPerBlock() ||
      plan.smemBytes > kMaxStaticSmemBytes) {
    error = "the mapping's smem_per_block (" +
            std::to_string(mapping.getSmemPerBlock()) +
            ") is not the kernel's " + std::to_string(plan.smemBytes) +
            " bytes; re-run dnn-assign-mapping";
    return failure();
  }
  return spec;
}

std::array<int64_t, 2> mlir::dnn::getSparseGrid(const SparseKernelSpec &spec) {
  return {(spec.shape.n + spec.plan.rowsPerCta - 1) / spec.plan.rowsPerCta,
          (spec.shape.m + spec.plan.batchTile - 1) / spec.plan.batchTile};
}

FailureOr<gpu::GPUFuncOp> mlir::dnn::buildBalancedSparseKernel(
    OpBuilder &builder, Location loc, gpu::GPUModuleOp module, StringRef name,
    const SparseKernelSpec &spec) {
  const BalancedSparseShape &s = spec.shape;
  const SparseKernelPlan &plan = spec.plan;
  int64_t banks = s.banks(), bank = s.bankSize, nnz = s.nnz;
  int64_t tb = plan.batchTile, chunk = plan.banksPerChunk;
  int64_t chunks = (banks + chunk - 1) / chunk;
  Type element = spec.elementType;
  Type f32 = builder.getF32Type();

  const std::optional<SparseConvGeometry> &conv = spec.conv;
  SmallVector<Type> args = {
      conv ? MemRefType::get({conv->batch, conv->channels, conv->height,
                              conv->width},
                             element)
           : MemRefType::get({s.m, s.k}, element),
      MemRefType::get({s.n, banks, nnz}, element),
      MemRefType::get({s.n, banks, nnz}, spec.indexType)};
  if (s.bias)
    args.push_back(MemRefType::get({s.n}, element));
  args.push_back(conv ? MemRefType::get({conv->batch, s.n, conv->outHeight,
                                         conv->outWidth},
                                        element)
                      : MemRefType::get({s.m, s.n}, element));
  auto workgroup = MemRefType::get(
      {tb * bank * chunk}, f32, MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(builder.getContext(),
                                 gpu::AddressSpace::Workgroup));

  OpBuilder::InsertionGuard guard(builder);
  gpu::GPUFuncOp func = createKernel(builder, loc, module, name, args,
                                     TypeRange{workgroup}, plan.threads);
  func.setWorkgroupAttributionAttr(0, LLVM::LLVMDialect::getAlignAttrName(),
                                   builder.getI64IntegerAttr(16));
  auto grid = getSparseGrid(spec);
  func->setAttr("dnn.launch",
                builder.getDenseI64ArrayAttr(
                    {grid[0], grid[1], 1, plan.threads}));
  Block &entry = func.getBody().front();
  Value x = entry.getArgument(0), values = entry.getArgument(1),
        offsets = entry.getArgument(2);
  Value bias = s.bias ? entry.getArgument(3) : Value();
  Value y = entry.getArgument(s.bias ? 4 : 3);
  Value xs = func.getWorkgroupAttributions()[0];

  IndexBuilder ix{builder, loc};
  Value tid = gpu::ThreadIdOp::create(builder, loc, gpu::Dimension::x);
  Value lane = ix.rem(tid, kWarp), warp = ix.div(tid, kWarp);
  Value row = ix.add(
      ix.mul(gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x),
             plan.rowsPerCta),
      warp);
  Value m0 =
      ix.mul(gpu::BlockIdOp::create(builder, loc, gpu::Dimension::y), tb);
  Value rowInside = ix.lt(row, s.n);
  Value rowClamped = ix.min(row, s.n - 1);
  Value zero = arith::ConstantOp::create(builder, loc,
                                         builder.getF32FloatAttr(0));
  SmallVector<Value> init(tb, zero);

  // One op per statement: the order of ops created inside one call's
  // arguments would be the host compiler's choice.
  Value one = ix.c(1), chunkCount = ix.c(chunks), zeroIdx = ix.c(0);
  auto chunkLoop =
      scf::ForOp::create(builder, loc, zeroIdx, chunkCount, one, init);
  builder.setInsertionPointToStart(chunkLoop.getBody());
  Value chunkIndex = chunkLoop.getInductionVar();
  Value firstBank = ix.mul(chunkIndex, chunk);
  // Stage x: consecutive threads take consecutive banks c of the chunk (the
  // shared-memory stores are conflict-free; the global reads are strided by
  // the bank size and served by L2, x being small).
  int64_t staged = tb * bank * chunk;
  Value threadCount = ix.c(plan.threads), stagedCount = ix.c(staged);
  auto stage = scf::ForOp::create(builder, loc, tid, stagedCount, threadCount);
  {
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToStart(stage.getBody());
    Value e = stage.getInductionVar();
    Value c = ix.rem(e, chunk);
    Value rest = ix.div(e, chunk);
    Value o = ix.rem(rest, bank), t = ix.div(rest, bank);
    Value column = ix.add(ix.mul(ix.add(firstBank, c), bank), o);
    Value mrow = ix.add(m0, t);
    Value mIn = ix.lt(mrow, s.m);
    Value kIn = ix.lt(column, s.k);
    Value inside = ix.both(kIn, mIn);
    Value v;
    if (conv) {
      // Implicit im2col: the row is an output pixel, the column a tap of
      // the window; h and w wrap below 0, so one unsigned compare each.
      Value pixel = ix.min(mrow, s.m - 1), tap = ix.min(column, s.k - 1);
      int64_t plane = conv->outHeight * conv->outWidth;
      int64_t window = conv->kernel[0] * conv->kernel[1];
      Value image = ix.div(pixel, plane);
      Value rest = ix.rem(pixel, plane);
      Value p = ix.div(rest, conv->outWidth), q = ix.rem(rest, conv->outWidth);
      Value channel = ix.div(tap, window);
      Value offset = ix.rem(tap, window);
      Value kh = ix.div(offset, conv->kernel[1]);
      Value kw = ix.rem(offset, conv->kernel[1]);
      Value khDil = ix.mul(kh, conv->dilation[0]);
      Value pStr = ix.mul(p, conv->strides[0]);
      Value h = ix.sub(ix.add(pStr, khDil), conv->padding[0]);
      Value kwDil = ix.mul(kw, conv->dilation[1]);
      Value qStr = ix.mul(q, conv->strides[1]);
      Value w = ix.sub(ix.add(qStr, kwDil), conv->padding[1]);
      Value wIn = ix.lt(w, conv->width);
      Value hIn = ix.lt(h, conv->height);
      inside = ix.both(inside, ix.both(hIn, wIn));
      v = memref::LoadOp::create(
          builder, loc, x,
          ValueRange{image, channel, ix.min(h, conv->height - 1),
                     ix.min(w, conv->width - 1)});
    } else {
      v = memref::LoadOp::create(
          builder, loc, x,
          ValueRange{ix.min(mrow, s.m - 1), ix.min(column, s.k - 1)});
    }
    v = extendToF32(builder, loc, v);
    v = arith::SelectOp::create(builder, loc, inside, v, zero);
    memref::StoreOp::create(builder, loc, v, xs, ValueRange{e});
  }
  gpu::BarrierOp::create(builder, loc);

  // The lane's banks of this chunk: c = lane + 32 p.
  Value warpSize = ix.c(kWarp), chunkSize = ix.c(chunk);
  auto passLoop = scf::ForOp::create(builder, loc, lane, chunkSize, warpSize,
                                     chunkLoop.getRegionIterArgs());
  {
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToStart(passLoop.getBody());
    Value c = passLoop.getInductionVar();
    Value b = ix.add(firstBank, c);
    Value valid = ix.both(rowInside, ix.lt(b, banks));
    SmallVector<Type> accTypes(tb, f32);
    auto ifValid = scf::IfOp::create(builder, loc, accTypes, valid,
                                     /*withElseRegion=*/true);
    builder.setInsertionPointToStart(ifValid.elseBlock());
    scf::YieldOp::create(builder, loc, passLoop.getRegionIterArgs());
    builder.setInsertionPointToStart(ifValid.thenBlock());
    // One entry: acc[t] += value * xs[(t * bank + offset) * chunk + c].
    auto entryStep = [&](Value j, SmallVector<Value> acc) {
      SmallVector<Value, 3> at = {rowClamped, b, j};
      Value w = extendToF32(builder, loc,
                            memref::LoadOp::create(builder, loc, values, at));
      Value off = arith::IndexCastUIOp::create(
          builder, loc, builder.getIndexType(),
          memref::LoadOp::create(builder, loc, offsets, at));
      Value base = ix.add(ix.mul(off, chunk), c);
      auto contract = arith::FastMathFlagsAttr::get(
          builder.getContext(), arith::FastMathFlags::contract);
      for (int64_t t = 0; t < tb; ++t) {
        Value xv = memref::LoadOp::create(
            builder, loc, xs, ValueRange{ix.add(base, t * bank * chunk)});
        Value p = arith::MulFOp::create(builder, loc, w, xv, contract);
        acc[t] = arith::AddFOp::create(builder, loc, p, acc[t], contract);
      }
      return acc;
    };
    SmallVector<Value> acc(passLoop.getRegionIterArgs());
    if (nnz <= kUnrollEntries) {
      for (int64_t j = 0; j < nnz; ++j)
        acc = entryStep(ix.c(j), acc);
      scf::YieldOp::create(builder, loc, acc);
    } else {
      Value c1 = ix.c(1), count = ix.c(nnz), c0 = ix.c(0);
      auto entries = scf::ForOp::create(builder, loc, c0, count, c1, acc);
      {
        OpBuilder::InsertionGuard g2(builder);
        builder.setInsertionPointToStart(entries.getBody());
        SmallVector<Value> next = entryStep(
            entries.getInductionVar(),
            SmallVector<Value>(entries.getRegionIterArgs()));
        scf::YieldOp::create(builder, loc, next);
      }
      scf::YieldOp::create(builder, loc, entries.getResults());
    }
    builder.setInsertionPointAfter(ifValid);
    scf::YieldOp::create(builder, loc, ifValid.getResults());
  }
  // The next chunk overwrites xs: every warp must be done with this one.
  if (chunks > 1)
    gpu::BarrierOp::create(builder, loc);
  scf::YieldOp::create(builder, loc, passLoop.getResults());
  builder.setInsertionPointAfter(chunkLoop);

  // Warp sum (butterfly), then lane 0 writes the batch rows in range.
  SmallVector<Value> sums(chunkLoop.getResults());
  for (Value &sum : sums)
    sum = warpSum(builder, loc, sum);
  Value writer = ix.both(rowInside, arith::CmpIOp::create(
                                        builder, loc, arith::CmpIPredicate::eq,
                                        lane, ix.c(0)));
  auto write = scf::IfOp::create(builder, loc, writer);
  builder.setInsertionPointToStart(write.thenBlock());
  Value biasValue;
  if (bias)
    biasValue = extendToF32(
        builder, loc, memref::LoadOp::create(builder, loc, bias, ValueRange{row}));
  for (int64_t t = 0; t < tb; ++t) {
    Value mrow = ix.add(m0, t);
    auto inside = scf::IfOp::create(builder, loc, ix.lt(mrow, s.m));
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToStart(inside.thenBlock());
    Value v = sums[t];
    if (biasValue)
      v = arith::AddFOp::create(builder, loc, v, biasValue);
    SmallVector<Value, 4> at = {mrow, row};
    if (conv) {
      int64_t plane = conv->outHeight * conv->outWidth;
      Value rest = ix.rem(mrow, plane);
      at = {ix.div(mrow, plane), row, ix.div(rest, conv->outWidth),
            ix.rem(rest, conv->outWidth)};
    }
    memref::StoreOp::create(builder, loc, roundTo(builder, loc, v, element), y,
                            at);
  }
  builder.setInsertionPointAfter(write);
  gpu::ReturnOp::create(builder, loc);
  return func;
}
