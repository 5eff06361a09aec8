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

    ```
    dnn-opt model.mlir --dnn-attach-target=gpu=h100
    dnn-opt model.mlir '--dnn-attach-target=gpu={#dnn.gpu<name = "my-gpu", ...>}'
    ```
  }];
  let options = [
    Option<"gpu", "gpu", "std::string", /*default=*/"\"\"",
           "GPU preset name (e.g. h100) or a full #dnn.gpu<...> attribute">
  ];
}

#endif // DNN_DIALECT_DNN_TRANSFORMS_PASSES_TD
