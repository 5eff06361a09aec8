//===- RecurrentKernels.cpp - GPU kernels of the recurrent layers --------===//
//
// See RecurrentKernels.h. Arithmetic is f32 (16-bit operands are extended,
// results rounded once), as on the CPU path; the ONNX gate order (LSTM
// i, o, f, c; GRU z, r, h) indexes the rows g * H + j of W, R and the
// projections.
//
//===----------------------------------------------------------------------===//

#include "RecurrentKernels.h"

#include "KernelBuilder.h"
#include "SimpleKernels.h"

#include "dnn/Runtime/ModelABI.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::dnn;
using namespace mlir::dnn::gpukernels;

static constexpr int64_t kWarp = 32;

using Slot = RecurrentSlot;
using Cell = RecurrentKernelSpec::Cell;

static constexpr size_t slotIndex(Slot s) { return static_cast<size_t>(s); }

std::array<Type, static_cast<size_t>(RecurrentSlot::NumSlots)>
RecurrentKernelSpec::slotTypes(MLIRContext *ctx) const {
  std::array<Type, slotIndex(Slot::NumSlots)> t{};
  Type f32 = Float32Type::get(ctx);
  int64_t gh = gates * hidden, t_ = steps, b = batch, h = hidden, d = dirs;
  bool lstm = cell == Cell::LSTM;
  bool unfused = level == RNNFusionLevel::Unfused;
  auto set = [&](Slot s, ArrayRef<int64_t> shape, Type e) {
    t[slotIndex(s)] = MemRefType::get(shape, e);
  };
  set(Slot::X, {t_, b, input}, element);
  set(Slot::W, {d, gh, input}, element);
  set(Slot::R, {d, gh, h}, element);
  if (bias)
    set(Slot::Bias, {d, 2 * gh}, element);
  if (lens)
    set(Slot::Lens, {b}, IntegerType::get(ctx, 32));
  if (peephole)
    set(Slot::Peephole, {d, 3 * h}, element);
  if (h0)
    set(Slot::H0, {d, b, h}, element);
  if (c0)
    set(Slot::C0, {d, b, h}, element);
  if (unfused) {
    set(Slot::XW, {d, b, gh}, f32);
    set(Slot::HR, {d, b, gh}, f32);
    if (resetBeforeLinear())
      set(Slot::HN, {d, b, h}, f32);
  } else {
    set(Slot::Proj, {d, t_ * b, gh}, f32);
  }
  set(Slot::HBuf, {2, d, b, h}, f32);
  if (lstm)
    set(Slot::CBuf, {2, d, b, h}, f32);
  if (resetBeforeLinear()) {
    set(Slot::RH, {d, b, h}, f32);
    set(Slot::Z, {d, b, h}, f32);
  }
  set(Slot::Y, {t_, d, b, h}, element);
  set(Slot::Yh, {d, b, h}, element);
  if (lstm)
    set(Slot::Yc, {d, b, h}, element);
  if (level == RNNFusionLevel::Persistent)
    set(Slot::Counter, {1}, IntegerType::get(ctx, 32));
  return t;
}

int64_t RecurrentKernelSpec::persistentSmemBytes() const {
  RecurrentShape shape;
  shape.batch = batch;
  shape.hidden = hidden;
  shape.gates = gates;
  shape.elementBytes = element.getIntOrFloatBitWidth() / 8;
  return getPersistentSmemBytes(shape, units);
}

int64_t gpukernels::getRecurrentStepCtas(const RecurrentKernelSpec &spec) {
  int64_t per = spec.level == RNNFusionLevel::Persistent ? spec.units
                                                         : spec.warps;
  return llvm::divideCeilSigned(spec.hidden, per);
}

namespace {

/// Builds the code shared by the kernels inside one gpu.func.
struct Emitter {
  OpBuilder &b;
  Location loc;
  const RecurrentKernelSpec &spec;
  IndexBuilder ix;
  std::array<Value, slotIndex(Slot::NumSlots)> args{};
  Value step; ///< the time step s (index)
  int64_t t, bt, h, gh;

  Emitter(OpBuilder &b, Location loc, const RecurrentKernelSpec &spec)
      : b(b), loc(loc), spec(spec), ix{b, loc}, t(spec.steps), bt(spec.batch),
        h(spec.hidden), gh(spec.gates * spec.hidden) {}

