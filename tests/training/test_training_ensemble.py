import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim
from glassgrad.training.data import DataLoader, TensorDataset
from glassgrad.training.datasets import make_blobs
from glassgrad.training.ensemble import Ensemble, ParameterAverage, average_predictions
from glassgrad.training.fit import fit


def make_model(seed):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(90, centers=3, seed=0)


def test_average_of_member_probabilities(blobs):
    X, _ = blobs
    models = [make_model(s) for s in range(3)]
    probs = Ensemble(models)(X)
    with ag.no_grad():
        each = [softmax(m(ag.tensor(X)).numpy().astype(np.float64)) for m in models]
    np.testing.assert_allclose(probs.numpy(), np.mean(each, axis=0), rtol=1e-5)
    np.testing.assert_allclose(probs.numpy().sum(axis=1), 1.0, rtol=1e-5)
    weighted = average_predictions(models, X, weights=[2, 1, 1]).numpy()
    np.testing.assert_allclose(weighted, 0.5 * each[0] + 0.25 * each[1] + 0.25 * each[2],
                               rtol=1e-5)
    pred = Ensemble(models).predict(X)
    assert pred.dtype == np.int64
    np.testing.assert_array_equal(pred.numpy(), np.mean(each, axis=0).argmax(axis=1))


def test_members_run_in_eval_mode_and_keep_their_mode(blobs):
    X, _ = blobs
    model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    model.train()
    ens = Ensemble([model])
    np.testing.assert_array_equal(ens(X).numpy(), ens(X).numpy())     # dropout was off
    assert model.training


def test_probs_and_sigmoid_outputs(blobs):
    X, _ = blobs

    class Fixed(nn.Module):
        def __init__(self, value):
            super().__init__()
            self.value = value

        def forward(self, x):
            return ag.tensor(np.full((len(x), 2), self.value))

    probs = Ensemble([Fixed(0.2), Fixed(0.6)], output="probs")(X).numpy()
    np.testing.assert_allclose(probs, 0.4)
    ens = Ensemble([Fixed(0.0), Fixed(4.0)], output="sigmoid")
    np.testing.assert_allclose(ens(X).numpy(), (0.5 + 1 / (1 + np.exp(-4.0))) / 2)
    assert (ens.predict(X).numpy() == 1).all()
    with pytest.raises(ValueError, match="output"):
        Ensemble([Fixed(0.0)], output="scores")
    with pytest.raises(ValueError, match="weights"):
        Ensemble([Fixed(0.0)], weights=[-1.0])


def test_from_checkpoints_state_dicts_and_fit_checkpoints(blobs, tmp_path):
    X, y = blobs
    a, b = make_model(1), make_model(2)
    ag.save(a.state_dict(), tmp_path / "a.safetensors")
    loader = DataLoader(TensorDataset(X, y), batch_size=30)
    fit(b, nn.CrossEntropyLoss(), optim.Adam(b.parameters(), lr=1e-2), loader, loader,
        epochs=2, checkpoint_path=tmp_path / "b.safetensors", progress=False)
    ens = Ensemble.from_checkpoints(lambda: make_model(9),
                                    [tmp_path / "a.safetensors", tmp_path / "b.safetensors"])
    expected = Ensemble([a, b])(X).numpy()
    np.testing.assert_allclose(ens(X).numpy(), expected, rtol=1e-6)
    accs = ens.member_accuracies(X, y)
    assert len(accs) == 2 and 0 <= ens.accuracy(X, y) <= 1


def test_parameter_average_running_mean():
    model = nn.Linear(3, 2)
    avg = ParameterAverage(model, decay=None)
    seen = []
    with ag.no_grad():
        for k in range(4):
            model.weight.add_(1.0)
            seen.append(model.weight.numpy().copy())
            avg.update()
    np.testing.assert_allclose(avg.averaged.weight.numpy(), np.mean(seen, axis=0), rtol=1e-6)
    ema = ParameterAverage(model, decay=0.5)
    start = model.weight.numpy().copy()
    with ag.no_grad():
        ema.update()                              # first update copies (rate 1)
        model.weight.add_(2.0)
        ema.update()
    np.testing.assert_allclose(ema.averaged.weight.numpy(), start + 1.0, rtol=1e-6)
