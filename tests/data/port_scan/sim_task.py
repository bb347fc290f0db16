# Fixture: sim bucket (an Isaac-Lab-style task). Markers (`expect:`) are comments.
from __future__ import annotations

import math
import isaacsim.core.utils.prims as prim_utils  # expect: sim.isaacsim
import omni.usd  # expect: sim.omni
from omni.isaac.core import World  # expect: sim.omni
import carb  # expect: sim.carb
from pxr import Usd, UsdGeom  # expect: sim.pxr
import warp as wp  # expect: sim.warp
import isaaclab.sim as sim_utils  # expect: sim.isaaclab
from isaaclab.assets import Articulation  # expect: sim.isaaclab
from isaacgym import gymapi  # expect: sim.isaacgym
import isaacgymenvs  # expect: sim.isaacgym
from curobo.wrap.reacher.motion_gen import MotionGen  # expect: sim.planner
import nvblox_torch  # expect: sim.planner
import warpx  # another package: no finding
import omnibus  # another package: no finding
from my_project import omni_helpers  # no finding: only the module path counts


@wp.kernel  # expect: sim.warp
def compute_rewards(pole: wp.array(dtype=float), out: wp.array(dtype=float)):
    tid = wp.tid()
    out[tid] = 1.0 - pole[tid] * pole[tid]


@warp.kernel  # expect: sim.warp
def reset_envs(x: wp.array(dtype=float)):
    x[wp.tid()] = 0.0


def reward(pole_angle):
    """Uses omni.isaac.core and pxr.Usd under the hood (prose)."""
    note = "import omni.kit"  # a string, no finding
    return math.cos(pole_angle), note
