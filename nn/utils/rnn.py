"""Variable-length sequences for recurrent nets, as torch.nn.utils.rnn: padding a list of
sequences into one tensor, and packing a padded batch into a PackedSequence (the steps of
all sequences, time step by time step, longest sequences first) that RNN, LSTM and GRU
run without computing on the padding.

Everything is differentiable (slicing, concatenation and stacking of the inputs).
"""
from collections import namedtuple

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "unpad_sequence", "pack_padded_sequence",
           "pad_packed_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of variable-length sequences, packed time step by time step.

    RNN, LSTM and GRU run a PackedSequence without computing on padding. It is a named tuple
    ``(data, batch_sizes, sorted_indices, unsorted_indices)``. Build it with
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not directly.

    Parameters
    ----------
    data : Tensor of shape (sum of lengths, ...)
        The packed steps.
    batch_sizes : Tensor or array_like of shape (max length,), int64
        How many sequences have each time step. Required (the default None raises).
    sorted_indices : Tensor of shape (N,), int64, optional
        Default None.
    unsorted_indices : Tensor of shape (N,), int64, optional
        Default None: computed as the inverse of `sorted_indices` when that is given.

    Attributes
    ----------
    data : Tensor of shape (sum of lengths, ...)
        The steps: first step 0 of every sequence (longest first), then step 1 of every
        sequence that has one, and so on.
    batch_sizes : Tensor of shape (max length,), int64
        How many sequences have each time step (non-increasing).
    sorted_indices : Tensor of shape (N,), int64, or None
        Batch order of the packed sequences (None if the batch was already sorted by
        decreasing length).
    unsorted_indices : Tensor of shape (N,), int64, or None
        The inverse permutation (back to the caller's batch order).

    Raises
    ------
    TypeError
        If `batch_sizes` is not given.

    Examples
    --------
    >>> from glassgrad.nn.utils.rnn import pack_sequence
    >>> packed = pack_sequence([gg.tensor([1, 2, 3]), gg.tensor([4, 5])])
    >>> packed.data
    tensor([1, 4, 2, 5, 3])
    >>> packed.batch_sizes
    tensor([2, 2, 1])
    """
    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required (build PackedSequence "
                            "with pack_padded_sequence or pack_sequence)")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = ag.tensor(np.asarray(batch_sizes, dtype=np.int64))
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same PackedSequence with `data` converted by :meth:`Tensor.to`.

        Parameters
        ----------
        *args
            Positional arguments of :meth:`Tensor.to` (a dtype or a device).
        **kwargs
            Keyword arguments of :meth:`Tensor.to`.

        Returns
        -------
        PackedSequence
            A new named tuple; `batch_sizes` and the index tensors are shared.
        """
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self):
        """Always False: glassgrad runs on the CPU only."""
        return False

    def is_pinned(self):
        """Whether `data` is in pinned memory: always False (glassgrad runs on the CPU only).

        Returns
        -------
        bool
            False.
        """
        return False


def _invert(perm):
    p = perm._data if isinstance(perm, Tensor) else np.asarray(perm)
    inv = np.empty_like(p)
    inv[p] = np.arange(len(p), dtype=p.dtype)
    return ag.tensor(inv)


