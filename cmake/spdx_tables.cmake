# Turns Debian's official SPDX lists (node-spdx-license-ids, node-spdx-exceptions)
# into a C++ source of sorted tables. Run at build time:
#   cmake -DLICENSES=... -DDEPRECATED=... -DEXCEPTIONS=... -DOUTPUT=... -P spdx_tables.cmake

function(read_json_list file out_var)
  file(READ "${file}" text)
  string(JSON count LENGTH "${text}")
  set(items "")
  if(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON item GET "${text}" ${i})
      list(APPEND items "${item}")
    endforeach()
  endif()
  list(SORT items)
  set(${out_var} "${items}" PARENT_SCOPE)
endfunction()

function(emit_table name items out_var)
  set(body "constexpr std::string_view ${name}[] = {\n")
  foreach(item IN LISTS items)
    string(APPEND body "    \"${item}\",\n")
  endforeach()
  string(APPEND body "};\n")
  set(${out_var} "${body}" PARENT_SCOPE)
endfunction()

read_json_list("${LICENSES}" licenses)
read_json_list("${DEPRECATED}" deprecated)
read_json_list("${EXCEPTIONS}" exceptions)
emit_table(kLicenseIds "${licenses}" licenses_table)
emit_table(kDeprecatedLicenseIds "${deprecated}" deprecated_table)
emit_table(kExceptionIds "${exceptions}" exceptions_table)

file(WRITE "${OUTPUT}.tmp"
"// Generated at build time from Debian's node-spdx-license-ids and\n"
"// node-spdx-exceptions by cmake/spdx_tables.cmake. Do not edit.\n"
"#include \"spdx_tables.h\"\n\n"
"namespace synfire::card::spdx {\nnamespace {\n"
"${licenses_table}\n${deprecated_table}\n${exceptions_table}\n"
"}  // namespace\n\n"
"std::span<const std::string_view> license_ids() { return kLicenseIds; }\n"
"std::span<const std::string_view> deprecated_license_ids() { return kDeprecatedLicenseIds; }\n"
"std::span<const std::string_view> exception_ids() { return kExceptionIds; }\n\n"
"}  // namespace synfire::card::spdx\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
