"""Where the distiller computes. This machine has no GPU: the choice is checked on
device lists, and that every method's TensorFlow work (random features, pool features,
kernel matrices, the float64 ridge solve) asks for the chosen device is checked by
pretending a GPU is visible with soft placement off, in a subprocess (TensorFlow's
device configuration is per process): TensorFlow then refuses the placement instead of
falling back to the CPU. What could not run here: a distillation on a real GPU."""

import os
import subprocess
import sys

import numpy as np

from tfx_distill.components.distiller import devices
from tfx_distill.components.distiller.distill import distill
from tfx_distill.components.distiller.methods import DistillConfig

SMALL = DistillConfig().updated(steps=2, target_batch=50, num_networks=1, width=8)
PRETEND_GPU = """
import sys
import numpy as np
import tensorflow as tf
from tfx_distill.components.distiller import devices
from tfx_distill.components.distiller.distill import distill
from tfx_distill.components.distiller.methods import DistillConfig
tf.config.set_soft_device_placement(False)
devices.visible_gpus = lambda: ['/job:localhost/replica:0/task:0/device:GPU:0']
rng = np.random.default_rng(0)
labels = np.repeat(np.arange(10), 6)
images = rng.uniform(0, 1, (60, 28, 28)).astype(np.float32)
for method in sys.argv[1:]:
  try:
    distill(images, labels, method, 1, DistillConfig().updated(
        steps=2, target_batch=50, num_networks=1, width=8).settings(method))
  except tf.errors.InvalidArgumentError as error:
    print(method, str(error).splitlines()[0])
  else:
    print(method, 'ran without asking for the GPU')
"""


def test_the_first_gpu_when_there_is_one():
  assert devices.choose_device([]) == '/CPU:0'
  assert devices.choose_device(['/device:GPU:0', '/device:GPU:1']) == '/GPU:0'
  assert devices.distill_device() == '/CPU:0'  # this machine


def test_the_work_is_placed_on_the_chosen_device():
  methods = ['kip', 'herding', 'logreg']
  result = subprocess.run([sys.executable, '-c', PRETEND_GPU] + methods,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3'))
  assert result.returncode == 0, result.stderr[-2000:]
  lines = result.stdout.strip().splitlines()[-3:]
  refused = ("Could not satisfy device specification '/job:localhost/replica:0/task:0/"
             "device:GPU:0'")
  assert [line.split(' ', 1)[0] for line in lines] == methods
  for line in lines:
    assert line.split(' ', 1)[1].startswith(refused), line


def test_an_explicit_device_gives_the_same_set():
  rng = np.random.default_rng(1)
  labels = np.repeat(np.arange(10), 6)
  images = rng.uniform(0, 1, (60, 28, 28)).astype(np.float32)
  default = distill(images, labels, 'kip', 1, SMALL.kip)
  on_cpu = distill(images, labels, 'kip', 1, SMALL.kip, device='/CPU:0')
  np.testing.assert_array_equal(default.images, on_cpu.images)
  np.testing.assert_array_equal(default.labels, on_cpu.labels)
