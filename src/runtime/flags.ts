// Command-line flags that can also come from the environment, for the operator and the console:
// a flag given on the command line wins, then its environment variable, then its default.

/** The environment variable of `flag` under `prefix`, e.g. APPROVAL_ + metrics-port → APPROVAL_METRICS_PORT. */
export const envName = (prefix: string, flag: string): string => `${prefix}${flag.replace(/-/g, '_').toUpperCase()}`;

/** Reads flags from parseArgs' `values`, falling back to `<prefix><FLAG>` for flags not on the command line. */
export function flagReader(argv: readonly string[], values: Record<string, unknown>, env: NodeJS.ProcessEnv, prefix: string): (flag: string) => string | undefined {
  const given = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]));
  return (flag) => {
    const fromEnv = env[envName(prefix, flag)];
    if (!given.has(flag) && fromEnv !== undefined) return fromEnv;
    return values[flag] as string | undefined;
  };
}