  /// `gpu.func @name(slots..., step) kernel` with the builder in its body.
  gpu::GPUFuncOp begin(gpu::GPUModuleOp module, StringRef name,
                       int64_t threads) {
    auto types = spec.slotTypes(b.getContext());
    SmallVector<Type> argTypes;
    for (Type type : types)
      if (type)
        argTypes.push_back(type);
    argTypes.push_back(b.getIndexType());
    auto func = createKernel(b, loc, module, name, argTypes, TypeRange{},
                             threads);
    unsigned at = 0;
    for (auto [i, type] : llvm::enumerate(types))
      if (type)
        args[i] = func.getArgument(at++);
    step = func.getArgument(at);
    return func;
  }

  /// One thread per state (direction d, batch row bi, unit j) in CTAs of
  /// 256: the builder is left inside the guard of the grid's tail.
  std::array<Value, 3> perState() {
    Value block = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
    Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    Value idx = ix.add(ix.mul(block, kSimpleThreads), tid);
    firstThread = eq(idx, ix.c(0));
    auto inside = scf::IfOp::create(b, loc, ix.lt(idx, spec.dirs * bt * h));
    b.setInsertionPointToStart(inside.thenBlock());
    Value rest = ix.div(idx, h);
    return {ix.div(rest, bt), ix.rem(rest, bt), ix.rem(idx, h)};
  }
  /// Set by perState: is this thread 0 of the grid?
  Value firstThread;

  /// One warp per row of `rows` (warps of a CTA along x, the direction
  /// along y): {direction, row, lane}, the builder left inside the guard
  /// of the last CTA's extra warps (uniform per warp, as warpSum needs).
  std::array<Value, 3> perWarpRow(int64_t rows) {
    Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    Value blockX = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
    Value d = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
    // One op per statement: the order of ops created inside one call's
    // arguments would be the host compiler's choice.
    Value warp = ix.div(tid, kWarp);
    Value row = ix.add(ix.mul(blockX, spec.warps), warp);
    auto inside = scf::IfOp::create(b, loc, ix.lt(row, rows));
    b.setInsertionPointToStart(inside.thenBlock());
    return {d, row, ix.rem(tid, kWarp)};
  }

