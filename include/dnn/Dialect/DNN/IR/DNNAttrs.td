//===- DNNAttrs.td - dnn attributes and enums --------------*- tablegen -*-===//
//
// Hardware attributes (target GPU, per-op mapping) and the enums the dnn ops
// use.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_IR_DNNATTRS_TD
#define DNN_DIALECT_DNN_IR_DNNATTRS_TD

include "dnn/Dialect/DNN/IR/DNNBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def DNN_ActivationKind : I32EnumAttr<"ActivationKind",
    "element-wise activation function", [
      I32EnumAttrCase<"relu", 0>,
      I32EnumAttrCase<"relu6", 1>,
      I32EnumAttrCase<"sigmoid", 2>,
      I32EnumAttrCase<"tanh", 3>,
      I32EnumAttrCase<"gelu", 4>,
      I32EnumAttrCase<"gelu_tanh", 5>
    ]> {
  let cppNamespace = "::mlir::dnn";
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

/// A double-precision parameter printed in plain decimal notation
/// (`3350.0`, `0.25`) and parsed from an integer or float literal.
class DNN_F64Parameter<string desc> : APFloatParameter<desc> {
  let parser = [{ ::mlir::dnn::detail::parseF64Parameter($_parser) }];
  let printer = [{ ::mlir::dnn::detail::printF64Parameter($_printer, $_self) }];
}

class DNN_DefaultI64Parameter<string value, string desc>
    : DefaultValuedParameter<"int64_t", value, desc>;

//===----------------------------------------------------------------------===//
// #dnn.gpu
//===----------------------------------------------------------------------===//

def DNN_GPUTargetAttr : DNN_Attr<"GPUTarget", "gpu"> {
  let summary = "A GPU as the performance model and the lowering see it";
  let description = [{
    Describes one GPU: its architecture, the per-SM occupancy limits that
    decide how many thread blocks (CTAs) are resident at once, the memory
    hierarchy, and peak throughput. The wave model reads it: a kernel of
    `G` CTAs with `B` resident CTAs per SM runs in `ceil(G / (sms * B))`
    waves.

    Sizes are in bytes, the clock in MHz, bandwidth in GB/s (10^9 bytes/s),
    throughput in TFLOP/s (10^12 FLOP/s). `tc_tflops` is the dense FP16
    tensor-core rate with FP32 accumulation. Parameters with a default
    may be omitted.

    Built-in presets (`dnn-attach-target{gpu=h100}`) give the datasheet
    values of real parts; `docs/targets.md` names the source of each number.

    ```mlir
    #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980,
             max_threads_per_sm = 2048, max_blocks_per_sm = 32,
             smem_per_sm = 233472, max_smem_per_block = 232448,
             smem_reserved_per_block = 1024, l2_bytes = 52428800,
             dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"preset or user-chosen name">:$name,
    StringRefParameter<"PTX architecture, e.g. sm_90">:$arch,
    "int64_t":$sms,
    "int64_t":$clock_mhz,
    "int64_t":$max_threads_per_sm,
    "int64_t":$max_blocks_per_sm,
    DNN_DefaultI64Parameter<"1024", "threads per block limit">:$max_threads_per_block,
    DNN_DefaultI64Parameter<"65536", "32-bit registers per SM">:$regs_per_sm,
    DNN_DefaultI64Parameter<"255", "registers per thread limit">:$max_regs_per_thread,
    "int64_t":$smem_per_sm,
    "int64_t":$max_smem_per_block,
    DNN_DefaultI64Parameter<"0", "shared memory the driver reserves per block">:$smem_reserved_per_block,
    DNN_DefaultI64Parameter<"32", "threads per warp">:$warp_size,
    "int64_t":$l2_bytes,
    DNN_F64Parameter<"DRAM bandwidth, GB/s">:$dram_gbps,
    DNN_F64Parameter<"peak FP32 throughput, TFLOP/s">:$fp32_tflops,
    DNN_F64Parameter<"peak dense FP16 tensor-core throughput, TFLOP/s">:$tc_tflops
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Compute capability as major * 10 + minor, parsed from `arch`.
    int64_t getComputeCapability() const;
    double getDramBandwidthGBps() const { return getDramGbps().convertToDouble(); }
    double getPeakFP32TFlops() const { return getFp32Tflops().convertToDouble(); }
    double getPeakTensorTFlops() const { return getTcTflops().convertToDouble(); }
  }];
}

//===----------------------------------------------------------------------===//
// #dnn.accel
//===----------------------------------------------------------------------===//

def DNN_AccelTargetAttr : DNN_Attr<"AccelTarget", "accel"> {
  let summary = "A dataflow accelerator (PE array) as the performance model sees it";
  let description = [{
    Describes a spatial DNN accelerator in the style of Eyeriss (Chen et al.,
    ISSCC/ISCA 2016) and the DNN-Chip Predictor (Zhao et al., ICASSP 2020):
    a `pe_rows x pe_cols` array of processing elements (one MAC per PE per
    cycle), each with a register file (RF) of `rf_bytes`, fed over a network
    on chip (NoC) from a global buffer (GLB) of `glb_bytes`, which is filled
    from DRAM. `dnn-predict` evaluates GEMM-like ops on it with the
    output-stationary dataflow of `docs/performance-model.md` ("Dataflow accelerators"); no `dnn.mapping` is
    needed.

    Sizes are in bytes, the clock in MHz, DRAM bandwidth in GB/s (10^9
    bytes/s), GLB bandwidth in bytes per cycle. `element_bytes` is the width
    of the accelerator's data (2 for 16-bit fixed point), whatever the
    element type of the tensors in the IR. `multicast` is how many PEs one
    NoC transfer can deliver the same value to (1: unicast only). Energies
    are in pJ per access of one element (per MAC for `pj_mac`).

    Built-in presets: `dnn-attach-target{accel=eyeriss}`.

    ```mlir
    #dnn.accel<name = "eyeriss", pe_rows = 12, pe_cols = 14, clock_mhz = 200,
               element_bytes = 2, rf_bytes = 512, glb_bytes = 131072,
               glb_bytes_per_cycle = 64, dram_gbps = 0.8, multicast = 14,
               pj_mac = 1.0, pj_rf = 1.0, pj_noc = 2.0, pj_glb = 6.0,
               pj_dram = 200.0>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"preset or user-chosen name">:$name,
    "int64_t":$pe_rows,
    "int64_t":$pe_cols,
    "int64_t":$clock_mhz,
    DNN_DefaultI64Parameter<"2", "bytes per data element">:$element_bytes,
    "int64_t":$rf_bytes,
    "int64_t":$glb_bytes,
    "int64_t":$glb_bytes_per_cycle,
    DNN_F64Parameter<"DRAM bandwidth, GB/s">:$dram_gbps,
    DNN_DefaultI64Parameter<"1", "PEs one NoC transfer reaches (1: unicast)">:$multicast,
    DNN_F64Parameter<"energy per MAC, pJ">:$pj_mac,
    DNN_F64Parameter<"energy per RF access, pJ">:$pj_rf,
    DNN_F64Parameter<"energy per NoC (PE array) transfer, pJ">:$pj_noc,
    DNN_F64Parameter<"energy per global-buffer access, pJ">:$pj_glb,
    DNN_F64Parameter<"energy per DRAM access, pJ">:$pj_dram
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getNumPEs() const { return getPeRows() * getPeCols(); }
    double getDramBandwidthGBps() const { return getDramGbps().convertToDouble(); }
  }];
}

//===----------------------------------------------------------------------===//
// #dnn.mapping
//===----------------------------------------------------------------------===//

def DNN_MappingAttr : DNN_Attr<"Mapping", "mapping"> {
  let summary = "How one GEMM-like op is mapped onto the target GPU";
  let description = [{
    The single source of truth shared by the performance model and the GPU
    lowering: the op runs as a GEMM tiled into `tile_m x tile_n` output
    tiles stepped by `tile_k`, optionally split `split_k` ways along K, on
    CTAs of `threads` threads using `regs_per_thread` registers and
    `smem_per_block` bytes of shared memory. `ctas` is the grid size,
    `ctas_per_sm` the number of CTAs resident per SM (the occupancy limit),
    and `waves = ctas / (sms * ctas_per_sm)`; the kernel pays for
    `ceil(waves)` waves.

    When the enclosing module has a `dnn.target`, the mapping is checked
    against it: the CTAs must fit on an SM together and `waves` must match
    the grid.

    ```mlir
    %y = dnn.linear %x, %w {dnn.mapping = #dnn.mapping<tile_m = 128,
        tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128,
        smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>}
        : (tensor<256x4096xf32>, tensor<16896x4096xf32>) -> tensor<256x16896xf32>
    ```
  }];
  let parameters = (ins
    "int64_t":$tile_m,
    "int64_t":$tile_n,
    "int64_t":$tile_k,
    "int64_t":$threads,
    DNN_DefaultI64Parameter<"1", "ways the K loop is split across CTAs">:$split_k,
    DNN_DefaultI64Parameter<"0", "registers per thread, 0 if unknown">:$regs_per_thread,
    DNN_DefaultI64Parameter<"0", "static shared memory per CTA in bytes">:$smem_per_block,
    "int64_t":$ctas,
    "int64_t":$ctas_per_sm,
    DNN_F64Parameter<"grid size in units of a full wave">:$waves
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    double getWavesValue() const { return getWaves().convertToDouble(); }
    /// Waves the kernel pays for: a partly filled last wave costs a whole one.
    int64_t getPaidWaves() const;
    /// Checks that this mapping fits `target` (occupancy limits and the wave
    /// count); reports through `emitError` and fails otherwise.
    ::llvm::LogicalResult verifyAgainst(GPUTargetAttr target,
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError) const;
  }];
}

