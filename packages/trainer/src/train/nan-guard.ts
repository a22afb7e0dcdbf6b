import { BgfillError } from '@bgfill/core';

/** A loss went NaN or infinite: the run stops, keeping the last complete checkpoint. */
export class NonFiniteLossError extends BgfillError {
  readonly loss: string;
  readonly value: number;
  readonly step: number;
  constructor(loss: string, value: number, step: number) {
    super(`Loss "${loss}" is ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Infinity' : '-Infinity'} at step ${step}: training stopped`, {
      subject: loss,
    });
    this.loss = loss;
    this.value = value;
    this.step = step;
  }
}
