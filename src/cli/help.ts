// The usage text of `kubectl approval` and of each of its commands.
import type { Command } from './args.ts';

const CONNECTION_FLAGS = `Connection flags (as for kubectl):
  -n, --namespace NS      namespace of the object (default: the context's namespace, else "default")
      --kubeconfig PATH   kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME      kubeconfig context to use
      --as USER           act as another user (impersonation)
      --as-group GROUP    act as a member of GROUP (repeatable; needs --as)
  -h, --help              show this help`;

const ROOT = `kubectl approval - decide approval requests and manage the resulting approvals
(approval.cp.ei.telekom.de: ApprovalRequest "ar", Approval "apv")

Usage:
  kubectl approval COMMAND [NAME] [flags]

Commands:
  list        List approval requests (approvals with --approval)
  describe    Show requester, reason, stages, votes and the transitions allowed next
  approve     Vote to approve (Allow)
  reject      Vote to reject (Deny)
  suspend     Suspend a granted Approval
  resume      Resume a suspended Approval
  preview     Show the policy, strategy, stages and deciders a request would get
  completion  Print the shell completion script (bash, zsh)

NAME is an ApprovalRequest by default; write apv/NAME (or approval/NAME, or pass --approval)
for an Approval, and ar/NAME to be explicit about a request. Your vote is recorded under the
user name the API server knows you by; the server decides whether it counts.

Examples:
  # What is waiting for me (requests I filed, or that my teams decide)?
  kubectl approval list --pending --mine -A

  # Read a request before deciding it
  kubectl approval describe orders-read -n shop

  # Approve it with a comment
  kubectl approval approve orders-read -n shop -m "fine for read access"

  # Suspend the grant (the Approval) for a while, then resume it
  kubectl approval suspend apv/apisubscription--shop-frontend--orders-read -n shop -m "incident 4711"
  kubectl approval resume apv/apisubscription--shop-frontend--orders-read -n shop

  # What would happen to a request before filing it
  kubectl approval preview -f request.yaml --dry-run=server

${CONNECTION_FLAGS}

Use "kubectl approval COMMAND --help" for more about a command.`;

const VOTE_FLAGS = `  -m, --message TEXT      comment stored with your vote
      --dry-run=server    send the vote for the API server and the admission webhooks to evaluate,
                          and show the state they computed; nothing is stored
  -o, --output FORMAT     json|yaml: print the object as the server returned it`;

const VOTE_NOTES = `The decision is appended to spec.decisions with a JSON patch guarded by the object's
resourceVersion (re-read and retried on a conflict); the API server stamps the time and derives
the state. The command exits 1 when the action is not available from the current state or the
server refuses the vote, and prints why.`;

