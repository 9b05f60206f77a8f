# kam completion for fish: `kam completion fish > ~/.config/fish/completions/kam.fish`
# (again after upgrading kam). A Tab runs awk, not Python: customer codes and tags
# come from kam.words beside the database, which kam rewrites on every change.
set -g __kam_spec @SPEC@
set -g __kam_awk @AWK@
function __kam_complete
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l cur (commandline -ct)
    set -l line (string join \x1f -- $toks)
    set -l out (env _KAM_SPEC="$__kam_spec" _KAM_LINE="$line" _KAM_CUR="$cur" awk "$__kam_awk" 2>/dev/null)
    if test "$out" = \x01files
        __fish_complete_path "$cur"
        return
    end
    printf '%s\n' $out
end
complete -c kam -f -a '(__kam_complete)'
