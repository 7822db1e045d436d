/* Every engine, one line each, in the order runs and reports list them.
 * Adding an engine is its own file (defining `sb_engine_<id>`) plus one
 * line here: the registry (engine_registry.c), `switchbench
 * --list-engines` and through it every per-engine test (tests/
 * engine_tests.cmake) read this list. */
#ifndef SB_ENGINE_LIST_H
#define SB_ENGINE_LIST_H

#define SB_ENGINE_LIST(X) \
    X(threads)            \
    X(processes)          \
    X(ucontext)           \
    X(asm)                \
    X(asm_sharedfpu)      \
    X(stackless)          \
    X(libuv)              \
    X(ref_fcontext)       \
    X(ref_generator)      \
    X(ref_greenlet)       \
    X(ref_gevent)         \
    X(ref_goroutine)

#endif
