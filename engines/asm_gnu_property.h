/* The .note.gnu.property an object carries to say which control-flow
 * protection its code keeps (x86-64 IBT, asm_cet.h; aarch64 BTI,
 * asm_bti.h). The linker ANDs the property over every object it links:
 * one object without it and the binary is not marked. Included by the
 * preprocessor only. */
#ifndef SB_ASM_GNU_PROPERTY_H
#define SB_ASM_GNU_PROPERTY_H

/* One 4-byte property, TYPE (the architecture's FEATURE_1_AND) = BITS. */
/* Assembler text, which clang-format would join (".pushsection.note"). */
/* clang-format off */
#define SB_GNU_PROPERTY_NOTE(type, bits)                                       \
    .pushsection .note.gnu.property, "a";                                      \
    .p2align 3;                                                                \
    .long 4;  /* name size: "GNU\0" */                                         \
    .long 16; /* descriptor size: one property, padded to 8 */                 \
    .long 5;  /* NT_GNU_PROPERTY_TYPE_0 */                                     \
    .asciz "GNU";                                                              \
    .long type; /* the property */                                             \
    .long 4;    /* its size */                                                 \
    .long bits; /* its value */                                                \
    .long 0;    /* padding to 8 */                                             \
    .popsection
/* clang-format on */

#endif
