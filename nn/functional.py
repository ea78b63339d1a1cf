"""nn.functional (import as F): every layer, activation and loss as a function.

Each function is a composition of autograd ops, so its gradient comes from the engine; none
writes a backward pass. Numerically delicate spots (softplus, BCE, cross-entropy at logits
of +-1e4) are written so that no branch computes an overflow whose gradient is later masked
away: `where` passes a zero gradient into the unused branch, and zero times an infinite
local derivative would still give NaN.

Deliberate difference from PyTorch: the elementwise losses (mse, l1, huber, smooth_l1, bce)
require target.shape == input.shape instead of broadcasting with a warning, since a
mismatch there is almost always a bug (e.g. (N, 1) predictions against (N,) targets).
"""
from ._functional_core import (avg_pool2d, batch_norm, binary_cross_entropy,
                               binary_cross_entropy_with_logits, cross_entropy, dropout, elu,
                               flatten, gelu, group_norm, huber_loss, instance_norm, l1_loss,
                               layer_norm, leaky_relu, linear, log_softmax, max_pool2d, maxout,
                               mse_loss, multi_margin_loss, nll_loss, one_hot, prelu, relu, selu,
                               sigmoid, silu, smooth_l1_loss, softmax, softplus, tanh)

from .functional_attention import scaled_dot_product_attention

# ----- convolution variants, pooling, padding, resampling, more activations, norms and
# losses: each group in its own module, re-exported here so that F.<name> finds them ------

from .functional_conv import (conv1d, conv2d, conv_transpose1d, conv_transpose2d,
                              fold, unfold)
from .functional_pad import (channel_shuffle, interpolate, pad, pixel_shuffle,
                             pixel_unshuffle, upsample, upsample_bilinear, upsample_nearest)
from .functional_pool import (adaptive_avg_pool1d, adaptive_avg_pool2d,
                              adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d, lp_pool1d,
                              lp_pool2d, max_pool1d, max_unpool1d, max_unpool2d)
from .functional_act import (celu, glu, hardshrink, hardsigmoid, hardswish,
                             hardtanh, logsigmoid, mish, relu6, rrelu, softmin, softshrink,
                             softsign, tanhshrink, threshold)
from .functional_norm import (alpha_dropout, dropout1d, dropout2d, dropout3d,
                              feature_alpha_dropout, local_response_norm, normalize, rms_norm)
from .functional_layers import bilinear, embedding, embedding_bag
from .functional_loss import (cosine_embedding_loss, cosine_similarity,
                              gaussian_nll_loss, hinge_embedding_loss, kl_div,
                              margin_ranking_loss, multilabel_margin_loss,
                              multilabel_soft_margin_loss, pairwise_distance, poisson_nll_loss,
                              soft_margin_loss, triplet_margin_loss,
                              triplet_margin_with_distance_loss)
