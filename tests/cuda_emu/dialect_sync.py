#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ctest kernels.dialect_sync: the kernel texts the library embeds (cmake/robomlx_kernels.cmake,
build/generated_private/robomlx/<system>/kernels/*.h) equal the ones the kernel checks compile
(kernels.py's translation), for both backends: two implementations of one token table must agree.
Usage: dialect_sync.py BUILD_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernels import kernel_files, kernel_text  # noqa: E402


def main():
    generated = os.path.join(sys.argv[1], "generated_private", "robomlx")
    problems, count = [], 0
    for path in kernel_files():
        header = os.path.join(generated, path + ".h")
        if not os.path.exists(header):
            problems.append("%s: no generated header %s (build the robomlx target first)" % (path, header))
            continue
        texts = re.findall(r'R"robomlx_kernel\((.*?)\)robomlx_kernel"', open(header, encoding="utf-8").read(), re.S)
        for backend, text in zip(("cuda", "metal"), texts):
            count += 1
            if text != kernel_text(path, backend):
                problems.append("%s: the %s text embedded by CMake differs from kernels.py's" % (path, backend))
    print("\n".join(problems) or "kernels.dialect_sync: %d texts agree" % count)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
