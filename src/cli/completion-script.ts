// `kubectl approval completion bash|zsh`: the scripts that make the shell complete
// `kubectl-approval …`. Each asks the plugin itself (`kubectl-approval __complete WORDS…`), so the
// candidates come from completion.ts and the cluster, never from a list frozen in the script.
// `kubectl approval …` (through kubectl) is completed by kubectl's own completion script, which
// runs the `kubectl_complete-approval` executable shipped next to the plugin.
import type { Shell } from './args.ts';

const BASH = `# bash completion for kubectl-approval. Load it with:
#   source <(kubectl-approval completion bash)
# "kubectl approval <TAB>" is completed by kubectl's own completion ("source <(kubectl completion
# bash)") through the kubectl_complete-approval executable installed with the plugin.
_kubectl_approval() {
    local cur=\${COMP_WORDS[COMP_CWORD]}
    local line=\${COMP_LINE:0:COMP_POINT}
    # The words up to the cursor, split at blanks only (COMP_WORDS also splits at '=' and ':').
    local -a args
    read -r -a args <<< "$line"
    [[ $line =~ [[:space:]]$ ]] && args+=("")
    local out
    out=$("\${args[0]}" __complete "\${args[@]:1}" 2>/dev/null) || return 0
    local directive=\${out##*:}
    out=\${out%:*}
    # bash replaces only the part after the last '=' or ':'; drop what comes before it.
    local word=\${args[\${#args[@]}-1]}
    local prefix=\${word%"$cur"}
    local -a candidates=()
    local candidate
    while IFS= read -r candidate; do
        [[ -z $candidate ]] && continue
        candidate=\${candidate%%$'\\t'*}
        candidates+=("\${candidate#"$prefix"}")
    done <<< "$out"
    COMPREPLY=()
    if (( directive & 8 )); then
        # The candidates are file extensions.
        local ext
        compopt -o filenames 2>/dev/null
        for ext in "\${candidates[@]}"; do
            COMPREPLY+=($(compgen -f -X "!*.$ext" -- "$cur"))
        done
        COMPREPLY+=($(compgen -d -- "$cur"))
        return 0
    fi
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "\${candidates[*]}" -- "$cur"))
    if (( \${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -F _kubectl_approval kubectl-approval
`;

const ZSH = `#compdef kubectl-approval
# zsh completion for kubectl-approval. Load it with:
#   source <(kubectl-approval completion zsh)
# (or save it as _kubectl-approval in a directory of $fpath). "kubectl approval <TAB>" is
# completed by kubectl's own completion ("source <(kubectl completion zsh)") through the
# kubectl_complete-approval executable installed with the plugin.
_kubectl_approval() {
    local out directive line value description
    local -a lines candidates
    out=$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
    lines=("\${(@f)out}")
    directive=\${lines[-1]#:}
    lines=("\${(@)lines[1,-2]}")
    if (( directive & 8 )); then
        # The candidates are file extensions.
        _files -g "*.(\${(j:|:)lines})"
        return
    fi
    for line in "\${lines[@]}"; do
        [[ -z $line ]] && continue
        value=\${line%%$'\\t'*}
        description=\${line#*$'\\t'}
        [[ $description == "$line" ]] && description=""
        # _describe splits value and description at the first unescaped ':'.
        candidates+=("\${value//:/\\\\:}\${description:+:$description}")
    done
    if (( \${#candidates} > 0 )); then
        _describe -V 'kubectl-approval' candidates
    elif (( (directive & 4) == 0 )); then
        _files
    fi
}
if [ "$funcstack[1]" = "_kubectl-approval" ]; then
    _kubectl_approval "$@"
else
    compdef _kubectl_approval kubectl-approval
fi
`;

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? BASH : ZSH;
}
