// make_data DIR TRAIN TEST [gz]: writes a synthetic MNIST-layout dataset for the CLI tests.
#include <cstdio>
#include <string>

#include "support/idx_writer.hpp"

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: make_data DIR TRAIN TEST [gz]\n");
    return 2;
  }
  vkvae::test::write_mnist_dir(argv[1], std::stoll(argv[2]), std::stoll(argv[3]), argc == 5 && std::string(argv[4]) == "gz");
  return 0;
}
