//===- DNNOps.td - dnn layer ops ---------------------------*- tablegen -*-===//
//
// Tensor-level DNN layers with value semantics (NCHW layout).
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_IR_DNNOPS_TD
#define DNN_DIALECT_DNN_IR_DNNOPS_TD

include "dnn/Dialect/DNN/IR/DNNBase.td"
include "dnn/Dialect/DNN/IR/DNNAttrs.td"
include "dnn/Dialect/DNN/IR/DNNInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Constraints and shared traits
//===----------------------------------------------------------------------===//

/// Every dnn value: a statically shaped, non-empty floating-point tensor
/// without an encoding. A zero-size dimension would make a layer degenerate
/// (an empty GEMM, a mean over nothing) and cannot be mapped onto a grid of
/// at least one CTA.
def DNN_NonEmptyShapePred : CPred<
    "::llvm::none_of(::llvm::cast<::mlir::ShapedType>($_self).getShape(), "
    "[](int64_t dim) { return dim == 0; })">;
/// Encodings (sparse, layout) have no meaning for a dnn layer; the
/// lowerings and the mapping assume a plain row-major tensor.
def DNN_NoEncodingPred : CPred<
    "!::llvm::cast<::mlir::RankedTensorType>($_self).getEncoding()">;
/// At most 2^48 bytes (mlir::dnn::kMaxTensorBytes): 10^12 elements verify,
/// an element count that overflows 64 bits does not.
def DNN_BoundedSizePred : CPred<"::mlir::dnn::hasBoundedSize($_self)">;
def DNN_Tensor : RankedTensorOf<[F16, BF16, F32, F64],
    [HasStaticShapePred, DNN_NonEmptyShapePred, DNN_NoEncodingPred,
     DNN_BoundedSizePred],
    "statically shaped non-empty tensor of at most 2^48 bytes without encoding">;
/// In-bank offsets of a balanced sparse weight (see #dnn.balanced).
def DNN_IndexTensor : RankedTensorOf<[I8, I16, I32],
    [HasStaticShapePred, DNN_NonEmptyShapePred, DNN_NoEncodingPred,
     DNN_BoundedSizePred],
    "statically shaped non-empty i8/i16/i32 tensor of at most 2^48 bytes "
    "without encoding">;
/// What a dnn.constant holds: weights or in-bank offsets.
def DNN_ConstantTensor : RankedTensorOf<[F16, BF16, F32, F64, I8, I16, I32],
    [HasStaticShapePred, DNN_NonEmptyShapePred, DNN_NoEncodingPred,
     DNN_BoundedSizePred],
    "statically shaped non-empty float or i8/i16/i32 tensor of at most 2^48 "
    "bytes without encoding">;

/// Runs the op's `verifyShapes()` as a trait, before shape inference, so a
/// malformed op is reported with its precise diagnostic instead of a generic
/// "failed to infer returned types".
def DNN_VerifiedShapes : NativeOpTrait<"VerifiedShapes", [],
    [{ ::llvm::LogicalResult verifyShapes(); }]> {
  let cppNamespace = "::mlir::dnn::OpTrait";
}

/// A dnn layer whose result type follows from its operands and attributes.
class DNN_InferredOp<string mnemonic, list<Trait> traits = []>
    : DNN_Op<mnemonic, !listconcat([Pure, DNN_VerifiedShapes], traits,
        [DeclareOpInterfaceMethods<InferTypeOpInterface>])>;

def DNN_I64Pair1 : DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">;
def DNN_I64Quad0 : DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">;

//===----------------------------------------------------------------------===//
// Convolution and GEMM-like layers
//===----------------------------------------------------------------------===//

