//===- Report.h - the per-layer performance report --------------*- C++ -*-===//
//
// What dnn-predict{report=...} writes: JSON for tools (schema in
// docs/report-schema.md, keep it stable) and a table for people.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_ANALYSIS_REPORT_H
#define DNN_ANALYSIS_REPORT_H

#include "dnn/Analysis/GPUModel.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::dnn {

/// One op of the report.
struct OpReport {
  std::string name;     ///< from the op's location (e.g. the ONNX node name)
  std::string op;       ///< op name, e.g. "dnn.conv2d"
  std::string function; ///< enclosing function
  std::string kind;     ///< "gemm" or "memory"
  GemmShape shape;      ///< m = n = k = 0 for memory-bound ops
  double flops = 0;     ///< arithmetic the prediction assumed
  int64_t tile[3] = {0, 0, 0};
  int64_t splitK = 1;
  Cost cost;
};

struct ModelReport {
  /// The module's target: a #dnn.gpu or a #dnn.accel.
  Attribute target;
  std::vector<OpReport> ops;
  double totalLatencyUs() const;
  double totalEnergyUJ() const;
};

/// A stable, readable name for `op`: the name of its NameLoc if it has one
/// (looking through fused and call-site locations), else `<mnemonic>_<n>`
/// with n counting ops of that name in the function.
std::string getReportName(Operation *op, unsigned ordinal);

void writeReportJSON(const ModelReport &report, llvm::raw_ostream &os);
void writeReportTable(const ModelReport &report, llvm::raw_ostream &os);

} // namespace mlir::dnn

#endif // DNN_ANALYSIS_REPORT_H
