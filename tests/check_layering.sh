#!/bin/sh
# make check-layering: enforce the include boundaries of STYLE.md section 1.
#  - core/ never includes curses; tui/ never includes curl, cJSON or libapparmor;
#  - agent/ and sim/ never include curses;
#  - within core, curl only in http.c, cJSON only in json_*.c, libapparmor only in apparmor.c.
rc=0
inc() { grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" $1 2>/dev/null; }
v=$(inc "core/*.c core/*.h" 'n?curses(w)?[.]h|ncursesw?/|term[.]h|panel[.]h|menu[.]h|form[.]h')
[ -n "$v" ] && { echo "layering: core/ includes curses:"; echo "$v"; rc=1; }
v=$(inc "tui/*.c tui/*.h" 'curl/|cjson/|cJSON[.]h|sys/apparmor[.]h|aalogparse/')
[ -n "$v" ] && { echo "layering: tui/ includes curl, cJSON or libapparmor:"; echo "$v"; rc=1; }
v=$(inc "agent/*.c agent/*.h sim/*.c sim/*.h" 'n?curses(w)?[.]h|ncursesw?/')
[ -n "$v" ] && { echo "layering: agent/ or sim/ includes curses:"; echo "$v"; rc=1; }
for f in core/*.c core/*.h; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    case "$b" in http.c|http_priv.h) ;; *)
        v=$(inc "$f" 'curl/'); [ -n "$v" ] && { echo "layering: curl outside core/http.c: $f"; echo "$v"; rc=1; } ;;
    esac
    case "$b" in json_*.c|json_*_priv.h) ;; *)
        v=$(inc "$f" 'cjson/|cJSON[.]h'); [ -n "$v" ] && { echo "layering: cJSON outside core/json_*.c: $f"; echo "$v"; rc=1; } ;;
    esac
    case "$b" in apparmor.c|apparmor_priv.h) ;; *)
        v=$(inc "$f" 'sys/apparmor[.]h|aalogparse/'); [ -n "$v" ] && { echo "layering: libapparmor outside core/apparmor.c: $f"; echo "$v"; rc=1; } ;;
    esac
done
# No third-party header in a public core header.
v=$(inc "core/*.h" 'curl/|cjson/|cJSON[.]h|yaml[.]h|microhttpd[.]h|sys/apparmor[.]h')
[ -n "$v" ] && { echo "layering: third-party header in a public core header:"; echo "$v"; rc=1; }
[ $rc -eq 0 ] && echo "check-layering: ok"
exit $rc
