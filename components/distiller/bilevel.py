"""Bi-level dataset distillation with multinomial logistic regression and implicit
differentiation (the jaxopt "dataset distillation" notebook) in plain TensorFlow.

Inner problem, on the distilled images theta (n, p) with one-hot labels Y_s:

    W*(theta) = argmin_W  L(W, theta) = mean_i CE(Y_s[i], theta_i W) + l2reg/2 ||W||^2

(W is (p, k); strongly convex, solved by Nesterov's accelerated gradient to a gradient
tolerance). Outer problem, on real images X_t with labels Y_t:

    F(theta) = mean_j CE(Y_t[j], X_t[j] W*(theta)).

Implicit function theorem: grad_W L(W*(theta), theta) = 0 for all theta, so

    dW*/dtheta = -H^{-1} d/dtheta grad_W L,    H = d^2 L / dW^2 at W*,
    dF/dtheta  = -d/dtheta < grad_W L(W*, theta), v >,   H v = grad_W F(W*),

with v found by conjugate gradient on Hessian-vector products (forward-mode derivative
of the gradient) and the last derivative taken by reverse mode with W* held fixed.
"""

import time
from typing import Callable, Tuple

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import baselines
from tfx_distill.components.distiller.adam import adam_update
from tfx_distill.components.distiller.batches import class_balanced_batch
from tfx_distill.components.distiller.distilled_set import (PIXEL_HIGH, PIXEL_LOW,
                                                            DistilledSet)
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.settings import LogregSettings
from tfx_distill.contracts.example_format import NUM_CLASSES, plain_label_vectors


def inner_loss(w: tf.Tensor, x: tf.Tensor, y: tf.Tensor, l2reg: float) -> tf.Tensor:
  """L(W, x) = mean softmax cross-entropy of x W against one-hot y + l2reg/2 ||W||^2."""
  ce = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=tf.matmul(x, w))
  return tf.reduce_mean(ce) + 0.5 * l2reg * tf.reduce_sum(w * w)


def inner_grad(w: tf.Tensor, x: tf.Tensor, y: tf.Tensor, l2reg: float) -> tf.Tensor:
  """grad_W L = x^T (softmax(x W) - y) / n + l2reg W (closed form)."""
  n = tf.cast(tf.shape(x)[0], x.dtype)
  residual = tf.nn.softmax(tf.matmul(x, w)) - y
  return tf.matmul(x, residual, transpose_a=True) / n + l2reg * w


def outer_loss(w: tf.Tensor, x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
  """F = mean softmax cross-entropy of x W against one-hot y."""
  return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y,
                                                                logits=tf.matmul(x, w)))


