// See gemm_choice.h.
#include "runtime/cuda/gemm_choice.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "ir/error.h"

namespace graphc::runtime::cuda {

ConvolutionGemm convolution_gemm_policy(MatmulPrecision precision) {
  const char* value = std::getenv("GRAPHC_CUDA_CONV");
  const std::string v = value != nullptr ? value : "";
  ConvolutionGemm policy = ConvolutionGemm::measure;
  if (v == "cublas")
    policy = ConvolutionGemm::cublas;
  else if (v == "implicit")
    policy = ConvolutionGemm::implicit;
  else if (!v.empty() && v != "measure")
    throw Error(cat("GRAPHC_CUDA_CONV='", v, "' is not measure, cublas or implicit"));
  return precision == MatmulPrecision::bf16 ? ConvolutionGemm::cublas : policy;
}

float fastest_run_ms(const DeviceSession& session, const std::function<void()>& work, int runs) {
  const CudaDriver& driver = session.driver();
  const DeviceEvent start(driver), stop(driver);
  work();
  float fastest = 0;
  for (int run = 0; run < runs; ++run) {
    GRAPHC_CU_CHECK(driver, cuEventRecord(start.get(), session.stream()));
    work();
    GRAPHC_CU_CHECK(driver, cuEventRecord(stop.get(), session.stream()));
    GRAPHC_CU_CHECK(driver, cuEventSynchronize(stop.get()));
    const float ms = stop.since(start);
    fastest = run == 0 ? ms : std::min(fastest, ms);
  }
  return fastest;
}

}  // namespace graphc::runtime::cuda
