//===- Passes.td - dnn dialect passes ----------------------*- tablegen -*-===//
//
// Declarations of the passes that work on the dnn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_TRANSFORMS_PASSES_TD
#define DNN_DIALECT_DNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttachTarget : Pass<"dnn-attach-target", "ModuleOp"> {
  let summary = "Attach the target GPU (#dnn.gpu) to the module";
  let description = [{
    Sets the module attribute `dnn.target` to the GPU the rest of the flow
    compiles for: the mapping, the performance model and the GPU lowering
    all read it. `gpu` is either the name of a built-in preset (`v100`,
    `t4`, `a100`, `jetson-orin`, `rtx4090`, `l4`, `h100`, `h200`, ...; see
    `docs/targets.md`) or a complete `#dnn.gpu<...>` attribute for a part
    without a preset (inside braces on the command line, since it contains
    spaces and commas). An unknown name is an error that lists the known
    presets. A target already on the module is replaced.

    `accel` attaches a dataflow accelerator (`#dnn.accel`) instead: a preset
    name (`eyeriss`) or a full `#dnn.accel<...>` attribute. Give `gpu` or
    `accel`, not both. An unknown name, of either kind, is an error that
    lists the GPU and the accelerator presets.

    ```
    dnn-opt model.mlir --dnn-attach-target=gpu=h100
    dnn-opt model.mlir '--dnn-attach-target=gpu={#dnn.gpu<name = "my-gpu", ...>}'
    dnn-opt model.mlir --dnn-attach-target=accel=eyeriss
    ```
  }];
  let options = [
    Option<"gpu", "gpu", "std::string", /*default=*/"\"\"",
           "GPU preset name (e.g. h100) or a full #dnn.gpu<...> attribute">,
    Option<"accel", "accel", "std::string", /*default=*/"\"\"",
           "accelerator preset name (eyeriss) or a full #dnn.accel<...> attribute">
  ];
}

def AssignMapping : Pass<"dnn-assign-mapping", "ModuleOp"> {
  let summary = "Choose each GEMM-like op's #dnn.mapping for the target GPU";
  let description = [{
    For every op with a GEMM view (conv2d as implicit GEMM, linear, matmul)
    picks the kernel configuration and split-K of least predicted latency on
    the module's `dnn.target` and records it as `dnn.mapping`: tile sizes,
    threads, registers and shared memory per CTA (from the kernel table),
    CTAs, resident CTAs per SM (from the occupancy limits) and waves. The
    candidates are the kernels the GPU lowering implements
    (`docs/performance-model.md`); f16/bf16 ops use the tensor-core kernel,
    the others the FP32 ones. Split-K in {2, 4, 8} is tried only when the
    unsplit grid is under one wave and each split keeps K >= 256. Ties go to
    the earlier kernel and the smaller split, so the choice is deterministic.

    `config` forces one kernel (by name) and `split-k` one split for every
    op, for sweeps and calibration.

    ```
    dnn-opt model.mlir --dnn-attach-target=gpu=h100 --dnn-assign-mapping
    ```
  }];
  let options = [
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "JSON file of model constants (see docs/performance-model.md)">,
    Option<"config", "config", "std::string", /*default=*/"\"\"",
           "use this kernel configuration for every op">,
    Option<"splitK", "split-k", "int64_t", /*default=*/"0",
           "use this split-K for every op (0: choose)">
  ];
}