//===----------------------------------------------------------------------===//
// #dnn.cost
//===----------------------------------------------------------------------===//

def DNN_CostAttr : DNN_Attr<"Cost", "cost"> {
  let summary = "Predicted cost of an op (or, on a function, of all its ops)";
  let description = [{
    Written by `dnn-predict` as the `dnn.cost` attribute. Times are in
    microseconds, energy in microjoules. `latency_us` is what the op adds to
    the network's run time; `compute_us` and `memory_us` are the two
    roofline terms it is the larger of (plus `launch_us`). `waves` is the
    grid in units of a full wave (`ctas / (sms * ctas_per_sm)`);
    `tail_utilization` is the fraction of the SM slots busy in the last,
    possibly partial, wave (1.0 when the grid fills whole waves).

    On a `func.func` the attribute holds the sums over the function's ops,
    with `waves` the total of paid (rounded up) waves and
    `tail_utilization` the latency-weighted mean.

    ```mlir
    #dnn.cost<latency_us = 241.8, compute_us = 239.5, memory_us = 20.1,
              launch_us = 2.3, waves = 1.5, tail_utilization = 0.5,
              energy_uj = 98.0>
    ```
  }];
  let parameters = (ins
    DNN_F64Parameter<"predicted latency, us">:$latency_us,
    DNN_F64Parameter<"compute-bound time, us">:$compute_us,
    DNN_F64Parameter<"memory-bound time, us">:$memory_us,
    DNN_F64Parameter<"kernel launch overhead, us">:$launch_us,
    DNN_F64Parameter<"grid size in waves">:$waves,
    DNN_F64Parameter<"busy fraction of the last wave's SM slots">:$tail_utilization,
    DNN_F64Parameter<"predicted energy, uJ">:$energy_uj
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    double getLatency() const { return getLatencyUs().convertToDouble(); }
    double getEnergy() const { return getEnergyUj().convertToDouble(); }
  }];
}

