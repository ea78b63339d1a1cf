"""Optimizers and learning-rate schedules, with PyTorch's update rules and state layout.

    from glassgrad import optim
    opt = optim.Adam(model.parameters(), lr=3e-4)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    for x, y in batches:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    sched.step()
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adagrad import Adagrad
from .rmsprop import RMSprop
from .adadelta import Adadelta
from .adam import Adam, AdamW, NAdam
from . import lr_scheduler
from .lbfgs import LBFGS
from . import swa_utils

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "NAdam",
           "lr_scheduler"]
__all__ += ["LBFGS", "swa_utils"]