def Predict : Pass<"dnn-predict", "ModuleOp"> {
  let summary = "Predict each op's latency and energy (#dnn.cost) and report";
  let description = [{
    Annotates every dnn op with `dnn.cost = #dnn.cost<...>` and every
    function with the totals, using the analytical model of
    `docs/performance-model.md`: GEMM-like ops by a wave-quantised
    roofline over their `dnn.mapping` (so run `dnn-assign-mapping` first),
    the others as memory-bound kernels; `dnn.constant`, `dnn.reshape` and
    `dnn.flatten` cost nothing (no kernel).

    When the `dnn.target` is a `#dnn.accel`, GEMM-like ops are instead
    costed by the dataflow-accelerator model (output-stationary PE array,
    access counts per memory level; `docs/performance-model.md` ("Dataflow accelerators")), with no
    `dnn.mapping` needed, and the other ops by a DRAM/global-buffer
    bandwidth model; the report works there too.

    `report=FILE` writes the per-layer report as JSON (schema in
    `docs/report-schema.md`); `report=-` prints it as a table on stdout.

    ```
    dnn-opt model.mlir --dnn-attach-target=gpu=h100 --dnn-assign-mapping \
        --dnn-predict=report=model.json
    ```
  }];
  let options = [
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "JSON file of model constants (see docs/performance-model.md)">,
    Option<"report", "report", "std::string", /*default=*/"\"\"",
           "write the per-layer report: a JSON file, or - for a table on stdout">
  ];
}


