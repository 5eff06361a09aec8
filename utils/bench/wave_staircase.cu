// wave_staircase.cu -- controlled GPU "wave" experiment for the dnn-mlir performance model.
//
// Our own GEMM kernels with a known, fixed mapping (one CTA per TILE_M x TILE_N output tile,
// no split-K, no persistence, grid = (N/TILE_N, M/TILE_M)). For each configuration:
//   * resources: cudaFuncGetAttributes (regs, static smem) + dynamic smem,
//     B = cudaOccupancyMaxActiveBlocksPerMultiprocessor, S = multiProcessorCount;
//   * correctness once: fresh random inputs, output poisoned with NaN, compared with a
//     simple reference kernel (double accumulation), relative error norm ||C-R||/||R||;
//   * sweep N = TILE_N, 2*TILE_N, ... (M, K fixed) so the CTA count grows by one column of
//     tiles (M/TILE_M CTAs) per step, spanning >= --waves full waves of S*B CTAs;
//   * each point: warm-up launches, then --reps launches each bracketed by CUDA events;
//     median and min of the per-launch times. Points are timed in a shuffled order (fixed
//     seed) so slow clock/thermal drift shows up as noise rather than as a slope.
//     No buffer rotation: the kernels are compute bound (arithmetic intensity >= 16 FLOP/B
//     at the smallest tile) and A (M*K) plus B (K*N) mostly fit in the 50 MiB L2 anyway.
//
// Build:  nvcc -O3 -std=c++17 -arch=sm_90 -lineinfo -o .bench-bin/wave_staircase utils/bench/wave_staircase.cu
// Run:    ./.bench-bin/wave_staircase --out wave_staircase.csv [--reps 25] [--warmup 3] [--waves 7]
//                                     [--ppw 8] [--K 1024] [--only NAME]
//                                     [--trace FILE [--trace-waves 3] [--trace-launches 3]] [--no-sweep]
//   --trace: for every sweep point up to --trace-waves waves, launch a traced twin of the kernel
//   (same body; thread 0 records %smid, %globaltimer at entry/exit and clock64 cycles) and write
//   per-CTA rows: config,ctas_per_sm,M,N,K,ctas,launch,cta,smid,t0_ns,t1_ns,cycles
//   (t0/t1 relative to the launch's first CTA start). --no-sweep skips the timing sweep.
//
// CSV columns: config,tile_m,tile_n,tile_k,threads,regs,smem_bytes,ctas_per_sm,sms,M,N,K,ctas,
//              waves,ceil_waves,median_us,min_us,gflops,ceil_ctas_over_sms,reps
//   waves = ctas/(S*B); ceil_ctas_over_sms = ceil(ctas/S) (per-SM fill, for partial waves).
// Summary (stdout, last): per config a least-squares fit median_us = a + b*ceil(waves)
// (b = us per wave) with R^2, R^2 of the fit against raw ctas (linear in work), R^2 against
// ceil(ctas/S), and a 3-term fit a + b*ceil(w) + c*f where f = fill of the last wave in (0,1]
// (c = intra-wave slope: us added as the last wave goes from one CTA to full).

#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <mma.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#define CK(x)                                                                              \
  do {                                                                                     \
    cudaError_t e_ = (x);                                                                  \
    if (e_ != cudaSuccess) {                                                               \
      fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(e_), __FILE__,      \
              __LINE__, cudaGetErrorString(e_));                                           \
      exit(2);                                                                             \
    }                                                                                      \
  } while (0)

