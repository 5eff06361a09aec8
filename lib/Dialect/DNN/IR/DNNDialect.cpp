//===- DNNDialect.cpp - dnn dialect -------------------------------------===//
//
// Dialect registration, constant materialisation and verification of the
// dnn.* attributes placed on other ops (dnn.target, dnn.mapping).
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::dnn;

#include "dnn/Dialect/DNN/IR/DNNOpsDialect.cpp.inc"

void DNNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dnn/Dialect/DNN/IR/DNNOps.cpp.inc"
      >();
  registerAttributes();
}

Operation *DNNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

/// The `dnn.target` of the module enclosing `op`, if it has a GPU target.
static GPUTargetAttr getEnclosingGPUTarget(Operation *op) {
  for (Operation *parent = op->getParentOp(); parent;
       parent = parent->getParentOp())
    if (auto module = dyn_cast<ModuleOp>(parent))
      if (Attribute target = module->getAttr(DNNDialect::kTargetAttrName))
        return dyn_cast<GPUTargetAttr>(target);
  return {};
}

LogicalResult DNNDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  if (name == kTargetAttrName) {
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'" << name
                             << "' may only be attached to a builtin.module";
    if (!isa<GPUTargetAttr, AccelTargetAttr>(attribute.getValue()))
      return op->emitError() << "'" << name
                             << "' must be a #dnn.gpu or #dnn.accel attribute, got "
                             << attribute.getValue();
    return success();
  }
  if (name == kMappingAttrName || name == kInputMappingAttrName) {
    if (name == kInputMappingAttrName && !isa<RecurrentOpInterface>(op))
      return op->emitError() << "'" << name
                             << "' may only be attached to dnn.lstm, dnn.gru "
                                "or dnn.rnn";
    auto mapping = dyn_cast<MappingAttr>(attribute.getValue());
    if (!mapping)
      return op->emitError() << "'" << name
                             << "' must be a #dnn.mapping attribute, got "
                             << attribute.getValue();
    if (GPUTargetAttr target = getEnclosingGPUTarget(op))
      return mapping.verifyAgainst(target, [&] { return op->emitError(); });
    return success();
  }
  if (name == kCostAttrName) {
    if (!isa<CostAttr>(attribute.getValue()))
      return op->emitError() << "'" << name
                             << "' must be a #dnn.cost attribute, got "
                             << attribute.getValue();
    return success();
  }
  if (name == kLaunchAttrName) {
    auto launch = dyn_cast<DenseI64ArrayAttr>(attribute.getValue());
    if (!launch || launch.size() != 4 ||
        llvm::any_of(launch.asArrayRef(), [](int64_t v) { return v < 1; }))
      return op->emitError() << "'" << name
                             << "' must be 4 positive integers (grid x, y, z, "
                             << "block x), got " << attribute.getValue();
    return success();
  }
  if (name == kRNNFusionAttrName) {
    auto level = dyn_cast<StringAttr>(attribute.getValue());
    if (!isa<RecurrentOpInterface>(op))
      return op->emitError() << "'" << name
                             << "' may only be attached to dnn.lstm, dnn.gru "
                                "or dnn.rnn";
    if (!level || !llvm::is_contained({"unfused", "hoisted", "persistent"},
                                      level.getValue()))
      return op->emitError() << "'" << name
                             << "' must be \"unfused\", \"hoisted\" or "
                                "\"persistent\", got "
                             << attribute.getValue();
    return success();
  }
  return op->emitError() << "unknown dnn attribute '" << name << "'";
}