  Value arg(Slot s) const { return args[slotIndex(s)]; }
  bool has(Slot s) const { return static_cast<bool>(arg(s)); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value load(Slot s, ValueRange at) { return loadF32(b, loc, arg(s), at); }
  void store(Value v, Slot s, ValueRange at) {
    Type e = cast<MemRefType>(arg(s).getType()).getElementType();
    memref::StoreOp::create(b, loc, roundTo(b, loc, v, e), arg(s), at);
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value eq(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
  }
  Value slt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
  }

  /// Does direction `d` run backwards in time?
  Value reversed(Value d) {
    if (spec.reverseOnly)
      return arith::ConstantIntOp::create(b, loc, 1, 1);
    if (spec.dirs == 1)
      return arith::ConstantIntOp::create(b, loc, 0, 1);
    return eq(d, ix.c(1));
  }
  /// L_b: the length of batch entry `bi` (T without sequence_lens).
  Value length(Value bi) {
    if (!has(Slot::Lens))
      return ix.c(t);
    Value len = memref::LoadOp::create(b, loc, arg(Slot::Lens), bi);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), len);
  }
  /// The time step entry `bi` of direction `d` is at in step s: s forward,
  /// max(L_b - 1 - s, 0) backwards.
  Value timeOf(Value d, Value bi, Value s) {
    Value zero = ix.c(0);
    Value last = ix.sub(length(bi), 1);
    Value back = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, last, s), zero);
    return select(reversed(d), back, s);
  }
  /// Slot of the state step s reads (s % 2); it writes the other.
  Value current(Value s) { return ix.rem(s, 2); }

  /// Cell function `which` of direction `d` on x (clipped first unless
  /// `noClip`); directions with different functions select at run time.
  Value activate(int which, Value x, Value d, bool noClip = false) {
    if (spec.clip && !noClip) {
      Value hi = f32(*spec.clip), lo = f32(-*spec.clip);
      x = arith::MinimumFOp::create(
          b, loc, arith::MaximumFOp::create(b, loc, x, lo), hi);
    }
    Value y0 = buildRecurrentCellFunction(b, loc, spec.functions[0][which], x);
    if (spec.functions.size() < 2 ||
        spec.functions[1][which] == spec.functions[0][which])
      return y0;
    Value y1 = buildRecurrentCellFunction(b, loc, spec.functions[1][which], x);
    return select(eq(d, ix.c(0)), y0, y1);
  }

  /// The pre-activation parts of gate g for (d, b, j): x W^T + Wb and
  /// h R^T + Rb.
  using GateValue = function_ref<Value(int64_t g)>;

  /// The end of phase `phase` for unit (d, bi, j) at step s, given the
  /// gates' x W^T + Wb (`xw`) and h R^T + Rb (`hr`; for the Candidate phase
  /// gate 2 is (r . h) Rh^T + Rbh).
  void finish(RecurrentPhase phase, Value d, Value bi, Value j, Value s,
              GateValue xw, GateValue hr) {
    Value cur = current(s);
    Value hPrev = load(Slot::HBuf, {cur, d, bi, j});
    // x W^T + Wb plus h R^T + Rb of gate g, the latter built first (the
    // order of ops not left to the host compiler).
    auto sum = [&](int64_t g) {
      Value recurrent = hr(g);
      return add(xw(g), recurrent);
    };
    if (phase == RecurrentPhase::ResetGate) {
      Value z = activate(0, sum(0), d);
      Value r = activate(0, sum(1), d);
      store(z, Slot::Z, {d, bi, j});
      store(mul(r, hPrev), Slot::RH, {d, bi, j});
      return;
    }
    Value hNew, cNew, cPrev;
    switch (spec.cell) {
    case Cell::LSTM: {
      cPrev = load(Slot::CBuf, {cur, d, bi, j});
      std::tie(hNew, cNew) = buildLSTMCell(
          b, loc, cPrev, spec.inputForget, xw, hr,
          [&](int64_t k, Value cv) -> Value {
            if (!has(Slot::Peephole))
              return f32(0);
            return mul(load(Slot::Peephole, {d, ix.add(j, k * h)}), cv);
          },
          [&](int64_t which, Value x, bool clipped) {
            return activate(which, x, d, /*noClip=*/!clipped);
          });
      break;
    }
    case Cell::GRU: {
      Value z, n;
      if (spec.linearBeforeReset) {
        z = activate(0, sum(0), d);
        Value r = activate(0, sum(1), d);
        Value rh = mul(r, hr(2));
        n = activate(1, add(xw(2), rh), d);
      } else {
        z = load(Slot::Z, {d, bi, j});
        n = activate(1, sum(2), d);
      }
      Value zh = mul(z, hPrev);
      hNew = add(mul(sub(f32(1), z), n), zh);
      break;
    }
    case Cell::RNN:
      hNew = activate(0, sum(0), d);
      break;
    }
    // Past its length an entry keeps its state and its Y is zero.
    Value active = slt(s, length(bi));
    Value hKeep = select(active, hNew, hPrev);
    Value nxt = arith::SubIOp::create(b, loc, ix.c(1), cur);
    store(hKeep, Slot::HBuf, {nxt, d, bi, j});
    Value cKeep;
    if (cNew) {
      cKeep = select(active, cNew, cPrev);
      store(cKeep, Slot::CBuf, {nxt, d, bi, j});
    }
    Value at = select(active, timeOf(d, bi, s), s);
    store(select(active, hNew, f32(0)), Slot::Y, {at, d, bi, j});
    auto last = scf::IfOp::create(b, loc, eq(s, ix.c(t - 1)));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(last.thenBlock());
    store(hKeep, Slot::Yh, {d, bi, j});
    if (cKeep)
      store(cKeep, Slot::Yc, {d, bi, j});
  }

  /// Per lane: sum over k = lane, lane + 32, ... < K of weight(r, k) *
  /// source(c, k) for `rows` x `cols` pairs, then the warp's total (xor
  /// shuffles; every lane holds it). Result [r * cols + c].
  SmallVector<Value> warpDots(Value lane, int64_t k, int64_t rows,
                              int64_t cols,
                              function_ref<Value(int64_t r, Value k)> weight,
                              function_ref<Value(int64_t c, Value k)> source) {
    SmallVector<Value> init(rows * cols, f32(0));
    Value warpSize = ix.c(kWarp), end = ix.c(k);
    auto loop = scf::ForOp::create(b, loc, lane, end, warpSize, init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value kk = loop.getInductionVar();
      SmallVector<Value> ws, xs, acc;
      for (int64_t r = 0; r < rows; ++r)
        ws.push_back(weight(r, kk));
      for (int64_t c = 0; c < cols; ++c)
        xs.push_back(source(c, kk));
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          acc.push_back(math::FmaOp::create(
              b, loc, ws[r], xs[c], loop.getRegionIterArgs()[r * cols + c]));
      scf::YieldOp::create(b, loc, acc);
    }
    SmallVector<Value> sums(loop.getResults());
    for (Value &sum : sums)
      sum = warpSum(b, loc, sum);
    return sums;
  }

  /// Batch rows per pass of a warp (the largest divisor of B up to 4):
  /// gates x rows accumulators per lane.
  int64_t batchChunk() const {
    for (int64_t c = 4; c > 1; --c)
      if (spec.batch % c == 0)
        return c;
    return 1;
  }

  /// The gates a phase computes.
  SmallVector<int64_t> phaseGates(RecurrentPhase phase) const {
    if (phase == RecurrentPhase::ResetGate)
      return {0, 1};
    if (phase == RecurrentPhase::Candidate)
      return {2};
    SmallVector<int64_t> all;
    for (int64_t g = 0; g < spec.gates; ++g)
      all.push_back(g);
    return all;
  }

  /// Bias term `offset + n` of direction d (0 without a bias).
  Value biasAt(Value d, Value n, int64_t offset) {
    if (!has(Slot::Bias))
      return f32(0);
    return load(Slot::Bias, {d, ix.add(n, offset)});
  }

  /// One warp computes unit j of direction d at step s in `phase`: the R
  /// rows of its gates (`weight(gate index in phaseGates, k)`) times the
  /// source vector of each batch row (`source(batch row, k)`), then lane 0
  /// finishes the cell.
  void unit(RecurrentPhase phase, Value d, Value j, Value s, Value lane,
            function_ref<Value(int64_t r, Value k)> weight,
            function_ref<Value(Value bi, Value k)> source) {
    SmallVector<int64_t> gates = phaseGates(phase);
    int64_t chunk = batchChunk();
    Value chunkSize = ix.c(chunk), batch = ix.c(bt), zero = ix.c(0);
    auto chunks = scf::ForOp::create(b, loc, zero, batch, chunkSize);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(chunks.getBody());
    Value b0 = chunks.getInductionVar();
    SmallVector<Value> sums = warpDots(
        lane, h, gates.size(), chunk, weight,
        [&](int64_t c, Value k) { return source(ix.add(b0, c), k); });
    auto writer = scf::IfOp::create(b, loc, eq(lane, ix.c(0)));
    b.setInsertionPointToStart(writer.thenBlock());
    for (int64_t c = 0; c < chunk; ++c) {
      Value bi = ix.add(b0, c);
      Value time = timeOf(d, bi, s);
      auto xw = [&](int64_t g) -> Value {
        Value n = ix.add(j, g * h);
        Value row = ix.add(ix.mul(time, bt), bi);
        Value bias = biasAt(d, n, 0);
        return add(load(Slot::Proj, {d, row, n}), bias);
      };
      auto hr = [&](int64_t g) -> Value {
        auto it = llvm::find(gates, g);
        Value n = ix.add(j, g * h);
        return add(sums[(it - gates.begin()) * chunk + c], biasAt(d, n, gh));
      };
      finish(phase, d, bi, j, s, xw, hr);
    }
  }
};

} // namespace

