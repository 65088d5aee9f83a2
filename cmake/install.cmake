# What `cmake --install` puts beside the binary so that an installed quire
# works with its source tree gone, and the Debian package made from it
# (`cpack -G DEB` in the build folder).  Included by the top CMakeLists.txt
# after the quire target; the man pages are installed there.
#
#   bin/quire
#   share/quire/math/quire-math.js   and its node_modules (KaTeX): found at
#                                    run time relative to the binary
#                                    (QUIRE_DATA_FROM_BIN, set beside
#                                    QUIRE_MATH_SCRIPT)
#   share/quire/<tool>/              every other co-process of tools/
#   share/bash-completion/completions/quire, share/zsh/vendor-completions/_quire,
#   share/fish/vendor_completions.d/quire.fish

# Every folder of tools/ whole, with its node_modules (npm ci there, by
# .ci/setup): in a worktree node_modules may be a symbolic link, so it
# is followed rather than copied as a link.
file(GLOB QUIRE_TOOLS LIST_DIRECTORIES true "${CMAKE_SOURCE_DIR}/tools/*")
foreach(dir IN LISTS QUIRE_TOOLS)
  if(NOT IS_DIRECTORY "${dir}")
    continue()
  endif()
  get_filename_component(tool "${dir}" NAME)
  set(dest "${CMAKE_INSTALL_DATADIR}/quire/${tool}")
  file(GLOB entries LIST_DIRECTORIES true "${dir}/*")
  foreach(entry IN LISTS entries)
    get_filename_component(name "${entry}" NAME)
    if(name STREQUAL "node_modules")
      file(REAL_PATH "${entry}" entry)  # a link is copied as a link
      # What node never loads stays out: TypeScript sources and
      # declarations, ES-module and bundled copies (quire-math.js loads
      # the CommonJS ones), MathJax's CommonHTML font, KaTeX's fonts
      # and CSS (it writes MathML), examples.  tests/deb.sh renders
      # math in both modes from the installed package.
      install(DIRECTORY "${entry}/" DESTINATION "${dest}/node_modules"
        PATTERN ".bin" EXCLUDE
        PATTERN ".package-lock.json" EXCLUDE
        PATTERN "*.map" EXCLUDE
        PATTERN "*.ts" EXCLUDE
        PATTERN "*.mts" EXCLUDE
        PATTERN "mjs" EXCLUDE
        PATTERN "*.mjs" EXCLUDE
        REGEX "/@mathjax/src/(ts|bundle|tsconfig)$" EXCLUDE
        REGEX "/@mathjax/src/components/(bin|[^/]*\\.(js|cjs))$" EXCLUDE
        REGEX "/mathjax-newcm-font/(chtml|chtml\\.js|tex-mml-[^/]*|examples|tsconfig|cjs/chtml|cjs/chtml\\.js)$" EXCLUDE
        REGEX "/katex/(src|contrib|types|cli\\.js|dist/fonts|dist/contrib|dist/[^/]*\\.css|dist/katex\\.min\\.js)$" EXCLUDE
        # rehype-citation gives tools/cite its Chicago style file only:
        # its code and what only it loads stay out (and the streams
        # polyfill, for a node older than Debian's).
        REGEX "/rehype-citation/(dist/browser|dist/node/src|node_modules)$" EXCLUDE
        REGEX "/node_modules/(web-streams-polyfill|parse5|js-yaml|argparse|tr46|whatwg-url|webidl-conversions|cross-fetch|fetch-ponyfill|entities|property-information|hast-util-[^/]*|hastscript|unified|vfile[^/]*|unist-util-[^/]*)$" EXCLUDE)
    elseif(IS_DIRECTORY "${entry}")
      install(DIRECTORY "${entry}" DESTINATION "${dest}")
    elseif(NOT name STREQUAL "package-lock.json")
      install(FILES "${entry}" DESTINATION "${dest}")
    endif()
  endforeach()
endforeach()

# Shell completion, where bash-completion, zsh and fish look on Debian.
install(FILES assets/completion/quire.bash
  DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
  RENAME quire)
install(FILES assets/completion/_quire
  DESTINATION "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions")
install(FILES assets/completion/quire.fish
  DESTINATION "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d")

# The Debian package.  dpkg-shlibdeps names the libraries the binary
# links (libxml2, libzip, libcmark-gfm...); nodejs runs the converters.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME quire)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR quire)
set(CPACK_PACKAGE_CONTACT "quire maintainers <quire@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "binds a folder of Markdown essays into an EPUB 3 book and an HTML archive")
set(CPACK_PACKAGE_DESCRIPTION
  "quire reads a folder of Markdown essays with YAML front matter and makes\n\
an EPUB 3 book and a single-file offline HTML archive of them, with code\n\
highlighting, TeX math as MathML (KaTeX, run by node), and signed releases.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION text)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "nodejs (>= 12)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssh-client")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "epubcheck")
set(CPACK_STRIP_FILES ON)
include(CPack)
