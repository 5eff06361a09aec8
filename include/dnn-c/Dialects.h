/*===-- dnn-c/Dialects.h - C API of dnn-mlir ----------------------*- C -*-===*\
|*                                                                            *|
|* The C interface of dnn-mlir, for hosts that are not C++ (Python ctypes,   *|
|* Rust, Julia, ...): register the dnn dialect and passes with the upstream   *|
|* MLIR C API (mlir-c/IR.h, mlir-c/Pass.h), and read the hardware-mapping     *|
|* attributes the passes attach. libDNNMLIRC.so exports these functions and   *|
|* the upstream C API of IR and passes. See docs/embedding.md.                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef DNN_C_DIALECTS_H
#define DNN_C_DIALECTS_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mlirGetDialectHandle__dnn__(): the dnn dialect alone. */
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(DNN, dnn);

/* The dnn dialect and the dialects dnn modules are written with and its
 * passes create (func, arith, tensor, linalg, math). */
MLIR_CAPI_EXPORTED void dnnRegisterAllDialects(MlirDialectRegistry registry);

/* Registers every dnn pass and pipeline (dnn-attach-target, ...,
 * dnn-gpu-pipeline, dnn-cpu-pipeline) with the global pass registry, so
 * mlirParsePassPipeline / mlirOpPassManagerAddPipeline find them. Safe to
 * call more than once. */
MLIR_CAPI_EXPORTED void dnnRegisterAllPasses(void);

/*===--------------------------------------------------------------------===*
 * #dnn.gpu: the target GPU (module attribute "dnn.target")
 *===--------------------------------------------------------------------===*/

MLIR_CAPI_EXPORTED bool dnnAttributeIsAGPUTarget(MlirAttribute attr);
/* The #dnn.gpu of a built-in preset ("h100", "a100", ...; case-insensitive),
 * or a null attribute for an unknown name. */
MLIR_CAPI_EXPORTED MlirAttribute dnnGPUTargetAttrGetPreset(MlirContext ctx,
                                                          MlirStringRef name);
MLIR_CAPI_EXPORTED MlirStringRef dnnGPUTargetAttrGetName(MlirAttribute attr);
MLIR_CAPI_EXPORTED MlirStringRef dnnGPUTargetAttrGetArch(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t dnnGPUTargetAttrGetSMs(MlirAttribute attr);

/*===--------------------------------------------------------------------===*
 * #dnn.mapping: an op's tiling, threads and grid (op attribute "dnn.mapping")
 *===--------------------------------------------------------------------===*/

MLIR_CAPI_EXPORTED bool dnnAttributeIsAMapping(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t dnnMappingAttrGetTileM(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t dnnMappingAttrGetTileN(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t dnnMappingAttrGetTileK(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t dnnMappingAttrGetThreads(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t dnnMappingAttrGetCTAs(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t dnnMappingAttrGetCTAsPerSM(MlirAttribute attr);
MLIR_CAPI_EXPORTED double dnnMappingAttrGetWaves(MlirAttribute attr);

/*===--------------------------------------------------------------------===*
 * #dnn.cost: the predicted cost (op attribute "dnn.cost", from dnn-predict)
 *===--------------------------------------------------------------------===*/

MLIR_CAPI_EXPORTED bool dnnAttributeIsACost(MlirAttribute attr);
MLIR_CAPI_EXPORTED double dnnCostAttrGetLatencyUs(MlirAttribute attr);
MLIR_CAPI_EXPORTED double dnnCostAttrGetEnergyUj(MlirAttribute attr);
MLIR_CAPI_EXPORTED double dnnCostAttrGetTailUtilization(MlirAttribute attr);

#ifdef __cplusplus
}
#endif

#endif /* DNN_C_DIALECTS_H */
