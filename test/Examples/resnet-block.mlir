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
