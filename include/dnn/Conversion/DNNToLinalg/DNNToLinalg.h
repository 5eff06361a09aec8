//===- DNNToLinalg.h - dnn to linalg conversion patterns --------*- C++ -*-===//
//
// The patterns behind dnn-lower-to-linalg, for compilers that want to mix
// them with their own (see docs/reference/DNNConversionPasses.md for the
// linalg form of each op).
//
//===----------------------------------------------------------------------===//

#ifndef DNN_CONVERSION_DNNTOLINALG_DNNTOLINALG_H
#define DNN_CONVERSION_DNNTOLINALG_DNNTOLINALG_H

#include "dnn/Dialect/DNN/IR/DNNAttrs.h"

#include "mlir/IR/Builders.h"

#include <string>

namespace mlir {
class ConversionTarget;
class RewritePatternSet;

namespace dnn {
class RecurrentOpInterface;

/// The scalar code of activation `kind` applied to the float `x`, as
/// dnn.activation documents it (arith/math ops; the GPU kernels use the
/// same code).
Value buildActivation(OpBuilder &b, Location loc, ActivationKind kind,
                      Value x);

/// One activation function of a recurrent cell (an ONNX name lower-cased,
/// as the recurrent ops' `activations` list it) with its alpha and beta.
struct RecurrentCellFunction {
  std::string name;
  double alpha = 0, beta = 0;
  bool operator==(const RecurrentCellFunction &o) const {
    return name == o.name && alpha == o.alpha && beta == o.beta;
  }
};

/// The cell functions of direction `direction` of `op`, in the op's order
/// (LSTM f, g, h; GRU f, g; RNN f), ONNX's defaults filled in.
SmallVector<RecurrentCellFunction>
getRecurrentCellFunctions(RecurrentOpInterface op, int64_t direction);

/// The scalar (or element-wise) code of `f` applied to the float `x`; the
/// CPU lowering and the GPU kernels share it.
Value buildRecurrentCellFunction(OpBuilder &b, Location loc,
                                 const RecurrentCellFunction &f, Value x);

/// The LSTM cell on float scalars (ONNX gate order i, o, f, c), shared by
/// the CPU lowering and the GPU kernels: `xw(g)` and `hr(g)` give gate g's
/// x W^T + Wb and h R^T + Rb, `peep(k, c)` the peephole term Pk . c (k = 0,
/// 1, 2 for i, o, f; zero without peepholes), `act(which, x, clip)` the
/// cell function `which` (f, g, h) of x, clipped first if `clip`. Returns
/// {h', c'} from the previous cell state `c`.
std::pair<Value, Value>
buildLSTMCell(OpBuilder &b, Location loc, Value c, bool inputForget,
              function_ref<Value(int64_t)> xw, function_ref<Value(int64_t)> hr,
              function_ref<Value(int64_t, Value)> peep,
              function_ref<Value(int64_t, Value, bool)> act);

/// Adds one pattern per dnn op that rewrites it into linalg/tensor/arith/math
/// ops on tensors.
void populateDNNToLinalgPatterns(RewritePatternSet &patterns);

/// Marks the dnn dialect illegal and what the patterns produce legal.
void configureDNNToLinalgTarget(ConversionTarget &target);

} // namespace dnn
} // namespace mlir

#endif // DNN_CONVERSION_DNNTOLINALG_DNNTOLINALG_H
