// The bundled example (what README's first command runs) parses, verifies,
// keeps the layer names as locations, and gets the H100 target.
// RUN: dnn-opt %dnn_src_root/examples/resnet_block.mlir --dnn-attach-target=gpu=h100 --mlir-print-debuginfo | FileCheck %s

// CHECK: module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132,
// CHECK: func.func @main(%{{.*}}: tensor<1x32x28x28xf32>{{.*}}) -> tensor<1x10xf32>
// CHECK: dnn.conv2d {{.*}} -> tensor<1x32x28x28xf32> loc([[CONV1:#loc[0-9]+]])
// CHECK: dnn.batch_norm
// CHECK: dnn.activation relu
// CHECK: dnn.add
// CHECK: dnn.global_avg_pool {{.*}} -> tensor<1x32x1x1xf32>
// CHECK: dnn.linear {{.*}} -> tensor<1x10xf32>
// CHECK: dnn.softmax {{.*}}{axis = 1 : i64}
// CHECK: [[CONV1]] = loc("layer1.0.conv1")

// The main job end to end: mapping and prediction, report named by layer.
// RUN: dnn-opt %dnn_src_root/examples/resnet_block.mlir --dnn-attach-target=gpu=h100 --dnn-assign-mapping --dnn-predict=report=- -o /dev/null | FileCheck %s --check-prefix=REPORT
// REPORT: dnn-predict: 10 ops on h100-sxm (132 SMs)
// REPORT: layer1.0.conv1 dnn.conv2d 784 32 288 64x64x16
// REPORT: layer1.0.bn1 dnn.batch_norm
// REPORT: layer1.0.add dnn.add
// REPORT: fc dnn.linear 1 10 32
// REPORT: softmax dnn.softmax
// REPORT: total latency {{[0-9.]+}} us, energy {{[0-9.]+}} uJ
