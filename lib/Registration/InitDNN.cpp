//===- InitDNN.cpp - register everything dnn-mlir provides --------------===//

#include "dnn/InitDNN.h"

#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::dnn::registerAllDNNDialects(DialectRegistry &registry) {
  // The dnn dialect and what dnn modules are written with.
  registry.insert<DNNDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
}

void mlir::dnn::registerAllDNNPasses() { registerDNNPasses(); }