@tf.function(reduce_retracing=True)
def solve_inner(x: tf.Tensor, y: tf.Tensor, l2reg: tf.Tensor, w0: tf.Tensor,
                tol: tf.Tensor, max_iter: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
  """Minimises L(., x) from w0 by Nesterov's method for strongly convex functions, with
  the Lipschitz constant 0.5 * lambda_max(x x^T) / n + l2reg (the softmax Hessian is at
  most I/2); stops when max |grad| <= tol. Returns (W*, iterations)."""
  n = tf.cast(tf.shape(x)[0], x.dtype)
  lip = 0.5 * tf.reduce_max(tf.linalg.eigvalsh(tf.matmul(x, x, transpose_b=True))) / n
  lip = lip + l2reg
  momentum = (tf.sqrt(lip) - tf.sqrt(l2reg)) / (tf.sqrt(lip) + tf.sqrt(l2reg))

  def not_done(i, w, w_prev):
    return tf.logical_and(i < max_iter,
                          tf.reduce_max(tf.abs(inner_grad(w, x, y, l2reg))) > tol)

  def body(i, w, w_prev):
    look = w + momentum * (w - w_prev)
    return i + 1, look - inner_grad(look, x, y, l2reg) / lip, w

  i, w, _ = tf.while_loop(not_done, body, (tf.constant(0), w0, w0))
  return w, i


def hvp(w: tf.Tensor, x: tf.Tensor, y: tf.Tensor, l2reg: float, v: tf.Tensor) -> tf.Tensor:
  """H v: the forward-mode derivative of grad_W L in direction v."""
  with tf.autodiff.ForwardAccumulator(w, v) as acc:
    g = inner_grad(w, x, y, l2reg)
  return acc.jvp(g)


def conjugate_gradient(matvec: Callable[[tf.Tensor], tf.Tensor], b: tf.Tensor,
                       iterations: int, tol: float) -> tf.Tensor:
  """Solves A v = b for symmetric positive definite A given as matvec."""
  v = tf.zeros_like(b)
  r = b
  p = r
  rs = tf.reduce_sum(r * r)
  for _ in range(iterations):
    if float(tf.sqrt(rs)) <= tol:
      break
    ap = matvec(p)
    alpha = rs / tf.reduce_sum(p * ap)
    v = v + alpha * p
    r = r - alpha * ap
    rs_new = tf.reduce_sum(r * r)
    p = r + (rs_new / rs) * p
    rs = rs_new
  return v


def implicit_grad(x_s: tf.Tensor, y_s: tf.Tensor, w_star: tf.Tensor, x_t: tf.Tensor,
                  y_t: tf.Tensor, l2reg: float, cg_iterations: int = 200,
                  cg_tol: float = 1e-10) -> Tuple[tf.Tensor, tf.Tensor]:
  """(F(W*), dF/dtheta) at theta = x_s by the implicit function theorem."""
  with tf.GradientTape() as tape:
    tape.watch(w_star)
    loss = outer_loss(w_star, x_t, y_t)
  g_w = tape.gradient(loss, w_star)
  v = conjugate_gradient(lambda u: hvp(w_star, x_s, y_s, l2reg, u), g_w, cg_iterations,
                         cg_tol)
  with tf.GradientTape() as tape:
    tape.watch(x_s)
    inner = tf.reduce_sum(inner_grad(w_star, x_s, y_s, l2reg) * v)
  return loss, -tape.gradient(inner, x_s)


# The inner solve and the Hessian-inverse product: tolerances of the numerical method.
INNER_TOL = 1e-6
INNER_MAX_ITER = 5000
CG_ITERATIONS = 100
LOG_EVERY = 10


def run_logreg(job: Job, settings: LogregSettings, *,
               log_every: int = LOG_EVERY) -> DistilledSet:
  """The method logreg: distils the job's pool (in the standardised space) into
  `images_per_class` images per class: Adam on the support images with the implicit
  gradient of the outer loss on class-balanced target batches drawn from (seed, step).
  The labels stay plain (one-hot minus 1/10). job.progress(step, loss, acc) is called
  every `log_every` steps; no checkpoints."""
  pool_images, pool_classes = job.standardised(), job.labels
  images_per_class, progress = job.images_per_class, job.progress
  idx = baselines.random_per_class(pool_classes, images_per_class, settings.seed)
  images = np.asarray(pool_images[idx], np.float32)
  shape = images.shape
  classes = pool_classes[idx].astype(np.int64)
  y_s = tf.constant(np.eye(NUM_CLASSES)[classes], tf.float64)
  m = np.zeros_like(images)
  v = np.zeros_like(images)
  w = tf.zeros([int(np.prod(shape[1:])), NUM_CLASSES], tf.float64)
  l2reg = tf.constant(settings.l2reg, tf.float64)
  start = time.perf_counter()
  step = 0
  loss = acc = float('nan')
  for step in range(1, settings.steps + 1):
    rng = np.random.default_rng([settings.seed, step, 2])
    batch = class_balanced_batch(pool_classes, settings.target_batch, rng)
    x_t = tf.constant(pool_images[batch].reshape(len(batch), -1), tf.float64)
    y_t = tf.constant(np.eye(NUM_CLASSES)[pool_classes[batch]], tf.float64)
    x_s = tf.constant(images.reshape(len(images), -1), tf.float64)
    w, _ = solve_inner(x_s, y_s, l2reg, w, tf.constant(INNER_TOL, tf.float64),
                       tf.constant(INNER_MAX_ITER))
    loss_t, grad = implicit_grad(x_s, y_s, w, x_t, y_t, settings.l2reg, CG_ITERATIONS)
    loss = float(loss_t)
    acc = float(np.mean(np.argmax((x_t @ w).numpy(), axis=1) == pool_classes[batch]))
    images, m, v = adam_update(images, grad.numpy().reshape(shape), m, v, step,
                               settings.learning_rate)
    if progress is not None and (step % log_every == 0 or step == settings.steps):
      progress(step, loss, acc)
    if settings.time_budget_s and time.perf_counter() - start >= settings.time_budget_s:
      break
  if settings.clip != 'none':
    images = np.clip(images, PIXEL_LOW, PIXEL_HIGH)
  info = {'steps': float(step), 'final_loss': loss, 'final_target_acc': acc,
          'logreg_time_s': time.perf_counter() - start}
  return DistilledSet(images.astype(np.float32), plain_label_vectors(classes), classes, info)
