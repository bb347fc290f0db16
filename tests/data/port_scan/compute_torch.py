# Fixture: compute bucket, Python. A finding is expected on each line marked `expect:` (markers sit
# in comments, which port-scan never reads), and on no other line.
import os
import torch  # torch alone is portable
import torch.cuda  # expect: compute.torch-cuda
import torch.distributed as dist  # expect: compute.distributed
from torch.cuda.amp import autocast, GradScaler  # expect: compute.amp
from torch.amp import GradScaler as Scaler  # expect: compute.amp
import cupy as cp  # expect: compute.cupy
from cupyx.scipy import ndimage  # expect: compute.cupy
import pycuda.autoinit  # expect: compute.pycuda
import tensorrt as trt  # expect: compute.tensorrt
import torch_tensorrt  # expect: compute.tensorrt
import nvtx  # expect: compute.nvtx
import pynvml  # expect: platform.nvidia-smi


def train(model, data):
    """Moves the model with model.cuda() and torch.cuda.synchronize() -- prose, not code."""
    if torch.cuda.is_available():  # expect: compute.torch-cuda
        model = model.cuda()  # expect: compute.to-cuda
    x = data.to("cuda:0")  # expect: compute.to-cuda
    y = torch.zeros(3, device="cuda")  # expect: compute.device-cuda
    dev = torch.device("cuda")  # expect: compute.device-cuda
    name = "cuda"  # expect: compute.device-cuda
    state = torch.load("ckpt.pt", map_location="cpu")  # expect: compute.map-location
    torch.cuda.manual_seed_all(0)  # expect: compute.cuda-rng
    torch.cuda.manual_seed(0)  # expect: compute.cuda-rng
    s = torch.cuda.get_rng_state()  # expect: compute.cuda-rng
    torch.cuda.set_rng_state(s)  # expect: compute.cuda-rng
    print(f"GPU: {torch.cuda.get_device_name(0)}")  # expect: compute.torch-cuda
    tag = f"dev {n:>{torch.cuda.device_count()}} of {{torch.cuda}}"  # expect: compute.torch-cuda
    stream = torch.cuda.Stream()  # expect: compute.cuda-stream
    with torch.cuda.stream(stream):  # expect: compute.cuda-stream
        pass
    cur = torch.cuda.current_stream()  # expect: compute.cuda-stream
    ev = torch.cuda.Event(enable_timing=True)  # expect: compute.cuda-stream
    torch.cuda.synchronize()  # expect: compute.cuda-stream
    torch.cuda.empty_cache()  # expect: compute.cuda-memory
    peak = torch.cuda.max_memory_allocated()  # expect: compute.cuda-memory
    used = torch.cuda.memory_allocated()  # expect: compute.cuda-memory
    g = torch.cuda.graph(None)  # expect: compute.cuda-graph
    graph = CUDAGraph()  # expect: compute.cuda-graph
    with torch.cuda.amp.autocast():  # expect: compute.amp
        pass
    with torch.amp.autocast("cuda"):  # expect: compute.amp compute.device-cuda
        pass
    with torch.autocast(device_type="cpu"):  # expect: compute.amp
        pass
    scaler = GradScaler()  # expect: compute.amp
    with autocast():  # expect: compute.amp
        pass
    torch.backends.cudnn.benchmark = True  # expect: compute.cudnn
    torch.backends.cuda.matmul.allow_tf32 = True  # expect: compute.cudnn
    if x.is_cuda:  # expect: compute.is-cuda
        pass
    loader = DataLoader(data, pin_memory=True)  # expect: compute.pin-memory
    loader = DataLoader(data, pin_memory=False)
    dist.init_process_group(backend="nccl")  # expect: compute.nccl
    backend_name = "nccl"  # expect: compute.nccl
    torch.distributed.barrier()  # expect: compute.distributed
    net = DistributedDataParallel(model)  # expect: compute.distributed
    return model


def portable(model, x):
    # model.cuda() and torch.cuda.* in a comment are no findings
    msg = "call torch.cuda.synchronize() or model.cuda() first"
    path = f"weights_{torch.__version__}.pt"
    cudaish = "cuda device"
    x = x.to(torch.float32)
    return model(x), msg, path, cudaish
