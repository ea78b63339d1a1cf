"""glassgrad.nn: modules, layers, losses, initialization and utilities, on top of autograd.

Names, signatures, defaults and state_dict keys follow PyTorch, so a model written for
torch.nn builds here unchanged and weights move between the two through .safetensors files.
"""
from . import functional, init, utils
from .activation import (ELU, GELU, LeakyReLU, LogSoftmax, PReLU, ReLU, SELU, Sigmoid, SiLU,
                         Softmax, Softplus, Tanh)
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .linear import Identity, Linear, Maxout
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   MultiMarginLoss, NLLLoss, SmoothL1Loss)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm2d, LayerNorm
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d

# ----- attention, transformers, recurrent nets (issue 13) -----
from .attention import MultiheadAttention
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)

__all__ = [
    "functional", "init", "utils", "Module", "Parameter", "Sequential", "ModuleList",
    "ModuleDict", "Identity", "Linear", "Maxout", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten",
    "Dropout", "Embedding", "BatchNorm1d", "BatchNorm2d", "InstanceNorm2d", "LayerNorm",
    "GroupNorm", "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU", "SiLU", "Sigmoid", "Tanh",
    "Softplus", "Softmax", "LogSoftmax", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss",
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MultiMarginLoss",
]
__all__ += [
    "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerEncoderLayer",
    "TransformerDecoder", "TransformerDecoderLayer", "RNNBase", "RNN", "LSTM", "GRU",
    "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
]

# ----- convolution variants, pooling, padding, resampling, more activations, norms, dropouts,
# containers and losses ----------------------------------------------------------------------
from .activation import (CELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid,
                         Mish, ReLU6, RReLU, Softmax2d, Softmin, Softshrink, Softsign, Tanhshrink,
                         Threshold)
from .container import ParameterDict, ParameterList
from .conv import Conv1d, ConvTranspose1d, ConvTranspose2d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import AlphaDropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .embedding import EmbeddingBag
from .flatten import Unflatten
from .fold import Fold, Unfold
from .linear import Bilinear
from .loss import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, KLDivLoss,
                   MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
                   PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
                   TripletMarginWithDistanceLoss)
from .normalization import (BatchNorm3d, InstanceNorm1d, InstanceNorm3d, LocalResponseNorm,
                            RMSNorm)
from .padding import (CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d,
                      ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d,
                      ZeroPad1d, ZeroPad2d)
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d,
                      AdaptiveMaxPool2d, AvgPool1d, LPPool1d, LPPool2d, MaxPool1d,
                      MaxUnpool1d, MaxUnpool2d)
from .upsampling import (ChannelShuffle, PixelShuffle, PixelUnshuffle, Upsample,
                         UpsamplingBilinear2d, UpsamplingNearest2d)

__all__ += [
    "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid", "Mish",
    "ReLU6", "RReLU", "Softmin", "Softshrink", "Softsign", "Tanhshrink", "Threshold",
    "ParameterDict", "ParameterList", "Conv1d", "ConvTranspose1d", "ConvTranspose2d",
    "AlphaDropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout",
    "EmbeddingBag", "Unflatten", "Fold", "Unfold", "Bilinear", "CosineEmbeddingLoss", "GaussianNLLLoss",
    "HingeEmbeddingLoss", "KLDivLoss", "MarginRankingLoss", "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss", "PoissonNLLLoss", "SoftMarginLoss", "TripletMarginLoss",
    "TripletMarginWithDistanceLoss", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm3d",
    "LocalResponseNorm", "RMSNorm", "CircularPad1d", "CircularPad2d", "ConstantPad1d",
    "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
    "ReplicationPad2d", "ZeroPad1d", "ZeroPad2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AvgPool1d", "LPPool1d", "LPPool2d", "MaxPool1d",
    "MaxUnpool1d", "MaxUnpool2d", "PixelShuffle", "PixelUnshuffle", "Upsample",
    "UpsamplingBilinear2d", "UpsamplingNearest2d", "Softmax2d", "CosineSimilarity",
    "PairwiseDistance", "ChannelShuffle",
]
