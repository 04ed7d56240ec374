#!/usr/bin/env node
// The executable `kubectl-approval` (npm bin, bin/kubectl-approval). It only turns on Node's
// compile cache before loading the plugin: each call is a new process, and with the cache Node
// reuses the compiled code (and on Node 24 the stripped TypeScript) of earlier calls, which
// halves the start-up. Node 20 has no compile cache and simply compiles.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('./main.ts');
await main();
