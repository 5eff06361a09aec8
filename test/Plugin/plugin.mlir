// Upstream mlir-opt (not dnn-opt) parses dnn IR through the dialect plugin
// and runs dnn passes through the pass plugin (passes from a plugin are named
// in --pass-pipeline: the command-line pass flags are fixed before plugins
// load).
// Upstream mlir-opt carries no sanitizer runtime for an instrumented plugin.
// UNSUPPORTED: sanitizers
// RUN: mlir-opt %s --load-dialect-plugin=%dnn_lib_dir/DNNPlugin%shlibext | FileCheck %s --check-prefix=DIALECT
// RUN: mlir-opt %s --load-dialect-plugin=%dnn_lib_dir/DNNPlugin%shlibext --load-pass-plugin=%dnn_lib_dir/DNNPlugin%shlibext --pass-pipeline="builtin.module(dnn-attach-target{gpu=h100})" | FileCheck %s --check-prefix=PASS
// RUN: not mlir-opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN

// DIALECT-LABEL: func.func @block
// DIALECT: dnn.conv2d %{{.*}}, %{{.*}} {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x8x8xf32>
// DIALECT: dnn.activation relu %{{.*}} : tensor<1x16x8x8xf32>
// PASS: module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132,
// NOPLUGIN: error: Dialect `dnn' not found for custom op 'dnn.conv2d'

func.func @block(%x: tensor<1x16x8x8xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<1x16x8x8xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x16x8x8xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x8x8xf32>
  %z = dnn.activation relu %y : tensor<1x16x8x8xf32>
  return %z : tensor<1x16x8x8xf32>
}
