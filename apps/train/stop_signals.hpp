// Ctrl-C (SIGINT) and SIGTERM as a request to stop cleanly, shared by vkvae-train and vkvae-view:
// the first asks the run to write its checkpoint and end; a second ends the process at once.
#pragma once

#include <atomic>

namespace vkvae::app {

// Installs the handlers (with sigaction: a process started in the background by a
// non-interactive shell inherits SIGINT as ignored, and must take it back).
void catch_stop_signals();

// Becomes true at the first signal.
const std::atomic<bool>& stop_requested();

// 128 + the signal that asked to stop (130 for Ctrl-C, 143 for SIGTERM), as shells report it;
// 0 when none came.
int stop_exit_code();

}  // namespace vkvae::app
