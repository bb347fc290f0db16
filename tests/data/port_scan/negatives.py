# Fixture: no findings. Every blocker below sits in a comment, a docstring or a string that is
# prose, which port-scan must not report (the seed's rg patterns would match every line here).
# import torch.cuda; import warp; import omni.kit; import carb; from pxr import Usd; import isaacsim
# model.cuda(); torch.cuda.synchronize(); device="cuda"; VIDIOC_QUERYCAP; ioctl(fd, ...)
"""Module docstring: torch.cuda.amp.GradScaler, import warp as wp, @triton.jit, /dev/video0."""


def f(x):
    """Function docstring: x.cuda() then torch.distributed.init_process_group(backend='nccl')."""
    '''A second string statement: import omni.isaac.core, from pxr import Usd.'''
    message = "torch.cuda is unavailable; run with --device cpu instead of import warp"
    hint = 'from isaacsim import SimulationApp fails on macOS'
    text = r"VIDIOC_S_FMT via ioctl() on V4L2"
    long = """
    import carb
    x = y.cuda()
    """
    fmsg = f"torch.cuda literal text, {{torch.cuda}} in doubled braces, {'torch.cuda'!r} as a string: {hint}"
    warpx = 1  # a name that starts like warp
    omnipresent = "omni"
    cuda_like_name = 2  # a variable named cuda-ish is no torch.cuda call
    return message, hint, text, long, warpx, omnipresent, cuda_like_name