const COMMAND_HELP: Record<Command, string> = {
  list: `List approval requests, or approvals with --approval.

Usage:
  kubectl approval list [ar|apv] [--pending] [--mine] [-A] [-o json|yaml|wide|name] [flags]

Flags:
      --pending           only requests still open (state Pending or Semigranted)
      --mine              only those you filed (requested-by annotation) or that one of your
                          teams decides (you are in group "team:<decider team>"; set
                          APPROVAL_TEAM_GROUP_PREFIX if the operator uses another prefix)
  -A, --all-namespaces    list across all namespaces
      --approval          list Approvals (the grants) instead of ApprovalRequests
  -o, --output FORMAT     json|yaml (a v1 List, as kubectl prints it), name, or wide (adds
                          ACTION, TARGET, POLICY, VOTES)

Examples:
  # Open requests in the current namespace
  kubectl approval list --pending

  # Everything I filed or have to decide, in every namespace
  kubectl approval list --mine -A

  # The grants in namespace shop, with their expiry
  kubectl approval list --approval -n shop

  # Names only, for scripts
  kubectl approval list --pending -o name

${CONNECTION_FLAGS}`,

  describe: `Show one request or approval: requester (team, e-mail, reason), decider, target, action,
strategy (and the effective one a policy chose), stage progress, votes, the transitions
allowed next, conditions and the linked Approval.

Usage:
  kubectl approval describe NAME [-o json|yaml] [flags]

Flags:
      --approval          NAME is an Approval (same as apv/NAME)
  -o, --output FORMAT     json|yaml: the object itself instead of the description

Examples:
  kubectl approval describe orders-read -n shop
  kubectl approval describe apv/apisubscription--shop-frontend--orders-read -n shop

${CONNECTION_FLAGS}`,

  approve: `Vote to approve a request (Allow), or to grant an Approval again.

Usage:
  kubectl approval approve NAME [-m COMMENT] [--dry-run=server] [flags]

Flags:
${VOTE_FLAGS}
      --approval          NAME is an Approval (same as apv/NAME)

Examples:
  kubectl approval approve orders-read -n shop -m "fine for read access"
  kubectl approval approve ar/orders-read --context prod

  # What would my vote do? (the webhook computes the state; nothing is stored)
  kubectl approval approve orders-write -n shop --dry-run=server

${VOTE_NOTES}

${CONNECTION_FLAGS}`,

  reject: `Vote to reject a request (Deny), or to revoke an Approval.

Usage:
  kubectl approval reject NAME [-m COMMENT] [--dry-run=server] [flags]

Flags:
${VOTE_FLAGS}
      --approval          NAME is an Approval (same as apv/NAME)

Examples:
  kubectl approval reject orders-write -n shop -m "write access needs a data-protection review"
  kubectl approval reject apv/apisubscription--shop-frontend--orders-read -n shop -m "contract ended"

${VOTE_NOTES}

${CONNECTION_FLAGS}`,

  suspend: `Suspend a granted Approval (requests cannot be suspended).

Usage:
  kubectl approval suspend apv/NAME [-m COMMENT] [--dry-run=server] [flags]

Flags:
${VOTE_FLAGS}
      --approval          NAME is an Approval (same as apv/NAME)

Examples:
  kubectl approval suspend apv/apisubscription--shop-frontend--orders-read -n shop -m "incident 4711"
  kubectl approval suspend --approval apisubscription--shop-frontend--orders-read -n shop

${VOTE_NOTES}

${CONNECTION_FLAGS}`,

  resume: `Resume a suspended Approval (it becomes Granted again).

Usage:
  kubectl approval resume apv/NAME [-m COMMENT] [--dry-run=server] [flags]

Flags:
${VOTE_FLAGS}
      --approval          NAME is an Approval (same as apv/NAME)

Examples:
  kubectl approval resume apv/apisubscription--shop-frontend--orders-read -n shop -m "incident closed"

${VOTE_NOTES}

${CONNECTION_FLAGS}`,

  preview: `Show what the operator would make of an ApprovalRequest, without creating it: the policy
that governs it (of those you may list), the effective strategy, the stages in order with their
approvers, whether it is granted (Auto, a trusted team) or rejected before anyone votes, the
timeout, and who may decide. ApprovalPolicies in the same file count as if they existed.

Usage:
  kubectl approval preview -f FILE [--dry-run=server] [-o json|yaml] [flags]

Flags:
  -f, --filename FILE     the manifest (YAML or JSON, several documents allowed; - reads stdin)
      --dry-run=server    also let the API server and the admission webhooks check the creation
                          (who may file it, autoapprove, the schema); nothing is created, and
                          the command exits 1 when they refuse it
  -o, --output FORMAT     json|yaml: the preview as data

Examples:
  kubectl approval preview -f config/samples/scenario-10-multistage.yaml
  kubectl approval preview -f request.yaml -n shop --dry-run=server --as carol --as-group team:shop

${CONNECTION_FLAGS}`,

  completion: `Print the shell completion script of kubectl-approval.

Usage:
  kubectl approval completion bash|zsh

Examples:
  # bash (needs the bash-completion package for kubectl's own completion)
  source <(kubectl-approval completion bash)

  # zsh (after compinit)
  source <(kubectl-approval completion zsh)

"kubectl approval <TAB>" is completed by kubectl's own completion script, which runs the
kubectl_complete-approval executable installed next to kubectl-approval.`,
};

export function usage(topic?: Command): string {
  return `${topic ? COMMAND_HELP[topic] : ROOT}\n`;
}