def TailAwareChannels : Pass<"dnn-tail-aware-channels", "ModuleOp"> {
  let summary = "Change channel counts so GEMMs fill whole waves (tail effect)";
  let description = [{
    A GEMM on a GPU runs its thread blocks in waves of (SMs x blocks per
    SM); it pays for `ceil(waves)` of them, so its latency is a staircase in
    the channel count: a layer whose tiles spill a few blocks into a new
    wave pays for the whole wave, and one whose last wave is partly empty
    could compute more channels for (almost) nothing.

    For every function the pass forms the channel groups
    (`dnn/Analysis/ChannelGroups.h`: the dims that must keep one size, e.g.
    a conv's output channels, the batch norm and activation after it, the
    next conv's input channels, both sides of a residual add) and decides
    per group, never per op. The function becomes a list of kernels whose
    GEMM N (producers), K (consumers) or batch (depthwise convs) and whose
    bytes are proportional to the counts of their groups
    (`dnn/Analysis/TailSearch.h`); every GEMM's mapping is chosen afresh for
    each candidate, as `dnn-assign-mapping` will after the rewrite. The
    groups are decided jointly: the planner sweeps over them in program
    order, evaluating each group's candidates with the other groups at
    their current counts, until a sweep changes nothing (at most 4). The
    objective is the predicted latency of the whole function.

    * `mode=prune`: among counts in `[c * (1 - max-prune), c)` that pay for
      fewer waves and are faster, the largest (`prune-pick=largest`, the
      least accuracy risk) or the fastest (`prune-pick=fastest`). The
      channels kept are those with the largest L1 norm summed over the
      group (producer filters, batch-norm |scale|, depthwise filters,
      consumer input slices, also through a concat), in their original
      order; every weight of the group is sliced. Pruning changes the
      network's function (it removes those channels' contribution).
    * `mode=pad`: the largest count up to `1.5 c` whose predicted latency
      is within `pad-tolerance` of the original, both for the group's
      kernels and for the whole function. Padding is exact: the new
      producer filters and biases are zero, batch norms get scale 1,
      offset 0, mean 0, variance 1, other per-channel constants 0, and the
      consumers' weights get zero input slices, so the new channels add
      exact zeros and the outputs do not change.
    * `mode=auto`: prune when the producer's last wave is filled below
      `auto-prune-below` and pruning finds a count, else pad.

    A concat's group follows its pieces: a piece that changes shifts the
    channels after it, and the concat's consumers are sliced or padded at
    the piece's offset. Groups that may not change (a function argument or
    result, an opaque op, a non-constant weight, a concat result that
    something else also produces) are left alone with a remark giving the
    reason. Candidates are multiples of `channel-multiple`. Changed ops lose
    their `dnn.mapping` and `dnn.cost` (stale): run `dnn-assign-mapping`
    (and `dnn-predict`) again afterwards. Needs the module's `#dnn.gpu`
    target.

    `report=FILE` writes the decisions as JSON (schema in
    `docs/report-schema.md`), `report=-` prints a table on stdout.

    ```
    dnn-opt model.mlir --dnn-attach-target=gpu=h100 \
        --dnn-tail-aware-channels=mode=pad --dnn-assign-mapping
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"auto\"",
           "prune, pad or auto">,
    Option<"maxPrune", "max-prune", "double", /*default=*/"0.1",
           "largest fraction of a group's channels prune may remove, in [0, 1)">,
    Option<"channelMultiple", "channel-multiple", "int64_t", /*default=*/"1",
           "new channel counts are multiples of this (8 for tensor cores)">,
    Option<"padTolerance", "pad-tolerance", "double", /*default=*/"0.005",
           "pad accepts a latency at most this fraction above the original">,
    Option<"autoPruneBelow", "auto-prune-below", "double", /*default=*/"0.5",
           "auto prunes when the producer's last wave is filled below this">,
    Option<"prunePick", "prune-pick", "std::string", /*default=*/"\"largest\"",
           "prune keeps the largest count that removes a wave (largest) or "
           "the fastest count in range (fastest)">,
    Option<"report", "report", "std::string", /*default=*/"\"\"",
           "write the decisions: a JSON file, or - for a table on stdout">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "JSON file of model constants (see docs/performance-model.md)">
  ];
}


def BalancedSparsify : Pass<"dnn-balanced-sparsify", "ModuleOp"> {
  let summary = "Rewrite dnn.linear and dnn.conv2d layers with constant weights into balanced sparse form";
  let description = [{
    Balanced sparsity (Yao et al., AAAI 2019): every row of a `dnn.linear`
    weight (`N x K`, one row per output feature), or of a one-group
    `dnn.conv2d` weight read as its implicit GEMM's `F x (C * KH * KW)`
    matrix, is split along K into banks
    of `bank-size` columns, and each bank keeps its
    `nnz = round(bank-size * (1 - sparsity))` entries of largest magnitude
    (ties: the lower column first). The layer becomes a `dnn.sparse_linear`
    (`dnn.sparse_conv2d`) with `#dnn.balanced` layout: values and in-bank offsets
    (`N x banks x nnz`, offsets ascending, in the smallest of i8/i16/i32
    that holds `index-bits`, by default the fewest bits a bank needs). A
    partial last bank (K not a multiple of `bank-size`) keeps its largest
    entries among its real columns and, if it has fewer than `nnz`, zeros
    at offsets past K.

    Which layers: those named in `layers` (the names of their locations, as
    the ONNX importer gives them; empty = all), with at least
    `min-weights` weight elements, whose weight is a constant. With
    `decide=model` (the default) the module's `#dnn.gpu` target decides:
    a layer is rewritten only if the performance model predicts the
    balanced-sparse kernel faster than the dense GEMM (the mapping
    `dnn-assign-mapping` would choose); `decide=always` rewrites every
    selected layer (and needs no target).

    `emit=masked` writes a `dnn.linear` (`dnn.conv2d`) whose weight is the original with
    the dropped entries zeroed instead: the reference the sparse form must
    equal (docs/sparsity.md shows the dnn-run comparison). Every decision
    is reported as a remark with the fraction of the weight's L1 mass kept;
    `report=FILE` writes them as JSON, `report=-` as a table on stdout.

    ```
    dnn-opt model.mlir --dnn-attach-target=gpu=h100 \
        --dnn-balanced-sparsify="bank-size=32 sparsity=0.75"
    ```
  }];
  let options = [
    Option<"bankSize", "bank-size", "int64_t", /*default=*/"32",
           "columns per bank (the paper's bank size)">,
    Option<"sparsity", "sparsity", "double", /*default=*/"0.75",
           "fraction of each bank's entries to drop, in [0, 1)">,
    Option<"indexBits", "index-bits", "int64_t", /*default=*/"0",
           "bits per in-bank offset (0: the fewest the bank size needs)">,
    ListOption<"layers", "layers", "std::string",
               "only these layers (location names); empty = all">,
    Option<"minWeights", "min-weights", "int64_t", /*default=*/"0",
           "only layers with at least this many weight elements">,
    Option<"decide", "decide", "std::string", /*default=*/"\"model\"",
           "model (keep dense where the sparse kernel is not predicted "
           "faster) or always">,
    Option<"emit", "emit", "std::string", /*default=*/"\"sparse\"",
           "sparse (dnn.sparse_linear) or masked (dnn.linear with the "
           "dropped weights zeroed: the reference)">,
    Option<"report", "report", "std::string", /*default=*/"\"\"",
           "write the decisions: a JSON file, or - for a table on stdout">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "JSON file of model constants (see docs/performance-model.md)">
  ];
}

