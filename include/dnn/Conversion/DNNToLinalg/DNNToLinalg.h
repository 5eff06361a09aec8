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

namespace mlir {
class ConversionTarget;
class RewritePatternSet;

namespace dnn {

/// The scalar code of activation `kind` applied to the float `x`, as
/// dnn.activation documents it (arith/math ops; the GPU kernels use the
/// same code).
Value buildActivation(OpBuilder &b, Location loc, ActivationKind kind,
                      Value x);

/// Adds one pattern per dnn op that rewrites it into linalg/tensor/arith/math
/// ops on tensors.
void populateDNNToLinalgPatterns(RewritePatternSet &patterns);

/// Marks the dnn dialect illegal and what the patterns produce legal.
void configureDNNToLinalgTarget(ConversionTarget &target);

} // namespace dnn
} // namespace mlir

#endif // DNN_CONVERSION_DNNTOLINALG_DNNTOLINALG_H
