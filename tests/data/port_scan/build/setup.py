# Fixture: platform bucket, a torch CUDA extension's setup.py, plus dependencies. Markers are comments.
import os
from setuptools import setup
from torch.utils.cpp_extension import CUDAExtension, BuildExtension  # expect: platform.cuda-build

setup(
    name="rasterizer",
    install_requires=["numpy>=1.24", "cupy-cuda12x>=13", "tritonclient[http]"],  # expect: compute.dependency server.dependency
    ext_modules=[
        CUDAExtension(  # expect: platform.cuda-build
            name="rasterizer._C",
            sources=["ext.cpp", "kernels.cu"],
            extra_compile_args={"nvcc": ["-O3"], "cxx": ["-O3"]},  # expect: platform.cuda-build
        )
    ],
    cmdclass={"build_ext": BuildExtension},
)
home = os.environ.get("CUDA_HOME")  # no finding: the key is a string; the next line reads the name
path = CUDA_HOME  # expect: platform.cuda-build
compiler = "nvcc"  # expect: platform.cuda-build
