#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"Sextant"};
  CLI11_PARSE(app, argc, argv);
  return 0;
}