def FuseRNN : Pass<"dnn-fuse-rnn", "ModuleOp"> {
  let summary = "Choose the fusion level of each recurrent layer from the performance model";
  let description = [{
    For every `dnn.lstm`, `dnn.gru` and `dnn.rnn`, predicts on the module's
    `#dnn.gpu` target the three ways of running it (docs/rnn.md):

    * `unfused`: per time step (both directions in each launch), `x_t W^T`
      and `h R^T` as two kernels (one warp per row) and the cell as an
      element-wise kernel;
    * `hoisted`: `x W^T` for all steps and directions as one batched GEMM,
      then per step one kernel, one warp per hidden unit computing the `R`
      rows of all its gates with the cell in its epilogue;
    * `persistent`: the hoisted GEMM, then one cooperatively launched
      kernel for all steps, each CTA (at most one per SM) keeping the `R`
      rows of its units in shared memory, a grid-wide barrier between
      steps; infeasible when those rows and the state do not fit in a
      CTA's shared memory.

    A GRU without `linear_before_reset` needs `r` before `(r . h) Rh^T`:
    two kernels (hoisted) or two barriers (persistent) per step.

    `level=auto` (the default) records the fastest feasible level as the
    op's `dnn.rnn_fusion` attribute, or keeps the level a layer already
    has; `level=NAME` forces one (a located error if it is infeasible).
    With the level go the `#dnn.mapping` of the kernel that multiplies by
    `R` every step (`dnn.mapping`) and, for hoisted and persistent, of the
    input projection's GEMM (`dnn.input_mapping`): `dnn-lower-to-gpu`
    builds exactly those kernels. Every layer gets a remark with all three
    predictions; `report=-` prints them as a table, `report=FILE` writes
    JSON. `dnn-predict` prices a recurrent layer at its recorded level
    (unfused without one).

    ```
    dnn-opt model.mlir --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=report=-
    ```
  }];
  let options = [
    Option<"level", "level", "std::string", /*default=*/"\"auto\"",
           "auto (fastest feasible), unfused, hoisted or persistent">,
    Option<"report", "report", "std::string", /*default=*/"\"\"",
           "write the predictions: a JSON file, or - for a table on stdout">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "JSON file of model constants (see docs/performance-model.md)">
  ];
}

