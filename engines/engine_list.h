/* Every engine, one line each, in the order runs and reports list them.
 * Adding an engine is its own file (defining `sb_engine_<id>`) plus one
 * line here: the registry (engine_registry.c), `switchbench
 * --describe` and through it every per-engine test (tests/
 * engine_tests.cmake) read this list. The id is the engine's name, with
 * '_' written for '-' (asm_sharedfpu is asm-sharedfpu): the one spelling
 * rule (units/registry_names_follow_ids). */
#ifndef SB_ENGINE_LIST_H
#define SB_ENGINE_LIST_H

/* The asm engines exist where CMake found a switch for the architecture
 * (engines/switch_*_<arch>_<abi>_elf_gas.S): SB_HAVE_ASM_SWITCH. */
#if defined(SB_HAVE_ASM_SWITCH)
#define SB_ENGINE_LIST_ASM(X) \
    X(asm)                    \
    X(asm_sharedfpu)
#else
#define SB_ENGINE_LIST_ASM(X)
#endif

#define SB_ENGINE_LIST(X) \
    X(threads)            \
    X(processes)          \
    X(ucontext)           \
    SB_ENGINE_LIST_ASM(X) \
    X(stackless)          \
    X(libuv)              \
    X(ref_fcontext)       \
    X(ref_generator)      \
    X(ref_greenlet)       \
    X(ref_gevent)         \
    X(ref_goroutine)

#endif
