# SPDX-License-Identifier: Apache-2.0
"""robomlx.depth: librealsense's processing blocks with librealsense's option names.

    spatial = robomlx.depth.SpatialFilter(filter_smooth_alpha=0.5)
    filtered = spatial.process(depth)          # depth: Frame, or a uint16 (Z16) / float32 array

A ``Frame`` in gives a ``Frame`` out (intrinsics, depth units, baseline carried along, as in
librealsense); an array in gives an array out. Blocks are lazy: ``mx.eval`` (or ``np.asarray``)
runs them. ``BagReader`` iterates the depth frames of a librealsense ``.bag``.
"""
from ._robomlx.depth import Frame, Intrinsics, Pipeline, Pointcloud, Recording, block_names, read_bag
from ._robomlx.depth import _make_block, _time_in_cpp  # noqa: F401 (python/bench/overhead.py)


class Block:
    """A processing block by chain name with options as keywords (librealsense names and ranges;
    a bad name or value raises ValueError naming the block, the option and the range)."""

    _name = None

    def __init__(self, name=None, **options):
        self._block = _make_block(name or self._name)
        # ``process`` straight from the C++ object: one Python call per frame, no wrapper.
        self.process = self._block.process
        for key, value in options.items():
            self._block.set_option(key, float(value))

    def process(self, frame, *, device=None):
        """Runs the block (lazy). A Frame gives a Frame; an array gives an array (uint16 = Z16,
        float32 = DISPARITY32, no camera metadata: blocks that need a baseline or focal length
        want a Frame). ``__init__`` replaces this with the C++ method itself (no Python frame)."""
        return self._block.process(frame, device=device)

    def set_option(self, option, value):
        self._block.set_option(option, float(value))

    def get_option(self, option):
        return self._block.get_option(option)

    def options(self):
        """{option: {min, max, step, default, description}}"""
        return self._block.options()

    def reset(self):
        self._block.reset()

    @property
    def name(self):
        return self._block.name

    def __repr__(self):
        opts = ", ".join(f"{k}={self.get_option(k):g}" for k in self.options())
        return f"{type(self).__name__}({opts})"


def _block(cls_name, chain_name, doc):
    return type(cls_name, (Block,), {"_name": chain_name, "__doc__": doc,
                                     "__init__": lambda self, **options: Block.__init__(self, None, **options)})


DecimationFilter = _block("DecimationFilter", "decimation",
                          "rs2::decimation_filter: filter_magnitude 1..8 (median of 2x2/3x3, mean above).")
ThresholdFilter = _block("ThresholdFilter", "threshold", "rs2::threshold_filter: min_distance, max_distance (m).")
SpatialFilter = _block("SpatialFilter", "spatial",
                       "rs2::spatial_filter: filter_magnitude, filter_smooth_alpha, filter_smooth_delta, holes_fill.")
TemporalFilter = _block("TemporalFilter", "temporal",
                        "rs2::temporal_filter: filter_smooth_alpha, filter_smooth_delta, holes_fill (persistency).")
HoleFillingFilter = _block("HoleFillingFilter", "hole_filling",
                           "rs2::hole_filling_filter: holes_fill 0 fill-from-left, 1 farthest, 2 nearest.")
Colorizer = _block("Colorizer", "colorizer", "rs2::colorizer: color_scheme, histogram_equalization_enabled, ...")
Units = _block("Units", "units", "rs2::units_transform: Z16 -> distance32f metres.")


class DisparityTransform(Block):
    """rs2::disparity_transform: depth -> disparity (True, as librealsense's default) or back (False).
    Needs a Frame carrying the baseline and focal length."""

    def __init__(self, transform_to_disparity=True, **options):
        super().__init__("depth2disparity" if transform_to_disparity else "disparity2depth", **options)


class BagReader:
    """Depth frames of a librealsense ``.bag`` in recording order.

        reader = BagReader("rec.bag")
        for depth in reader:                  # Frame: Z16 data, intrinsics, depth units, baseline
            color = reader.color_for(depth)   # nearest colour Frame or None
    """

    def __init__(self, path):
        self.recording = read_bag(str(path))

    def __iter__(self):
        return iter(self.recording.depth)

    def __len__(self):
        return len(self.recording.depth)

    def color_for(self, depth):
        return self.recording.color_for(depth)

    def __getattr__(self, name):  # depth_intrinsics, depth_units, baseline_mm, device_info, ...
        return getattr(self.recording, name)


__all__ = ["Block", "BagReader", "Colorizer", "DecimationFilter", "DisparityTransform", "Frame", "HoleFillingFilter",
           "Intrinsics", "Pipeline", "Pointcloud", "Recording", "SpatialFilter", "TemporalFilter", "ThresholdFilter",
           "Units", "block_names", "read_bag"]
