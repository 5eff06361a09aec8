// The model ABI needs one entry function.
// RUN: not dnn-opt %s --dnn-lower-to-gpu 2>&1 | FileCheck %s --check-prefix=TWO
// RUN: dnn-opt %s --dnn-lower-to-gpu=entry=b | FileCheck %s --check-prefix=PICKED
// RUN: not dnn-opt %s --dnn-lower-to-gpu=entry=nope 2>&1 | FileCheck %s --check-prefix=NOPE
// RUN: not dnn-opt %s --dnn-lower-to-gpu="entry=a weights-file=%t.missing/dir/w.bin" 2>&1 | FileCheck %s --check-prefix=FILE

// TWO: error: dnn-lower-to-gpu: several public functions; choose the model's entry with entry=NAME
// PICKED: llvm.mlir.global external constant @dnn_model_manifest("dnn-model 1\0Aentry b\0A
// PICKED: func.func @dnn_model_run
// NOPE: error: dnn-lower-to-gpu: no function 'nope' with dnn ops to give the model ABI
// FILE: error: dnn-lower-to-gpu: cannot write '{{.*}}w.bin'

func.func @a(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = dnn.activation relu %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
func.func @b(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = dnn.activation sigmoid %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
