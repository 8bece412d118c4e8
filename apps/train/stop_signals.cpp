#include "stop_signals.hpp"

#include <signal.h>

#include <cstdlib>

namespace vkvae::app {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void on_stop_signal(int signal) {
  // Only lock-free atomics and _Exit: what a signal handler may touch.
  g_signal.store(signal);
  if (g_stop.exchange(true)) std::_Exit(128 + signal);
}

}  // namespace

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

const std::atomic<bool>& stop_requested() { return g_stop; }

int stop_exit_code() {
  const int signal = g_signal.load();
  return signal == 0 ? 0 : 128 + signal;
}

}  // namespace vkvae::app
