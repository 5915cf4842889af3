# The Debian package (./build.sh package, the `package` preset): the program, the Python module,
# the desktop entry, icon, AppStream metainfo and man page. Library dependencies are computed
# from the shared libraries (dpkg-shlibdeps, from dpkg-dev); what they cannot see is listed here:
# the Python the module is built for, NumPy (its arrays), and the font the screenshots draw with.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ntk-explorer)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "exact prefix attention against NTK-Attention, live and headless")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}
 An explorer for arXiv 2406.14036 (Towards Infinite-Long Prefix in Transformer):
 it computes exact prefix attention and NTK-Attention side by side on seeded
 workloads and shows attention maps, error scaling with the prefix length, the
 NTK spectrum and training curves; runs every computation headless
 (ntk-explorer COMMAND); and includes the Python module ntk_explorer.")
set(CPACK_PACKAGE_CONTACT "NTK-Attention Explorer maintainers <maintainers@users.noreply.r-seed-0bdc7a46.example>")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # ntk-explorer_VERSION_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
if(NTK_BUILD_PYTHON)
  math(EXPR python_next_minor "${Python3_VERSION_MINOR} + 1")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "python3 (>= ${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}), python3 (<< ${Python3_VERSION_MAJOR}.${python_next_minor}), python3-numpy, fonts-dejavu-core")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core")
endif()
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_STRIP_FILES ON)
include(CPack)
