/*===- dnn-capi-test.c - the C API of dnn-mlir, from C ---------------------===*
 *
 * A C program (no C++) that embeds dnn-mlir through include/dnn-c and the
 * upstream MLIR C API: registers the dialects and passes, parses a dnn
 * module, runs the mapping pipeline, reads the mapping and cost attributes
 * back, and checks that invalid IR ends in a diagnostic, not a crash.
 * test/CAPI/capi.test runs it under FileCheck.
 *
 *===----------------------------------------------------------------------===*/

#include "dnn-c/Dialects.h"

#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <string.h>

static void printString(MlirStringRef s, void *user) {
  (void)user;
  fwrite(s.data, 1, s.length, stdout);
}

static MlirLogicalResult onDiagnostic(MlirDiagnostic diag, void *user) {
  int *count = (int *)user;
  ++*count;
  printf("diagnostic: ");
  mlirDiagnosticPrint(diag, printString, NULL);
  printf("\n");
  return mlirLogicalResultSuccess();
}

static const char *kModule =
    "func.func @mlp(%x: tensor<64x512xf32>, %w1: tensor<1000x512xf32>,\n"
    "               %w2: tensor<10x1000xf32>) -> tensor<64x10xf32> {\n"
    "  %h = dnn.linear %x, %w1 : (tensor<64x512xf32>, tensor<1000x512xf32>)"
    " -> tensor<64x1000xf32> loc(\"fc1\")\n"
    "  %r = dnn.activation relu %h : tensor<64x1000xf32>\n"
    "  %y = dnn.linear %r, %w2 : (tensor<64x1000xf32>, tensor<10x1000xf32>)"
    " -> tensor<64x10xf32> loc(\"fc2\")\n"
    "  return %y : tensor<64x10xf32>\n"
    "}\n";

static const char *kInvalid =
    "func.func @bad(%x: tensor<4x32xf32>, %w: tensor<16x31xf32>)"
    " -> tensor<4x16xf32> {\n"
    "  %y = dnn.linear %x, %w : (tensor<4x32xf32>, tensor<16x31xf32>)"
    " -> tensor<4x16xf32>\n"
    "  return %y : tensor<4x16xf32>\n"
    "}\n";

static void printLayer(MlirOperation op) {
  MlirAttribute mapping =
      mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("dnn.mapping"));
  MlirAttribute cost =
      mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("dnn.cost"));
  if (mlirAttributeIsNull(mapping) || !dnnAttributeIsAMapping(mapping))
    return;
  MlirIdentifier name = mlirOperationGetName(op);
  printString(mlirIdentifierStr(name), NULL);
  printf(": tile %lldx%lldx%lld, %lld threads, %lld CTAs, %.2f waves",
         (long long)dnnMappingAttrGetTileM(mapping),
         (long long)dnnMappingAttrGetTileN(mapping),
         (long long)dnnMappingAttrGetTileK(mapping),
         (long long)dnnMappingAttrGetThreads(mapping),
         (long long)dnnMappingAttrGetCTAs(mapping),
         dnnMappingAttrGetWaves(mapping));
  if (!mlirAttributeIsNull(cost) && dnnAttributeIsACost(cost))
    printf(", latency %s", dnnCostAttrGetLatencyUs(cost) > 0 ? "> 0" : "<= 0");
  printf("\n");
}

static void walk(MlirOperation op) {
  printLayer(op);
  for (intptr_t r = 0; r < mlirOperationGetNumRegions(op); ++r) {
    MlirRegion region = mlirOperationGetRegion(op, r);
    for (MlirBlock block = mlirRegionGetFirstBlock(region);
         !mlirBlockIsNull(block); block = mlirBlockGetNextInRegion(block))
      for (MlirOperation child = mlirBlockGetFirstOperation(block);
           !mlirOperationIsNull(child);
           child = mlirOperationGetNextInBlock(child))
        walk(child);
  }
}

int main(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  dnnRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirContextLoadAllAvailableDialects(ctx);
  dnnRegisterAllPasses();
  dnnRegisterAllPasses(); /* twice: harmless */

  MlirDialect dnn = mlirDialectHandleLoadDialect(mlirGetDialectHandle__dnn__(), ctx);
  printf("dialect: ");
  printString(mlirDialectGetNamespace(dnn), NULL);
  printf("\n");

  MlirAttribute h100 = dnnGPUTargetAttrGetPreset(ctx, mlirStringRefCreateFromCString("H100"));
  if (mlirAttributeIsNull(h100) || !dnnAttributeIsAGPUTarget(h100))
    return 1;
  printf("preset: ");
  printString(dnnGPUTargetAttrGetName(h100), NULL);
  printf(" ");
  printString(dnnGPUTargetAttrGetArch(h100), NULL);
  printf(" %lld SMs\n", (long long)dnnGPUTargetAttrGetSMs(h100));
  MlirAttribute unknown = dnnGPUTargetAttrGetPreset(ctx, mlirStringRefCreateFromCString("h1000"));
  printf("unknown preset is null: %d\n", mlirAttributeIsNull(unknown));

  int diagnostics = 0;
  MlirDiagnosticHandlerID handler =
      mlirContextAttachDiagnosticHandler(ctx, onDiagnostic, &diagnostics, NULL);

  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kModule));
  if (mlirModuleIsNull(module))
    return 1;
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  const char *pipeline = "dnn-attach-target{gpu=h100},dnn-assign-mapping,dnn-predict";
  MlirLogicalResult parsed = mlirOpPassManagerAddPipeline(
      opm, mlirStringRefCreateFromCString(pipeline), printString, NULL);
  if (mlirLogicalResultIsFailure(parsed))
    return 1;
  MlirLogicalResult ran = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  printf("pipeline: %s\n", mlirLogicalResultIsSuccess(ran) ? "ok" : "failed");
  walk(mlirModuleGetOperation(module));
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);

  /* Invalid IR: a diagnostic and a null module. */
  MlirModule bad = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kInvalid));
  printf("invalid module is null: %d, diagnostics: %d\n", mlirModuleIsNull(bad),
         diagnostics);

  /* An impossible pass option fails the run with a diagnostic. */
  module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kModule));
  pm = mlirPassManagerCreate(ctx);
  opm = mlirPassManagerGetAsOpPassManager(pm);
  mlirOpPassManagerAddPipeline(
      opm, mlirStringRefCreateFromCString("dnn-attach-target{gpu=h1000}"), printString, NULL);
  ran = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  printf("unknown target: %s\n", mlirLogicalResultIsSuccess(ran) ? "ok" : "failed");
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);

  mlirContextDetachDiagnosticHandler(ctx, handler);
  mlirContextDestroy(ctx);
  printf("done\n");
  return 0;
}
