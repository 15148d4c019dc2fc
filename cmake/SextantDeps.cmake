# Every third-party dependency, found from Debian packages (deps/apt.txt). Nothing is downloaded.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
find_package(Protobuf REQUIRED)
find_package(simdjson REQUIRED)
if(NOT SEXTANT_FUZZ)
  find_package(Boost 1.74 REQUIRED)
  find_package(CLI11 REQUIRED)
  find_package(fmt REQUIRED)
  find_package(spdlog REQUIRED)
  # spdlog and its fmt compiled into the one file that logs (src/agent/agent.cc) instead of
  # linked as libspdlog.so + libfmt.so: the agent maps two shared libraries fewer (0.55 MB of
  # idle RSS, cmake/README.md). Neither parses input; the header packages are the same Debian ones.
  add_library(sextant_spdlog INTERFACE)
  target_compile_definitions(sextant_spdlog INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY)
  target_link_libraries(sextant_spdlog INTERFACE Threads::Threads)
  find_package(GTest REQUIRED)
  find_package(benchmark REQUIRED)
  include(GoogleTest)
endif()
