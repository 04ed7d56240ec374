// Errors the plugin words itself (main.ts), in a file of their own so the entry point can tell them
// apart without loading the commands.

/** A vote the plugin will not send, with the reason to show. */
export class VoteRefused extends Error {}
