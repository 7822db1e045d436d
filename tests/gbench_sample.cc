// A real Google Benchmark binary (Debian's libbenchmark-dev) whose JSON and
// CSV the report must read like ours: one family with a numeric argument
// (a chart against it) and one without (a bar per benchmark).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

static void BM_memcpy(benchmark::State &state)
{
    std::vector<char> src(static_cast<size_t>(state.range(0)), 'x'), dst(src.size());
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), src.size());
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_memcpy)->RangeMultiplier(8)->Range(64, 64 << 10);

static void BM_vector_push(benchmark::State &state)
{
    for (auto _ : state) {
        std::vector<int> v;
        for (int i = 0; i < 64; i++) v.push_back(i);
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(BM_vector_push);

static void BM_vector_reserve(benchmark::State &state)
{
    for (auto _ : state) {
        std::vector<int> v;
        v.reserve(64);
        for (int i = 0; i < 64; i++) v.push_back(i);
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(BM_vector_reserve);

BENCHMARK_MAIN();