gpu::GPUFuncOp gpukernels::buildRecurrentInitKernel(
    OpBuilder &builder, Location loc, gpu::GPUModuleOp module, StringRef name,
    const RecurrentKernelSpec &spec) {
  OpBuilder::InsertionGuard guard(builder);
  Emitter e(builder, loc, spec);
  auto func = e.begin(module, name, kSimpleThreads);
  IndexBuilder &ix = e.ix;
  auto [d, bi, j] = e.perState();
  if (e.has(Slot::Counter)) {
    OpBuilder::InsertionGuard g(builder);
    auto first = scf::IfOp::create(builder, loc, e.firstThread);
    builder.setInsertionPointToStart(first.thenBlock());
    Value zero = ix.c(0);
    memref::StoreOp::create(
        builder, loc,
        arith::ConstantOp::create(builder, loc, builder.getI32IntegerAttr(0)),
        e.arg(Slot::Counter), ValueRange{zero});
  }
  auto initial = [&](Slot from, Slot to) {
    Value v = e.has(from) ? e.load(from, {d, bi, j}) : e.f32(0);
    e.store(v, to, {ix.c(0), d, bi, j});
  };
  initial(Slot::H0, Slot::HBuf);
  if (e.has(Slot::CBuf))
    initial(Slot::C0, Slot::CBuf);
  builder.setInsertionPointToEnd(&func.getBody().front());
  gpu::ReturnOp::create(builder, loc);
  return func;
}

