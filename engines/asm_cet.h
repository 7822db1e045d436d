/* Control-flow enforcement (CET) for the asm engine's .S files, the one
 * place that states what they keep of it. Included by the preprocessor
 * only; gcc defines __CET__ under -fcf-protection (bit 0 IBT, bit 1 SHSTK).
 *
 * IBT (indirect branch tracking) is kept: every routine that an indirect
 * call or jump reaches starts with SB_ENDBR, and a CET build resumes a
 * context with `ret` (under `#if SB_CET_IBT`), which IBT does not track, instead of
 * the indirect `jmp` of the plain build, whose targets (return addresses)
 * carry no endbr64.
 *
 * SHSTK (shadow stacks) is not kept. A switch would have to change shadow
 * stacks too (saveprevssp/rstorssp, as Boost.Context does), and no machine
 * we test on can run a process with SHSTK on (Linux 6.1 and glibc 2.36 do
 * not enable it), so such code could not be tested. Our objects therefore
 * declare IBT only, and the linker, which ANDs the objects' properties,
 * marks the whole binary IBT only; CMake says so when it configures a CET
 * build, and tests/asm_test.sh checks `readelf -n` says the same.
 *
 * On Debian 12 the linker drops both anyway: glibc's start files (Scrt1.o,
 * crti.o, crtn.o) carry no CET property, so even an empty program built
 * with -fcf-protection=full is marked neither. CMake's warning and the
 * test measure that from the toolchain rather than assume it. */
#ifndef SB_ASM_CET_H
#define SB_ASM_CET_H

#include "asm_gnu_property.h"

#if defined(__CET__) && (__CET__ & 1)
#define SB_ENDBR   endbr64 /* a valid target of an indirect call or jump */
#define SB_CET_IBT 1
#else
#define SB_ENDBR   /* nothing: no IBT in this build */
#define SB_CET_IBT 0
#endif

/* The .note.gnu.property every object of a CET build must carry, or the
 * linker drops IBT for the whole binary: GNU_PROPERTY_X86_FEATURE_1_AND
 * (0xc0000002) with the IBT bit (1) alone, as said above; SHSTK (2) left out. */
#if SB_CET_IBT
#define SB_CET_NOTE SB_GNU_PROPERTY_NOTE(0xc0000002, 1)
#else
#define SB_CET_NOTE
#endif

#endif
