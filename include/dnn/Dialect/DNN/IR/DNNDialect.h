//===- DNNDialect.h - dnn dialect declaration -------------------*- C++ -*-===//
//
// The dnn dialect: DNN layers carrying hardware-mapping attributes.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_IR_DNNDIALECT_H
#define DNN_DIALECT_DNN_IR_DNNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dnn/Dialect/DNN/IR/DNNOpsDialect.h.inc"

#endif // DNN_DIALECT_DNN_IR_DNNDIALECT_H