// ------------------------------------------------------------------------------------------
// FP32 tiled SGEMM: C[M,N] = A[M,K] * B[K,N], row-major, M%BM == N%BN == K%BK == 0.
// THREADS threads; thread (trow, tcol) owns a TM x TN register tile (TM rows, TN contiguous
// columns). A tile is stored transposed in smem (As[k][m]) so both operands are read as
// float4 along the tile. TAG only makes distinct instantiations of identical code.
// ------------------------------------------------------------------------------------------
template <int BM, int BN, int BK, int THREADS, int TM, int TN>
__device__ __forceinline__ void sgemm_body(int M, int N, int K, const float* __restrict__ A,
                                           const float* __restrict__ B, float* __restrict__ C) {
  static_assert(BM * BN == THREADS * TM * TN, "register tiles must cover the CTA tile");
  static_assert(TM % 4 == 0 && TN % 4 == 0 && BK % 4 == 0, "float4 paths");
  static_assert((BM * BK) % (THREADS * 4) == 0 && (BK * BN) % (THREADS * 4) == 0, "loads");
  __shared__ __align__(16) float As[BK][BM];
  __shared__ __align__(16) float Bs[BK][BN];

  const int tid = threadIdx.x;
  const int tcol = tid % (BN / TN);
  const int trow = tid / (BN / TN);
  const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;
  A += (size_t)bm * K;
  B += bn;
  C += (size_t)bm * N + bn;

  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = 0.f;
  float ra[TM], rb[TN];

  for (int k0 = 0; k0 < K; k0 += BK) {
#pragma unroll
    for (int l = 0; l < (BM * BK) / (THREADS * 4); ++l) {
      const int i = (l * THREADS + tid) * 4;
      const int r = i / BK, c = i % BK;
      const float4 v = *reinterpret_cast<const float4*>(A + (size_t)r * K + k0 + c);
      As[c + 0][r] = v.x;
      As[c + 1][r] = v.y;
      As[c + 2][r] = v.z;
      As[c + 3][r] = v.w;
    }
#pragma unroll
    for (int l = 0; l < (BK * BN) / (THREADS * 4); ++l) {
      const int i = (l * THREADS + tid) * 4;
      const int r = i / BN, c = i % BN;
      *reinterpret_cast<float4*>(&Bs[r][c]) =
          *reinterpret_cast<const float4*>(B + (size_t)(k0 + r) * N + c);
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < BK; ++k) {
#pragma unroll
      for (int i = 0; i < TM; i += 4) {
        const float4 v = *reinterpret_cast<const float4*>(&As[k][trow * TM + i]);
        ra[i] = v.x; ra[i + 1] = v.y; ra[i + 2] = v.z; ra[i + 3] = v.w;
      }
#pragma unroll
      for (int j = 0; j < TN; j += 4) {
        const float4 v = *reinterpret_cast<const float4*>(&Bs[k][tcol * TN + j]);
        rb[j] = v.x; rb[j + 1] = v.y; rb[j + 2] = v.z; rb[j + 3] = v.w;
      }
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; j += 4)
      *reinterpret_cast<float4*>(C + (size_t)(trow * TM + i) * N + tcol * TN + j) =
          make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
}

// ------------------------------------------------------------------------------------------
// F16 tensor-core GEMM (WMMA 16x16x16, fp32 accumulate): C[M,N] (fp32) = A (f16) * B (f16).
// CTA tile BM x BN x BK, warps arranged (BM/WM) x (BN/WN), each warp WM x WN of fragments.
// Single-stage smem tiles, rows padded by 8 halves (keeps 16-B stores and 32-B fragment
// pointers aligned).
// ------------------------------------------------------------------------------------------
template <int BM, int BN, int BK, int WM, int WN>
__device__ __forceinline__ void hgemm_body(int M, int N, int K, const __half* __restrict__ A,
                                           const __half* __restrict__ B, float* __restrict__ C) {
  using namespace nvcuda;
  constexpr int THREADS = (BM / WM) * (BN / WN) * 32;
  constexpr int PA = BK + 8, PB = BN + 8;
  constexpr int FM = WM / 16, FN = WN / 16;
  static_assert((BM * BK / 8) % THREADS == 0 && (BK * BN / 8) % THREADS == 0, "loads");
  __shared__ __align__(128) __half As[BM * PA];
  __shared__ __align__(128) __half Bs[BK * PB];

  const int tid = threadIdx.x, warp = tid / 32;
  const int wm = warp / (BN / WN), wn = warp % (BN / WN);
  const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[FM][FN];
#pragma unroll
  for (int i = 0; i < FM; ++i)
#pragma unroll
    for (int j = 0; j < FN; ++j) wmma::fill_fragment(acc[i][j], 0.f);

  for (int k0 = 0; k0 < K; k0 += BK) {
#pragma unroll
    for (int l = 0; l < (BM * BK / 8) / THREADS; ++l) {
      const int idx = l * THREADS + tid;
      const int r = idx / (BK / 8), c = (idx % (BK / 8)) * 8;
      *reinterpret_cast<uint4*>(&As[r * PA + c]) =
          *reinterpret_cast<const uint4*>(A + (size_t)(bm + r) * K + k0 + c);
    }
#pragma unroll
    for (int l = 0; l < (BK * BN / 8) / THREADS; ++l) {
      const int idx = l * THREADS + tid;
      const int r = idx / (BN / 8), c = (idx % (BN / 8)) * 8;
      *reinterpret_cast<uint4*>(&Bs[r * PB + c]) =
          *reinterpret_cast<const uint4*>(B + (size_t)(k0 + r) * N + bn + c);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[FM];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b[FN];
#pragma unroll
      for (int i = 0; i < FM; ++i)
        wmma::load_matrix_sync(a[i], &As[(wm * WM + i * 16) * PA + kk], PA);
#pragma unroll
      for (int j = 0; j < FN; ++j)
        wmma::load_matrix_sync(b[j], &Bs[kk * PB + wn * WN + j * 16], PB);
#pragma unroll
      for (int i = 0; i < FM; ++i)
#pragma unroll
        for (int j = 0; j < FN; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < FM; ++i)
#pragma unroll
    for (int j = 0; j < FN; ++j)
      wmma::store_matrix_sync(C + (size_t)(bm + wm * WM + i * 16) * N + bn + wn * WN + j * 16,
                              acc[i][j], N, wmma::mem_row_major);
}

// ------------------------------------------------------------------------------------------
// Kernels. *_traced are separate instantiations of the same body that also record, per CTA,
// %smid, %globaltimer (ns) and clock64 at entry and exit (thread 0, after a final barrier),
// for --trace; the timed kernels carry no instrumentation.
// trace layout per CTA: [smid, t0_ns, t1_ns, cycles]
// ------------------------------------------------------------------------------------------
__device__ __forceinline__ unsigned long long gtimer() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}
__device__ __forceinline__ unsigned smid() {
  unsigned r;
  asm volatile("mov.u32 %0, %%smid;" : "=r"(r));
  return r;
}
#define TRACE_BEGIN                                           \
  unsigned long long t0_ = 0, c0_ = 0;                        \
  if (threadIdx.x == 0) { t0_ = gtimer(); c0_ = clock64(); }
#define TRACE_END                                                                   \
  __syncthreads();                                                                  \
  if (threadIdx.x == 0) {                                                           \
    const unsigned long long c1_ = clock64(), t1_ = gtimer();                       \
    const size_t b_ = (size_t)blockIdx.y * gridDim.x + blockIdx.x;                  \
    trace[4 * b_ + 0] = smid();                                                     \
    trace[4 * b_ + 1] = t0_;                                                        \
    trace[4 * b_ + 2] = t1_;                                                        \
    trace[4 * b_ + 3] = c1_ - c0_;                                                  \
  }

template <int BM, int BN, int BK, int THREADS, int TM, int TN, int MINB, int TAG>
__global__ void __launch_bounds__(THREADS, MINB)
    sgemm_tiled(int M, int N, int K, const float* __restrict__ A, const float* __restrict__ B,
                float* __restrict__ C) {
  sgemm_body<BM, BN, BK, THREADS, TM, TN>(M, N, K, A, B, C);
}
template <int BM, int BN, int BK, int THREADS, int TM, int TN, int MINB, int TAG>
__global__ void __launch_bounds__(THREADS, MINB)  // MINB here = the timed kernel's B (keeps occupancy)
    sgemm_traced(int M, int N, int K, const float* __restrict__ A, const float* __restrict__ B,
                 float* __restrict__ C, unsigned long long* __restrict__ trace) {
  TRACE_BEGIN
  sgemm_body<BM, BN, BK, THREADS, TM, TN>(M, N, K, A, B, C);
  TRACE_END
}
template <int BM, int BN, int BK, int WM, int WN>
__global__ void __launch_bounds__((BM / WM) * (BN / WN) * 32)
    hgemm_wmma(int M, int N, int K, const __half* __restrict__ A, const __half* __restrict__ B,
               float* __restrict__ C) {
  hgemm_body<BM, BN, BK, WM, WN>(M, N, K, A, B, C);
}
template <int BM, int BN, int BK, int WM, int WN>
__global__ void __launch_bounds__((BM / WM) * (BN / WN) * 32)
    hgemm_traced(int M, int N, int K, const __half* __restrict__ A, const __half* __restrict__ B,
                 float* __restrict__ C, unsigned long long* __restrict__ trace) {
  TRACE_BEGIN
  hgemm_body<BM, BN, BK, WM, WN>(M, N, K, A, B, C);
  TRACE_END
}

// ------------------------------------------------------------------------------------------
// Reference (one thread per output, double accumulation) and helpers.
// ------------------------------------------------------------------------------------------
__device__ __forceinline__ float to_f(float x) { return x; }
__device__ __forceinline__ float to_f(__half x) { return __half2float(x); }

template <typename T>
__global__ void gemm_ref(int M, int N, int K, const T* __restrict__ A, const T* __restrict__ B,
                         float* __restrict__ C) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x;
  const int m = blockIdx.y;
  if (n >= N || m >= M) return;
  double s = 0.0;
  for (int k = 0; k < K; ++k) s += (double)to_f(A[(size_t)m * K + k]) * (double)to_f(B[(size_t)k * N + n]);
  C[(size_t)m * N + n] = (float)s;
}

__device__ __forceinline__ float hash_uniform(unsigned long long seed, size_t i) {
  unsigned long long x = seed * 0x9E3779B97F4A7C15ull + i;
  x ^= x >> 33; x *= 0xff51afd7ed558ccdull; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ull; x ^= x >> 33;
  return (float)((x >> 40) * (1.0 / 16777216.0)) * 2.f - 1.f;  // [-1, 1)
}
__global__ void fill_rand(float* p, size_t n, unsigned long long seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    p[i] = hash_uniform(seed, i);
}
__global__ void fill_rand(__half* p, size_t n, unsigned long long seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    p[i] = __float2half(hash_uniform(seed, i));
}

// ------------------------------------------------------------------------------------------
// Configurations
// ------------------------------------------------------------------------------------------
struct Config {
  std::string name;
  bool f16;
  int tm, tn, tk, threads;
  size_t dyn_smem;   // extra dynamic smem per CTA (only used to force occupancy)
  const void* func;  // kernel symbol (for attributes / occupancy)
  // launch(M, N, K, A, B, C, stream)
  std::function<void(int, int, int, const void*, const void*, float*, cudaStream_t)> launch;
  const void* tfunc;  // traced twin
  std::function<void(int, int, int, const void*, const void*, float*, unsigned long long*, cudaStream_t)> tlaunch;
};

template <int BM, int BN, int BK, int THREADS, int TM, int TN, int MINB, int TAG, int TRACE_MINB = MINB>
Config make_sgemm(const char* name, size_t dyn_smem = 0) {
  auto k = sgemm_tiled<BM, BN, BK, THREADS, TM, TN, MINB, TAG>;
  auto kt = sgemm_traced<BM, BN, BK, THREADS, TM, TN, TRACE_MINB, TAG>;
  Config c{name, false, BM, BN, BK, THREADS, dyn_smem, (const void*)k, nullptr, (const void*)kt, nullptr};
  c.launch = [k, dyn_smem](int M, int N, int K, const void* A, const void* B, float* C, cudaStream_t s) {
    dim3 grid(N / BN, M / BM);
    k<<<grid, THREADS, dyn_smem, s>>>(M, N, K, (const float*)A, (const float*)B, C);
  };
  c.tlaunch = [kt, dyn_smem](int M, int N, int K, const void* A, const void* B, float* C,
                             unsigned long long* tr, cudaStream_t s) {
    dim3 grid(N / BN, M / BM);
    kt<<<grid, THREADS, dyn_smem, s>>>(M, N, K, (const float*)A, (const float*)B, C, tr);
  };
  return c;
}

template <int BM, int BN, int BK, int WM, int WN>
Config make_hgemm(const char* name) {
  auto k = hgemm_wmma<BM, BN, BK, WM, WN>;
  auto kt = hgemm_traced<BM, BN, BK, WM, WN>;
  constexpr int THREADS = (BM / WM) * (BN / WN) * 32;
  Config c{name, true, BM, BN, BK, THREADS, 0, (const void*)k, nullptr, (const void*)kt, nullptr};
  c.launch = [k](int M, int N, int K, const void* A, const void* B, float* C, cudaStream_t s) {
    dim3 grid(N / BN, M / BM);
    k<<<grid, THREADS, 0, s>>>(M, N, K, (const __half*)A, (const __half*)B, C);
  };
  c.tlaunch = [kt](int M, int N, int K, const void* A, const void* B, float* C, unsigned long long* tr,
                   cudaStream_t s) {
    dim3 grid(N / BN, M / BM);
    kt<<<grid, THREADS, 0, s>>>(M, N, K, (const __half*)A, (const __half*)B, C, tr);
  };
  return c;
}

// ------------------------------------------------------------------------------------------
// Least squares
// ------------------------------------------------------------------------------------------
// Fit y = X beta (X has p columns incl. intercept) by normal equations; returns R^2.
static double lsq(const std::vector<std::vector<double>>& X, const std::vector<double>& y,
                  std::vector<double>& beta) {
  const int n = (int)y.size(), p = (int)X[0].size();
  std::vector<std::vector<double>> A(p, std::vector<double>(p + 1, 0.0));
  for (int r = 0; r < n; ++r)
    for (int i = 0; i < p; ++i) {
      for (int j = 0; j < p; ++j) A[i][j] += X[r][i] * X[r][j];
      A[i][p] += X[r][i] * y[r];
    }
  for (int c = 0; c < p; ++c) {  // Gauss-Jordan with partial pivoting
    int piv = c;
    for (int r = c + 1; r < p; ++r) if (fabs(A[r][c]) > fabs(A[piv][c])) piv = r;
    std::swap(A[c], A[piv]);
    if (fabs(A[c][c]) < 1e-300) { beta.assign(p, NAN); return NAN; }
    for (int r = 0; r < p; ++r) {
      if (r == c) continue;
      const double f = A[r][c] / A[c][c];
      for (int j = c; j <= p; ++j) A[r][j] -= f * A[c][j];
    }
  }
  beta.resize(p);
  for (int i = 0; i < p; ++i) beta[i] = A[i][p] / A[i][i];
  double mean = 0; for (double v : y) mean += v; mean /= n;
  double ssr = 0, sst = 0;
  for (int r = 0; r < n; ++r) {
    double f = 0; for (int i = 0; i < p; ++i) f += X[r][i] * beta[i];
    ssr += (y[r] - f) * (y[r] - f);
    sst += (y[r] - mean) * (y[r] - mean);
  }
  return sst > 0 ? 1.0 - ssr / sst : NAN;
}

struct Row {
  int M, N, K;
  long ctas;
  double waves;
  int ceil_waves, ceil_sm;
  double median_us, min_us, gflops;
};

struct Summary {
  std::string name;
  int regs, B, M, points;
  size_t smem;
  double us_per_wave, intercept, r2_ceil, r2_ctas, r2_ceil_sm, intra_c, intra_b, r2_3, peak_gflops;
  double rel_err;
  bool ok;
};

int main(int argc, char** argv) {
  std::string out = "wave_staircase.csv", only;
  int reps = 25, warmup = 3, ppw = 8, K = 1024;
  double target_waves = 7.0;
  std::string trace_path;  // --trace FILE: per-CTA smid / start / end / cycles (traced twin kernels)
  int trace_waves = 3, trace_launches = 3;
  bool no_sweep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) { fprintf(stderr, "missing value for %s\n", a.c_str()); exit(1); }
      return argv[++i];
    };
    if (a == "--out") out = next();
    else if (a == "--reps") reps = atoi(next());
    else if (a == "--warmup") warmup = atoi(next());
    else if (a == "--waves") target_waves = atof(next());
    else if (a == "--ppw") ppw = atoi(next());
    else if (a == "--K") K = atoi(next());
    else if (a == "--only") only = next();
    else if (a == "--trace") trace_path = next();
    else if (a == "--trace-waves") trace_waves = atoi(next());
    else if (a == "--trace-launches") trace_launches = atoi(next());
    else if (a == "--no-sweep") no_sweep = true;
    else { fprintf(stderr, "unknown arg %s\n", a.c_str()); return 1; }
  }
  if (reps < 20) { fprintf(stderr, "--reps must be >= 20\n"); return 1; }

  int dev = 0;
  CK(cudaSetDevice(dev));
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, dev));
  const int S = prop.multiProcessorCount;
  int drv = 0, rt = 0;
  CK(cudaDriverGetVersion(&drv));
  CK(cudaRuntimeGetVersion(&rt));
  printf("device: %s  cc %d.%d  SMs %d  L2 %d B  smem/SM %zu B  smem/block optin %zu B  regs/SM %d\n",
         prop.name, prop.major, prop.minor, S, prop.l2CacheSize, prop.sharedMemPerMultiprocessor,
         prop.sharedMemPerBlockOptin, prop.regsPerMultiprocessor);
  printf("driver %d runtime %d; reps %d (median, min of per-launch event times), warmup %d, K %d, "
         "target waves %.1f, ~%d points per wave\n", drv, rt, reps, warmup, K, target_waves, ppw);

  std::vector<Config> cfgs;
  cfgs.push_back(make_sgemm<64, 64, 16, 256, 4, 4, 1, 0, 4>("sgemm_64x64x16_t256"));
  cfgs.push_back(make_sgemm<128, 64, 16, 256, 8, 4, 1, 0>("sgemm_128x64x16_t256"));
  cfgs.push_back(make_sgemm<128, 128, 8, 256, 8, 8, 2, 0>("sgemm_128x128x8_t256"));
  // Same code as the previous config (distinct instantiation via TAG), but 140 KiB of extra
  // dynamic shared memory per CTA so only one CTA fits on an SM.
  cfgs.push_back(make_sgemm<128, 128, 8, 256, 8, 8, 2, 1>("sgemm_128x128x8_t256_1cta", 140 * 1024));
  cfgs.push_back(make_hgemm<128, 128, 32, 64, 32>("hgemm_wmma_128x128x32_t256"));

  FILE* csv = fopen(out.c_str(), "w");
  if (!csv) { perror(out.c_str()); return 1; }
  FILE* tf = nullptr;
  if (!trace_path.empty()) {
    tf = fopen(trace_path.c_str(), "w");
    if (!tf) { perror(trace_path.c_str()); return 1; }
    fprintf(tf, "config,ctas_per_sm,M,N,K,ctas,launch,cta,smid,t0_ns,t1_ns,cycles\n");
  }
  fprintf(csv, "config,tile_m,tile_n,tile_k,threads,regs,smem_bytes,ctas_per_sm,sms,M,N,K,ctas,waves,"
               "ceil_waves,median_us,min_us,gflops,ceil_ctas_over_sms,reps\n");

  cudaStream_t st;
  CK(cudaStreamCreate(&st));
  std::vector<cudaEvent_t> ev(2 * reps);
  for (auto& e : ev) CK(cudaEventCreate(&e));
  std::vector<Summary> sums;
  bool all_ok = true;
  unsigned long long seed = 12345;

  for (auto& cfg : cfgs) {
    if (!only.empty() && cfg.name != only) continue;
    if (cfg.dyn_smem > 0)
      CK(cudaFuncSetAttribute(cfg.func, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)cfg.dyn_smem));
    cudaFuncAttributes fa;
    CK(cudaFuncGetAttributes(&fa, cfg.func));
    int B = 0;
    CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&B, cfg.func, cfg.threads, cfg.dyn_smem));
    const size_t smem = fa.sharedSizeBytes + cfg.dyn_smem;
    printf("\n== %s: tile %dx%dx%d, %d threads, regs %d, smem %zu B (static %zu + dyn %zu), local %zu B, "
           "B=%d CTAs/SM, wave = %d CTAs\n",
           cfg.name.c_str(), cfg.tm, cfg.tn, cfg.tk, cfg.threads, fa.numRegs, smem, fa.sharedSizeBytes,
           cfg.dyn_smem, fa.localSizeBytes, B, S * B);
    if (B < 1) { printf("  cannot launch (B=0), skipped\n"); all_ok = false; continue; }

    // M: a power-of-two number of tile rows near (wave / ppw) CTAs per N step.
    const int wave = S * B;
    int rows = 1;
    while (rows * 2 <= std::max(1, wave / ppw)) rows *= 2;
    int M = cfg.tm * rows;
    M = std::max(M, 1024);
    M = std::min(M, 8192);
    const int cpc = M / cfg.tm;  // CTAs per column of tiles (per N step)
    const int ncols = (int)std::ceil(target_waves * wave / cpc);
    const int Nmax = ncols * cfg.tn;
    printf("  sweep: M=%d K=%d N=%d..%d step %d (%d CTAs per step, %d points, up to %.2f waves)\n", M, K,
           cfg.tn, Nmax, cfg.tn, cpc, ncols, (double)ncols * cpc / wave);

    const size_t esz = cfg.f16 ? 2 : 4;
    void *dA, *dB;
    float* dC;
    CK(cudaMalloc(&dA, (size_t)M * K * esz));
    CK(cudaMalloc(&dB, (size_t)K * Nmax * esz));
    CK(cudaMalloc(&dC, (size_t)M * Nmax * 4));
    auto fill = [&](void* p, size_t n, unsigned long long s) {
      if (cfg.f16) fill_rand<<<1024, 256, 0, st>>>((__half*)p, n, s);
      else fill_rand<<<1024, 256, 0, st>>>((float*)p, n, s);
      CK(cudaGetLastError());
    };

    // ---- correctness (fresh inputs, poisoned output) at M x Nc x K
    const int Nc = std::min(Nmax, 8 * cfg.tn);
    double rel = NAN;
    long bad = 0;
    {
      float* dR;
      CK(cudaMalloc(&dR, (size_t)M * Nc * 4));
      fill(dA, (size_t)M * K, seed++);
      fill(dB, (size_t)K * Nc, seed++);
      CK(cudaMemsetAsync(dC, 0xFF, (size_t)M * Nc * 4, st));  // NaN poison
      CK(cudaMemsetAsync(dR, 0xFF, (size_t)M * Nc * 4, st));
      cfg.launch(M, Nc, K, dA, dB, dC, st);
      CK(cudaGetLastError());
      dim3 rg((Nc + 127) / 128, M);
      if (cfg.f16) gemm_ref<__half><<<rg, 128, 0, st>>>(M, Nc, K, (const __half*)dA, (const __half*)dB, dR);
      else gemm_ref<float><<<rg, 128, 0, st>>>(M, Nc, K, (const float*)dA, (const float*)dB, dR);
      CK(cudaGetLastError());
      CK(cudaStreamSynchronize(st));
      std::vector<float> hC((size_t)M * Nc), hR((size_t)M * Nc);
      CK(cudaMemcpy(hC.data(), dC, hC.size() * 4, cudaMemcpyDeviceToHost));
      CK(cudaMemcpy(hR.data(), dR, hR.size() * 4, cudaMemcpyDeviceToHost));
      double num = 0, den = 0;
      for (size_t i = 0; i < hC.size(); ++i) {
        if (!std::isfinite(hC[i]) || !std::isfinite(hR[i])) { ++bad; continue; }
        const double d = (double)hC[i] - hR[i];
        num += d * d;
        den += (double)hR[i] * hR[i];
      }
      rel = std::sqrt(num / den);
      CK(cudaFree(dR));
    }
    const double tol = 1e-5;  // fp32 accumulation in both kernels; the f16 reference uses the same f16 inputs
    const bool ok = bad == 0 && rel < tol;
    all_ok = all_ok && ok;
    printf("  check M=%d N=%d K=%d: rel err %.3e, non-finite %ld -> %s\n", M, Nc, K, rel, bad,
           ok ? "PASS" : "FAIL");

    // ---- timing sweep on fresh random inputs (never zeros)
    fill(dA, (size_t)M * K, seed++);
    fill(dB, (size_t)K * Nmax, seed++);
    CK(cudaStreamSynchronize(st));

    // ---- optional per-CTA trace (traced twin kernel), all points up to --trace-waves waves
    if (tf) {
      if (cfg.dyn_smem > 0)
        CK(cudaFuncSetAttribute(cfg.tfunc, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)cfg.dyn_smem));
      cudaFuncAttributes ta;
      CK(cudaFuncGetAttributes(&ta, cfg.tfunc));
      int Bt = 0;
      CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&Bt, cfg.tfunc, cfg.threads, cfg.dyn_smem));
      printf("  trace twin: regs %d, B=%d%s\n", ta.numRegs, Bt, Bt == B ? "" : "  (DIFFERS from timed kernel)");
      const size_t maxc = (size_t)ncols * cpc;
      unsigned long long* dT;
      CK(cudaMalloc(&dT, maxc * 4 * sizeof(unsigned long long)));
      std::vector<unsigned long long> hT(maxc * 4);
      printf("  trace: ctas  span_us(launches)  max_ctas_on_one_sm  mean_cta_us  mean_MHz\n");
      for (int col = 1; col <= ncols; ++col) {
        const long ctas = (long)col * cpc;
        if ((ctas + wave - 1) / wave > trace_waves) break;
        const int N = col * cfg.tn;
        cfg.tlaunch(M, N, K, dA, dB, dC, dT, st);  // warm-up
        std::string spans;
        int maxper = 0;
        double dur = 0, mhz = 0;
        for (int l = 0; l < trace_launches; ++l) {
          CK(cudaMemsetAsync(dT, 0xFF, ctas * 4 * sizeof(unsigned long long), st));
          cfg.tlaunch(M, N, K, dA, dB, dC, dT, st);
          CK(cudaGetLastError());
          CK(cudaStreamSynchronize(st));
          CK(cudaMemcpy(hT.data(), dT, ctas * 4 * sizeof(unsigned long long), cudaMemcpyDeviceToHost));
          unsigned long long tmin = ~0ull, tmax = 0;
          std::vector<int> per(1024, 0);
          for (long c = 0; c < ctas; ++c) {
            const unsigned long long* r = &hT[4 * c];
            if (r[0] == ~0ull) { printf("  trace: CTA %ld not recorded\n", c); all_ok = false; continue; }
            tmin = std::min(tmin, r[1]);
            tmax = std::max(tmax, r[2]);
            if (r[0] < per.size()) maxper = std::max(maxper, ++per[r[0]]);
          }
          for (long c = 0; c < ctas; ++c) {
            const unsigned long long* r = &hT[4 * c];
            fprintf(tf, "%s,%d,%d,%d,%d,%ld,%d,%ld,%llu,%llu,%llu,%llu\n", cfg.name.c_str(), B, M, N, K, ctas,
                    l, c, r[0], r[1] - tmin, r[2] - tmin, r[3]);
            if (l == trace_launches - 1) {
              dur += (r[2] - r[1]) * 1e-3 / ctas;
              mhz += (double)r[3] / (double)(r[2] - r[1]) * 1e3 / ctas;
            }
          }
          char b[32];
          snprintf(b, sizeof b, "%s%.1f", l ? "/" : "", (tmax - tmin) * 1e-3);
          spans += b;
        }
        printf("  trace: %5ld  %-24s  %3d  %9.2f  %7.0f\n", ctas, spans.c_str(), maxper, dur, mhz);
      }
      fflush(tf);
      CK(cudaFree(dT));
    }
    if (no_sweep) {
      CK(cudaFree(dA));
      CK(cudaFree(dB));
      CK(cudaFree(dC));
      continue;
    }

    std::vector<int> order(ncols);
    for (int i = 0; i < ncols; ++i) order[i] = i + 1;
    std::mt19937 rng(7);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<Row> rows_out(ncols + 1);
    std::vector<float> t(reps);
    for (int col : order) {
      const int N = col * cfg.tn;
      for (int w = 0; w < warmup; ++w) cfg.launch(M, N, K, dA, dB, dC, st);
      CK(cudaGetLastError());
      for (int r = 0; r < reps; ++r) {
        CK(cudaEventRecord(ev[2 * r], st));
        cfg.launch(M, N, K, dA, dB, dC, st);
        CK(cudaEventRecord(ev[2 * r + 1], st));
      }
      CK(cudaGetLastError());
      CK(cudaStreamSynchronize(st));
      for (int r = 0; r < reps; ++r) {
        float ms;
        CK(cudaEventElapsedTime(&ms, ev[2 * r], ev[2 * r + 1]));
        t[r] = ms * 1000.f;
      }
      std::sort(t.begin(), t.end());
      Row& rw = rows_out[col];
      rw.M = M; rw.N = N; rw.K = K;
      rw.ctas = (long)col * cpc;
      rw.waves = (double)rw.ctas / wave;
      rw.ceil_waves = (int)((rw.ctas + wave - 1) / wave);
      rw.ceil_sm = (int)((rw.ctas + S - 1) / S);
      rw.median_us = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
      rw.min_us = t[0];
      rw.gflops = 2.0 * M * N * (double)K / (rw.median_us * 1e3);
    }
    CK(cudaFree(dA));
    CK(cudaFree(dB));
    CK(cudaFree(dC));

    // ---- CSV + fits
    std::vector<std::vector<double>> Xc, Xl, Xs, X3;
    std::vector<double> y;
    double peak = 0;
    for (int col = 1; col <= ncols; ++col) {
      const Row& r = rows_out[col];
      fprintf(csv, "%s,%d,%d,%d,%d,%d,%zu,%d,%d,%d,%d,%d,%ld,%.4f,%d,%.3f,%.3f,%.1f,%d,%d\n",
              cfg.name.c_str(), cfg.tm, cfg.tn, cfg.tk, cfg.threads, fa.numRegs, smem, B, S, r.M, r.N, r.K,
              r.ctas, r.waves, r.ceil_waves, r.median_us, r.min_us, r.gflops, r.ceil_sm, reps);
      const double fill_frac = (double)(r.ctas - (long)(r.ceil_waves - 1) * wave) / wave;
      Xc.push_back({1.0, (double)r.ceil_waves});
      Xl.push_back({1.0, (double)r.ctas});
      Xs.push_back({1.0, (double)r.ceil_sm});
      X3.push_back({1.0, (double)r.ceil_waves, fill_frac});
      y.push_back(r.median_us);
      peak = std::max(peak, r.gflops);
    }
    fflush(csv);
    std::vector<double> bc, bl, bs, b3;
    Summary s;
    s.name = cfg.name; s.regs = fa.numRegs; s.smem = smem; s.B = B; s.M = M; s.points = ncols;
    s.r2_ceil = lsq(Xc, y, bc);
    s.r2_ctas = lsq(Xl, y, bl);
    s.r2_ceil_sm = lsq(Xs, y, bs);
    s.r2_3 = lsq(X3, y, b3);
    s.us_per_wave = bc[1]; s.intercept = bc[0];
    s.intra_b = b3[1]; s.intra_c = b3[2];
    s.peak_gflops = peak; s.rel_err = rel; s.ok = ok;
    sums.push_back(s);

    // per-wave table: mean/min/max of median_us per ceil(waves)
    printf("  ceil_w  pts  ctas_range      median_us(min..max)         mean\n");
    int maxw = rows_out[ncols].ceil_waves;
    for (int w = 1; w <= maxw; ++w) {
      double lo = 1e30, hi = 0, sum = 0; long c0 = -1, c1 = -1; int n = 0;
      for (int col = 1; col <= ncols; ++col) {
        const Row& r = rows_out[col];
        if (r.ceil_waves != w) continue;
        lo = std::min(lo, r.median_us); hi = std::max(hi, r.median_us); sum += r.median_us; ++n;
        if (c0 < 0) c0 = r.ctas;
        c1 = r.ctas;
      }
      if (n) printf("  %6d  %3d  %5ld..%-6ld  %10.2f .. %-10.2f  %10.2f\n", w, n, c0, c1, lo, hi, sum / n);
    }
  }
  fclose(csv);
  if (tf) fclose(tf);

  printf("\n==== SUMMARY (S=%d SMs; fits over median_us of every point of the sweep) ====\n", S);
  printf("%-28s %4s %7s %2s %5s %4s %10s %9s %8s %8s %8s %9s %9s %8s %9s %s\n", "config", "regs", "smem",
         "B", "M", "pts", "us/wave", "icpt_us", "R2_ceil", "R2_ctas", "R2_ceilS", "3t:us/w", "3t:intra",
         "R2_3t", "GFLOP/s", "check");
  for (auto& s : sums)
    printf("%-28s %4d %7zu %2d %5d %4d %10.2f %9.2f %8.4f %8.4f %8.4f %9.2f %9.2f %8.4f %9.0f %s(%.1e)\n",
           s.name.c_str(), s.regs, s.smem, s.B, s.M, s.points, s.us_per_wave, s.intercept, s.r2_ceil,
           s.r2_ctas, s.r2_ceil_sm, s.intra_b, s.intra_c, s.r2_3, s.peak_gflops, s.ok ? "PASS" : "FAIL",
           s.rel_err);
  printf("us/wave, icpt: median_us = icpt + us/wave * ceil(ctas/(S*B)); R2_ctas: fit vs ctas; R2_ceilS: fit vs "
         "ceil(ctas/S);\n3t: median_us = a + b*ceil(w) + c*f, f = last-wave fill in (0,1]; 3t:intra = c.\n");
  printf("csv: %s\n", out.c_str());
  for (auto e : ev) cudaEventDestroy(e);
  cudaStreamDestroy(st);
  return all_ok ? 0 : 3;
}
