# Compiler flags shared by every target. Applied through the interface target
# sextant_flags so third-party code is not affected.
add_library(sextant_flags INTERFACE)
target_compile_options(sextant_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  -Wno-missing-field-initializers)
if(SEXTANT_WERROR)
  target_compile_options(sextant_flags INTERFACE -Werror)
endif()
# GCC 12 at -O3 reports -Wrestrict inside libstdc++'s std::string (GCC PR 105329) and
# -Wnull-dereference inside Boost.Asio's scheduler once they are inlined into our code: false
# positives that only fill `make run`'s output. The test tree (-O1, -Werror) keeps both.
if(CMAKE_BUILD_TYPE STREQUAL "Release" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(sextant_flags INTERFACE -Wno-restrict -Wno-null-dereference)
endif()
target_include_directories(sextant_flags INTERFACE ${CMAKE_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/src)

# Release layout (see cmake/README.md): one section per function and per datum so that the
# linker can drop what nothing references (--gc-sections) and place the functions the idle agent
# runs together (apps/sextant/agent_idle_order.ld); relative relocations packed (DT_RELR, glibc
# >= 2.36) and the output hash tables optimised (-O1). Only GCC release builds without
# sanitizers: the test and fuzz trees keep their default layout.
option(SEXTANT_LINK_LAYOUT "Release: function sections, --gc-sections, packed relocations, idle agent code ordered first" ON)
set(SEXTANT_RELEASE_LAYOUT OFF)
if(SEXTANT_LINK_LAYOUT AND CMAKE_BUILD_TYPE STREQUAL "Release" AND NOT SEXTANT_SANITIZE
   AND NOT SEXTANT_FUZZ AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(SEXTANT_RELEASE_LAYOUT ON)
  target_compile_options(sextant_flags INTERFACE -ffunction-sections -fdata-sections)
  target_link_options(sextant_flags INTERFACE LINKER:--gc-sections LINKER:-O1)
  include(CheckLinkerFlag)
  check_linker_flag(CXX "LINKER:-z,pack-relative-relocs" SEXTANT_HAVE_PACK_RELATIVE_RELOCS)
  if(SEXTANT_HAVE_PACK_RELATIVE_RELOCS)
    target_link_options(sextant_flags INTERFACE LINKER:-z,pack-relative-relocs)
  endif()
endif()

if(SEXTANT_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_compile_options(sextant_flags INTERFACE ${_san})
  target_link_options(sextant_flags INTERFACE ${_san})
endif()

if(SEXTANT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SEXTANT_FUZZ needs clang (use the fuzz preset)")
  endif()
  set(_fz -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_compile_options(sextant_flags INTERFACE ${_fz})
  target_link_options(sextant_flags INTERFACE -fsanitize=address,undefined)
endif()

# sextant_add_library(name SOURCES ... DEPS ...): a static library of our own code.
function(sextant_add_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_link_libraries(${name} PUBLIC sextant_flags ${A_DEPS})
endfunction()

# sextant_add_test(name SOURCES ... DEPS ...): one gtest binary; each TEST becomes a ctest test.
# Tests run with the source tree's fixtures reachable through SEXTANT_SOURCE_DIR and
# SEXTANT_SHARED_DIR (../shared beside the clone).
function(sextant_add_test name)
  if(NOT SEXTANT_TESTS OR SEXTANT_FUZZ)
    return()
  endif()
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE sextant_flags ${A_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    SEXTANT_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    SEXTANT_SHARED_DIR="${CMAKE_SOURCE_DIR}/../shared")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()

# sextant_add_bench(name SOURCES ... DEPS ...): a Google Benchmark binary. In the test build
# it also runs once as a smoke test (tiny --benchmark_min_time), never asserting on speed.
function(sextant_add_bench name)
  if(SEXTANT_FUZZ OR NOT SEXTANT_BENCH)
    return()
  endif()
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE sextant_flags ${A_DEPS} benchmark::benchmark benchmark::benchmark_main)
  if(SEXTANT_TESTS)
    add_test(NAME bench_smoke.${name} COMMAND ${name} --benchmark_min_time=0.001 --benchmark_filter=.)
    set_tests_properties(bench_smoke.${name} PROPERTIES LABELS bench ENVIRONMENT SEXTANT_BENCH_SMOKE=1)
  endif()
endfunction()

# sextant_add_fuzzer(name SOURCES ... DEPS ... CORPUS dir): a libFuzzer target (fuzz build only).
# In the test build, when SEXTANT_FUZZ_DIR names a built fuzz tree, the target runs as a
# ctest test for a bounded time over its seed corpus.
set(SEXTANT_FUZZ_SECONDS 15 CACHE STRING "Seconds each fuzz target runs in make test")
function(sextant_add_fuzzer name)
  cmake_parse_arguments(A "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  if(SEXTANT_FUZZ)
    add_executable(${name} ${A_SOURCES})
    target_link_libraries(${name} PRIVATE sextant_flags ${A_DEPS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  elseif(SEXTANT_FUZZ_DIR AND SEXTANT_TESTS)
    set(_work ${CMAKE_BINARY_DIR}/fuzz-corpus/${name})
    add_test(NAME fuzz.${name}
      COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1
              ${CMAKE_SOURCE_DIR}/scripts/run-fuzzer.sh ${SEXTANT_FUZZ_DIR}/fuzz/${name}
              ${A_CORPUS} ${_work} ${SEXTANT_FUZZ_SECONDS})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 600)
  endif()
endfunction()
