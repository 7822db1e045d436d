# Tests read from the built binaries when CTest runs: the unit tests
# (test_units --list) and the per-engine tests, read from the registry
# (TEST_INCLUDE_FILES, set up in CMakeLists.txt, which defines SB_BIN,
# SB_CONF, SB_CONF_PORTABLE, SB_VALGRIND, SB_SANITIZE, SB_HAVE_VALGRIND_H
# and SB_EMULATOR before including this file). An engine is tested the
# moment it has a line in engines/engine_list.h: nothing here names one.
#
# SB_EMULATOR (a cross build's qemu-user command, else empty) prefixes every
# binary run here. Under it the smoke runs, which time benchmarks, and
# Valgrind, which cannot run there, are skipped entries that say so.
execute_process(COMMAND ${SB_EMULATOR} "${SB_UNITS}" --list OUTPUT_VARIABLE sb_units RESULT_VARIABLE sb_rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT sb_rc EQUAL 0 OR sb_units STREQUAL "")
  add_test(units/list sh -c "echo '${SB_UNITS} --list failed (exit ${sb_rc})'; exit 1")
else()
  string(REPLACE "\n" ";" sb_units "${sb_units}")
  foreach(t IN LISTS sb_units)
    add_test(units/${t} ${SB_EMULATOR} "${SB_UNITS}" --test=${t})
    set_tests_properties(units/${t} PROPERTIES TIMEOUT 60)
  endforeach()
