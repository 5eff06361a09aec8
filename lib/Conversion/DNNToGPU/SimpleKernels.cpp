//===- SimpleKernels.cpp - memory-bound kernels of the GPU lowering -------===//

#include "SimpleKernels.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::dnn;
using namespace mlir::dnn::gpukernels;

int64_t gpukernels::simpleGrid(int64_t elements) {
  return std::max<int64_t>(1, llvm::divideCeil(elements, kSimpleThreads));
}

Value gpukernels::loadF32(OpBuilder &builder, Location loc, Value memref,
                          ValueRange at) {
  return extendToF32(builder, loc,
                     memref::LoadOp::create(builder, loc, memref, at));
}

/// blockIdx.x * 256 + threadIdx.x.
static Value globalThread(OpBuilder &builder, Location loc, IndexBuilder &ix) {
  Value block = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x);
  Value thread = gpu::ThreadIdOp::create(builder, loc, gpu::Dimension::x);
  return ix.add(ix.mul(block, kSimpleThreads), thread);
}

SmallVector<Value> gpukernels::broadcastIndex(IndexBuilder &ix, MemRefType operand,
                                          ArrayRef<Value> at) {
  SmallVector<Value> index;
  int64_t lead = static_cast<int64_t>(at.size()) - operand.getRank();
  for (int64_t d = 0; d < operand.getRank(); ++d)
    index.push_back(operand.getDimSize(d) == 1 ? ix.c(0) : at[lead + d]);
  return index;
}

gpu::GPUFuncOp gpukernels::buildElementwiseKernel(OpBuilder &builder, Location loc,
                                              gpu::GPUModuleOp module,
                                              StringRef name,
                                              ArrayRef<MemRefType> inputs,
                                              MemRefType out,
                                              ElementBody body) {
  OpBuilder::InsertionGuard guard(builder);
  SmallVector<Type> args(inputs.begin(), inputs.end());
  args.push_back(out);
  auto func = createKernel(builder, loc, module, name, args, TypeRange{},
                           kSimpleThreads);
  IndexBuilder ix{builder, loc};
  Value idx = globalThread(builder, loc, ix);
  auto inside = scf::IfOp::create(builder, loc,
                                  ix.lt(idx, out.getNumElements()));
  builder.setInsertionPointToStart(inside.thenBlock());
  // Row-major coordinates of element idx.
  SmallVector<Value> at(out.getRank());
  Value rest = idx;
  for (int64_t d = out.getRank() - 1; d >= 0; --d) {
    int64_t size = out.getDimSize(d);
    if (size == 1) {
      at[d] = ix.c(0);
      continue;
    }
    at[d] = d == 0 ? rest : ix.rem(rest, size);
    if (d > 0)
      rest = ix.div(rest, size);
  }
  Block &entry = func.getBody().front();
  Value v = roundTo(builder, loc, body(ix, entry.getArguments().drop_back(), at),
                    out.getElementType());
  memref::StoreOp::create(builder, loc, v, entry.getArguments().back(), at);
  builder.setInsertionPointAfter(inside);
  gpu::ReturnOp::create(builder, loc);
  return func;
}

gpu::GPUFuncOp gpukernels::buildSoftmaxKernel(OpBuilder &builder, Location loc,
                                          gpu::GPUModuleOp module,
                                          StringRef name, MemRefType type) {
  OpBuilder::InsertionGuard guard(builder);
  auto func = createKernel(builder, loc, module, name, {type, type},
                           TypeRange{}, kSimpleThreads);
  IndexBuilder ix{builder, loc};
  int64_t outer = type.getDimSize(0), axis = type.getDimSize(1),
          inner = type.getDimSize(2);
  Value in = func.getArgument(0), out = func.getArgument(1);
  Value idx = globalThread(builder, loc, ix);
  auto inside = scf::IfOp::create(builder, loc, ix.lt(idx, outer * inner));
  builder.setInsertionPointToStart(inside.thenBlock());
  Value o = ix.div(idx, inner), i = ix.rem(idx, inner);
  Type f32 = builder.getF32Type();
  auto constant = [&](double v) -> Value {
    return arith::ConstantOp::create(builder, loc, builder.getFloatAttr(f32, v));
  };
  // One pass per quantity, each a loop along the axis.
  auto reduce = [&](Value init,
                    function_ref<Value(Value acc, Value x)> step) -> Value {
    // One op per statement: the order of ops created inside one call's
    // arguments would be the host compiler's choice.
    Value c1 = ix.c(1), cAxis = ix.c(axis), c0 = ix.c(0);
    auto loop =
        scf::ForOp::create(builder, loc, c0, cAxis, c1, ValueRange{init});
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToStart(loop.getBody());
    Value x = loadF32(builder, loc, in,
                      ValueRange{o, loop.getInductionVar(), i});
    scf::YieldOp::create(builder, loc,
                         step(loop.getRegionIterArgs()[0], x));
    return loop.getResult(0);
  };
  Value max = reduce(constant(-INFINITY), [&](Value acc, Value x) -> Value {
    return arith::MaximumFOp::create(builder, loc, acc, x);
  });
  Value sum = reduce(constant(0), [&](Value acc, Value x) -> Value {
    Value e = math::ExpOp::create(builder, loc,
                                  arith::SubFOp::create(builder, loc, x, max));
    return arith::AddFOp::create(builder, loc, acc, e);
  });
  Value c1 = ix.c(1), cAxis = ix.c(axis), c0 = ix.c(0);
  auto loop = scf::ForOp::create(builder, loc, c0, cAxis, c1);
  builder.setInsertionPointToStart(loop.getBody());
  // A ValueRange over a braced list would dangle: it does not own the list.
  SmallVector<Value, 3> at{o, loop.getInductionVar(), i};
  Value x = loadF32(builder, loc, in, at);
  Value e = math::ExpOp::create(builder, loc,
                                arith::SubFOp::create(builder, loc, x, max));
  memref::StoreOp::create(
      builder, loc,
      roundTo(builder, loc, arith::DivFOp::create(builder, loc, e, sum),
              type.getElementType()),
      out, at);
  builder.setInsertionPointAfter(inside);
  gpu::ReturnOp::create(builder, loc);
  return func;
}
