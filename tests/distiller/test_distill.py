"""The distill() dispatch for every method of the table, and determinism of the written
file."""

import numpy as np
import pytest

from tfx_distill.contracts import kip_format
from tfx_distill.components.distiller.distill import distill
from tfx_distill.components.distiller.methods import DistillConfig
from tfx_distill.components.distiller.settings import KipSettings
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.example_format import plain_label_vectors

# Every method's settings, as the flags --steps 3 --target-batch 50 --num-networks 1
# --seed 3 make them; nfr on 12 digits per class: 2 per class held out, a pool of 2
# networks, short fits.
SMALL = DistillConfig().updated(steps=3, target_batch=50, num_networks=1, seed=3, nfr={
    'holdout': 20, 'pool_models': 2, 'reset_every': 4, 'keep_best': 'fit',
    'eval_every': 2, 'eval_fit_steps': 2})


def _digits(per_class=12, seed=0):
  rng = np.random.default_rng(seed)
  labels = rng.permutation(np.repeat(np.arange(10), per_class))
  images = rng.uniform(0, 0.2, (len(labels), 28, 28)).astype(np.float32)
  images[np.arange(len(labels)), 3 + 2 * labels, 5:22] = 1.0
  return images, labels


@pytest.mark.parametrize('method', ['nfr', 'random', 'first', 'herding', 'kip', 'logreg'])
def test_every_method_returns_a_class_ordered_set_in_kip_format(method):
  images, labels = _digits()
  result = distill(images, labels, method, 2, SMALL.settings(method))
  assert result.images.shape == (20, 28, 28, 1) and result.images.dtype == np.float32
  assert result.labels.shape == (20, 10) and result.labels.dtype == np.float32
  np.testing.assert_array_equal(result.classes, np.repeat(np.arange(10), 2))
  assert np.all(np.isfinite(result.images)) and result.info['wall_time_s'] > 0
  if method not in ('nfr', 'kip'):
    np.testing.assert_allclose(result.labels, plain_label_vectors(result.classes))


def test_unknown_method_and_too_large_sets_are_refused():
  images, labels = _digits()
  with pytest.raises(ConfigError, match='method must be one of'):
    distill(images, labels, 'magic', 1)
  with pytest.raises(ConfigError, match='smallest class'):
    distill(images, labels, 'random', 13, SMALL.random)
  with pytest.raises(ConfigError, match='method random takes RandomSettings, got KipSettings'):
    distill(images, labels, 'random', 1, SMALL.kip)


def test_same_settings_give_a_byte_identical_file(tmp_path):
  images, labels = _digits()
  paths = []
  for name in ('a.npz', 'b.npz'):
    result = distill(images, labels, 'kip', 1, SMALL.kip)
    paths.append(tmp_path / name)
    kip_format.save(str(paths[-1]), result.images, result.labels)
  assert paths[0].read_bytes() == paths[1].read_bytes()
  other = distill(images, labels, 'kip', 1, KipSettings(steps=3, target_batch=50,
                                                        num_networks=1, seed=4))
  assert not np.array_equal(other.images, kip_format.load(str(paths[0])).images)