gpu::GPUFuncOp gpukernels::buildRecurrentGemvKernel(
    OpBuilder &builder, Location loc, gpu::GPUModuleOp module, StringRef name,
    const RecurrentKernelSpec &spec, RecurrentGemv what) {
  OpBuilder::InsertionGuard guard(builder);
  Emitter e(builder, loc, spec);
  auto func = e.begin(module, name, spec.warps * kWarp);
  IndexBuilder &ix = e.ix;
  int64_t h = spec.hidden, gh = spec.gates * h;
  int64_t k = what == RecurrentGemv::Input ? spec.input : h;
  auto [d, n, lane] =
      e.perWarpRow(what == RecurrentGemv::Candidate ? h : gh);
  // Row of W / R and where the bias and the result are.
  Value row = what == RecurrentGemv::Candidate ? ix.add(n, 2 * h) : n;
  Slot matrix = what == RecurrentGemv::Input ? Slot::W : Slot::R;
  Slot out = what == RecurrentGemv::Input       ? Slot::XW
             : what == RecurrentGemv::Recurrent ? Slot::HR
                                                : Slot::HN;
  int64_t biasOffset = what == RecurrentGemv::Input ? 0 : gh;
  int64_t chunk = e.batchChunk();
  Value s = e.step;
  // One op per statement: the order of ops created inside one call's
  // arguments would be the host compiler's choice.
  Value chunkSize = ix.c(chunk), batch = ix.c(spec.batch), zero = ix.c(0);
  auto chunks = scf::ForOp::create(builder, loc, zero, batch, chunkSize);
  builder.setInsertionPointToStart(chunks.getBody());
  Value b0 = chunks.getInductionVar();
  SmallVector<Value> sums = e.warpDots(
      lane, k, 1, chunk,
      [&](int64_t, Value kk) { return e.load(matrix, {d, row, kk}); },
      [&](int64_t c, Value kk) -> Value {
        Value bi = ix.add(b0, c);
        switch (what) {
        case RecurrentGemv::Input:
          return e.load(Slot::X, {e.timeOf(d, bi, s), bi, kk});
        case RecurrentGemv::Recurrent:
          return e.load(Slot::HBuf, {e.current(s), d, bi, kk});
        case RecurrentGemv::Candidate:
          return e.load(Slot::RH, {d, bi, kk});
        }
        llvm_unreachable("gemv kind");
      });
  auto writer = scf::IfOp::create(builder, loc, e.eq(lane, ix.c(0)));
  builder.setInsertionPointToStart(writer.thenBlock());
  Value bias = e.biasAt(d, row, biasOffset);
  for (int64_t c = 0; c < chunk; ++c) {
    Value bi = ix.add(b0, c);
    e.store(e.add(sums[c], bias), out, {d, bi, n});
  }
  builder.setInsertionPointToEnd(&func.getBody().front());
  gpu::ReturnOp::create(builder, loc);
  return func;
}

gpu::GPUFuncOp gpukernels::buildRecurrentCellKernel(
    OpBuilder &builder, Location loc, gpu::GPUModuleOp module, StringRef name,
    const RecurrentKernelSpec &spec, RecurrentPhase phase) {
  OpBuilder::InsertionGuard guard(builder);
  Emitter e(builder, loc, spec);
  auto func = e.begin(module, name, kSimpleThreads);
  IndexBuilder &ix = e.ix;
  int64_t h = spec.hidden;
  auto [d, bi, j] = e.perState();
  auto xw = [&](int64_t g) { return e.load(Slot::XW, {d, bi, ix.add(j, g * h)}); };
  auto hr = [&](int64_t g) -> Value {
    if (phase == RecurrentPhase::Candidate && g == 2)
      return e.load(Slot::HN, {d, bi, j});
    return e.load(Slot::HR, {d, bi, ix.add(j, g * h)});
  };
  e.finish(phase, d, bi, j, e.step, xw, hr);
  builder.setInsertionPointToEnd(&func.getBody().front());
  gpu::ReturnOp::create(builder, loc);
  return func;
}

