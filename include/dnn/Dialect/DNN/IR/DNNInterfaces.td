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

def DNN_BalancedSparseOpInterface : OpInterface<"BalancedSparseOpInterface"> {
  let cppNamespace = "::mlir::dnn";
  let description = [{
    A compute op whose weight is stored in the balanced sparse layout
    (`#dnn.balanced`): `values` and `indices` are `N x banks x nnz` over a
    reduction of length `K` cut into banks of `bank_size`. As a GEMM the
    op computes `y[M x N] = x'[M x K] * W^T (+ bias)`, where `x'` is the
    input (linear) or its implicit im2col (conv2d) and column `c` of `W`
    is entry `j` of bank `c / bank_size` with `indices[n, b, j] = c mod
    bank_size`. The mapping, the performance model and the GPU lowering
    reason about `dnn.sparse_linear` and `dnn.sparse_conv2d` through this
    view.

    | op | M | N | K |
    |---|---|---|---|
    | sparse_linear | product of leading input dims | values dim 0 | input's last dim |
    | sparse_conv2d | N * P * Q | values dim 0 (F) | C * KH * KW |
  }];
  let methods = [
    InterfaceMethod<"The activations.", "::mlir::Value", "getInput", (ins),
                    [{ return $_op.getInput(); }]>,
    InterfaceMethod<"The kept values, N x banks x nnz.", "::mlir::Value",
                    "getValues", (ins), [{ return $_op.getValues(); }]>,
    InterfaceMethod<"The in-bank offsets, N x banks x nnz.", "::mlir::Value",
                    "getIndices", (ins), [{ return $_op.getIndices(); }]>,
    InterfaceMethod<"The optional bias (N elements), or null.",
                    "::mlir::Value", "getBias", (ins),
                    [{ return $_op.getBias(); }]>,
    InterfaceMethod<"The layout.", "::mlir::dnn::BalancedSparsityAttr",
                    "getLayout", (ins), [{ return $_op.getLayout(); }]>,
    InterfaceMethod<"The dense GEMM this op computes (batch 1).",
                    "::mlir::dnn::GemmShape", "getSparseGemmShape">,
  ];
}

def DNN_RecurrentOpInterface : OpInterface<"RecurrentOpInterface"> {
  let cppNamespace = "::mlir::dnn";
  let description = [{
    A recurrent layer (`dnn.lstm`, `dnn.gru`, `dnn.rnn`): the shapes and
    cell parameters the lowerings, the performance model and
    `dnn-fuse-rnn` need, whatever the cell.
  }];
  let methods = [
    InterfaceMethod<"Gates per cell (LSTM 4, GRU 3, RNN 1).", "int64_t",
                    "getNumGates">,
    InterfaceMethod<"Activation functions per direction (LSTM 3, GRU 2, "
                    "RNN 1).", "int64_t", "getNumActivations">,
    InterfaceMethod<"The default activation functions of one direction.",
                    "::llvm::SmallVector<::llvm::StringRef, 3>",
                    "getDefaultActivations">,
  ];
  let extraSharedClassDeclaration = [{
    /// Time steps T.
    int64_t getSteps() {
      return ::llvm::cast<::mlir::RankedTensorType>(
          $_op->getOperand(0).getType()).getDimSize(0);
    }
    /// Batch B.
    int64_t getBatch() {
      return ::llvm::cast<::mlir::RankedTensorType>(
          $_op->getOperand(0).getType()).getDimSize(1);
    }
    /// Input features I.
    int64_t getInputSize() {
      return ::llvm::cast<::mlir::RankedTensorType>(
          $_op->getOperand(0).getType()).getDimSize(2);
    }
    /// Directions D (1 or 2).
    int64_t getNumDirections() {
      auto direction =
          $_op->template getAttrOfType<::mlir::StringAttr>("direction");
      return direction && direction.getValue() == "bidirectional" ? 2 : 1;
    }
  }];
}

def DNN_ChannelOpInterface : OpInterface<"ChannelOpInterface"> {
  let cppNamespace = "::mlir::dnn";
  let description = [{
    How channels flow through an op, for the passes that change channel
    counts (`dnn-tail-aware-channels`). The op lists *ties*: sets of tensor
    dimensions of its operands and results (`ChannelDim`) that must keep the
    same size, and so must be sliced or grown together:

    | kind | meaning | example |
    |---|---|---|
    | `Produce` | the op creates these channels | conv2d: result dim 1, weight dim 0, bias dim 0 |
    | `Consume` | the op reduces over these channels | conv2d: input dim 1, weight dim 1 |
    | `PassThrough` | channel i of the operands becomes channel i of the results | batch_norm dim 1 with its four parameters; depthwise conv2d |
    | `Slice` | `dims[0]` (an operand) is `[offset, offset + size)` of `dims[1]` (the result) | concat along its axis |

    Dims marked `isWeight` are parameters (weights, biases, batch-norm
    statistics): a rewrite slices or pads their data, while the other dims
    are activations that follow from the ops that produce them.

    An op whose channels cannot be followed (transpose, softmax, matmul, a
    grouped non-depthwise conv2d, a flatten or reshape that merges or splits
    dims of size > 1) says so with `isChannelOpaque()`; the analysis then
    blocks every dimension it touches. A flatten or reshape that only adds
    or drops unit dims (`1x512x1x1 -> 1x512`) ties its dims of size > 1
    pairwise. A dimension of an operand or result that none of the op's ties
    covers is blocked too (the op would not follow a change of it). `lib/Analysis/ChannelGroups.cpp` builds the channel groups of a
    function from these ties.
  }];
  let methods = [
    InterfaceMethod<"Appends the channel ties of this op to `ties`.", "void",
      "getChannelTies",
      (ins "::llvm::SmallVectorImpl<::mlir::dnn::ChannelTie> &":$ties),
      /*methodBody=*/"", /*defaultImplementation=*/"return;">,
    InterfaceMethod<"True if channels cannot be followed through this op.",
      "bool", "isChannelOpaque", (ins), /*methodBody=*/"",
      /*defaultImplementation=*/"return false;">,
  ];
}

#endif // DNN_DIALECT_DNN_IR_DNNINTERFACES_TD
