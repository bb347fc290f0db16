#!/bin/bash
# speed.sh TREE: 5 runs each of port-scan (2 threads; the lean robomlx-port-scan and the full
# `robomlx port-scan`) and rg with the seed's two patterns (2 threads, port-scan's file globs),
# on a warm page cache; then the start-up of both binaries.
T=$1; B=${ROBOMLX:-build/apps/robomlx/robomlx}; L=${ROBOMLX_PORT_SCAN:-build/apps/robomlx-port-scan/robomlx-port-scan}
G=(-g '*.py' -g '*.pyi' -g '*.c' -g '*.h' -g '*.cc' -g '*.cpp' -g '*.cxx' -g '*.hpp' -g '*.hh' -g '*.hxx' -g '*.inl' -g '*.ipp' -g '*.tpp' -g '*.cu' -g '*.cuh' -g '*.cmake' -g CMakeLists.txt -g pyproject.toml -g setup.cfg -g 'requirements*.txt' -g config.pbtxt)
P1='torch\.cuda|import warp|from warp|import omni|from omni|import carb|from carb|import pxr|from pxr|import isaacsim|from isaacsim'
P2='V4L2|v4l2|linux/videodev|ioctl|VIDIOC_'
find $T -type f -exec cat {} + > /dev/null
for i in 1 2 3 4 5; do
  /usr/bin/time -f "wall robomlx-port-scan %e" $L $T --jobs 2 --quiet 2>&1 >/tmp/ps.txt | grep wall; grep '^port-scan:' /tmp/ps.txt
done
for i in 1 2 3 4 5; do
  /usr/bin/time -f "wall robomlx port-scan %e" $B port-scan $T --jobs 2 --quiet 2>&1 >/tmp/ps.txt | grep wall; grep '^port-scan:' /tmp/ps.txt
done
for i in 1 2 3 4 5; do /usr/bin/time -f "wall rg(2 patterns, same globs) %e" sh -c "rg -n -j2 ${G[*]@Q} '$P1' $T >/dev/null; rg -n -j2 ${G[*]@Q} '$P2' $T > /dev/null"; done 2>&1
for i in 1 2 3; do /usr/bin/time -f "wall rg(2 patterns, whole tree) %e" sh -c "rg -n -j2 '$P1' $T >/dev/null; rg -n -j2 '$P2' $T > /dev/null"; done 2>&1
for i in 1 2 3 4 5; do
  /usr/bin/time -f "wall robomlx --version (loads MLX, OpenCV: ~270 libraries) %e" $B --version > /dev/null
  /usr/bin/time -f "wall robomlx-port-scan --version (libstdc++ only) %e" $L --version > /dev/null
done 2>&1
