//===- DNNBase.td - dnn dialect definition -----------------*- tablegen -*-===//
//
// The dnn dialect: tensor-level deep-network layers that carry the
// hardware-mapping facts (target GPU, tiling, waves, predicted cost) the
// compiler reasons with.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_IR_DNNBASE_TD
#define DNN_DIALECT_DNN_IR_DNNBASE_TD

include "mlir/IR/OpBase.td"

def DNN_Dialect : Dialect {
  let name = "dnn";
  let cppNamespace = "::mlir::dnn";
  let summary = "Deep-network layers with hardware-mapping attributes";
  let description = [{
    The `dnn` dialect models a deep neural network at the granularity users
    think in: convolutions, linear layers, normalisation, activations,
    pooling, residual adds and concatenations. Every op has value semantics
    on statically shaped, non-empty tensors in NCHW layout, a verifier that
    rejects every shape or attribute mismatch with a located diagnostic, and
    (where the result is implied by the operands) shape inference.

    Beside the layers, the dialect carries what the compiler knows about the
    hardware:

    * `#dnn.gpu<...>` describes a GPU (SM count, occupancy limits, memory
      hierarchy, peak throughput). It is attached to a module as the
      `dnn.target` attribute by `dnn-attach-target`.
    * `#dnn.mapping<...>` describes how one GEMM-like op is mapped onto that
      GPU (tile sizes, threads, CTAs, CTAs per SM, waves). It is attached to
      an op as the `dnn.mapping` attribute and checked against the module's
      target when both are present.

    Weights are ordinary tensor constants (`arith.constant`, `dnn.constant`
    or `dense_resource` blobs, which keep 100 MB models fast to parse).

    ```mlir
    module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", ...>} {
      func.func @main(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
        %w = arith.constant dense<0.5> : tensor<64x64x3x3xf32>
        %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>}
            : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>)
            -> tensor<1x64x56x56xf32>
        %z = dnn.activation relu %y : tensor<1x64x56x56xf32>
        return %z : tensor<1x64x56x56xf32>
      }
    }
    ```
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Name of the module attribute holding the target (`#dnn.gpu`).
    static constexpr ::llvm::StringLiteral kTargetAttrName = "dnn.target";
    /// Name of the op attribute holding a `#dnn.mapping`.
    static constexpr ::llvm::StringLiteral kMappingAttrName = "dnn.mapping";
    /// Name of the op (and function) attribute holding a `#dnn.cost`.
    static constexpr ::llvm::StringLiteral kCostAttrName = "dnn.cost";
    /// Name of the gpu.func attribute recording a generated kernel's launch,
    /// `array<i64: grid_x, grid_y, grid_z, block_x>`.
    static constexpr ::llvm::StringLiteral kLaunchAttrName = "dnn.launch";
    /// Name of the recurrent-op attribute holding the fusion level
    /// dnn-fuse-rnn chose (`"unfused"`, `"hoisted"` or `"persistent"`).
    static constexpr ::llvm::StringLiteral kRNNFusionAttrName =
        "dnn.rnn_fusion";
    /// Name of the recurrent-op attribute holding the `#dnn.mapping` of the
    /// batched GEMM that projects the inputs of all time steps (hoisted and
    /// persistent levels; dnn.mapping is then the step kernel's).
    static constexpr ::llvm::StringLiteral kInputMappingAttrName =
        "dnn.input_mapping";

  private:
    void registerAttributes();

  public:
  }];
}

/// Base class of every dnn op.
class DNN_Op<string mnemonic, list<Trait> traits = []>
    : Op<DNN_Dialect, mnemonic, traits>;

/// Base class of every dnn attribute.
class DNN_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<DNN_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // DNN_DIALECT_DNN_IR_DNNBASE_TD
