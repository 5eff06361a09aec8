//===- Dialects.cpp - C API of dnn-mlir ----------------------------------===//

#include "dnn-c/Dialects.h"

#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/GPUTargets.h"
#include "dnn/InitDNN.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"

#include <mutex>

using namespace mlir;
using namespace mlir::dnn;

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(DNN, dnn, mlir::dnn::DNNDialect)

void dnnRegisterAllDialects(MlirDialectRegistry registry) {
  registerAllDNNDialects(*unwrap(registry));
}

void dnnRegisterAllPasses(void) {
  // The global registry rejects a second registration of a name.
  static std::once_flag once;
  std::call_once(once, [] { registerAllDNNPasses(); });
}

//===----------------------------------------------------------------------===//
// #dnn.gpu
//===----------------------------------------------------------------------===//

bool dnnAttributeIsAGPUTarget(MlirAttribute attr) {
  return isa<GPUTargetAttr>(unwrap(attr));
}

MlirAttribute dnnGPUTargetAttrGetPreset(MlirContext ctx, MlirStringRef name) {
  MLIRContext *context = unwrap(ctx);
  context->getOrLoadDialect<DNNDialect>();
  const GPUPreset *preset = findGPUPreset(unwrap(name));
  if (!preset)
    return MlirAttribute{nullptr};
  return wrap(Attribute(getGPUTargetAttr(context, *preset)));
}

MlirStringRef dnnGPUTargetAttrGetName(MlirAttribute attr) {
  return wrap(cast<GPUTargetAttr>(unwrap(attr)).getName());
}

MlirStringRef dnnGPUTargetAttrGetArch(MlirAttribute attr) {
  return wrap(cast<GPUTargetAttr>(unwrap(attr)).getArch());
}

int64_t dnnGPUTargetAttrGetSMs(MlirAttribute attr) {
  return cast<GPUTargetAttr>(unwrap(attr)).getSms();
}

//===----------------------------------------------------------------------===//
// #dnn.mapping
//===----------------------------------------------------------------------===//

static MappingAttr mapping(MlirAttribute attr) {
  return cast<MappingAttr>(unwrap(attr));
}

bool dnnAttributeIsAMapping(MlirAttribute attr) {
  return isa<MappingAttr>(unwrap(attr));
}
int64_t dnnMappingAttrGetTileM(MlirAttribute attr) {
  return mapping(attr).getTileM();
}
int64_t dnnMappingAttrGetTileN(MlirAttribute attr) {
  return mapping(attr).getTileN();
}
int64_t dnnMappingAttrGetTileK(MlirAttribute attr) {
  return mapping(attr).getTileK();
}
int64_t dnnMappingAttrGetThreads(MlirAttribute attr) {
  return mapping(attr).getThreads();
}
int64_t dnnMappingAttrGetCTAs(MlirAttribute attr) {
  return mapping(attr).getCtas();
}
int64_t dnnMappingAttrGetCTAsPerSM(MlirAttribute attr) {
  return mapping(attr).getCtasPerSm();
}
double dnnMappingAttrGetWaves(MlirAttribute attr) {
  return mapping(attr).getWavesValue();
}

//===----------------------------------------------------------------------===//
// #dnn.cost
//===----------------------------------------------------------------------===//

static CostAttr cost(MlirAttribute attr) { return cast<CostAttr>(unwrap(attr)); }

bool dnnAttributeIsACost(MlirAttribute attr) {
  return isa<CostAttr>(unwrap(attr));
}
double dnnCostAttrGetLatencyUs(MlirAttribute attr) {
  return cost(attr).getLatency();
}
double dnnCostAttrGetEnergyUj(MlirAttribute attr) {
  return cost(attr).getEnergy();
}
double dnnCostAttrGetTailUtilization(MlirAttribute attr) {
  return cost(attr).getTailUtilization().convertToDouble();
}
