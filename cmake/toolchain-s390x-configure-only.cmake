# Not a build: the check that an architecture with no asm switch configures
# (tests/arch_configure_test.sh). s390x stands for any such architecture;
# this machine's own compiler stands in for its cross compiler, since CMake
# needs one that compiles and nothing is built or run.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-s390x)
