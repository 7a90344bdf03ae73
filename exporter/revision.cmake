# SPDX-License-Identifier: Apache-2.0
# Writes OUTPUT, a header defining NSE_REVISION as the short git revision
# of SOURCE_DIR ("unknown" outside a git checkout, e.g. from a tarball).
# Run at every build; the file is rewritten only when the revision
# changed, so an unchanged one rebuilds nothing and a new one only what
# shows it (--version, namespace_exporter_build_info).
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT revision)
  set(revision unknown)
endif()
set(text "#define NSE_REVISION \"${revision}\"\n")
set(old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT text STREQUAL old)
  file(WRITE ${OUTPUT} "${text}")
endif()
