//===- Passes.td - dnn conversion passes -------------------*- tablegen -*-===//
//
// Conversions out of the dnn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_CONVERSION_PASSES_TD
#define DNN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertDNNToLinalg : Pass<"dnn-lower-to-linalg"> {
  let summary = "Lower dnn ops to linalg, tensor, arith and math ops";
  let description = [{
    Rewrites every dnn op into linalg named ops or `linalg.generic`s on
    tensors (plus `tensor` padding/reshaping and `arith`/`math` scalar
    code), with exactly the semantics the op documents:

    | dnn op | linalg form |
    |---|---|
    | `conv2d` | `tensor.pad` (zero) + `linalg.conv_2d_nchw_fchw`, or `linalg.conv_2d_ngchw_gfchw` when `groups > 1`; the bias is broadcast into the accumulator |
    | `linear` | `linalg.matmul` with a transposed-B indexing map; bias broadcast into the accumulator |
    | `matmul` | `linalg.matmul` (rank 2), otherwise a `linalg.generic` with broadcast batch maps |
    | `batch_norm` | per-channel `a = scale / sqrt(var + eps)`, `b = offset - mean * a`, then `x * a + b` |
    | `activation` | element-wise `linalg.generic` (`math.exp`, `math.tanh`, `math.erf`) |
    | `add`, `mul` | element-wise `linalg.generic` with NumPy broadcast maps |
    | `transpose` | `linalg.transpose` |
    | `softmax` | max-reduction, sum of `exp(x - max)`, then `exp(x - max) / sum` |
    | `max_pool2d` | `tensor.pad` (-inf) + `linalg.pooling_nchw_max` |
    | `avg_pool2d` | `tensor.pad` (zero) + `linalg.pooling_nchw_sum` (with dilations), divided by each window's count |
    | `global_avg_pool` | sum-reduction `linalg.generic`, then a scale |
    | `flatten`, `reshape` | `tensor.collapse_shape` / `tensor.expand_shape` |
    | `concat` | `tensor.empty` + `tensor.insert_slice` per input |
    | `constant` | `arith.constant` (dense or dense_resource) |

    f16 and bf16 layers accumulate (GEMMs, reductions) and evaluate
    transcendental functions in f32 and round the result once, as the GPU
    kernels do. An op that cannot be lowered is reported at its location
    and the pass fails.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertDNNToGPU : Pass<"dnn-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower dnn ops to host code launching GPU kernels";
  let description = [{
    Every function with dnn ops (static f32 tensors; GEMM-like ops carrying
    a `#dnn.mapping`) becomes a host function on device memrefs that
    launches one kernel per op on one stream (`gpu.wait async`, a chain of
    `gpu.launch_func async`, and a final `gpu.wait`). The kernels go to
    `gpu.module @dnn_kernels`; identical ops share a kernel.

    | dnn op | kernel |
    |---|---|
    | `conv2d` | implicit GEMM (groups in grid z), bias in the epilogue |
    | `linear`, `matmul` | tiled GEMM (a batched matmul's batch in grid z) |
    | any of these with `split_k > 1` | GEMM into a partial-sum scratch, then a reduction kernel (plus bias) |
    | `activation`, `add`, `mul`, `batch_norm`, `transpose`, `concat`, pooling, `global_avg_pool` | one thread per output element |
    | `softmax` | one thread per row along the axis |
    | `sparse_linear`, `sparse_conv2d` | the balanced-sparse kernel (one warp per output feature) |
    | `lstm`, `gru`, `rnn` | at their `dnn.rnn_fusion` level (`dnn-fuse-rnn`, docs/rnn.md): an initial-state kernel, then unfused: a host loop over the steps launching x_t W^T, h R^T (one warp per row) and the cell; hoisted: the input projection as one batched GEMM (`dnn.input_mapping`), then a host loop launching one fused step kernel (one warp per hidden unit, all its gates, the cell in its epilogue); persistent: the GEMM, then one kernel for all steps (R rows in shared memory, a grid barrier per step, launched cooperatively: its name starts with `dnn_coop_`) |
    | `flatten`, `reshape` | no kernel: a view of the input's buffer |
    | constants | function arguments (weights) |

    Element types: f32 GEMMs use the SIMT kernel (FMA); f16 and bf16 GEMMs
    the tensor-core kernel (ldmatrix + mma.sync.m16n8k16, f32 accumulation,
    sm_80 and newer: an f16/bf16 GEMM on an older target is an error). The
    other kernels load 16-bit values as f32 and round once when they store.
    f64 has no kernels.

    A GEMM kernel's CTA tile, tile_k, threads per CTA and split-K are those
    of the op's `#dnn.mapping`, and its grid is checked against the
    mapping's `ctas`: the kernels are the ones `dnn-predict` priced. The
    launch carries the op's location and mapping.

    Calling convention: `f(tensor inputs) -> (tensor results)` becomes
    `f(inputs..., weights..., outputs..., workspace)`, all device memrefs
    with identity layouts; `workspace` (`memref<Nxi8>`) holds every
    intermediate tensor and split-K scratch, placed by live range (first
    fit, 256-byte aligned). A result is written straight into its output
    argument when it is an op's own result, else copied there.

    With `abi=true` (default), the entry function (`entry=`, default the
    only public function) also gets the model ABI of
    `dnn/Runtime/ModelABI.h`: `dnn_model_run(void **args)` and the
    `dnn_model_manifest` text (arguments with kinds, names, shapes and
    weight offsets; the launches). `weights-file=PATH` writes the weights
    there at the manifest's offsets.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", /*default=*/"",
           "the function given the model ABI (default: the only public one)">,
    Option<"abi", "abi", "bool", /*default=*/"true",
           "emit dnn_model_run and dnn_model_manifest for the entry">,
    Option<"weightsFile", "weights-file", "std::string", /*default=*/"",
           "write the weights (constants) to this file">,
    Option<"format", "format", "std::string", /*default=*/"\"isa\"",
           "the binary format the manifest records (isa or bin)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def TestGemmKernel : Pass<"dnn-test-gemm-kernel", "::mlir::ModuleOp"> {
  let summary = "Build one tiled GEMM kernel (test of the GPU lowering's GEMM)";
  let description = [{
    Adds `gpu.module @dnn_test_kernels` with `gpu.func @gemm`, the f32 SIMT
    GEMM the GPU lowering emits for linear/matmul/conv2d
    (`dnn/Conversion/DNNToGPU/GemmKernel.h`), for the shape `m x n x k` and
    the kernel configuration `config` (a name of the performance model's
    kernel table, e.g. `sgemm_128x64x16_t256`), and marks the module
    `gpu.container_module`. The kernel's launch (grid and block) is
    recorded on it as `dnn.launch = array<i64: grid_x, grid_y, grid_z,
    block_x>`. With `split-k=S > 1` the GEMM writes partial sums to a
    workspace and `gpu.func @gemm_reduce` (its own `dnn.launch`) adds them
    up with the bias.
    Used to check the kernels with `ptxas` (registers, spills, shared
    memory) before the lowering uses them. With `conv=...` the kernel is a
    convolution's implicit GEMM (input NCHW, weight FCHW, output NCHW). A
    tensor-core configuration builds the f16 (or `element-type=bf16`)
    mma.sync kernel; its PTX needs `--convert-nvgpu-to-nvvm` and sm_80+.

    ```
    dnn-opt --dnn-test-gemm-kernel="m=512 n=256 k=1024 config=sgemm_64x64x16_t256" \
        --nvvm-attach-target=chip=sm_90 --convert-gpu-to-nvvm \
        --gpu-module-to-binary=format=isa | utils/extract_ptx.py - -o gemm.ptx
    ```
  }];
  let options = [
    Option<"m", "m", "int64_t", /*default=*/"256", "rows of A and C">,
    Option<"n", "n", "int64_t", /*default=*/"256", "columns of B and C">,
    Option<"k", "k", "int64_t", /*default=*/"256", "the reduction">,
    Option<"config", "config", "std::string",
           /*default=*/"\"sgemm_64x64x16_t256\"",
           "kernel configuration (tile and threads) by name">,
    Option<"transposeB", "transpose-b", "bool", /*default=*/"false",
           "B is [n, k] (a linear layer's weight)">,
    Option<"bias", "bias", "bool", /*default=*/"false", "add bias[n]">,
    Option<"splitK", "split-k", "int64_t", /*default=*/"1",
           "split K this many ways (a reduction kernel follows)">,
    ListOption<"conv", "conv", "int64_t",
               "instead of m, n, k: a convolution as implicit GEMM, "
               "batch,channels,height,width,filters,kernel,stride,pad,dilation"
               "[,groups] (square kernel, stride, padding and dilation; "
               "channels and filters of all groups)">,
    Option<"elementType", "element-type", "std::string", /*default=*/"\"\"",
           "f32, f16 or bf16 (default: f32 for a SIMT configuration, f16 "
           "for a tensor-core one)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // DNN_CONVERSION_PASSES_TD
