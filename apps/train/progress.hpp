// How vkvae-train shows a run: on a terminal, a tqdm-like bar redrawn in place
//   epoch 1/10  43%|████▎     | 200/468 [00:12<00:16, 16.5 it/s, 2112 samples/s, loss=104.2]
// and one line per epoch otherwise (a log file, CI).
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>

#include "train/run.hpp"

namespace vkvae::app {

std::unique_ptr<train::Reporter> make_reporter(std::FILE* out);

// "00:12", "1:02:03"
std::string clock_time(double seconds);
// The bar's text for `done` of `total` steps; `width` cells.
std::string progress_bar(int64_t done, int64_t total, int width);

}  // namespace vkvae::app