endif()
# The registry as the binary describes it (harness/records/describe.c), read with
# CMake's own JSON parser: no line format to keep in step.
execute_process(COMMAND ${SB_EMULATOR} "${SB_BIN}" --describe OUTPUT_VARIABLE sb_doc RESULT_VARIABLE sb_rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(sb_rc EQUAL 0)
  string(JSON sb_n ERROR_VARIABLE sb_json_err LENGTH "${sb_doc}" engines)
endif()
if(NOT sb_rc EQUAL 0 OR sb_json_err OR NOT sb_n GREATER 0)
  # Never silently fewer tests: a registry that cannot be read fails.
  add_test(engines/registry sh -c "echo '${SB_BIN} --describe failed (exit ${sb_rc}) ${sb_json_err}'; exit 1")
  return()
endif()
execute_process(COMMAND ${SB_EMULATOR} "${SB_CONF}" --engine=threads --list OUTPUT_VARIABLE sb_conformance_tests
                RESULT_VARIABLE sb_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT sb_rc EQUAL 0 OR sb_conformance_tests STREQUAL "")
  add_test(conformance/list sh -c "echo '${SB_CONF} --list failed (exit ${sb_rc})'; exit 1")
  return()
endif()
string(REPLACE "\n" ";" sb_conformance_tests "${sb_conformance_tests}")
math(EXPR sb_last "${sb_n} - 1")
foreach(sb_i RANGE ${sb_last})
  string(JSON e GET "${sb_doc}" engines ${sb_i} name)
  string(JSON kind GET "${sb_doc}" engines ${sb_i} kind)
  string(JSON sb_available GET "${sb_doc}" engines ${sb_i} available)
  string(JSON sb_external GET "${sb_doc}" engines ${sb_i} external)
  # A reference engine whose package is missing: each of its tests is an
  # entry that says so and exits 77 (skipped), never an absent one.
  set(sb_missing "")
  if(NOT sb_available)
    string(JSON sb_missing GET "${sb_doc}" engines ${sb_i} package)
  endif()
  if(sb_missing)
    set(sb_pkg "${sb_missing}")
    set(sb_skip sh -c "echo 'skipped: ${e} needs the Debian package ${sb_pkg}, not installed when this tree was built' && exit 77")
    add_test(smoke/${e} ${sb_skip})
    set_tests_properties(smoke/${e} PROPERTIES SKIP_RETURN_CODE 77)
    foreach(t IN LISTS sb_conformance_tests)
      add_test(conformance/${e}/${t} ${sb_skip})
      set_tests_properties(conformance/${e}/${t} PROPERTIES SKIP_RETURN_CODE 77)
    endforeach()
    continue()
  endif()
  # Every engine: every visible workload at its smallest size, once, and no
  # error record (the registry-driven smoke test).
  if(SB_EMULATOR)
    add_test(smoke/${e} sh -c "echo 'skipped: a timing run, not made under emulation' && exit 77")
    set_tests_properties(smoke/${e} PROPERTIES SKIP_RETURN_CODE 77)
  else()
    add_test(smoke/${e} "${SB_BIN}" --engine=${e} --workload=all --tiny --strict --results-dir= --format=json)
    set_tests_properties(smoke/${e} PROPERTIES TIMEOUT 120)
  endif()
  if(kind STREQUAL "baseline")
    continue()
  endif()
  if(sb_external)
    # A program of its own (references/): it has no task API for the
    # conformance suite to drive; its workloads check their own counts in
    # the smoke test above, and a lie is caught (hardening/reference_lie_*).
    add_test(conformance/${e} sh -c "echo 'skipped: ${e} is an external program: the task-API conformance tests do not apply (its smoke test runs it)' && exit 77")
    set_tests_properties(conformance/${e} PROPERTIES SKIP_RETURN_CODE 77)
    continue()
  endif()
  # Each conformance test its own entry, process and timeout: a crash or a
  # hang ends that test only. One the engine cannot run (it lacks what the
  # test is about, or the machine lacks two cores) exits 77: skipped.
  foreach(t IN LISTS sb_conformance_tests)
    add_test(conformance/${e}/${t} ${SB_EMULATOR} "${SB_CONF}" --engine=${e} --test=${t})
    set_tests_properties(conformance/${e}/${t} PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS ${kind})
    if(SB_EMULATOR)
      set_tests_properties(conformance/${e}/${t} PROPERTIES ENVIRONMENT SB_TEST_EMULATED=1)
    endif()
  endforeach()
  if(kind STREQUAL "coroutine")
    # The task bodies' portable C11 resume points, on every coroutine engine.
    add_test(conformance-portable/${e} ${SB_EMULATOR} "${SB_CONF_PORTABLE}" --engine=${e})
    set_tests_properties(conformance-portable/${e} PROPERTIES TIMEOUT 600)
    if(SB_EMULATOR)
      set_tests_properties(conformance-portable/${e} PROPERTIES ENVIRONMENT SB_TEST_EMULATED=1)
    endif()
    # Valgrind understands our stacks once they are registered; it cannot
    # run under AddressSanitizer, so only the plain tree runs it.
    if(NOT SB_SANITIZE)
      if(SB_EMULATOR)
        add_test(valgrind/${e} sh -c "echo 'skipped: Valgrind does not run under emulation' && exit 77")
        set_tests_properties(valgrind/${e} PROPERTIES SKIP_RETURN_CODE 77)
      elseif(NOT SB_VALGRIND)
        add_test(valgrind/${e} sh -c "echo 'skipped: valgrind is not installed (Debian package valgrind)' && exit 77")
        set_tests_properties(valgrind/${e} PROPERTIES SKIP_RETURN_CODE 77)
      elseif(NOT SB_HAVE_VALGRIND_H)
        add_test(valgrind/${e} sh -c "echo 'skipped: valgrind/valgrind.h is missing: the stacks cannot be registered' && exit 77")
        set_tests_properties(valgrind/${e} PROPERTIES SKIP_RETURN_CODE 77)
      else()
        # One entry, process and timeout per test, as the conformance
        # entries have: one run of them all in a process once stalled past
        # 300 s on CI where each alone takes a second, and said nothing of
        # which test it was in.
        foreach(t IN LISTS sb_conformance_tests)
          add_test(valgrind/${e}/${t} "${SB_VALGRIND}" --error-exitcode=99 --quiet
                   --max-stackframe=200000000 "${SB_CONF}" --engine=${e} --test=${t})
          set_tests_properties(valgrind/${e}/${t} PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
        endforeach()
      endif()
    endif()
  endif()
endforeach()
