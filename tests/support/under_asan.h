/*
 * under_asan.h — REGENT_TEST_UNDER_ASAN is defined when the test is built
 * with AddressSanitizer (GCC says __SANITIZE_ADDRESS__, clang answers
 * __has_feature). Heap-measuring tests skip there: ASan's allocator pads
 * every block, so its figures say nothing about ours.
 */
#ifndef REGENT_TEST_UNDER_ASAN_H
#define REGENT_TEST_UNDER_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define REGENT_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REGENT_TEST_UNDER_ASAN 1
#endif
#endif

#endif
