"""Figures of a Monitor's records (matplotlib, imported on first use).

Each function returns a matplotlib Figure; with `path` it also saves a PNG there and closes
the figure (so scripts do not pile up open figures). Without a display (a headless Linux box
outside Jupyter) the Agg backend is selected before pyplot is first imported. The Monitor's
plot_* methods call these.
"""
import math
import os
import sys

import numpy as np


def pyplot():
    """matplotlib.pyplot, on the Agg backend when there is no display."""
    import matplotlib
    if ("matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules
            and sys.platform.startswith("linux") and not os.environ.get("DISPLAY")):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _finish(fig, path):
    if path is not None:
        fig.savefig(os.fspath(path), dpi=100, bbox_inches="tight")
        pyplot().close(fig)
    return fig


def _draw_loss(ax, monitor, smooth=None):
    steps, losses = monitor.losses()
    ax.plot(steps, losses, lw=0.8, alpha=0.5, label="train loss")
    k = smooth or max(1, len(losses) // 20)
    if 1 < k < len(losses):
        avg = np.convolve(losses, np.ones(k) / k, mode="valid")
        ax.plot(steps[k - 1:], avg, lw=1.5, label=f"moving average ({k})")
    vs, vl = monitor.metric("val_loss")
    if len(vs):
        ax.plot(vs, vl, "o-", label="validation loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("loss")
    ax.legend(fontsize=8)


def loss_curve(monitor, path=None, smooth=None):
    """Training loss per step, its moving average over `smooth` steps (default: a twentieth
    of the run) and the validation loss when recorded."""
    fig, ax = pyplot().subplots(figsize=(6, 4))
    _draw_loss(ax, monitor, smooth)
    fig.tight_layout()
    return _finish(fig, path)


def curves(monitor, path=None):
    """Three panels: loss; training and validation accuracy; the update:weight ratio of
    each weight on a log scale, with the 1e-3 rule of thumb as a dashed line."""
    fig, axes = pyplot().subplots(1, 3, figsize=(15, 4))
    _draw_loss(axes[0], monitor)
    for name in ("train_acc", "val_acc"):
        s, v = monitor.metric(name)
        if len(s):
            axes[1].plot(s, v, "-" if name == "train_acc" else "o-", label=name)
    axes[1].set_title("accuracy")
    axes[1].set_xlabel("step")
    axes[1].legend(fontsize=8)
    for name in monitor.weight_names():
        s, v = monitor.ratios(name)
        if len(s):
            axes[2].semilogy(s, np.maximum(v, 1e-12), label=name)
    axes[2].axhline(1e-3, color="k", ls="--", lw=0.8, label="1e-3")
    axes[2].set_title("update:weight ratio")
    axes[2].set_xlabel("step")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    return _finish(fig, path)


def histograms(monitor, samples, title, path=None, xlabel="value"):
    """One histogram per watched layer of `samples` (layer name -> values), titled with the
    layer's statistics at the latest measured step."""
    names = [n for n in monitor.layer_names() if n in samples]
    if not names:
        raise RuntimeError(f"Monitor: no {title} to plot yet (run a training step with the "
                           f"monitor attached)")
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = pyplot().subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    last = monitor.last_measured()
    for ax, name in zip(axes.flat, names):
        values = samples[name]
        ax.hist(values[np.isfinite(values)], bins=50)
        s = last.layers.get(name) if last is not None else None
        label = f"{name} ({s.kind})" if s is not None else name
        if s is not None and title == "activations":
            label += f"\nmean {s.mean:.2g} std {s.std:.2g}"
            if s.saturated is not None:
                label += f" saturated {s.saturated:.0%}"
            if s.dead is not None:
                label += f" dead {s.dead:.0%}"
        ax.set_title(label, fontsize=8)
        ax.set_xlabel(xlabel, fontsize=8)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"{title} per layer" + (f", step {last.step}" if last is not None else ""))
    fig.tight_layout()
    return _finish(fig, path)


def first_layer(model, path=None, image_shape=None, max_units=64):
    """The first Linear or Conv2d weight as images: each row of a Linear weight (out, in)
    reshaped to `image_shape` (default: square when `in` is a perfect square), or each
    Conv2d filter (gray for 1 input channel, the first channel for other counts except 3,
    which is shown as RGB). Each image is scaled to its own min..max."""
    w = next((p.numpy() for _, p in model.named_parameters() if p.ndim in (2, 4)), None)
    if w is None:
        raise RuntimeError("plot_first_layer: the model has no Linear or Conv2d weight")
    if w.ndim == 2:
        side = int(round(math.sqrt(w.shape[1])))
        shape = image_shape or ((side, side) if side * side == w.shape[1] else None)
        if shape is None:
            raise ValueError(f"plot_first_layer: cannot show weights with {w.shape[1]} inputs "
                             f"as images; pass image_shape=(height, width)")
        images = w.reshape(w.shape[0], *shape)
    else:
        images = np.transpose(w, (0, 2, 3, 1)) if w.shape[1] == 3 else w[:, 0]
    images = images[:max_units]
    cols = min(8, len(images))
    rows = math.ceil(len(images) / cols)
    fig, axes = pyplot().subplots(rows, cols, figsize=(1.3 * cols, 1.3 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img in zip(axes.flat, images):
        lo, hi = img.min(), img.max()
        shown = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        ax.imshow(shown, cmap=None if shown.ndim == 3 else "gray", interpolation="nearest")
    fig.suptitle("first-layer weights")
    fig.tight_layout()
    return _finish(fig, path)