//===----------------------------------------------------------------------===//
// #dnn.balanced
//===----------------------------------------------------------------------===//

def DNN_BalancedSparsityAttr : DNN_Attr<"BalancedSparsity", "balanced"> {
  let summary = "Balanced sparse layout of a weight matrix (equal non-zeros per bank)";
  let description = [{
    The layout of a `dnn.sparse_linear` weight (after Yao et al., "Balanced
    Sparsity for Efficient DNN Inference on GPU", AAAI 2019). Each row of the
    dense `N x K` weight (one row per output feature) is split along K into
    `banks = ceil(K / bank_size)` banks of `bank_size` consecutive columns,
    and every bank keeps exactly `nnz` entries. The kept entries are stored
    as two dense tensors of shape `N x banks x nnz`:

    * `values` (element type `value_type`): the kept weights;
    * `indices` (i8, i16 or i32 of at least `index_bits` bits, read as
      unsigned): each value's offset inside its bank, in `[0, bank_size)`,
      strictly increasing within a bank (so a bank never names a column
      twice).

    Dense column of entry `(n, b, j)`: `b * bank_size + indices[n, b, j]`.
    When `bank_size` does not divide K the last bank is partial; its entries
    may point past column `K - 1` (the input is read as zero there), so
    every bank still holds exactly `nnz` entries. `index_bits` is the width
    an index needs (`ceil(log2(bank_size))` at least); the integer type of
    the indices tensor is the container it is stored in.

    With `bank_size = M` and `nnz = N` this is the N:M structured sparsity
    of upstream `sparse_tensor`'s `structured[N, M]` level type (2:4 is
    `bank_size = 4, nnz = 2`); docs/sparsity.md describes the correspondence.

    ```mlir
    #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>
    ```
  }];
  let parameters = (ins
    "int64_t":$bank_size,
    "int64_t":$nnz,
    "int64_t":$index_bits,
    "::mlir::Type":$value_type
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Banks per row of a K-column weight: ceil(k / bank_size).
    int64_t getNumBanks(int64_t k) const;
    /// Fraction of the dense weight's entries dropped (1 - nnz/bank_size).
    double getSparsity() const;
    /// The fewest bits an in-bank offset needs: ceil(log2(bank_size)), at
    /// least 1.
    static int64_t getMinIndexBits(int64_t bankSize);
  }];
}

#endif // DNN_DIALECT_DNN_IR_DNNATTRS_TD
