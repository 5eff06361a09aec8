//===- GPUTargets.h - built-in GPU presets ----------------------*- C++ -*-===//
//
// The table of real GPUs the compiler knows by name, and the parsing of a
// user's target spec (preset name or a full #dnn.gpu attribute).
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_IR_GPUTARGETS_H
#define DNN_DIALECT_DNN_IR_GPUTARGETS_H

#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace mlir::dnn {

/// One row of the preset table: the facts of a real GPU and where they come
/// from.
struct GPUPreset {
  llvm::StringLiteral key;     ///< canonical name, also the attribute's name
  llvm::StringLiteral aliases; ///< comma-separated other accepted names
  llvm::StringLiteral arch;    ///< PTX architecture (sm_XY)
  int64_t sms;
  int64_t clockMHz;
  int64_t maxThreadsPerSM;
  int64_t maxBlocksPerSM;
  int64_t smemPerSM;
  int64_t maxSmemPerBlock;
  int64_t smemReservedPerBlock;
  int64_t l2Bytes;
  double dramGBps;
  double fp32TFlops;
  double tensorTFlops;
  llvm::StringLiteral source; ///< datasheets the numbers come from
};

/// The preset among `presets` (anything with `key` and comma-separated
/// `aliases`) called `name`, matched case-insensitively; null if none.
template <typename PresetT>
const PresetT *findPresetByName(llvm::ArrayRef<PresetT> presets,
                                llvm::StringRef name) {
  std::string wanted = name.trim().lower();
  for (const PresetT &preset : presets) {
    if (preset.key == wanted)
      return &preset;
    llvm::SmallVector<llvm::StringRef> aliases;
    preset.aliases.split(aliases, ',', -1, /*KeepEmpty=*/false);
    if (llvm::is_contained(aliases, wanted))
      return &preset;
  }
  return nullptr;
}

/// All built-in presets, in table order.
llvm::ArrayRef<GPUPreset> getGPUPresets();

/// Finds the preset called `name` (its key or an alias, case-insensitive).
const GPUPreset *findGPUPreset(llvm::StringRef name);

/// Builds the #dnn.gpu attribute of a preset.
GPUTargetAttr getGPUTargetAttr(MLIRContext *context, const GPUPreset &preset);

/// Comma-separated keys of every preset, for diagnostics and --help.
std::string getGPUPresetNameList();

/// Resolves a target spec: a preset name (`h100`) or the text of a full
/// `#dnn.gpu<...>` attribute. Reports through `emitError` (naming the known
/// presets for an unknown name) and fails otherwise.
FailureOr<GPUTargetAttr>
parseGPUTargetSpec(MLIRContext *context, llvm::StringRef spec,
                   llvm::function_ref<InFlightDiagnostic()> emitError);

} // namespace mlir::dnn

#endif // DNN_DIALECT_DNN_IR_GPUTARGETS_H
