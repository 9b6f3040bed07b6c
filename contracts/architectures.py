"""The network architectures tfx-distill knows by name.

Distilled for and trained on (the Trainer builds them in Keras, `trainer/model.py`; the
nfr Distiller trains its model pool with the same networks in raw TensorFlow,
`components/distiller/networks.py`):

- `seed_cnn`: the seed notebook's CNN; width 64 (the first convolution's filters),
  dropout 0.4.
- `kip_convnet`: the ConvNet KIP sets are distilled for; width 128, no dropout.

Trained on only, to see whether a set made for one network trains another (the
transfer table, components/transfer; `--architectures`):

- `mlp`: two dense layers of 256 ReLU units (width: the first's units);
- `lenet5`: LeCun's LeNet-5, tanh and average pooling (width: the first convolution's
  6 filters);
- `cnn_bn`: a deeper CNN, 32-64-128 filters, batch normalisation and global average
  pooling (width: the first convolution's filters).
"""

ARCHITECTURES = ('seed_cnn', 'kip_convnet')  # what nfr distils for, and the Trainer trains
DEFAULT_ARCHITECTURE = 'seed_cnn'
TRANSFER_ARCHITECTURES = ('mlp', 'lenet5', 'cnn_bn')  # trained on only
ALL_ARCHITECTURES = ARCHITECTURES + TRANSFER_ARCHITECTURES
DEFAULT_WIDTH = {'seed_cnn': 64, 'kip_convnet': 128, 'mlp': 256, 'lenet5': 6, 'cnn_bn': 32}
DEFAULT_DROPOUT = {'seed_cnn': 0.4, 'kip_convnet': 0.0, 'mlp': 0.0, 'lenet5': 0.0,
                   'cnn_bn': 0.0}