gpu::GPUFuncOp gpukernels::buildRecurrentStepKernel(
    OpBuilder &builder, Location loc, gpu::GPUModuleOp module, StringRef name,
    const RecurrentKernelSpec &spec, RecurrentPhase phase) {
  OpBuilder::InsertionGuard guard(builder);
  Emitter e(builder, loc, spec);
  auto func = e.begin(module, name, spec.warps * kWarp);
  IndexBuilder &ix = e.ix;
  auto [d, j, lane] = e.perWarpRow(spec.hidden);
  SmallVector<int64_t> gates = e.phaseGates(phase);
  Value s = e.step;
  Value cur = e.current(s);
  e.unit(
      phase, d, j, s, lane,
      [&](int64_t r, Value k) {
        return e.load(Slot::R, {d, ix.add(j, gates[r] * spec.hidden), k});
      },
      [&](Value bi, Value k) {
        return phase == RecurrentPhase::Candidate
                   ? e.load(Slot::RH, {d, bi, k})
                   : e.load(Slot::HBuf, {cur, d, bi, k});
      });
  builder.setInsertionPointToEnd(&func.getBody().front());
  gpu::ReturnOp::create(builder, loc);
  return func;
}

/// Every CTA arrives (thread 0: fence, atomic add) and waits until the
/// counter reaches `target` (volatile loads), then fences again: the
/// grid-wide barrier of the persistent kernel.
static void gridBarrier(OpBuilder &b, Location loc, IndexBuilder &ix,
                        Value counter, Value tid, Value target) {
  gpu::BarrierOp::create(b, loc);
  auto leader = scf::IfOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, ix.c(0)));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(leader.thenBlock());
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc,
                                                                   counter);
    Value ptr = LLVM::IntToPtrOp::create(
        b, loc, ptrType,
        arith::IndexCastOp::create(b, loc, i64, address).getResult());
    LLVM::FenceOp::create(b, loc, LLVM::AtomicOrdering::seq_cst, "device");
    LLVM::AtomicRMWOp::create(
        b, loc, LLVM::AtomicBinOp::add, ptr,
        arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(1)),
        LLVM::AtomicOrdering::monotonic, "device");
    Value want = arith::IndexCastOp::create(b, loc, i32, target);
    auto spin = scf::WhileOp::create(b, loc, TypeRange{}, ValueRange{});
    {
      Block *before = b.createBlock(&spin.getBefore());
      b.setInsertionPointToStart(before);
      Value seen = LLVM::LoadOp::create(b, loc, i32, ptr, /*alignment=*/4,
                                        /*isVolatile=*/true);
      Value waiting = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                            seen, want);
      scf::ConditionOp::create(b, loc, waiting, ValueRange{});
      Block *after = b.createBlock(&spin.getAfter());
      b.setInsertionPointToStart(after);
      scf::YieldOp::create(b, loc);
    }
    b.setInsertionPointAfter(spin);
    LLVM::FenceOp::create(b, loc, LLVM::AtomicOrdering::seq_cst, "device");
  }
  gpu::BarrierOp::create(b, loc);
}

