// The bundled ResNet block: members are named by their location names, and
// the groups are the ones docs/design.md ("Channel groups") walks through.
// The block's input x (a function argument) is the skip path, so the
// channels of conv2, bn2, the add, relu2 and the pool are x's channels and
// stay; only conv1's output group may change. The flatten of the head
// blocks the pooled channels, the softmax the logits.
// RUN: dnn-opt %dnn_src_root/examples/resnet_block.mlir --dnn-test-channel-groups -o /dev/null 2>&1 | FileCheck %s

// CHECK: remark: {{.*}}channel group #0: 32 channels; producers: layer1.0.conv2; consumers: layer1.0.conv1; pass-through: layer1.0.bn2, layer1.0.add, layer1.0.relu2, avgpool; weights: 6; blocked: function argument #0; opaque op flatten (dnn.flatten)
// CHECK: remark: {{.*}}channel group #1: 32 channels; producers: layer1.0.conv1; consumers: layer1.0.conv2; pass-through: layer1.0.bn1, layer1.0.relu1; weights: 6; modifiable
// CHECK: remark: {{.*}}channel group #2: 32 channels; consumers: fc; weights: 1; blocked: opaque op flatten (dnn.flatten); no producer
// CHECK: remark: {{.*}}channel group #3: 10 channels; producers: fc; weights: 2; blocked: opaque op softmax (dnn.softmax)
// CHECK-NOT: remark: channel group
