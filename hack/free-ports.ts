// Ports for `make run` on a busy machine. For each NAME=PORT it prints `export NAME=<port>`: the
// preferred port when nothing listens on it, else one the kernel picks, with a note on stderr. A
// port the person chose themselves (NAME=PORT!) is kept, or it is an error naming the variable.
// Usage: eval "$(node hack/free-ports.ts APPROVAL_METRICS_PORT=8080 APPROVAL_HEALTH_PORT=8081! …)"
import { createServer } from 'node:net';

/** Whether a listener on every interface could take `port` now (the operator listens on ::). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function anyFreePort(taken: Set<number>): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (taken.has(port) ? anyFreePort(taken).then(resolve, reject) : resolve(port)));
    });
  });
}

async function main(): Promise<number> {
  const chosen = new Set<number>();
  const lines: string[] = [];
  for (const argument of process.argv.slice(2)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(\d+)(!?)$/.exec(argument);
    if (!match) {
      console.error(`free-ports: expected NAME=PORT or NAME=PORT!, got ${JSON.stringify(argument)}`);
      return 2;
    }
    const [, name = '', text = '', explicit] = match;
    const preferred = Number(text);
    if ((preferred === 0 || !chosen.has(preferred)) && (preferred === 0 || (await isFree(preferred)))) {
      chosen.add(preferred);
      lines.push(`export ${name}=${preferred}`);
      continue;
    }
    if (explicit) {
      console.error(`port ${preferred} is already in use; choose another with ${name}=<port>`);
      return 1;
    }
    const port = await anyFreePort(chosen);
    chosen.add(port);
    console.error(`port ${preferred} is in use: ${name}=${port} (set ${name} to choose)`);
    lines.push(`export ${name}=${port}`);
  }
  console.log(lines.join('\n'));
  return 0;
}

process.exitCode = await main();
