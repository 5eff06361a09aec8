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

/// Parses the text of a target attribute (`#dnn.gpu<...>`, `#dnn.accel<...>`);
/// `what` names the kind of target in diagnostics ("GPU").
FailureOr<Attribute>
parseTargetAttributeText(MLIRContext *context, llvm::StringRef spec,
                         llvm::StringRef what,
                         llvm::function_ref<InFlightDiagnostic()> emitError);
/// The same, requiring an `AttrT` (`#dnn.<mnemonic>`).
template <typename AttrT>
FailureOr<AttrT>
parseTargetAttribute(MLIRContext *context, llvm::StringRef spec,
                     llvm::StringRef what, llvm::StringRef mnemonic,
                     llvm::function_ref<InFlightDiagnostic()> emitError) {
  FailureOr<Attribute> attr =
      parseTargetAttributeText(context, spec, what, emitError);
  if (failed(attr))
    return failure();
  if (auto typed = dyn_cast<AttrT>(*attr))
    return typed;
  return LogicalResult(emitError() << "expected a #dnn." << mnemonic
                                   << " attribute, got " << *attr);
}

/// Resolves a target spec: a preset name (`h100`) or the text of a full
/// `#dnn.gpu<...>` attribute. Reports through `emitError` (naming the known
/// presets for an unknown name) and fails otherwise.
FailureOr<GPUTargetAttr>
parseGPUTargetSpec(MLIRContext *context, llvm::StringRef spec,
                   llvm::function_ref<InFlightDiagnostic()> emitError);

} // namespace mlir::dnn

#endif // DNN_DIALECT_DNN_IR_GPUTARGETS_H