gpu::GPUFuncOp gpukernels::buildRecurrentPersistentKernel(
    OpBuilder &builder, Location loc, gpu::GPUModuleOp module, StringRef name,
    const RecurrentKernelSpec &spec) {
  OpBuilder::InsertionGuard guard(builder);
  Emitter e(builder, loc, spec);
  int64_t threads = spec.warps * kWarp;
  auto func = e.begin(module, name, threads);
  IndexBuilder &ix = e.ix;
  MLIRContext *ctx = builder.getContext();
  int64_t h = spec.hidden, g = spec.gates, u = spec.units, bt = spec.batch;
  Value tid = gpu::ThreadIdOp::create(builder, loc, gpu::Dimension::x);
  Value warp = ix.div(tid, kWarp), lane = ix.rem(tid, kWarp);
  Value blockX = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x);
  Value d = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::y);
  Value j0 = ix.mul(blockX, u);
  Value ctas = ix.c(getRecurrentStepCtas(spec) * spec.dirs);

  // Dynamic shared memory: this CTA's R rows [u][g][h], then the state.
  auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto raw = gpu::DynamicSharedMemoryOp::create(
      builder, loc,
      MemRefType::get({ShapedType::kDynamic}, builder.getI8Type(),
                      MemRefLayoutAttrInterface{}, workgroup));
  // The state follows the (aligned) R rows: the last B x H f32.
  int64_t rBytes = spec.persistentSmemBytes() - bt * h * 4;
  Value rs = memref::ViewOp::create(
      builder, loc,
      MemRefType::get({u * g * h}, spec.element, MemRefLayoutAttrInterface{},
                      workgroup),
      raw, ix.c(0), ValueRange{});
  Value state = memref::ViewOp::create(
      builder, loc,
      MemRefType::get({bt * h}, builder.getF32Type(),
                      MemRefLayoutAttrInterface{}, workgroup),
      raw, ix.c(rBytes), ValueRange{});

  // Stage the R rows of units j0 .. j0 + u - 1 (all gates) once.
  {
    // One op per statement: the order of ops created inside one call's
    // arguments would be the host compiler's choice.
    Value step = ix.c(threads), end = ix.c(u * g * h);
    auto loop = scf::ForOp::create(builder, loc, tid, end, step);
    OpBuilder::InsertionGuard g2(builder);
    builder.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    Value k = ix.rem(i, h);
    Value rest = ix.div(i, h);
    Value gate = ix.rem(rest, g), unit = ix.div(rest, g);
    Value j = ix.add(j0, unit);
    auto in = scf::IfOp::create(builder, loc, ix.lt(j, h));
    builder.setInsertionPointToStart(in.thenBlock());
    Value w = memref::LoadOp::create(builder, loc, e.arg(Slot::R),
                                     ValueRange{d, ix.add(j, ix.mul(gate, h)), k});
    memref::StoreOp::create(builder, loc, w, rs, ValueRange{i});
  }

  SmallVector<RecurrentPhase, 2> phases;
  if (spec.resetBeforeLinear())
    phases = {RecurrentPhase::ResetGate, RecurrentPhase::Candidate};
  else
    phases = {RecurrentPhase::Full};
  Value one = ix.c(1), stepCount = ix.c(spec.steps), zero = ix.c(0);
  auto steps = scf::ForOp::create(builder, loc, zero, stepCount, one);
  builder.setInsertionPointToStart(steps.getBody());
  Value s = steps.getInductionVar();
  for (auto [p, phase] : llvm::enumerate(phases)) {
    // The source vector of every batch row into shared memory (the barrier
    // before made the other CTAs' writes visible).
    {
      Value step = ix.c(threads), end = ix.c(bt * h);
      auto loop = scf::ForOp::create(builder, loc, tid, end, step);
      OpBuilder::InsertionGuard g2(builder);
      builder.setInsertionPointToStart(loop.getBody());
      Value i = loop.getInductionVar();
      Value k = ix.rem(i, h), bi = ix.div(i, h);
      Value v = phase == RecurrentPhase::Candidate
                    ? e.load(Slot::RH, {d, bi, k})
                    : e.load(Slot::HBuf, {e.current(s), d, bi, k});
      memref::StoreOp::create(builder, loc, v, state, ValueRange{i});
    }
    gpu::BarrierOp::create(builder, loc);
    SmallVector<int64_t> gates = e.phaseGates(phase);
    Value warps = ix.c(spec.warps), unitCount = ix.c(u);
    auto units = scf::ForOp::create(builder, loc, warp, unitCount, warps);
    {
      OpBuilder::InsertionGuard g2(builder);
      builder.setInsertionPointToStart(units.getBody());
      Value unit = units.getInductionVar();
      Value j = ix.add(j0, unit);
      auto in = scf::IfOp::create(builder, loc, ix.lt(j, h));
      builder.setInsertionPointToStart(in.thenBlock());
      e.unit(
          phase, d, j, s, lane,
          [&](int64_t r, Value k) {
            Value at = ix.add(ix.mul(ix.add(ix.mul(unit, g), gates[r]), h), k);
            return extendToF32(builder, loc,
                               memref::LoadOp::create(builder, loc, rs, at));
          },
          [&](Value bi, Value k) {
            return memref::LoadOp::create(builder, loc, state,
                                          ix.add(ix.mul(bi, h), k))
                .getResult();
          });
    }
    // Barrier number s * phases + p + 1: every CTA has arrived that often.
    Value number =
        ix.add(ix.mul(s, static_cast<int64_t>(phases.size())), p + 1);
    gridBarrier(builder, loc, ix, e.arg(Slot::Counter), tid,
                arith::MulIOp::create(builder, loc, number, ctas));
  }
  builder.setInsertionPointAfter(steps);
  gpu::ReturnOp::create(builder, loc);
  return func;
}
