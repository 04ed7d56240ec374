#!/usr/bin/env node
// The executable `kubectl_complete-approval`: kubectl runs it (found on PATH) to complete
// `kubectl approval …`, passing the words after `approval`; it answers like
// `kubectl-approval __complete …`. See kubectl-approval.ts for the compile cache.
import module from 'node:module';

module.enableCompileCache?.();
const { COMPLETE_COMMAND, main } = await import('./main.ts');
await main([COMPLETE_COMMAND, ...process.argv.slice(2)]);
