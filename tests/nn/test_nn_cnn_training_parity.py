"""Training parity on two small CNNs, from identical weights (PyTorch's state_dict loaded
into ours): a DCGAN-shaped generator (ConvTranspose2d + BatchNorm2d + ReLU, Tanh output) and
a depthwise-separable (MobileNet-style) classifier. One training step each in float64:
the loss, every parameter gradient, the updated parameters and the BatchNorm running
statistics agree with PyTorch to 1e-10."""
from collections import OrderedDict

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn, optim
from glassgrad.nn import functional as F

torch = pytest.importorskip("torch")


def _dcgan_generator(lib, nz=8, ngf=4, nc=3):
    return lib.Sequential(
        lib.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), lib.BatchNorm2d(ngf * 4),
        lib.ReLU(True),
        lib.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), lib.BatchNorm2d(ngf * 2),
        lib.ReLU(True),
        lib.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), lib.BatchNorm2d(ngf),
        lib.ReLU(True),
        lib.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), lib.Tanh())


def _separable_cnn(lib, classes=5):
    def block(c_in, c_out, stride):
        return lib.Sequential(OrderedDict([
            ("dw", lib.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False)),
            ("dw_bn", lib.BatchNorm2d(c_in)), ("dw_act", lib.ReLU6()),
            ("pw", lib.Conv2d(c_in, c_out, 1, bias=False)),
            ("pw_bn", lib.BatchNorm2d(c_out)), ("pw_act", lib.Hardswish())]))

    return lib.Sequential(
        lib.Conv2d(3, 8, 3, 2, 1, bias=False), lib.BatchNorm2d(8), lib.ReLU6(),
        block(8, 16, 1), block(16, 24, 2),
        lib.Conv2d(24, 24, 3, padding=1, groups=2, padding_mode="reflect"),
        lib.AdaptiveAvgPool2d(1), lib.Flatten(), lib.Dropout(0.0), lib.Linear(24, classes))


def _copy_weights(ours, theirs):
    state = {k: ag.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in ours.state_dict().items():
        assert tuple(v.shape) == tuple(theirs.state_dict()[k].shape), k


def _compare_step(ours, theirs, loss_fn, tloss_fn, x, lr=0.1):
    opt = optim.SGD(ours.parameters(), lr=lr, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=lr, momentum=0.9)
    loss = loss_fn(ours(ag.tensor(x)))
    tloss = tloss_fn(theirs(torch.tensor(x)))
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    opt.zero_grad()
    topt.zero_grad()
    loss.backward()
    tloss.backward()
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), atol=1e-10,
                                   rtol=1e-10, err_msg=name)
    opt.step()
    topt.step()
    tstate = theirs.state_dict()
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v.numpy(), tstate[k].numpy(), atol=1e-10, rtol=1e-10,
                                   err_msg=k)


def test_dcgan_generator_training_step_matches_torch():
    torch.manual_seed(0)
    theirs = _dcgan_generator(torch.nn).double()
    ours = _dcgan_generator(nn).double()
    _copy_weights(ours, theirs)
    z = np.random.default_rng(0).standard_normal((4, 8, 1, 1))
    target = np.random.default_rng(1).uniform(-1, 1, (4, 3, 32, 32))
    _compare_step(ours, theirs, lambda y: F.mse_loss(y, ag.tensor(target)),
                  lambda y: torch.nn.functional.mse_loss(y, torch.tensor(target)), z)
    # eval mode (running statistics) after the step
    ours.eval()
    theirs.eval()
    out = ours(ag.tensor(z))
    assert out.shape == (4, 3, 32, 32)
    np.testing.assert_allclose(out.numpy(), theirs(torch.tensor(z)).detach().numpy(), atol=1e-10)


def test_depthwise_separable_cnn_training_step_matches_torch():
    torch.manual_seed(1)
    theirs = _separable_cnn(torch.nn).double()
    ours = _separable_cnn(nn).double()
    _copy_weights(ours, theirs)
    x = np.random.default_rng(2).standard_normal((6, 3, 16, 16))
    labels = np.array([0, 4, 2, 1, 3, 0])
    _compare_step(ours, theirs,
                  lambda y: F.cross_entropy(y, ag.tensor(labels), label_smoothing=0.1),
                  lambda y: torch.nn.functional.cross_entropy(y, torch.tensor(labels),
                                                              label_smoothing=0.1), x)
