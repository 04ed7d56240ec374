// The custom RBAC verbs of the authorization model. Like CertificateSigningRequest approval (verb
// `approve` on `signers`), authority that Kubernetes has no built-in verb for is granted in RBAC
// and checked with a SubjectAccessReview, so platform teams manage it with the tools they know.

/** Decide any request or Approval of the resource in the namespace (besides team membership and policy lists). */
export const DECIDE = 'decide';
/** File or switch to an outcome that grants without a person's vote, and write the System decision. */
export const AUTOAPPROVE = 'autoapprove';
/** Record a decision in another person's name (a web front end); the actor is recorded. */
export const DELEGATE = 'delegate';
/** File requests for a team: verb `request` on the virtual resource `teams`, resourceNames = team names. */
export const REQUEST = 'request';
export const TEAMS_RESOURCE = 'teams';
