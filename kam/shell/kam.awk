# kam's shell completion, shared by the bash, zsh and fish scripts `kam completion`
# prints. No Python runs on a Tab: the command line's shape comes from the Typer app
# (_KAM_SPEC, written into the script when it was generated) and customer codes and
# tags from the word file kam rewrites on every change (kam.words beside kam.json).
#
# In: _KAM_SPEC (the spec), _KAM_LINE (the words after `kam` before the one being
# completed, joined by \037), _KAM_CUR (that word). Out: a candidate a line, as
# "value<TAB>description", or the line "\001files" when a file name is wanted.
# A spec line is one of (fields split by tabs):
#   c NAME HELP             a command (or a group)
#   s GROUP NAME HELP       a command of a group
#   o PATH OPTION KIND      an option of a command ("" for the global ones)
#   a PATH INDEX KIND VAR   the INDEXth argument of a command; VAR 1: it takes many
#   d DB                    the database when neither --db nor KAM_DB says
# KIND: flag, text, code, tag, owner, path, or choice:A,B,C.

function kind_of(path, name) {
    if ((path SUBSEP name) in opt) return opt[path SUBSEP name]
    if (("" SUBSEP name) in opt) return opt["" SUBSEP name]
    return ""
}

function starts(s, p) {
    return tolower(substr(s, 1, length(p))) == tolower(p)
}

function words_file(db,    base, at, dot) {
    if (db == "") db = ENVIRON["KAM_DB"]
    if (db == "") db = defdb
    if (substr(db, 1, 2) == "~/") db = ENVIRON["HOME"] substr(db, 2)
    at = 0
    for (i = length(db); i > 0; i--) if (substr(db, i, 1) == "/") { at = i; break }
    base = substr(db, at + 1)
    dot = 0
    for (i = length(base); i > 1; i--) if (substr(base, i, 1) == ".") { dot = i; break }
    if (dot > 0) base = substr(base, 1, dot - 1)
    return substr(db, 1, at) base ".words"
}

function complete(kind, prefix, cur,    file, line, f, n, i, choices) {
    if (kind == "path") { print "\001files"; return }
    if (kind ~ /^choice:/) {
        n = split(substr(kind, 8), choices, ",")
        for (i = 1; i <= n; i++) if (starts(choices[i], cur)) print prefix choices[i] "\t"
        return
    }
    if (kind != "code" && kind != "tag" && kind != "owner") return
    file = words_file(db)
    while ((getline line < file) > 0) {
        split(line, f, "\t")
        if (f[1] == substr(kind, 1, 1) && starts(f[2], cur)) print prefix f[2] "\t" f[3]
    }
    close(file)
}

BEGIN {
    n = split(ENVIRON["_KAM_SPEC"], lines, "\n")
    for (i = 1; i <= n; i++) {
        split(lines[i], f, "\t")
        if (f[1] == "c") { ncmd++; cmd[ncmd] = f[2]; help[f[2]] = f[3]; known[f[2]] = 1 }
        else if (f[1] == "s") {
            group[f[2]] = 1; nsub[f[2]]++; sub_[f[2], nsub[f[2]]] = f[3]
            help[f[2] " " f[3]] = f[4]; known[f[2] " " f[3]] = 1
        }
        else if (f[1] == "o") { nopt[f[2]]++; opts[f[2], nopt[f[2]]] = f[3]; opt[f[2] SUBSEP f[3]] = f[4] }
        else if (f[1] == "a") { arg[f[2] SUBSEP f[3]] = f[4]; if (f[5] == "1") many[f[2]] = f[3] }
        else if (f[1] == "d") defdb = f[2]
    }
    nw = ENVIRON["_KAM_LINE"] == "" ? 0 : split(ENVIRON["_KAM_LINE"], w, "\037")
    cur = ENVIRON["_KAM_CUR"]
    path = ""; grouped = 0; pos = 0; want = ""; wanted = ""; db = ""; plain = 0
    for (i = 1; i <= nw; i++) {
        x = w[i]
        if (want != "") {
            if (x == "=") continue  # bash splits --tag=x at the =
            if (wanted == "--db") db = x
            want = ""; continue
        }
        if (!plain && x == "--") { plain = 1; continue }
        if (!plain && substr(x, 1, 1) == "-") {
            eq = index(x, "=")
            if (eq) { if (substr(x, 1, eq - 1) == "--db") db = substr(x, eq + 1); continue }
            k = kind_of(path, x)
            if (k != "" && k != "flag") { want = k; wanted = x }
            continue
        }
        if (path == "") { path = (x in known) ? x : "?"; continue }
        if ((path in group) && !grouped) {
            path = ((path " " x) in known) ? path " " x : "?"; grouped = 1; continue
        }
        pos++
    }
    if (path == "?") exit
    if (want != "") { complete(want, "", cur == "=" ? "" : cur); exit }
    if (!plain && substr(cur, 1, 1) == "-") {
        eq = index(cur, "=")
        if (eq) { complete(kind_of(path, substr(cur, 1, eq - 1)), substr(cur, 1, eq), substr(cur, eq + 1)); exit }
        if (path != "")
            for (j = 1; j <= nopt[path]; j++) if (starts(opts[path, j], cur)) print opts[path, j] "\t"
        for (j = 1; j <= nopt[""]; j++) if (starts(opts["", j], cur)) print opts["", j] "\t"
        exit
    }
    if (path == "") {
        for (j = 1; j <= ncmd; j++) if (starts(cmd[j], cur)) print cmd[j] "\t" help[cmd[j]]
        exit
    }
    if ((path in group) && !grouped) {
        for (j = 1; j <= nsub[path]; j++)
            if (starts(sub_[path, j], cur)) print sub_[path, j] "\t" help[path " " sub_[path, j]]
        exit
    }
    k = arg[path SUBSEP (pos + 1)]
    if (k == "" && (path in many) && pos + 1 > many[path]) k = arg[path SUBSEP many[path]]
    if (k != "") complete(k, "", cur)
}
