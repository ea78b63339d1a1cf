"""Dtype promotion against torch.result_type: tensors of every dtype, 0-d and 1-d, and Python
scalars, through every binary op and where(); numpy scalars inside tensor()."""
import itertools

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, 2.5]


def _operand(kind, dtype):
    """(glassgrad operand, torch operand) for a kind in {'0d', '1d', 'scalar'}."""
    if kind == "scalar":
        return dtype, dtype
    shape = () if kind == "0d" else (3,)
    arr = np.ones(shape, dtype=dtype)
    return gg.tensor(arr), torch.tensor(arr)


def _cases():
    tensors = [(k, d) for k in ("0d", "1d") for d in DTYPES]
    scalars = [("scalar", s) for s in SCALARS]
    for a, b in itertools.product(tensors + scalars, repeat=2):
        if a[0] == "scalar" and b[0] == "scalar":
            continue
        yield a, b


CASES = list(_cases())


@pytest.mark.parametrize("op", ["add", "sub", "mul", "maximum", "minimum", "where"])
def test_binary_result_dtype_matches_torch(op):
    mismatches = []
    for (ka, da), (kb, db) in CASES:
        (ga, ta), (gb, tb) = _operand(ka, da), _operand(kb, db)
        if op == "sub" and (True in (da, db) or "bool" in (da, db)):
            continue        # torch refuses subtraction of bools
        if op in ("maximum", "minimum") and not (hasattr(ta, "dtype") and hasattr(tb, "dtype")):
            continue        # torch.maximum takes two tensors
        expected = torch.result_type(ta, tb)
        if op == "where":
            if not (hasattr(ta, "dtype") or hasattr(tb, "dtype")):
                continue
            cond = np.array([True, False, True])
            out = gg.where(gg.tensor(cond), ga, gb)
            expected = torch.where(torch.tensor(cond), ta, tb).dtype
        else:
            out = getattr(gg, op)(ga, gb) if not isinstance(ga, (bool, int, float)) else \
                getattr(gg, op)(gg.tensor(ga) if op in ("maximum", "minimum") else ga, gb)
        got = str(out.dtype)
        if got != str(expected).replace("torch.", ""):
            mismatches.append(((ka, da), (kb, db), got, str(expected)))
    assert not mismatches, mismatches[:10]


def test_zero_dim_float64_does_not_widen_float32_vector():
    x = gg.ones(3, requires_grad=True)
    s = gg.tensor(2.0, dtype=gg.float64, requires_grad=True)
    out = x * s
    assert out.dtype == gg.float32
    out.sum().backward()
    assert x.grad.dtype == gg.float32 and s.grad.dtype == gg.float64
    np.testing.assert_allclose(s.grad.numpy(), 3.0)


def test_zero_dim_float_promotes_integer_vector():
    out = gg.tensor(2.0, dtype=gg.float64) * gg.tensor([1, 2, 3])
    assert out.dtype == gg.float64
    assert (gg.tensor(2, dtype=gg.int64) + gg.tensor([1, 2], dtype=gg.uint8)).dtype == gg.uint8
    assert (gg.tensor(2) + gg.tensor([True, False])).dtype == gg.int64


@pytest.mark.parametrize("data", [
    [np.float64(1.5), 2.0], [np.float32(1.5), 2.0], [np.int32(1), 2], [np.float16(1), 2],
    [np.int32(1), 2.0], [[np.float64(1.0)], [2.0]], [np.uint8(3), np.int8(2)],
    [np.array([1.0, 2.0]), [3.0, 4.0]], [np.array([1, 2], dtype=np.int32), [3, 4]],
    [np.array([1.0, 2.0], dtype=np.float32), np.array([3.0, 4.0])],
])
@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")
def test_tensor_of_numpy_scalars_infers_dtype_as_torch(data):
    assert str(gg.tensor(data).dtype) == str(torch.tensor(data).dtype).replace("torch.", "")
    np.testing.assert_array_equal(gg.tensor(data).numpy(), torch.tensor(data).numpy())


def test_tensor_of_zero_dim_tensors_keeps_their_dtype():
    assert gg.tensor([gg.tensor(1.0, dtype=gg.float64), 2.0]).dtype == gg.float64


@pytest.mark.parametrize("array", [np.array(["a", "b"]), np.array([object(), 1]),
                                   np.array(["2020-01-01"], dtype="datetime64[D]"),
                                   np.array([1 + 2j])])
def test_tensor_refuses_arrays_of_strings_objects_datetimes(array):
    with pytest.raises(TypeError, match="dtype"):
        gg.tensor(array)
    with pytest.raises(TypeError):
        gg.as_tensor(array)


@pytest.mark.parametrize("op", [lambda a, b: a / b, lambda a, b: a ** b, lambda a, b: a * b,
                                lambda a, b: a + b], ids=["truediv", "pow", "mul", "add"])
def test_operators_result_dtype_matches_torch(op):
    mismatches = []
    for (ka, da), (kb, db) in CASES:
        (ga, ta), (gb, tb) = _operand(ka, da), _operand(kb, db)
        try:
            expected = str(op(ta, tb).dtype).replace("torch.", "")
        except RuntimeError:
            continue            # a combination torch refuses (e.g. an integer to a power)
        got = str(op(ga, gb).dtype)
        if got != expected:
            mismatches.append(((ka, da), (kb, db), got, expected))
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize("other", [
    lambda m: m.tensor(0.1, dtype=m.float64), lambda m: np.float64(0.1), lambda m: 0.1,
    lambda m: m.tensor([0.1, 0.2], dtype=m.float64)])
@pytest.mark.parametrize("op", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_promote_as_torch(other, op):
    """float32 0.1 against float64 0.1: torch compares in the promoted dtype (float32 unless
    both are dimensioned), numpy would compare in float64."""
    ours = getattr(gg.tensor([0.1, 0.3]), op)(other(gg))
    theirs = getattr(torch.tensor([0.1, 0.3]), op)(other(torch))
    assert ours.tolist() == theirs.tolist()


def test_integer_tensor_compared_with_a_float_uses_the_default_float():
    big = 16777217                          # not representable in float32
    assert (gg.tensor([big]) == gg.tensor(16777216.0)).tolist() == \
        (torch.tensor([big]) == torch.tensor(16777216.0)).tolist()
    assert (gg.tensor([big]) == 16777216.0).tolist() == \
        (torch.tensor([big]) == 16777216.0).tolist()
    assert (gg.tensor([True]) == 1).tolist() == [True]
