// Results that are not an op's own output (an input returned, a view of
// it) are copied into their output arguments by one shared copy kernel.
// RUN: dnn-opt %s --dnn-lower-to-gpu=abi=false | FileCheck %s

// CHECK: func.func @main(%[[X:.*]]: memref<2x3xf32>, %[[OUT0:.*]]: memref<2x3xf32>, %[[OUT1:.*]]: memref<6xf32>, %{{.*}}: memref<0xi8>)
// CHECK: %[[DST0:.*]] = memref.reinterpret_cast %[[OUT0]] to offset: [0], sizes: [6]
// CHECK: gpu.launch_func {{.*}} @dnn_kernels::@copy_0 {{.*}}args(%{{.*}} : memref<6xf32>, %[[DST0]] : memref<6xf32>)
// CHECK: gpu.launch_func {{.*}} @dnn_kernels::@copy_0 {{.*}}, %[[OUT1]] : memref<6xf32>)
// CHECK-COUNT-1: gpu.func @copy_0
// CHECK-NOT: gpu.func
func.func @main(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<6xf32>) {
  %f = dnn.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  return %x, %f : tensor<2x3xf32>, tensor<6xf32>
}
