// The baseline annotation of an Approval (ADR 0002): the state it starts from and how many of its
// decisions came with it from the request. Read by the evaluation, the builder and the grant order.

/** `<state>/<n>`, e.g. `Granted/2`. */
export function formatBaseline(state: string, decisionCount: number): string {
  return `${state}/${decisionCount}`;
}

export function parseBaseline(value: string | undefined): { state: string; count: number } | undefined {
  const match = value?.match(/^([A-Za-z]+)\/(\d+)$/);
  return match ? { state: match[1]!, count: Number(match[2]) } : undefined;
}