def _int_array(values, what):
    arr = values._data if isinstance(values, Tensor) else np.asarray(
        values.detach().cpu().numpy() if hasattr(values, "detach") else values)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(f"{what}: lengths must be a 1-D sequence of integers, got {values!r}")
    return arr.astype(np.int64)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths into one tensor, padding the short ones.

    Parameters
    ----------
    sequences : list of Tensor of shape (L_i, ...)
        Same trailing shape and dtype.
    batch_first : bool, optional
        Output (N, L_max, ...) instead of (L_max, N, ...). Default False.
    padding_value : float, optional
        The fill value. Default 0.0.
    padding_side : {'right', 'left'}, optional
        Where the padding goes. Default ``'right'``.

    Returns
    -------
    Tensor of shape (L_max, N, ...) or (N, L_max, ...)
        Same dtype as the sequences; differentiable.

    Raises
    ------
    ValueError
        For an unknown `padding_side`.
    RuntimeError
        If `sequences` is empty or the trailing shapes differ.
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: all sequences must have the same trailing "
                               f"shape, got {tuple(sequences[0].shape)} and {tuple(s.shape)}")
    max_len = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = max_len - s.shape[0]
        if missing:
            fill = ag.full((missing,) + trailing, padding_value, dtype=s.dtype)
            s = ag.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return ag.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a right-padded batch back into a list of sequences (the inverse of
    :func:`pad_sequence`).

    Parameters
    ----------
    padded_sequences : Tensor of shape (L, N, ...) or (N, L, ...) with `batch_first`
    lengths : Tensor, array or list of int, shape (N,)
        The true length of each sequence.
    batch_first : bool, optional
        Whether the batch dim comes first. Default False.

    Returns
    -------
    list of Tensor
        N tensors, sequence i of shape (lengths[i], ...); views of the input.

    Raises
    ------
    ValueError
        If `lengths` is not a 1-D sequence of integers.
    """
    lengths = _int_array(lengths, "unpad_sequence")
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lengths)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of sequences into a :class:`PackedSequence`.

    Parameters
    ----------
    input : Tensor of shape (L, N, ...), or (N, L, ...) with `batch_first`
    lengths : Tensor, array or list of int, shape (N,)
        The true length of each sequence (at least 1, at most L).
    batch_first : bool, optional
        Whether the batch dim comes first. Default False.
    enforce_sorted : bool, optional
        With True the sequences must already be sorted by decreasing length; with False
        they are sorted here and the permutation is recorded in the result. Default True.

    Returns
    -------
    PackedSequence
        Differentiable with respect to `input`.

    Raises
    ------
    RuntimeError
        If the number of lengths is not N, lengths are unsorted with
        ``enforce_sorted=True``, or a length is 0 or longer than L.
    ValueError
        If `lengths` is not a 1-D sequence of integers.
    """
    lengths = _int_array(lengths, "pack_padded_sequence")
    if batch_first:
        input = input.transpose(0, 1)
    L, N = input.shape[0], input.shape[1]
    if len(lengths) != N:
        raise RuntimeError(f"pack_padded_sequence: expected {N} lengths (the batch size), got "
                           f"{len(lengths)}")
    if lengths.size and (lengths.min() <= 0 or lengths.max() > L):
        raise RuntimeError(f"pack_padded_sequence: lengths must lie in [1, {L}], got "
                           f"{lengths.tolist()}")
    sorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in "
                               "decreasing order when `enforce_sorted` is True. You can pass "
                               "`enforce_sorted=False` to pack_padded_sequence and/or "
                               "pack_sequence to sidestep this requirement if you do not need "
                               "ONNX exportability.")
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = ag.tensor(order.astype(np.int64))
        input = input[:, order]
    batch_sizes = np.array([(lengths > t).sum() for t in range(int(lengths[0]))],
                           dtype=np.int64)
    data = ag.cat([input[t, :int(b)] for t, b in enumerate(batch_sizes)], 0)
    return PackedSequence(data, ag.tensor(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack a :class:`PackedSequence` into a padded batch (the inverse of
    :func:`pack_padded_sequence`).

    Parameters
    ----------
    sequence : PackedSequence
    batch_first : bool, optional
        Output (N, L, ...) instead of (L, N, ...). Default False.
    padding_value : float, optional
        The fill value. Default 0.0.
    total_length : int, optional
        Pad to this length instead of the longest sequence's. Default None.

    Returns
    -------
    padded : Tensor of shape (L, N, ...) or (N, L, ...)
        The padded batch in the caller's original order.
    lengths : Tensor of shape (N,), int64
        Each sequence's length.

    Raises
    ------
    ValueError
        If `total_length` is shorter than the longest sequence.
    """
    data, batch_sizes, _, unsorted = sequence
    bs = _int_array(batch_sizes, "pad_packed_sequence")
    max_len, N = len(bs), int(bs[0])
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(f"pad_packed_sequence: expected total_length to be at least the "
                             f"length of the longest sequence ({max_len}), got {total_length}")
        max_len = total_length
    trailing = tuple(data.shape[1:])
    steps, start = [], 0
    for b in bs:
        b = int(b)
        block = data[start:start + b]
        if b < N:
            block = ag.cat([block, ag.full((N - b,) + trailing, padding_value,
                                           dtype=data.dtype)], 0)
        steps.append(block)
        start += b
    for _ in range(max_len - len(bs)):
        steps.append(ag.full((N,) + trailing, padding_value, dtype=data.dtype))
    padded = ag.stack(steps, 0)
    lengths = np.array([(bs > i).sum() for i in range(N)], dtype=np.int64)
    if unsorted is not None:
        u = _int_array(unsorted, "pad_packed_sequence")
        padded = padded[:, u]
        lengths = lengths[u]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, ag.tensor(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences directly: :func:`pad_sequence`, then :func:`pack_padded_sequence`.

    Parameters
    ----------
    sequences : list of Tensor of shape (L_i, ...)
        Same trailing shape and dtype.
    enforce_sorted : bool, optional
        With True the sequences must be sorted by decreasing length. Default True.

    Returns
    -------
    PackedSequence

    Raises
    ------
    RuntimeError
        As :func:`pad_sequence` and :func:`pack_padded_sequence` (e.g. unsorted lengths with
        ``enforce_sorted=True``).
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Unpack a :class:`PackedSequence` into its list of sequences (the inverse of
    :func:`pack_sequence`).

    Parameters
    ----------
    packed_sequences : PackedSequence

    Returns
    -------
    list of Tensor
        The sequences, of shapes (L_i, ...), in the original order.
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
