"""`gg.cuda` and `gg.backends`: PyTorch's accelerator queries, answering that there is none.

PyTorch code usually picks its device with `'cuda' if torch.cuda.is_available() else 'cpu'`;
with glassgrad that line picks the CPU, the only device it computes on.
"""
from types import SimpleNamespace


class NoAccelerator:
    """Stands in for `torch.cuda` or `torch.backends.mps` on a machine without that device.

    Methods
    -------
    is_available(), is_built() -> False;  device_count() -> 0;  manual_seed(seed),
    manual_seed_all(seed), synchronize(device=None), empty_cache() do nothing (there is no
    device to seed, wait for or free).
    """

    def __init__(self, name):
        self._name = name

    def is_available(self):
        return False

    def is_built(self):
        return False

    def device_count(self):
        return 0

    def manual_seed(self, seed):
        pass

    def manual_seed_all(self, seed):
        pass

    def synchronize(self, device=None):
        pass

    def empty_cache(self):
        pass

    def __repr__(self):
        return f"<glassgrad.{self._name}: not available (glassgrad computes on the CPU)>"


cuda = NoAccelerator("cuda")
backends = SimpleNamespace(
    cuda=NoAccelerator("backends.cuda"), mps=NoAccelerator("backends.mps"),
    cudnn=SimpleNamespace(enabled=False, benchmark=False, deterministic=False,
                          is_available=lambda: False))
