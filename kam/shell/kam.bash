# kam completion for bash: `kam completion bash >> ~/.bashrc` (again after upgrading kam).
# A Tab runs awk, not Python: customer codes and tags come from kam.words beside
# the database, which kam rewrites on every change.
_kam_spec=@SPEC@
_kam_awk=@AWK@
_kam_complete() {
    local cur=${COMP_WORDS[COMP_CWORD]} line out
    line=$(printf '%s\037' "${COMP_WORDS[@]:1:COMP_CWORD-1}")
    line=${line%$'\037'}
    out=$(_KAM_SPEC=$_kam_spec _KAM_LINE=$line _KAM_CUR=$cur awk "$_kam_awk" 2>/dev/null)
    COMPREPLY=()
    if [[ $out == $'\001files' ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
    fi
    while IFS= read -r line; do
        [[ -n $line ]] && COMPREPLY+=("${line%%$'\t'*}")
    done <<< "$out"
}
complete -F _kam_complete kam
