"""Recurrent nets: RNN (tanh/relu), LSTM, GRU and their single-step cells, written as
their gate equations over the engine's ops (no hand-written backward pass).

Gate order, parameter names (weight_ih_l0, weight_hh_l0_reverse, ...), shapes and the
initialization U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) are PyTorch's, so state_dicts
move both ways. The input-to-hidden products of all time steps are computed in one matmul
per layer and direction; only the hidden-to-hidden product runs step by step.
"""
import math
import numbers
import warnings

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.compile import uncapturable

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ----- one time step of each cell: (projected input, state tuple) -> new state tuple -----
# The first element of a state is the hidden state h (the step's output).

def _rnn_step(activation):
    def step(x_proj, state, w_hh, b_hh, w_hr=None):
        return (activation(x_proj + F.linear(state[0], w_hh, b_hh)),)
    return step


def _lstm_step(x_proj, state, w_hh, b_hh, w_hr=None):
    h, c = state
    i, f, g, o = ag.chunk(x_proj + F.linear(h, w_hh, b_hh), 4, -1)
    c = ag.sigmoid(f) * c + ag.sigmoid(i) * ag.tanh(g)
    h = ag.sigmoid(o) * ag.tanh(c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(x_proj, state, w_hh, b_hh, w_hr=None):
    h = state[0]
    x_r, x_z, x_n = ag.chunk(x_proj, 3, -1)
    h_r, h_z, h_n = ag.chunk(F.linear(h, w_hh, b_hh), 3, -1)
    r = ag.sigmoid(x_r + h_r)
    z = ag.sigmoid(x_z + h_z)
    n = ag.tanh(x_n + r * h_n)
    return ((1.0 - z) * n + z * h,)


_STEPS = {"RNN_TANH": _rnn_step(ag.tanh), "RNN_RELU": _rnn_step(ag.relu), "LSTM": _lstm_step,
          "GRU": _gru_step}


def _run_direction(step, x_blocks, state, batch_sizes, weights, reverse):
    """Run one layer in one direction. x_blocks[t] is the projected input of time t for the
    first batch_sizes[t] sequences (all N when not packed); sequences that have ended (or,
    in reverse, not yet begun) keep their state. Returns (outputs per t, final state)."""
    n = state[0].shape[0]
    outs = [None] * len(x_blocks)
    for t in (range(len(x_blocks) - 1, -1, -1) if reverse else range(len(x_blocks))):
        b = batch_sizes[t]
        if b == n:
            state = step(x_blocks[t], state, *weights)
            outs[t] = state[0]
        else:
            new = step(x_blocks[t], tuple(s[:b] for s in state), *weights)
            state = tuple(ag.cat([s_new, s[b:]], 0) for s_new, s in zip(new, state))
            outs[t] = new[0]
    return outs, state


class RNNBase(Module):
    """The machinery shared by RNN, LSTM and GRU (see those classes).

    Parameters
    ----------
    mode : {'RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU'}
        The cell.
    input_size : int
        The number of features of each input step.
    hidden_size : int
        The number of features of the hidden state; positive.
    num_layers : int, optional
        Stacked layers; layer l > 0 reads the outputs of layer l - 1. Default 1.
    bias : bool, optional
        Learn the ``bias_ih`` and ``bias_hh`` parameters. Default True.
    batch_first : bool, optional
        Input and output (N, L, features) instead of (L, N, features); the states keep
        (layers * directions, N, size). Default False.
    dropout : float, optional
        Dropout on the outputs of every layer but the last (training mode only), in [0, 1]
        (a warning with ``num_layers=1``). Default 0.0.
    bidirectional : bool, optional
        A second pass from the end of the sequence (parameters ``..._reverse``); the outputs of
        both directions are concatenated. Default False.
    proj_size : int, optional
        If > 0, h is projected to this size by ``weight_hr_l{k}`` (proj_size, hidden_size);
        must be smaller than `hidden_size`. Default 0.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Raises
    ------
    ValueError
        `dropout` outside [0, 1], a non-positive `hidden_size` or `num_layers`, or a
        `proj_size` that is negative, not smaller than `hidden_size`, or given for a mode
        other than LSTM.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 \
                or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", UserWarning)
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else real_hidden * directions
            for d in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(ag.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def flatten_parameters(self):
        """No-op (PyTorch compacts weights for cuDNN here)."""

    @property
    def all_weights(self):
        """Per layer and direction, the list [weight_ih, weight_hh, bias_ih, bias_hh,
        (weight_hr)] as PyTorch gives it."""
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional
                                                                    else 1))
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        get = lambda name: getattr(self, name + suffix, None) if name + suffix in \
            self._parameters else None  # noqa: E731
        return (get("weight_ih"), get("bias_ih"),
                (get("weight_hh"), get("bias_hh"), get("weight_hr")))

    def _initial_state(self, hx, n, dtype, batched, sorted_indices):
        """The (h0,) or (h0, c0) stacks, shape (layers * directions, N, size)."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        h_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        shapes = [(layers, n, h_size)]
        if self.mode == "LSTM":
            shapes.append((layers, n, self.hidden_size))
        if hx is None:
            return tuple(ag.zeros(*s, dtype=dtype) for s in shapes)
        hx = tuple(hx) if self.mode == "LSTM" else (hx,)
        if len(hx) != len(shapes):
            raise RuntimeError(f"{type(self).__name__}: expected hx to be a tuple (h_0, c_0)")
        out = []
        for h, shape in zip(hx, shapes):
            if not batched:
                if h.ndim != 2:
                    raise RuntimeError(f"{type(self).__name__}: for unbatched 2-D input, hx "
                                       f"should also be 2-D but got {h.ndim}-D tensor")
                h = h.unsqueeze(1)
            if tuple(h.shape) != shape:
                raise RuntimeError(f"{type(self).__name__}: Expected hidden size {shape}, got "
                                   f"{list(h.shape)}")
            if sorted_indices is not None:
                h = h[:, sorted_indices._data]
            out.append(h)
        return tuple(out)

    def forward(self, input, hx=None):
        """Run the recurrent net over a sequence.

        Parameters
        ----------
        input : Tensor or PackedSequence
            (L, N, input_size), (N, L, input_size) with batch_first, (L, input_size) unbatched,
            or a PackedSequence; floating.
        hx : Tensor or tuple of 2 Tensors, optional
            The initial state, zeros by default. RNN/GRU: h_0 (num_layers * num_directions, N,
            H_out) ((..., H_out) unbatched); LSTM: a tuple (h_0, c_0), c_0 (num_layers *
            num_directions, N, hidden_size).

        Returns
        -------
        output : Tensor or PackedSequence
            (L, N, num_directions * H_out) in the input's layout (a PackedSequence for packed
            input).
        h_n : Tensor or tuple of 2 Tensors
            The final states of every layer and direction, h_n for RNN/GRU, (h_n, c_n) for LSTM
            (for packed input: each sequence's state at its own last step).

        Raises
        ------
        ValueError
            An input that is not 2-d or 3-d (packed data that is not 2-d).
        RuntimeError
            An empty sequence, a last dimension other than `input_size`, or an initial state of
            the wrong shape.
        TypeError
            A non-floating input.
        """
        name = type(self).__name__
        packed = isinstance(input, PackedSequence)
        sorted_indices = unsorted_indices = None
        if packed:
            uncapturable(f"{name} on a packed sequence (its steps and batch sizes come from "
                         f"the lengths' values)")
            data, batch_sizes, sorted_indices, unsorted_indices = input
            sizes = [int(b) for b in batch_sizes._data]
            n, batched, x = sizes[0], True, data
            if data.ndim != 2:
                raise ValueError(f"{name}: packed data must be 2-D (steps, features), got "
                                 f"{tuple(data.shape)}")
        else:
            if input.ndim not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D "
                                 f"tensor instead")
            batched = input.ndim == 3
            x = input.unsqueeze(1) if not batched else \
                input.transpose(0, 1) if self.batch_first else input
            n = x.shape[1]
            sizes = [n] * x.shape[0]
            if not sizes:
                raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in "
                                   f"RNN, got input {tuple(input.shape)}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        if x.dtype.kind != "f":
            raise TypeError(f"{name}: expected a floating input, got {x.dtype}")
        state0 = self._initial_state(hx, n, x.dtype, batched, sorted_indices)
        step = _STEPS[self.mode]
        directions = 2 if self.bidirectional else 1
        finals = []
        starts = np.concatenate([[0], np.cumsum(sizes)]) if packed else None
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                w_ih, b_ih, weights = self._weights(layer, d)
                x_proj = F.linear(x, w_ih, b_ih)
                blocks = ([x_proj[int(starts[t]):int(starts[t + 1])] for t in range(len(sizes))]
                          if packed else [x_proj[t] for t in range(len(sizes))])
                k = layer * directions + d
                state = tuple(s[k] for s in state0)
                steps, state = _run_direction(step, blocks, state, sizes, weights, d == 1)
                outs.append(ag.cat(steps, 0) if packed else ag.stack(steps, 0))
                finals.append(state)
            x = outs[0] if directions == 1 else ag.cat(outs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        h_n = tuple(ag.stack([f[i] for f in finals], 0) for i in range(len(state0)))
        if unsorted_indices is not None:
            h_n = tuple(h[:, unsorted_indices._data] for h in h_n)
        if packed:
            output = PackedSequence(x, batch_sizes, sorted_indices, unsorted_indices)
        elif not batched:
            output, h_n = x.squeeze(1), tuple(h.squeeze(1) for h in h_n)
        else:
            output = x.transpose(0, 1) if self.batch_first else x
        return output, (h_n if self.mode == "LSTM" else h_n[0])

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, act tanh or relu
    (`nonlinearity`).

    Called as ``rnn(input, hx=None)``, it returns ``(output, h_n)``; see ``RNNBase.forward``.

    Parameters
    ----------
    input_size : int
        The number of features of each input step.
    hidden_size : int
        The number of features of the hidden state; positive.
    num_layers : int, optional
        Stacked layers; layer l > 0 reads the outputs of layer l - 1. Default 1.
    nonlinearity : {'tanh', 'relu'}, optional
        The activation. Default 'tanh'.
    bias : bool, optional
        Learn the ``bias_ih`` and ``bias_hh`` parameters. Default True.
    batch_first : bool, optional
        Input and output (N, L, features) instead of (L, N, features); the states keep
        (layers * directions, N, size). Default False.
    dropout : float, optional
        Dropout on the outputs of every layer but the last (training mode only), in [0, 1]
        (a warning with ``num_layers=1``). Default 0.0.
    bidirectional : bool, optional
        A second pass from the end of the sequence (parameters ``..._reverse``); the outputs of
        both directions are concatenated. Default False.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (L, N, input_size), (N, L, input_size) with ``batch_first=True``, unbatched
      (L, input_size), or a ``PackedSequence``.
    - h_0: ``(D * num_layers, N, hidden_size)``, without N for unbatched input; zeros if omitted.
      D is 2 if bidirectional, else 1.
    - Output: ``(L, N, D * hidden_size)`` in the input's layout (a ``PackedSequence`` for packed
      input), and the final state(s) in the initial states' shapes.

    Attributes
    ----------
    weight_ih_l{k} : Parameter
        The input-to-hidden weights of layer k: (hidden_size, input_size) for k = 0, else
        (hidden_size, D * hidden_size).
    weight_hh_l{k} : Parameter of shape (hidden_size, hidden_size)
        The hidden-to-hidden weights of layer k.
    bias_ih_l{k}, bias_hh_l{k} : Parameter of shape (hidden_size,)
        The biases (with ``bias=True``).

    Raises
    ------
    ValueError
        `dropout` outside [0, 1], a non-positive `hidden_size` or `num_layers`, or an unknown
        `nonlinearity`.

    Notes
    -----
    Every parameter is initialized from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``; the
    second direction's parameters end in ``_reverse``.

    Gate order, parameter names, shapes and the initialization are PyTorch's, so state dicts
    move both ways. The input-to-hidden products of all time steps are computed in one matmul
    per layer and direction; only the hidden-to-hidden product runs step by step.

    Examples
    --------
    >>> from glassgrad import nn
    >>> rnn = nn.RNN(input_size=3, hidden_size=5, num_layers=2)
    >>> output, h_n = rnn(gg.randn(7, 4, 3))
    >>> output.shape, h_n.shape
    ((7, 4, 5), (2, 4, 5))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def extra_repr(self):
        s = super().extra_repr()
        return s + (", nonlinearity=relu" if self.nonlinearity != "tanh" else "")


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gate order (i, f, g, o).

    ``i, f, o = sigmoid(.)``, ``g = tanh(.)`` of ``x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh``;
    ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)`` (then ``h_t W_hr^T`` with
    ``proj_size > 0``). The state is the pair (h, c). Called as ``lstm(input, hx=None)``, it
    returns ``(output, (h_n, c_n))``; see ``RNNBase.forward``.

    Parameters
    ----------
    input_size : int
        The number of features of each input step.
    hidden_size : int
        The number of features of the hidden state; positive.
    num_layers : int, optional
        Stacked layers; layer l > 0 reads the outputs of layer l - 1. Default 1.
    bias : bool, optional
        Learn the ``bias_ih`` and ``bias_hh`` parameters. Default True.
    batch_first : bool, optional
        Input and output (N, L, features) instead of (L, N, features); the states keep
        (layers * directions, N, size). Default False.
    dropout : float, optional
        Dropout on the outputs of every layer but the last (training mode only), in [0, 1]
        (a warning with ``num_layers=1``). Default 0.0.
    bidirectional : bool, optional
        A second pass from the end of the sequence (parameters ``..._reverse``); the outputs of
        both directions are concatenated. Default False.
    proj_size : int, optional
        If > 0, h is projected to this size by ``weight_hr_l{k}`` (proj_size, hidden_size);
        must be smaller than `hidden_size`. Default 0.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (L, N, input_size), (N, L, input_size) with ``batch_first=True``, unbatched
      (L, input_size), or a ``PackedSequence``.
    - h_0: ``(D * num_layers, N, H_out)``, without N for unbatched input; zeros if omitted.
      D is 2 if bidirectional, else 1.
    - c_0: ``(D * num_layers, N, hidden_size)``, likewise.
    - Output: ``(L, N, D * H_out)`` in the input's layout (a ``PackedSequence`` for packed
      input), and the final state(s) in the initial states' shapes.

    H_out is `proj_size` if it is positive, else `hidden_size`.

    Attributes
    ----------
    weight_ih_l{k} : Parameter
        The input-to-hidden weights of layer k: (4 * hidden_size, input_size) for k = 0, else
        (4 * hidden_size, D * H_out).
    weight_hh_l{k} : Parameter of shape (4 * hidden_size, H_out)
        The hidden-to-hidden weights of layer k.
    bias_ih_l{k}, bias_hh_l{k} : Parameter of shape (4 * hidden_size,)
        The biases (with ``bias=True``).
    weight_hr_l{k} : Parameter of shape (proj_size, hidden_size)
        The projection (with ``proj_size > 0``).

    Raises
    ------
    ValueError
        `dropout` outside [0, 1], a non-positive `hidden_size` or `num_layers`, or
        a `proj_size` that is negative or not smaller than `hidden_size`.

    Notes
    -----
    Every parameter is initialized from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``; the
    second direction's parameters end in ``_reverse``.

    Gate order, parameter names, shapes and the initialization are PyTorch's, so state dicts
    move both ways. The input-to-hidden products of all time steps are computed in one matmul
    per layer and direction; only the hidden-to-hidden product runs step by step.

    Examples
    --------
    >>> from glassgrad import nn
    >>> lstm = nn.LSTM(input_size=3, hidden_size=5, batch_first=True)
    >>> output, (h_n, c_n) = lstm(gg.randn(4, 7, 3))
    >>> output.shape, h_n.shape, c_n.shape
    ((4, 7, 5), (1, 4, 5), (1, 4, 5))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gate order (r, z, n).

    ``r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)``, z likewise,
    ``n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))``, ``h_t = (1 - z) * n + z * h_{t-1}``.
    Called as ``gru(input, hx=None)``, it returns ``(output, h_n)``; see ``RNNBase.forward``.

    Parameters
    ----------
    input_size : int
        The number of features of each input step.
    hidden_size : int
        The number of features of the hidden state; positive.
    num_layers : int, optional
        Stacked layers; layer l > 0 reads the outputs of layer l - 1. Default 1.
    bias : bool, optional
        Learn the ``bias_ih`` and ``bias_hh`` parameters. Default True.
    batch_first : bool, optional
        Input and output (N, L, features) instead of (L, N, features); the states keep
        (layers * directions, N, size). Default False.
    dropout : float, optional
        Dropout on the outputs of every layer but the last (training mode only), in [0, 1]
        (a warning with ``num_layers=1``). Default 0.0.
    bidirectional : bool, optional
        A second pass from the end of the sequence (parameters ``..._reverse``); the outputs of
        both directions are concatenated. Default False.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (L, N, input_size), (N, L, input_size) with ``batch_first=True``, unbatched
      (L, input_size), or a ``PackedSequence``.
    - h_0: ``(D * num_layers, N, hidden_size)``, without N for unbatched input; zeros if omitted.
      D is 2 if bidirectional, else 1.
    - Output: ``(L, N, D * hidden_size)`` in the input's layout (a ``PackedSequence`` for packed
      input), and the final state(s) in the initial states' shapes.

    Attributes
    ----------
    weight_ih_l{k} : Parameter
        The input-to-hidden weights of layer k: (3 * hidden_size, input_size) for k = 0, else
        (3 * hidden_size, D * hidden_size).
    weight_hh_l{k} : Parameter of shape (3 * hidden_size, hidden_size)
        The hidden-to-hidden weights of layer k.
    bias_ih_l{k}, bias_hh_l{k} : Parameter of shape (3 * hidden_size,)
        The biases (with ``bias=True``).

    Raises
    ------
    ValueError
        `dropout` outside [0, 1], a non-positive `hidden_size` or `num_layers`.

    Notes
    -----
    Every parameter is initialized from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``; the
    second direction's parameters end in ``_reverse``.

    Gate order, parameter names, shapes and the initialization are PyTorch's, so state dicts
    move both ways. The input-to-hidden products of all time steps are computed in one matmul
    per layer and direction; only the hidden-to-hidden product runs step by step.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype=dtype)