def CPULoopOrder : Pass<"dnn-cpu-loop-order"> {
  let summary = "Order convolution/GEMM loops so the innermost one vectorizes";
  let description = [{
    Part of `dnn-cpu-pipeline`; runs on linalg ops on tensors. A linalg
    convolution, pooling or GEMM executes its loops in iteration-domain
    order, which puts the reduction (input channels and kernel window, or
    K) innermost: a scalar dot product that LLVM cannot vectorize without
    reassociating floating-point sums. This pass generalizes each such op
    and interchanges its loops to

        outer parallel loops, reduction loops, innermost output loops

    where the innermost output loops are the output's spatial dimensions
    (`P, Q` of a convolution or pooling) or its last dimension (`N` of a
    GEMM). The innermost loop then walks the output, and every operand it
    indexes, with unit stride, so LLVM's loop vectorizer turns it into
    vector FMAs with a broadcast weight; the summation order of each output
    element is unchanged, so results are bit-identical. Ops whose innermost
    loop would not be unit-stride in every operand it indexes (a GEMM with
    a transposed B) are left alone.

    A convolution whose output rows are shorter than `im2col-below-width`
    (the 7x7 to 28x28 planes of a ResNet's later stages) would leave the
    innermost loop too short to fill the vector units, and a strided one
    would read its input with a stride; such convolutions
    (`linalg.conv_2d_nchw_fchw`, `groups = 1`, undilated) are first rewritten into an
    im2col gather plus a GEMM over `F x (C*KH*KW) x (P*Q)`, whose innermost
    loop then runs over the whole output plane `P*Q` with unit stride.
    `im2col-below-width=0` disables the rewrite (also for strided ones).

    Measured speedups are in docs/benchmarks.md ("CPU reference path").
  }];
  let options = [
    Option<"im2colBelowWidth", "im2col-below-width", "int64_t",
           /*default=*/"32",
           "rewrite convolutions with output width below this into im2col + "
           "GEMM (0: never)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def FoldBatchNorm : Pass<"dnn-fold-batch-norm"> {
  let summary = "Fold inference batch norms into the conv2d/linear before them";
  let description = [{
    `batch_norm(conv2d(x, w, b))` with constant parameters is
    `conv2d(x, w', b')` with `a = scale / sqrt(variance + epsilon)`,
    `w'[f, ...] = w[f, ...] * a[f]` and `b'[f] = (b[f] - mean[f]) * a[f] +
    offset[f]` (b = 0 without a bias); the same for a `linear` with a rank-2
    result. This is the first epilogue fusion of the GPU lowering: the
    normalisation costs no kernel and no pass over the activations (the
    performance model then predicts one kernel instead of two).

    The folded weights are computed in double and rounded once to the
    element type; they are new constants (the originals may be shared),
    kept as `dense_resource` blobs when the weights were. A batch norm is
    left alone, with a remark, when its input has other users, when a
    weight or parameter is not a readable float constant, or when its
    channel dim is not the producer's output features. Changed producers
    lose `dnn.mapping` and `dnn.cost`: run `dnn-assign-mapping` again.

    ```
    dnn-opt model.mlir --dnn-fold-batch-norm
    ```
  }];
}

def FuseEpilogues : Pass<"dnn-fuse-epilogues"> {
  let summary = "Fuse residual adds and activations into the GEMM before them";
  let description = [{
    Wraps a `conv2d` or `linear` and the element-wise ops that only consume
    its result into one `dnn.fused` op, which the GPU lowering runs as one
    kernel with the ops in the GEMM's epilogue: the GEMM, then (optionally)
    an `add` of a tensor of the result's shape (a residual; no broadcast),
    then (optionally) an `activation`. Each fused op must be the only user of
    the value before it. Run after `dnn-fold-batch-norm` (a batch norm
    between the GEMM and the add stops the chain) and before
    `dnn-assign-mapping` / `dnn-predict`: the model then prices one kernel
    that reads the residual and writes one tensor, instead of three kernels.
    Mappings and costs on the fused ops are kept on the anchor.

    ```
    dnn-opt model.mlir --dnn-fold-batch-norm --dnn-fuse-epilogues
    ```
  }];
}

def TestChannelGroups : Pass<"dnn-test-channel-groups", "ModuleOp"> {
  let summary = "Report the channel groups of each function (test pass)";
  let description = [{
    Runs the channel grouping analysis (`ChannelGroups`, see
    `docs/design.md`, "Channel groups") on every function and emits one
    remark per group on its first producer (else the first op that touches
    it): the group's number, its channel count, its producers, consumers
    and pass-through ops by name, the number of constant weights it
    involves, its concat pieces, and `modifiable` or `blocked: <reasons>`.
    For lit tests with `-verify-diagnostics`; it changes nothing.

    ```
    dnn-opt model.mlir --dnn-test-channel-groups
    ```
  }];
}

def BalancedToSparseTensor : Pass<"dnn-balanced-to-sparse-tensor"> {
  let summary = "Rewrite dnn.sparse_linear into sparse_tensor's structured[n, m] and linalg.matmul";
  let description = [{
    `#dnn.balanced<bank_size = M, nnz = n>` is sparse_tensor's N:M level
    when M divides K: every block of M columns of a weight row keeps exactly
    n entries, stored as their in-block positions (coordinates) and values
    in the same row-major order. Each such `dnn.sparse_linear` becomes

    ```mlir
    #NV = #sparse_tensor.encoding<{map = (i, j) -> (i : dense,
        j floordiv 4 : dense, j mod 4 : structured[2, 4]), crdWidth = 8}>
    %crd = tensor.collapse_shape %indices [[0, 1, 2]]
        : tensor<6x2x2xi8> into tensor<24xi8>
    %val = tensor.collapse_shape %values [[0, 1, 2]]
        : tensor<6x2x2xf32> into tensor<24xf32>
    %w = sparse_tensor.assemble (%crd), %val
        : (tensor<24xi8>), tensor<24xf32> to tensor<6x8xf32, #NV>
    %init = linalg.broadcast ins(%bias : tensor<6xf32>)
        outs(%e : tensor<3x6xf32>) dimensions = [0]
    %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                        affine_map<(m, n, k) -> (n, k)>,
                                        affine_map<(m, n, k) -> (m, n)>]
        ins(%x, %w : tensor<3x8xf32>, tensor<6x8xf32, #NV>)
        outs(%init : tensor<3x6xf32>) -> tensor<3x6xf32>
    ```

    (crdWidth is the offsets' container width; no bias: a zero fill; inputs
    of rank other than 2 are reshaped to rows x K and back; f16/bf16
    accumulate in f32 and are rounded once, as on dnn's CPU path; other
    discardable attributes move to the matmul, except `dnn.mapping` and
    `dnn.cost`, which describe dnn's own kernel). The
    values and offsets may be any SSA values. A layer stays as it is, with
    a remark, when the form is not exact: a partial last bank (K not a
    multiple of bank_size; its entries past K have no counterpart),
    bank_size outside [2, 255] (the block sizes the encoding accepts), or
    index_bits above the minimum for bank_size (the encoding has no field
    for it, so `dnn-sparse-tensor-to-balanced` could not restore it).

    The result compiles with the upstream sparsifier and runs on the CPU
    with `--sparsifier="enable-runtime-library=false"`; MLIR 22's runtime
    library (the default) reads an assembled structured level wrongly.

    ```
    dnn-opt model.mlir --dnn-balanced-to-sparse-tensor --dnn-lower-to-linalg \
      | mlir-opt --sparsifier="enable-runtime-library=false"
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::sparse_tensor::SparseTensorDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SparseTensorToBalanced : Pass<"dnn-sparse-tensor-to-balanced"> {
  let summary = "Rewrite linalg.matmul on a structured[n, m] weight into dnn.sparse_linear";
  let description = [{
    The inverse of `dnn-balanced-to-sparse-tensor`: a `linalg.matmul` with
    indexing maps `(m, k), (n, k) -> (m, n)` whose B operand is a
    `sparse_tensor.assemble` of a static N x K tensor with encoding
    `(i, j) -> (i : dense, j floordiv M : dense, j mod M : structured[n, M])`
    (crdWidth 8, 16 or 32) becomes `dnn.sparse_linear` with
    `#dnn.balanced<bank_size = M, nnz = n, index_bits = ceil(log2 M)>`, the
    coordinates and values reshaped to N x K/M x n. The accumulator must
    start from zeros (`linalg.fill`, a zero constant) or a bias broadcast
    over rows (`linalg.broadcast`, or a `linalg.generic` with an
    `arith.extf` for f16/bf16), and 16-bit floats must accumulate in f32
    and be rounded by one element-wise `arith.truncf`, which is what
    `dnn.sparse_linear` computes. Reshapes of x to rows x K and of y back
    are folded into the op. Other matmuls on an N:M weight stay, with a
    remark saying why; constant coordinates are checked (strictly
    increasing below M in every block) before the op is written.

    `dnn-balanced-to-sparse-tensor` followed by this pass and
    `--canonicalize` gives the original module back.

    ```
    dnn-opt converted.mlir --dnn-sparse-tensor-to-balanced --canonicalize
    ```
  }];
  let dependentDialects = ["::mlir::dnn::DNNDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // DNN_DIALECT_DNN_TRANSFORMS_PASSES_TD
