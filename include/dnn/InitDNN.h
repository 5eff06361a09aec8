//===- InitDNN.h - register everything dnn-mlir provides ---------*- C++ -*-===//
//
// One call each for the dialects and the passes of dnn-mlir, for tools and
// for other MLIR compilers that embed it.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_INITDNN_H
#define DNN_INITDNN_H

namespace mlir {
class DialectRegistry;
namespace dnn {

/// Adds the dnn dialect (and the dialects its passes create) to `registry`.
void registerAllDNNDialects(DialectRegistry &registry);

/// Registers every dnn pass and pipeline with the global pass registry.
void registerAllDNNPasses();

} // namespace dnn
} // namespace mlir

#endif // DNN_INITDNN_H
