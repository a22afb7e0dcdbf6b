import * as tf from '@tensorflow/tfjs';

/**
 * An op with its own gradient, as `tf.customGrad` makes one, but with each input's gradient computed only when the
 * tape asks for it (tf.customGrad computes every input's gradient eagerly: the data gradient of a network's first
 * layer, whose input is an image, would run for nothing). This is the engine call tf.customGrad itself makes
 * (`runKernelFunc` with a forward and a backward function; tfjs 4.22 declares it private).
 *
 * `forward(save)` runs with the tape paused and returns the output; tensors passed to `save` come back to `backward`
 * as `saved` (kept only while a tape records). `backward(dy, saved)` returns, per input name, a function giving that
 * input's gradient; it runs inside the gradient computation's scope, so tensors it makes eagerly are freed with it.
 * @example
 * const y = customOp({ x }, (save) => { save([x]); return tf.square(x); }, (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(x, 2)) }));
 */
export function customOp<T extends tf.Tensor>(
  inputs: Record<string, tf.Tensor>,
  forward: (save: (tensors: tf.Tensor[]) => void) => T,
  backward: (dy: T, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>,
): T {
  const engine = tf.engine() as unknown as {
    runKernelFunc(params: {
      forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => T;
      backwardsFunc: (dy: T, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
      inputs: Record<string, tf.Tensor>;
    }): T;
  };
  if (typeof engine.runKernelFunc !== 'function') throw new Error('customOp: this tfjs engine has no runKernelFunc (tfjs 4.22 has)');
  return engine.runKernelFunc({ forwardFunc: (_, save) => forward(save), backwardsFunc: backward, inputs });
}

/**
 * Gradients that one kernel computes together (a filter gradient's kernel and bias), handed out one input at a time:
 * the first request runs `compute` and keeps all of its outputs; each request then takes its own as a fresh tensor of
 * the current scope (a clone: no copy, and no kept tensor left on the tape, where tidy would never free it). The tape
 * asks for an input's gradient inside a scope of its own, which would free the siblings, hence the keep; whatever is
 * not asked for by the end of the synchronous gradient computation (an input off the tape's path) is freed in a
 * microtask. Nothing runs when no request comes (the discriminator's weights during the generator's update).
 * @example const grads = shared(() => runFused('BgfillLeakyConv2DBackpropFilter', …)); return { w: grads(0), bias: grads(1) };
 */
export function shared(compute: () => tf.Tensor[]): (index: number) => () => tf.Tensor {
  let outputs: tf.Tensor[] | undefined;
  return (index) => () => {
    if (!outputs) {
      outputs = compute().map((t) => tf.keep(t));
      queueMicrotask(() => tf.dispose(outputs!));
    }
    return tf.clone(outputs[index]);
  };
}
