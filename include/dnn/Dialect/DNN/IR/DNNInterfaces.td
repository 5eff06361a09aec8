//===- DNNInterfaces.td - dnn op interfaces ----------------*- tablegen -*-===//
//
// Interfaces passes talk to instead of op lists.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_IR_DNNINTERFACES_TD
#define DNN_DIALECT_DNN_IR_DNNINTERFACES_TD

include "mlir/IR/OpBase.td"

def DNN_GemmOpInterface : OpInterface<"GemmOpInterface"> {
  let cppNamespace = "::mlir::dnn";
  let description = [{
    The GEMM view of a compute op: the op performs `batch` independent
    matrix products `C[m x n] += A[m x k] * B[k x n]`. The mapping, the
    performance model and the GPU lowering reason about every compute op
    through this view, so a new op gains all of them by implementing it.

    | op | batch | m | n | k |
    |---|---|---|---|---|
    | conv2d (implicit GEMM) | groups | N * P * Q | F / groups | C / groups * KH * KW |
    | linear | 1 | product of leading input dims | N | K |
    | matmul | product of broadcast batch dims | M | N | K |

    Operand 0 is the A side (activations), operand 1 the B side (weights);
    their tensors, the result and an optional bias are what a kernel must
    read and write at least once.
  }];
  let methods = [
    InterfaceMethod<"The GEMM shape of this op.", "::mlir::dnn::GemmShape",
                    "getGemmShape">,
  ];
}

#endif // DNN_DIALECT_DNN_IR_DNNINTERFACES_TD
