// Sanitizer defaults compiled into every executable of the sanitizer build (BOARDEMU_SANITIZE),
// so that ctest, GoogleTest's test discovery and a test binary run by hand all behave alike.
// The runtimes call these hooks at start-up; ASAN_OPTIONS, LSAN_OPTIONS and UBSAN_OPTIONS in
// the environment still override them.
// BOARDEMU_SOURCE_DIR comes with boardemu_core, which every such executable links.

extern "C" {

// Any report ends the program with a failure; leaks are looked for at exit. Allocation stacks
// are unwound from unwind tables rather than frame pointers (fast_unwind_on_malloc=0), so that
// they continue through Unicorn's code, which has none: its one leak is suppressed by the name
// of the Unicorn function that allocates it (lsan.supp), which a frame-pointer unwind misses.
const char* __asan_default_options() {
  return "detect_leaks=1:halt_on_error=1:fast_unwind_on_malloc=0";
}

// Leaks of third-party code we cannot fix, each named in the file with its reason.
const char* __lsan_default_options() { return "suppressions=" BOARDEMU_SOURCE_DIR "/tests/sanitizer/lsan.supp:print_suppressions=0"; }

const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

}
