// Entry of the worker threads in generate.test.ts: registers tsx in this thread, then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./mask-worker.ts');
