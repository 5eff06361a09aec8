//===- KernelBuilder.h - helpers for building gpu.func kernels --*- C++ -*-===//
//
// Shared by the GEMM kernel builder and the GPU lowering's simple kernels.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_LIB_CONVERSION_DNNTOGPU_KERNELBUILDER_H
#define DNN_LIB_CONVERSION_DNNTOGPU_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::dnn::gpukernels {

/// Index arithmetic with constants folded at build time where possible.
struct IndexBuilder {
  OpBuilder &b;
  Location loc;

  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return y == 0 ? x : add(x, c(y)); }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, loc, x, c(y)).getResult();
  }
  Value div(Value x, int64_t y) {
    return y == 1 ? x : arith::DivUIOp::create(b, loc, x, c(y)).getResult();
  }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, loc, x, c(y)); }
  Value lt(Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, c(y));
  }
  Value min(Value x, int64_t y) { return arith::MinUIOp::create(b, loc, x, c(y)); }
  Value sub(Value x, int64_t y) {
    return y == 0 ? x : arith::SubIOp::create(b, loc, x, c(y)).getResult();
  }
  /// 0 <= x < y for a signed x.
  Value within(Value x, int64_t y) {
    Value ge = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, x, c(0));
    Value lt = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, c(y));
    return both(ge, lt);
  }
  /// x clamped to [0, y - 1] (signed).
  Value clamp(Value x, int64_t y) {
    Value lo = arith::MaxSIOp::create(b, loc, x, c(0));
    return arith::MinSIOp::create(b, loc, lo, c(y - 1));
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
};

/// `v` as f32 (f16/bf16 extended exactly; f32 as it is).
inline Value extendToF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

/// The f32 `v` rounded to nearest even in `type` (nothing if it is f32).
inline Value roundTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return arith::TruncFOp::create(b, loc, type, v);
}

/// The sum of the f32 `v` over the 32 lanes of a warp (xor-shuffle
/// butterfly: every lane ends with the total). All lanes must run it.
inline Value warpSum(OpBuilder &b, Location loc, Value v) {
  constexpr int32_t warp = 32;
  Value width = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(warp));
  for (int32_t off = warp / 2; off >= 1; off /= 2) {
    Value offset =
        arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(off));
    auto shuffle = gpu::ShuffleOp::create(b, loc, v, offset, width,
                                          gpu::ShuffleMode::XOR);
    v = arith::AddFOp::create(b, loc, v, shuffle.getShuffleResult());
  }
  return v;
}

/// An empty `gpu.func @name(args) kernel` at the end of `module` for CTAs
/// of `threads` threads, with `workgroup` buffers; the builder is left at
/// the start of its body.
inline gpu::GPUFuncOp createKernel(OpBuilder &builder, Location loc,
                                   gpu::GPUModuleOp module, StringRef name,
                                   TypeRange args, TypeRange workgroup,
                                   int64_t threads) {
  builder.setInsertionPointToEnd(module.getBody());
  auto func = gpu::GPUFuncOp::create(
      builder, loc, name, builder.getFunctionType(args, {}), workgroup);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                builder.getUnitAttr());
  func.setKnownBlockSizeAttr(builder.getDenseI32ArrayAttr(
      {static_cast<int32_t>(threads), 1, 1}));
  builder.setInsertionPointToStart(&func.getBody().front());
  return func;
}

} // namespace mlir::dnn::gpukernels

#endif // DNN_LIB_CONVERSION_DNNTOGPU_KERNELBUILDER_H
