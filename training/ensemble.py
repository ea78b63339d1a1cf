"""Model ensembles: average the predicted probabilities of several models.

The CS231n notes list the usual members: the same model from different initializations, the
top models of a hyperparameter search, different checkpoints of one run, and a running average
of the parameters during training (ParameterAverage).

    ens = Ensemble.from_checkpoints(make_model, ["a.safetensors", "b.safetensors"])
    probs = ens(x_test)                   # (N, C) averaged class probabilities
    ens.accuracy(x_test, y_test)
"""
import copy

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor

_OUTPUTS = ("logits", "probs", "sigmoid")


def _probabilities(out, output):
    if output == "logits":
        return ag.softmax(out, dim=-1)
    if output == "sigmoid":
        return ag.sigmoid(out)
    return out


class Ensemble:
    """Average the predictions of `models` (each called in eval mode, without a graph).

    output: what the models return: "logits" (class scores, turned into probabilities by a
        softmax over the last dim; the default), "sigmoid" (binary/multi-label logits,
        through a sigmoid) or "probs" (already probabilities).
    weights: one non-negative weight per model (normalized to sum 1; default equal)."""

    def __init__(self, models, weights=None, output="logits"):
        self.models = list(models)
        if not self.models:
            raise ValueError("Ensemble needs at least one model")
        if output not in _OUTPUTS:
            raise ValueError(f"Ensemble: output must be one of {_OUTPUTS}, got {output!r}")
        self.output = output
        w = np.ones(len(self.models)) if weights is None else np.asarray(weights, np.float64)
        if w.shape != (len(self.models),) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"Ensemble: need {len(self.models)} non-negative weights with a "
                             f"positive sum, got {weights!r}")
        self.weights = w / w.sum()

    @classmethod
    def from_checkpoints(cls, model_fn, paths, **kwargs):
        """Build one model per checkpoint: `model_fn()` makes a fresh model, then loads the
        state dict from the file (a state dict saved with ag.save, or a checkpoint written
        by training.fit)."""
        models = []
        for path in paths:
            state = ag.load(path)
            if isinstance(state, dict) and isinstance(state.get("model"), dict):
                state = state["model"]
            model = model_fn()
            model.load_state_dict(state)
            models.append(model)
        return cls(models, **kwargs)

    def member_predictions(self, x):
        """A list with each model's probabilities for x (Tensors)."""
        x = x if isinstance(x, Tensor) else ag.tensor(np.asarray(x))
        preds = []
        with ag.no_grad():
            for m in self.models:
                was_training = getattr(m, "training", False)
                if hasattr(m, "eval"):
                    m.eval()
                try:
                    preds.append(_probabilities(m(x), self.output))
                finally:
                    if hasattr(m, "train"):
                        m.train(was_training)
        return preds

    def __call__(self, x):
        """The weighted mean of the members' probabilities, a Tensor like one member's."""
        preds = self.member_predictions(x)
        total = preds[0].numpy().astype(np.float64) * self.weights[0]
        for w, p in zip(self.weights[1:], preds[1:]):
            total = total + w * p.numpy()
        return ag.tensor(total.astype(preds[0].dtype))

    def predict(self, x):
        """Predicted class per row: argmax of the averaged probabilities (or probability >
        0.5 elementwise for output="sigmoid")."""
        probs = self(x).numpy()
        if self.output == "sigmoid":
            return ag.tensor((probs > 0.5).astype(np.int64))
        return ag.tensor(probs.argmax(axis=-1).astype(np.int64))

    def accuracy(self, x, y):
        """Fraction of correct predictions of the ensemble."""
        y = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
        return float((self.predict(x).numpy() == y).mean())

    def member_accuracies(self, x, y):
        """Each member's own accuracy, to compare with the ensemble's."""
        y = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
        out = []
        for p in self.member_predictions(x):
            p = p.numpy()
            pred = (p > 0.5).astype(np.int64) if self.output == "sigmoid" else p.argmax(-1)
            out.append(float((pred == y).mean()))
        return out

    def __len__(self):
        return len(self.models)


def average_predictions(models, x, output="logits", weights=None):
    """Averaged probabilities of `models` on x: Ensemble(models, weights, output)(x)."""
    return Ensemble(models, weights=weights, output=output)(x)


class ParameterAverage:
    """An exponential running average of a model's parameters (and a copy of its buffers),
    kept in a separate model: call `update()` after each optimizer step, and evaluate
    `averaged` (often better than the last iterate). decay=None keeps the plain mean of all
    updates so far."""

    def __init__(self, model, decay=0.999):
        self.model = model
        self.decay = decay
        self.averaged = copy.deepcopy(model)
        self.count = 0

    def update(self):
        self.count += 1
        rate = 1.0 / self.count if self.decay is None else \
            max(1.0 - self.decay, 1.0 / self.count)
        with ag.no_grad():
            for (_, avg), (_, p) in zip(self.averaged.named_parameters(),
                                        self.model.named_parameters()):
                avg.mul_(1.0 - rate).add_(p.detach() * rate)
            for (_, avg), (_, b) in zip(self.averaged.named_buffers(),
                                        self.model.named_buffers()):
                avg.copy_(b)
        return self.averaged
