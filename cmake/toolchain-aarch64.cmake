# A cross build for aarch64 (scripts/test --cross=aarch64): Debian's cross
# compiler (gcc-aarch64-linux-gnu) with its own C library in
# /usr/aarch64-linux-gnu, the arm64 libraries unpacked into the project's
# own sysroot (scripts/cross_sysroot.sh; never installed on this machine),
# and qemu-user to run what was built (tests/CMakeLists.txt).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Where scripts/test puts it; the same for every try_compile CMake runs.
get_filename_component(SB_CROSS_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build-cross/sysroot-arm64" ABSOLUTE)
set(CMAKE_FIND_ROOT_PATH "${SB_CROSS_SYSROOT}" /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER) # tools are this machine's
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)  # libraries and headers never are
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config reads the sysroot's .pc files only, and prefixes their paths.
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_LIBDIR}
    "${SB_CROSS_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${SB_CROSS_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SB_CROSS_SYSROOT}")

# Debian puts some headers in the multiarch directory, which a native
# compiler searches on its own (hwloc's autogen/config.h).
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES "${SB_CROSS_SYSROOT}/usr/include/aarch64-linux-gnu")

# The linker finds the libraries' own dependencies there; qemu's loader
# finds the C library under -L and the rest through LD_LIBRARY_PATH.
set(SB_CROSS_LIBS "${SB_CROSS_SYSROOT}/usr/lib/aarch64-linux-gnu:${SB_CROSS_SYSROOT}/lib/aarch64-linux-gnu")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${SB_CROSS_LIBS}")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu -E "LD_LIBRARY_PATH=${SB_CROSS_LIBS}")

# Branch protection on: return addresses signed (PAC) in every C function
# around the switch, and BTI landing pads (engines/asm_bti.h). qemu's
# default CPU for aarch64 user mode has both, so the suite runs with them.
set(CMAKE_C_FLAGS_INIT "-mbranch-protection=standard")
set(CMAKE_ASM_FLAGS_INIT "-mbranch-protection=standard")
