//===- DNNAttrs.h - dnn attributes and enums --------------------*- C++ -*-===//
//
// Hardware attributes (#dnn.gpu, #dnn.mapping) and the dnn enums.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_IR_DNNATTRS_H
#define DNN_DIALECT_DNN_IR_DNNATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APFloat.h"

#include "dnn/Dialect/DNN/IR/DNNEnums.h.inc"

namespace mlir::dnn::detail {
/// Parses a double written as an integer or float literal.
FailureOr<llvm::APFloat> parseF64Parameter(AsmParser &parser);
/// Prints a double in the shortest decimal form that parses back exactly.
void printF64Parameter(AsmPrinter &printer, const llvm::APFloat &value);
} // namespace mlir::dnn::detail

#define GET_ATTRDEF_CLASSES
#include "dnn/Dialect/DNN/IR/DNNAttrs.h.inc"

#endif // DNN_DIALECT_DNN_IR_DNNATTRS_H
