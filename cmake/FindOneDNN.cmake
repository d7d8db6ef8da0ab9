# Finds oneDNN (Debian's libdnnl-dev) and defines the imported target DNNL::dnnl.
#
# Why not find_package(dnnl CONFIG): Debian builds oneDNN with its OpenCL GPU runtime, so its
# dnnl-config.cmake calls find_package(OpenCL REQUIRED), which needs the OpenCL headers and the
# libOpenCL.so link (ocl-icd-opencl-dev, only a Recommends of libdnnl-dev). bertcls runs on the
# CPU engine only and includes no OpenCL header, so it needs neither: the headers and the shared
# library are all it links against. libdnnl.so.2 still loads libOpenCL.so.1 at run time, through
# libdnnl2's own Depends (ocl-icd-libopencl1), which apt always installs.
find_path(ONEDNN_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
find_library(ONEDNN_LIBRARY NAMES dnnl)
if(ONEDNN_INCLUDE_DIR AND EXISTS "${ONEDNN_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h")
  file(STRINGS "${ONEDNN_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _onednn_version_lines
       REGEX "#define DNNL_VERSION_(MAJOR|MINOR|PATCH) ")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX REPLACE ".*#define DNNL_VERSION_${_part} ([0-9]+).*" "\\1" _onednn_${_part} "${_onednn_version_lines}")
  endforeach()
  set(ONEDNN_VERSION "${_onednn_MAJOR}.${_onednn_MINOR}.${_onednn_PATCH}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OneDNN
  REQUIRED_VARS ONEDNN_LIBRARY ONEDNN_INCLUDE_DIR
  VERSION_VAR ONEDNN_VERSION
  FAIL_MESSAGE "oneDNN not found: run scripts/install-deps.sh (Debian package libdnnl-dev)")

if(OneDNN_FOUND AND NOT TARGET DNNL::dnnl)
  add_library(DNNL::dnnl UNKNOWN IMPORTED)
  set_target_properties(DNNL::dnnl PROPERTIES
    IMPORTED_LOCATION "${ONEDNN_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${ONEDNN_INCLUDE_DIR}")
endif()
mark_as_advanced(ONEDNN_INCLUDE_DIR ONEDNN_LIBRARY)