# ----- cells: one time step ---------------------------------------------------------------


class RNNCellBase(Module):
    """Parameters and checks shared by RNNCell, LSTMCell and GRUCell.

    Parameters
    ----------
    input_size : int
        The number of input features.
    hidden_size : int
        The number of features of the hidden state.
    bias : bool
        Learn ``bias_ih`` and ``bias_hh``.
    num_chunks : int
        The number of gates (1, 4 or 3): the weights have ``num_chunks * hidden_size`` rows.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Attributes
    ----------
    weight_ih : Parameter of shape (num_chunks * hidden_size, input_size)
        The input-to-hidden weights.
    weight_hh : Parameter of shape (num_chunks * hidden_size, hidden_size)
        The hidden-to-hidden weights.
    bias_ih, bias_hh : Parameter of shape (num_chunks * hidden_size,) or None
        The biases. All parameters are initialized from
        ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.
    """

    def __init__(self, input_size, hidden_size, bias, num_chunks, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(ag.empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(ag.empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ag.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(ag.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def _prepare(self, input, hx, n_states):
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D "
                             f"instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got "
                               f"{input.shape[-1]} expected {self.input_size}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            states = tuple(ag.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
                           for _ in range(n_states))
        else:
            states = tuple(hx) if n_states == 2 else (hx,)
            states = tuple(s if batched else s.unsqueeze(0) for s in states)
            expected = (x.shape[0], self.hidden_size)
            for s in states:
                if tuple(s.shape) != expected:
                    got = tuple(s.shape) if batched else tuple(s.shape[1:])
                    want = expected if batched else expected[1:]
                    raise RuntimeError(f"{name}: expected hidden state {want}, got {got}")
        return x, states, batched

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Called as ``cell(input, hx=None)``.

    Parameters
    ----------
    input_size : int
        The number of input features.
    hidden_size : int
        The number of features of the hidden state.
    bias : bool, optional
        Learn ``bias_ih`` and ``bias_hh``. Default True.
    nonlinearity : {'tanh', 'relu'}, optional
        The activation. Default 'tanh'.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (N, input_size) or (input_size,).
    - hx: (N, hidden_size) or (hidden_size,), zeros if None.
    - Output: h', (N, hidden_size) or (hidden_size,).

    Attributes
    ----------
    weight_ih : Parameter of shape (hidden_size, input_size)
        The input-to-hidden weights.
    weight_hh : Parameter of shape (hidden_size, hidden_size)
        The hidden-to-hidden weights.
    bias_ih, bias_hh : Parameter of shape (hidden_size,) or None
        The biases. All parameters are initialized from
        ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

    Raises
    ------
    ValueError
        An unknown `nonlinearity`.
    ValueError
        At call time, an input that is not 1-d or 2-d.
    RuntimeError
        At call time, an input whose last dimension is not `input_size`, or a state of the
        wrong shape.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, hx, 1)
        step = _STEPS["RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"]
        h = step(F.linear(x, self.weight_ih, self.bias_ih), states, self.weight_hh,
                 self.bias_hh)[0]
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gate order i, f, g, o; see ``nn.LSTM``).

    Called as ``cell(input, hx=None)`` with hx a pair (h, c).

    Parameters
    ----------
    input_size : int
        The number of input features.
    hidden_size : int
        The number of features of the hidden state.
    bias : bool, optional
        Learn ``bias_ih`` and ``bias_hh``. Default True.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (N, input_size) or (input_size,).
    - hx: a pair (h, c), each (N, hidden_size) or (hidden_size,); zeros if None.
    - Output: the pair (h', c'), each (N, hidden_size) or (hidden_size,).

    Attributes
    ----------
    weight_ih : Parameter of shape (4 * hidden_size, input_size)
        The input-to-hidden weights.
    weight_hh : Parameter of shape (4 * hidden_size, hidden_size)
        The hidden-to-hidden weights.
    bias_ih, bias_hh : Parameter of shape (4 * hidden_size,) or None
        The biases. All parameters are initialized from
        ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

    Raises
    ------
    ValueError
        At call time, an input that is not 1-d or 2-d.
    RuntimeError
        At call time, an input whose last dimension is not `input_size`, or a state of the
        wrong shape.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, dtype=dtype)

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, hx, 2)
        h, c = _lstm_step(F.linear(x, self.weight_ih, self.bias_ih), states, self.weight_hh,
                          self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gate order r, z, n; see ``nn.GRU``).

    Called as ``cell(input, hx=None)``.

    Parameters
    ----------
    input_size : int
        The number of input features.
    hidden_size : int
        The number of features of the hidden state.
    bias : bool, optional
        Learn ``bias_ih`` and ``bias_hh``. Default True.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (N, input_size) or (input_size,).
    - hx: (N, hidden_size) or (hidden_size,), zeros if None.
    - Output: h', (N, hidden_size) or (hidden_size,).

    Attributes
    ----------
    weight_ih : Parameter of shape (3 * hidden_size, input_size)
        The input-to-hidden weights.
    weight_hh : Parameter of shape (3 * hidden_size, hidden_size)
        The hidden-to-hidden weights.
    bias_ih, bias_hh : Parameter of shape (3 * hidden_size,) or None
        The biases. All parameters are initialized from
        ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

    Raises
    ------
    ValueError
        At call time, an input that is not 1-d or 2-d.
    RuntimeError
        At call time, an input whose last dimension is not `input_size`, or a state of the
        wrong shape.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, dtype=dtype)

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, hx, 1)
        h = _gru_step(F.linear(x, self.weight_ih, self.bias_ih), states, self.weight_hh,
                      self.bias_hh)[0]
        return h if batched else h.squeeze(0)