def DNN_Conv2DOp : DNN_InferredOp<"conv2d", [AllElementTypesMatch<["input", "weight", "result"]>,
    DeclareOpInterfaceMethods<DNN_GemmOpInterface>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies", "isChannelOpaque"]>]> {
  let summary = "2-D convolution (NCHW input, FCHW weights), optional bias";
  let description = [{
    Cross-correlation of `input` (`N x C x H x W`) with `weight`
    (`F x C/groups x KH x KW`), plus an optional `bias` of `F` elements. The
    result is `N x F x P x Q` with
    `P = (H + pad_top + pad_bottom - dilation_h * (KH - 1) - 1) / stride_h + 1`
    and likewise for `Q`.

    * `strides`: `[stride_h, stride_w]`, default `[1, 1]`.
    * `padding`: `[top, left, bottom, right]` zero padding, default zeros.
    * `dilation`: `[dilation_h, dilation_w]`, default `[1, 1]`.
    * `groups`: `C` and `F` are split into `groups` independent groups;
      depthwise convolution is `groups = C`.

    As a GEMM per group (implicit GEMM): `M = N * P * Q`,
    `N = F / groups`, `K = C / groups * KH * KW`.

    ```mlir
    %y = dnn.conv2d %x, %w, %b {strides = array<i64: 2, 2>,
                                padding = array<i64: 3, 3, 3, 3>}
        : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>)
        -> tensor<1x64x112x112xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input, DNN_Tensor:$weight,
                       Optional<DNN_Tensor>:$bias,
                       DNN_I64Pair1:$strides,
                       DNN_I64Quad0:$padding,
                       DNN_I64Pair1:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def DNN_LinearOp : DNN_InferredOp<"linear", [AllElementTypesMatch<["input", "weight", "result"]>,
    DeclareOpInterfaceMethods<DNN_GemmOpInterface>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "Fully connected layer: input * weight^T + bias";
  let description = [{
    `input` is `... x K`, `weight` is `N x K` (one row per output feature,
    the ONNX/PyTorch layout), the optional `bias` has `N` elements; the
    result is `... x N`. As a GEMM: `M` = product of the leading input
    dims, `N`, `K`.

    ```mlir
    %y = dnn.linear %x, %w, %b
        : (tensor<8x512xf32>, tensor<1000x512xf32>, tensor<1000xf32>)
        -> tensor<8x1000xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input, DNN_Tensor:$weight,
                       Optional<DNN_Tensor>:$bias);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def DNN_SparseLinearOp : DNN_InferredOp<"sparse_linear", [
    AllElementTypesMatch<["input", "values", "result"]>,
    AllShapesMatch<["values", "indices"]>,
    DeclareOpInterfaceMethods<DNN_BalancedSparseOpInterface>]> {
  let summary = "Fully connected layer with a balanced sparse weight";
  let description = [{
    `dnn.linear` whose `N x K` weight is stored in the balanced sparse
    layout `layout` (see `#dnn.balanced`): `values` and `indices` are
    `N x banks x nnz` with `banks = ceil(K / bank_size)`; the optional
    `bias` has `N` elements. The result is `... x N`:

    `y[m, n] = bias[n] + sum_{b, j} values[n, b, j] * x[m, b * bank_size + indices[n, b, j]]`

    where `x[m, c]` is 0 for `c >= K` (the padding of a partial last bank).
    When `indices` is a constant the verifier checks every bank: offsets in
    `[0, bank_size)`, strictly increasing, so each bank holds exactly `nnz`
    distinct entries. `dnn-balanced-sparsify` writes this op from a
    `dnn.linear` with a constant weight.

    ```mlir
    %y = dnn.sparse_linear %x, %values, %indices, %b {layout =
        #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>}
        : (tensor<1x2560xf32>, tensor<7680x80x8xf32>, tensor<7680x80x8xi8>,
           tensor<7680xf32>) -> tensor<1x7680xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input, DNN_Tensor:$values,
                       DNN_IndexTensor:$indices, Optional<DNN_Tensor>:$bias,
                       DNN_BalancedSparsityAttr:$layout);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $values `,` $indices (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Rows of the product (the product of the leading input dims).
    int64_t getBatchRows();
    /// The reduction length K (the input's last dim).
    int64_t getInFeatures();
    /// The output features N.
    int64_t getOutFeatures();
  }];
}

def DNN_SparseConv2DOp : DNN_InferredOp<"sparse_conv2d", [
    AllElementTypesMatch<["input", "values", "result"]>,
    AllShapesMatch<["values", "indices"]>,
    DeclareOpInterfaceMethods<DNN_BalancedSparseOpInterface>]> {
  let summary = "2-D convolution with a balanced sparse weight";
  let description = [{
    `dnn.conv2d` (one group) whose `F x C x KH x KW` weight, read as the
    `F x K` matrix of its implicit GEMM (`K = C * KH * KW`, column
    `c * KH * KW + kh * KW + kw`), is stored in the balanced sparse layout
    `layout`: `values` and `indices` are `F x banks x nnz` with
    `banks = ceil(K / bank_size)`. `kernel = [KH, KW]` gives the window,
    which the sparse operands no longer show; `strides`, `padding` and
    `dilation` are those of `dnn.conv2d`. The result is `N x F x P x Q`:

    `y[n, f, p, q] = bias[f] + sum_{b, j} values[f, b, j] * x'[n, p, q, b * bank_size + indices[f, b, j]]`

    where `x'[n, p, q, c * KH * KW + kh * KW + kw]` is the input at channel
    `c`, row `p * stride_h - pad_top + kh * dilation_h` and column
    `q * stride_w - pad_left + kw * dilation_w` (0 in the padding and past
    column K - 1 of a partial last bank). The verifier checks constant
    offsets as for `dnn.sparse_linear`. `dnn-balanced-sparsify` writes this
    op from a `dnn.conv2d` with `groups = 1` and a constant weight.

    ```mlir
    %y = dnn.sparse_conv2d %x, %values, %indices {kernel = array<i64: 3, 3>,
        padding = array<i64: 1, 1, 1, 1>, layout = #dnn.balanced<bank_size = 32,
        nnz = 8, index_bits = 5, value_type = f32>}
        : (tensor<1x64x56x56xf32>, tensor<64x18x8xf32>, tensor<64x18x8xi8>)
        -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input, DNN_Tensor:$values,
                       DNN_IndexTensor:$indices, Optional<DNN_Tensor>:$bias,
                       DNN_BalancedSparsityAttr:$layout,
                       DenseI64ArrayAttr:$kernel,
                       DNN_I64Pair1:$strides,
                       DNN_I64Quad0:$padding,
                       DNN_I64Pair1:$dilation);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $values `,` $indices (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DNN_MatmulOp : DNN_InferredOp<"matmul", [AllElementTypesMatch<["lhs", "rhs", "result"]>,
    DeclareOpInterfaceMethods<DNN_GemmOpInterface>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["isChannelOpaque"]>]> {
  let summary = "Batched matrix product with broadcast batch dimensions";
  let description = [{
    `lhs` is `B... x M x K`, `rhs` is `B... x K x N`; both have rank 2 or
    more and their batch dimensions broadcast as in NumPy. The result is
    `broadcast(B...) x M x N`.

    ```mlir
    %c = dnn.matmul %a, %b : (tensor<4x64x32xf32>, tensor<32x16xf32>)
        -> tensor<4x64x16xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$lhs, DNN_Tensor:$rhs);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Normalisation and element-wise layers
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Recurrent layers
//===----------------------------------------------------------------------===//

/// The attributes every recurrent op shares (ONNX LSTM/GRU/RNN, layout 0).
defvar DNN_RecurrentAttrs = (ins
    ConfinedAttr<I64Attr, [IntMinValue<1>]>:$hidden_size,
    DefaultValuedStrAttr<StrAttr, "forward">:$direction,
    OptionalAttr<StrArrayAttr>:$activations,
    OptionalAttr<DenseF32ArrayAttr>:$activation_alpha,
    OptionalAttr<DenseF32ArrayAttr>:$activation_beta,
    OptionalAttr<F32Attr>:$clip);

class DNN_RecurrentOp<string mnemonic, list<Trait> traits = []>
    : DNN_Op<mnemonic, !listconcat([Pure, AttrSizedOperandSegments,
        DeclareOpInterfaceMethods<DNN_RecurrentOpInterface>], traits)> {
  let hasVerifier = 1;
  code recurrentDescription = [{
    Shapes (ONNX layout 0): `input` is `T x B x I` (time, batch, input
    features); `weight` `D x G*H x I` and `recurrence` `D x G*H x H` hold the
    `G` gates of each of the `D` directions (1, or 2 for `bidirectional`)
    stacked in ONNX order; the optional `bias` is `D x 2*G*H` (`Wb` then
    `Rb`), the optional `sequence_lens` (`lens`, `B` x i32: the length
    `L_b <= T` of each batch entry's sequence), the optional initial state
    `h0` (`c0`) `D x B x H`. Results: `Y`,
    `T x D x B x H` (every step's hidden state), and `Y_h` (`Y_c`), the last
    state of each direction, `D x B x H`. A missing bias or initial state is
    zero. With `sequence_lens`, batch entry `b` runs steps `0 .. L_b - 1`
    (reverse: `L_b - 1` down to 0); `Y` is zero at `t >= L_b` and `Y_h`
    (`Y_c`) is the state after its last step (ONNX semantics).

    * `hidden_size`: `H`.
    * `direction`: `forward`, `reverse` (steps `T - 1` down to 0) or
      `bidirectional` (direction 0 forward, 1 reverse).
    * `activations`: the cell's functions for each direction in turn (ONNX
      names lower-cased: `sigmoid`, `tanh`, `relu`, `hard_sigmoid`,
      `leaky_relu`, `thresholded_relu`, `scaled_tanh`, `affine`, `elu`,
      `softsign`, `softplus`); `activation_alpha` / `activation_beta`, when
      present, give every listed function its alpha and beta (one entry per
      function; the importer fills in ONNX's defaults).
    * `clip`: gate pre-activations are clamped to `[-clip, clip]`.
  }];
}

def DNN_LSTMOp : DNN_RecurrentOp<"lstm"> {
  let summary = "LSTM layer (ONNX semantics)";
  let description = !strconcat([{
    Long short-term memory, `G = 4` gates in ONNX order `i, o, f, c`:

    ```
    i = f(x Wi^T + h Ri^T + Pi . c + Wbi + Rbi)
    f = f(x Wf^T + h Rf^T + Pf . c + Wbf + Rbf)    (1 - i with input_forget)
    g = g(x Wc^T + h Rc^T + Wbc + Rbc)
    c' = f . c + i . g
    o = f(x Wo^T + h Ro^T + Po . c' + Wbo + Rbo)
    h' = o . h(c')
    ```

    `f, g, h` default to `sigmoid, tanh, tanh`; the optional `peephole` is
    `D x 3*H` (`Pi, Po, Pf`).

  }], recurrentDescription, [{

    ```mlir
    %y, %yh, %yc = dnn.lstm %x, %w, %r bias %b {hidden_size = 512 : i64}
        : (tensor<25x1x512xf32>, tensor<1x2048x512xf32>, tensor<1x2048x512xf32>,
           tensor<1x4096xf32>)
        -> (tensor<25x1x1x512xf32>, tensor<1x1x512xf32>, tensor<1x1x512xf32>)
    ```
  }]);
  let arguments = !con((ins DNN_Tensor:$input, DNN_Tensor:$weight,
                            DNN_Tensor:$recurrence, Optional<DNN_Tensor>:$bias,
                            Optional<DNN_IndexTensor>:$sequence_lens,
                            Optional<DNN_Tensor>:$initial_h,
                            Optional<DNN_Tensor>:$initial_c,
                            Optional<DNN_Tensor>:$peephole),
                       DNN_RecurrentAttrs,
                       (ins DefaultValuedAttr<BoolAttr, "false">:$input_forget));
  let results = (outs DNN_Tensor:$y, DNN_Tensor:$y_h, DNN_Tensor:$y_c);
  let assemblyFormat = [{
    $input `,` $weight `,` $recurrence (`bias` $bias^)? (`lens` $sequence_lens^)?
    (`h0` $initial_h^)?
    (`c0` $initial_c^)? (`peephole` $peephole^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def DNN_GRUOp : DNN_RecurrentOp<"gru"> {
  let summary = "GRU layer (ONNX semantics)";
  let description = !strconcat([{
    Gated recurrent unit, `G = 3` gates in ONNX order `z, r, h`:

    ```
    z = f(x Wz^T + h Rz^T + Wbz + Rbz)
    r = f(x Wr^T + h Rr^T + Wbr + Rbr)
    n = g(x Wh^T + (r . h) Rh^T + Rbh + Wbh)        linear_before_reset = false
    n = g(x Wh^T + r . (h Rh^T + Rbh) + Wbh)        linear_before_reset = true
    h' = (1 - z) . n + z . h
    ```

    `f, g` default to `sigmoid, tanh`.

  }], recurrentDescription);
  let arguments = !con((ins DNN_Tensor:$input, DNN_Tensor:$weight,
                            DNN_Tensor:$recurrence, Optional<DNN_Tensor>:$bias,
                            Optional<DNN_IndexTensor>:$sequence_lens,
                            Optional<DNN_Tensor>:$initial_h),
                       DNN_RecurrentAttrs,
                       (ins DefaultValuedAttr<BoolAttr, "false">:$linear_before_reset));
  let results = (outs DNN_Tensor:$y, DNN_Tensor:$y_h);
  let assemblyFormat = [{
    $input `,` $weight `,` $recurrence (`bias` $bias^)? (`lens` $sequence_lens^)?
    (`h0` $initial_h^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def DNN_RNNOp : DNN_RecurrentOp<"rnn"> {
  let summary = "Vanilla RNN layer (ONNX semantics)";
  let description = !strconcat([{
    One gate (`G = 1`): `h' = f(x W^T + h R^T + Wb + Rb)`, `f` = `tanh`
    by default.

  }], recurrentDescription);
  let arguments = !con((ins DNN_Tensor:$input, DNN_Tensor:$weight,
                            DNN_Tensor:$recurrence, Optional<DNN_Tensor>:$bias,
                            Optional<DNN_IndexTensor>:$sequence_lens,
                            Optional<DNN_Tensor>:$initial_h),
                       DNN_RecurrentAttrs);
  let results = (outs DNN_Tensor:$y, DNN_Tensor:$y_h);
  let assemblyFormat = [{
    $input `,` $weight `,` $recurrence (`bias` $bias^)? (`lens` $sequence_lens^)?
    (`h0` $initial_h^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def DNN_BatchNormOp : DNN_InferredOp<"batch_norm", [
    AllTypesMatch<["scale", "offset", "mean", "variance"]>,
    AllElementTypesMatch<["input", "scale"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "Batch normalisation, inference form";
  let description = [{
    `result = scale * (input - mean) / sqrt(variance + epsilon) + offset`,
    per channel (dimension 1 of an `N x C x ...` input); the four parameter
    tensors have `C` elements.

    ```mlir
    %y = dnn.batch_norm %x, %gamma, %beta, %mean, %var {epsilon = 1.0e-05 : f64}
        : tensor<1x64x56x56xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input, DNN_Tensor:$scale,
                       DNN_Tensor:$offset, DNN_Tensor:$mean,
                       DNN_Tensor:$variance,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $offset `,` $mean `,` $variance attr-dict `:`
    type($input) `,` type($scale)
  }];
}

def DNN_ActivationOp : DNN_InferredOp<"activation", [
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "Element-wise activation function";
  let description = [{
    Applies `kind` element-wise:

    | kind | function |
    |---|---|
    | `relu` | `max(x, 0)` |
    | `relu6` | `min(max(x, 0), 6)` |
    | `sigmoid` | `1 / (1 + exp(-x))` |
    | `tanh` | `tanh(x)` |
    | `gelu` | `x * (1 + erf(x / sqrt(2))) / 2` |
    | `gelu_tanh` | `x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2` |

    ```mlir
    %y = dnn.activation relu6 %x : tensor<1x32x112x112xf32>
    ```
  }];
  let arguments = (ins DNN_ActivationKind:$kind, DNN_Tensor:$input);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
}

def DNN_AddOp : DNN_InferredOp<"add", [Commutative,
    AllElementTypesMatch<["lhs", "rhs", "result"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "Element-wise addition with NumPy broadcasting (residual add)";
  let description = [{
    Adds two tensors whose shapes broadcast as in NumPy (dimensions aligned
    from the right, each pair equal or one of them 1). The residual add of a
    ResNet block is the common case of two equal shapes.

    ```mlir
    %s = dnn.add %a, %b : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$lhs, DNN_Tensor:$rhs);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def DNN_MulOp : DNN_InferredOp<"mul", [Commutative,
    AllElementTypesMatch<["lhs", "rhs", "result"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "Element-wise multiplication with NumPy broadcasting";
  let description = [{
    Multiplies two tensors whose shapes broadcast as in NumPy (as for
    `dnn.add`). Scaling by a constant (a GEMM's `alpha`, a squeeze-excite
    gate) is a `dnn.mul` with a broadcast operand.

    ```mlir
    %s = dnn.mul %a, %g : tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$lhs, DNN_Tensor:$rhs);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def DNN_SoftmaxOp : DNN_InferredOp<"softmax", [
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["isChannelOpaque"]>]> {
  let summary = "Softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along dimension `axis`
    (in `[0, rank)`).

    ```mlir
    %p = dnn.softmax %logits {axis = 1 : i64} : tensor<8x1000xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input, I64Attr:$axis);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def DNN_MaxPool2DOp : DNN_InferredOp<"max_pool2d", [AllElementTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "2-D max pooling (NCHW)";
  let description = [{
    Maximum over `kernel_size` windows of an `N x C x H x W` input.
    Padded positions never win (they act as minus infinity).
    `P = (H + pad_top + pad_bottom - dilation_h * (KH - 1) - 1) / stride_h + 1`,
    rounded up instead of down when `ceil_mode` is set (a window that would
    start inside the bottom/right padding is dropped). Each padding must be
    smaller than the dilated kernel extent.

    ```mlir
    %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>,
                            strides = array<i64: 2, 2>,
                            padding = array<i64: 1, 1, 1, 1>}
        : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input,
                       DenseI64ArrayAttr:$kernel_size,
                       DNN_I64Pair1:$strides,
                       DNN_I64Quad0:$padding,
                       DNN_I64Pair1:$dilation,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def DNN_AvgPool2DOp : DNN_InferredOp<"avg_pool2d", [AllElementTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "2-D average pooling (NCHW)";
  let description = [{
    Mean over `kernel_size` windows (with `dilation`, default `[1, 1]`) of
    an `N x C x H x W` input. Without `count_include_pad` (the default) the
    divisor is the number of window positions inside the input; with it,
    the number inside the padded input (`KH * KW`, except for a last window
    of `ceil_mode` that overhangs the bottom/right padding, as in ONNX
    Runtime and PyTorch); a dilated window that steps over every input
    position averages to NaN. Output size as for `dnn.max_pool2d`.

    ```mlir
    %y = dnn.avg_pool2d %x {kernel_size = array<i64: 2, 2>,
                            strides = array<i64: 2, 2>}
        : tensor<1x128x28x28xf32> -> tensor<1x128x14x14xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input,
                       DenseI64ArrayAttr:$kernel_size,
                       DNN_I64Pair1:$strides,
                       DNN_I64Quad0:$padding,
                       DNN_I64Pair1:$dilation,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def DNN_GlobalAvgPoolOp : DNN_InferredOp<"global_avg_pool", [AllElementTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "Mean over all spatial positions";
  let description = [{
    Averages an `N x C x D1 x ... x Dk` input (rank 3 or more) over its
    spatial dimensions; the result is `N x C x 1 x ... x 1`.

    ```mlir
    %y = dnn.global_avg_pool %x : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def DNN_FlattenOp : DNN_InferredOp<"flatten", [AllElementTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies", "isChannelOpaque"]>]> {
  let summary = "Flatten to 2-D around an axis";
  let description = [{
    Reshapes `d0 x ... x d(r-1)` to
    `(d0 * ... * d(axis-1)) x (d(axis) * ... * d(r-1))`, with `axis` in
    `[0, rank]` (default 1); an empty product is 1.

    ```mlir
    %f = dnn.flatten %x : tensor<1x512x1x1xf32> -> tensor<1x512xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input, DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def DNN_ReshapeOp : DNN_Op<"reshape", [Pure, AllElementTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies", "isChannelOpaque"]>]> {
  let summary = "Reshape to the result type (same number of elements)";
  let description = [{
    Reinterprets the row-major element sequence of `input` with the shape
    of the result type, which must hold the same number of elements.

    ```mlir
    %r = dnn.reshape %x : tensor<1x512x1x1xf32> -> tensor<1x512xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def DNN_TransposeOp : DNN_InferredOp<"transpose", [AllElementTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["isChannelOpaque"]>]> {
  let summary = "Permute the dimensions of a tensor";
  let description = [{
    Result dimension `i` is input dimension `permutation[i]`; `permutation`
    is a permutation of `[0, rank)`.

    ```mlir
    %t = dnn.transpose %x {permutation = array<i64: 1, 0>}
        : tensor<64x128xf32> -> tensor<128x64xf32>
    ```
  }];
  let arguments = (ins DNN_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def DNN_ConcatOp : DNN_InferredOp<"concat", [SameOperandsAndResultElementType,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["getChannelTies"]>]> {
  let summary = "Concatenate tensors along one axis";
  let description = [{
    Joins one or more tensors of equal rank along `axis` (in `[0, rank)`);
    every other dimension must agree. Concatenating along the channel axis
    (1) is how Inception/DenseNet-style blocks merge branches.

    ```mlir
    %c = dnn.concat %a, %b {axis = 1 : i64}
        : (tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>) -> tensor<1x96x28x28xf32>
    ```
  }];
  let arguments = (ins Variadic<DNN_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs DNN_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, $result)";
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def DNN_ConstantOp : DNN_Op<"constant", [ConstantLike, Pure,
    InferTypeOpAdaptor, DNN_ChannelOpInterface]> {
  let summary = "A tensor constant (weights)";
  let description = [{
    Materialises `value`, which may be a `dense<...>` literal or a
    `dense_resource<...>` blob (the form the ONNX importer uses, so large
    models parse fast). Floating-point tensors are weights; i8/i16/i32
    tensors hold the in-bank offsets of `dnn.sparse_linear`.

    ```mlir
    %w = dnn.constant dense<1.0> : tensor<64x3x3x3xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs DNN_ConstantTensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  // A dense_resource value must name a blob of the module's
  // dialect_resources holding exactly the tensor's bytes.
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

def DNN_FusedOp : DNN_Op<"fused", [IsolatedFromAbove, RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<DNN_ChannelOpInterface, ["isChannelOpaque"]>]> {
  let summary = "A GEMM-like op and the element-wise ops fused into its epilogue";
  let description = [{
    One kernel: the body's single GEMM-like op (`conv2d`, `linear`; the
    anchor) followed by element-wise ops applied to its result in the GEMM's
    epilogue, as written by `dnn-fuse-epilogues`: an `add` of a tensor of the
    result's shape (a residual) and then an `activation`. The body's block
    arguments are the operands, `dnn.yield` gives the result. The anchor
    carries the `#dnn.mapping` the kernel uses; the performance model prices
    the anchor's GEMM plus the residual's read and nothing for the fused ops
    (no intermediate tensor goes to memory). The CPU path inlines the body.

    ```mlir
    %y = dnn.fused %x, %w, %b, %res : (tensor<1x64x56x56xf32>,
        tensor<64x64x3x3xf32>, tensor<64xf32>, tensor<1x64x56x56xf32>)
        -> tensor<1x64x56x56xf32> {
    ^bb0(%a: tensor<1x64x56x56xf32>, %k: tensor<64x64x3x3xf32>,
         %c: tensor<64xf32>, %r: tensor<1x64x56x56xf32>):
      %0 = dnn.conv2d %a, %k, %c {padding = array<i64: 1, 1, 1, 1>} : ...
      %1 = dnn.add %0, %r : ...
      %2 = dnn.activation relu %1 : tensor<1x64x56x56xf32>
      dnn.yield %2 : tensor<1x64x56x56xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<DNN_Tensor>:$inputs);
  let results = (outs DNN_Tensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type($inputs, results) $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The body's GEMM-like op.
    ::mlir::Operation *getAnchor();
    /// The epilogue: the residual's operand index (or -1) and the
    /// activation (if any), in the order the body applies them.
    int getResidualIndex();
    ::std::optional<ActivationKind> getActivation();
  }];
}

def DNN_YieldOp : DNN_Op<"yield", [Pure, Terminator, HasParent<"FusedOp">]> {
  let summary = "The result of a dnn.fused body";
  let arguments = (ins DNN_Tensor:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

#endif // DNN_DIALECT_DNN_IR_DNNOPS_TD
