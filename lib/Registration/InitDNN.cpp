//===- InitDNN.cpp - register everything dnn-mlir provides --------------===//

#include "dnn/InitDNN.h"

#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"
#include "dnn/Conversion/Passes.h"
#include "dnn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::dnn::registerAllDNNDialects(DialectRegistry &registry) {
  // The dnn dialect and what dnn modules are written with.
  registry.insert<DNNDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect, linalg::LinalgDialect,
                  math::MathDialect>();
}

void mlir::dnn::registerAllDNNPasses() {
  registerDNNPasses();
  registerDNNConversionPasses();
  registerDNNPipelines();
}
