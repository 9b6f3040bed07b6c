"""The two network architectures every part of tfx-distill knows by name: the Trainer
builds them in Keras (`trainer/model.py`), the nfr Distiller trains its model pool with
the same networks in raw TensorFlow (`components/distiller/networks.py`).

- `seed_cnn`: the seed notebook's CNN; width 64 (the first convolution's filters),
  dropout 0.4.
- `kip_convnet`: the ConvNet KIP sets are distilled for; width 128, no dropout.
"""

ARCHITECTURES = ('seed_cnn', 'kip_convnet')
DEFAULT_ARCHITECTURE = 'seed_cnn'
DEFAULT_WIDTH = {'seed_cnn': 64, 'kip_convnet': 128}
DEFAULT_DROPOUT = {'seed_cnn': 0.4, 'kip_convnet': 0.0}
