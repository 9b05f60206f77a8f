#compdef kam
# kam completion for zsh: `kam completion zsh > ~/.zfunc/_kam` (again after upgrading
# kam). A Tab runs awk, not Python: customer codes and tags come from kam.words
# beside the database, which kam rewrites on every change.
_kam_spec=@SPEC@
_kam_awk=@AWK@
_kam() {
    local sep=$'\x1f' line out
    local -a values descs
    line=${(pj:$sep:)words[2,CURRENT-1]}
    out=$(_KAM_SPEC=$_kam_spec _KAM_LINE=$line _KAM_CUR=${words[CURRENT]} awk "$_kam_awk" 2>/dev/null)
    if [[ $out == $'\001files' ]]; then
        _files
        return
    fi
    for line in ${(f)out}; do
        values+=("${line%%$'\t'*}")
        if [[ -n ${line#*$'\t'} ]]; then
            descs+=("${line%%$'\t'*}  -- ${line#*$'\t'}")
        else
            descs+=("${line%%$'\t'*}")
        fi
    done
    (( ${#values} )) && compadd -U -l -d descs -a values
}
# Autoloaded from fpath on the first Tab, the file itself is that Tab's function: it
# completes now too (else the first Tab of every shell does nothing).
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _kam "$@"
else
    compdef _kam kam
fi
