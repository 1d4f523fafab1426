# Embeds a text file in a C++ source as a string constant:
#   cmake -DINPUT=file -DOUTPUT=file.cc -DNAMESPACE=ns -DNAME=kName -P embed_text.cmake
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by cmake/embed_text.cmake. Do not edit.\n"
"#include <string_view>\n\nnamespace ${NAMESPACE} {\n"
"extern const std::string_view ${NAME};\n"
"const std::string_view ${NAME} = R\"synfire_embedded(${content})synfire_embedded\";\n"
"}  // namespace ${NAMESPACE}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
