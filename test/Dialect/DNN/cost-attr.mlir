// RUN: dnn-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: dnn-opt %s -split-input-file -verify-diagnostics | dnn-opt -split-input-file | FileCheck %s
// RUN: dnn-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | dnn-opt -split-input-file | FileCheck %s

// #dnn.cost (what dnn-predict writes as `dnn.cost`): round trip, and every
// diagnostic of CostAttr::verify, of parsing its parameters and of placing
// `dnn.cost` with a value that is not a #dnn.cost
// (DNNDialect::verifyOperationAttribute).

// On an op and on a function; integers read as floats, and the parameters
// print in declaration order with the fewest digits that read back.
// CHECK-LABEL: func.func @cost_on_op_and_function
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 241.8, compute_us = 239.5, memory_us = 20.1, launch_us = 2.3, waves = 1.5, tail_utilization = 0.5, energy_uj = 98.0>
// CHECK: dnn.activation relu %{{.*}} {dnn.cost = #dnn.cost<latency_us = 5.0, compute_us = 0.003, memory_us = 3.211, launch_us = 2.0, waves = 0.1856, tail_utilization = 0.1856, energy_uj = 537.383>}
func.func @cost_on_op_and_function(%x: tensor<1x8xf32>) -> tensor<1x8xf32>
    attributes {dnn.cost = #dnn.cost<latency_us = 241.8, compute_us = 239.5,
                memory_us = 20.1, launch_us = 2.3, waves = 1.5,
                tail_utilization = 0.5, energy_uj = 98>} {
  %y = dnn.activation relu %x {dnn.cost = #dnn.cost<latency_us = 5, compute_us = 0.003, memory_us = 3.211, launch_us = 2, waves = 0.1856, tail_utilization = 0.1856, energy_uj = 537.383>} : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

// Parameters in any order; the zero cost of a view (tail 1.0); values at
// the bounds (tail_utilization 0 and 1); very large and very small numbers.
// CHECK-LABEL: func.func @cost_forms
// CHECK: dnn.activation relu %{{.*}} {dnn.cost = #dnn.cost<latency_us = 1.0e+20, compute_us = 1.0e-05, memory_us = 0.5, launch_us = 2.0, waves = 1000000.0, tail_utilization = 0.0, energy_uj = 3.0>}
// CHECK: dnn.reshape %{{.*}} {dnn.cost = #dnn.cost<latency_us = 0.0, compute_us = 0.0, memory_us = 0.0, launch_us = 0.0, waves = 0.0, tail_utilization = 1.0, energy_uj = 0.0>}
func.func @cost_forms(%x: tensor<1x8xf32>) -> tensor<8xf32> {
  %y = dnn.activation relu %x {dnn.cost = #dnn.cost<energy_uj = 3.0, tail_utilization = 0.0, waves = 1000000, launch_us = 2.0, memory_us = 0.5, compute_us = 0.00001, latency_us = 1.0e+20>} : tensor<1x8xf32>
  %z = dnn.reshape %y {dnn.cost = #dnn.cost<latency_us = 0, compute_us = 0, memory_us = 0, launch_us = 0, waves = 0, tail_utilization = 1, energy_uj = 0>} : tensor<1x8xf32> -> tensor<8xf32>
  return %z : tensor<8xf32>
}

// -----

// Through an alias, and on a module.
// CHECK-LABEL: module attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 0.5, memory_us = 0.25, launch_us = 0.5, waves = 1.0, tail_utilization = 1.0, energy_uj = 7.0>}
#cost = #dnn.cost<latency_us = 1.0, compute_us = 0.5, memory_us = 0.25, launch_us = 0.5, waves = 1.0, tail_utilization = 1.0, energy_uj = 7.0>
// CHECK-NEXT: func.func @cost_alias() attributes {dnn.cost = #dnn.cost<latency_us = 1.0,
module attributes {dnn.cost = #cost} {
  func.func @cost_alias() attributes {dnn.cost = #cost} {
    return
  }
}

// -----

//===----------------------------------------------------------------------===//
// CostAttr::verify: every field non-negative and finite, tail at most 1
//===----------------------------------------------------------------------===//

// expected-error @+1 {{#dnn.cost: latency_us must be a non-negative finite number, got -1}}
func.func @negative_latency() attributes {dnn.cost = #dnn.cost<latency_us = -1.0, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+1 {{#dnn.cost: compute_us must be a non-negative finite number, got -5.000000e-01}}
func.func @negative_compute() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = -0.5, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+1 {{#dnn.cost: memory_us must be a non-negative finite number, got -2}}
func.func @negative_memory() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = -2, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+1 {{#dnn.cost: launch_us must be a non-negative finite number, got -2}}
func.func @negative_launch() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = -2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+1 {{#dnn.cost: waves must be a non-negative finite number, got -1}}
func.func @negative_waves() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = -1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+1 {{#dnn.cost: tail_utilization must be a non-negative finite number, got -2.500000e-01}}
func.func @negative_tail() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = -0.25, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+1 {{#dnn.cost: energy_uj must be a non-negative finite number, got -3}}
func.func @negative_energy() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = -3.0>} {
  return
}

// -----

// A literal too large for a double reads as infinity.
// expected-error @+1 {{#dnn.cost: latency_us must be a non-negative finite number, got INF}}
func.func @infinite_latency() attributes {dnn.cost = #dnn.cost<latency_us = 1.0e+400, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+1 {{#dnn.cost: tail_utilization must be at most 1, got 1.5}}
func.func @tail_over_one() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = 1.5, energy_uj = 3.0>} {
  return
}

// -----

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

// expected-error @+2 {{expected a number, got true}}
// expected-error @+1 {{failed to parse DNN_CostAttr parameter 'latency_us'}}
func.func @bool_parameter() attributes {dnn.cost = #dnn.cost<latency_us = true, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+2 {{expected a number, got "fast"}}
// expected-error @+1 {{failed to parse DNN_CostAttr parameter 'launch_us'}}
func.func @string_parameter() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = "fast", waves = 1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// All seven parameters are required: energy_uj is missing.
// expected-error @+1 {{expected ','}}
func.func @missing_parameter() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0>} {
  return
}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: power_w}}
func.func @unknown_parameter() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, power_w = 1.0, energy_uj = 3.0>} {
  return
}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: latency_us}}
func.func @duplicate_parameter() attributes {dnn.cost = #dnn.cost<latency_us = 1.0, latency_us = 1.0, compute_us = 1.0, memory_us = 0.5, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 3.0>} {
  return
}

// -----

//===----------------------------------------------------------------------===//
// `dnn.cost` with a value that is not a #dnn.cost
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'dnn.cost' must be a #dnn.cost attribute, got 1.000000e+00 : f64}}
func.func @cost_is_float() attributes {dnn.cost = 1.0} {
  return
}

// -----

// expected-error @+1 {{'dnn.cost' must be a #dnn.cost attribute, got "fast"}}
module attributes {dnn.cost = "fast"} {
  func.func @cost_is_string_on_module() {
    return
  }
}

// -----

func.func @cost_is_mapping(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'dnn.cost' must be a #dnn.cost attribute, got #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 1, ctas_per_sm = 4, waves = 0.0019>}}
  %y = dnn.activation relu %x {dnn.cost = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, ctas = 1, ctas_per_sm = 4, waves = 0.0019>} : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

func.func @cost_is_dictionary(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'dnn.cost' must be a #dnn.cost attribute, got {latency_us = 1.000000e+00 : f64}}}
  %y = dnn.activation relu %x {dnn.cost = {latency_us = 1.0}} : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
