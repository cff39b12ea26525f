/**
 * Stand-ins for `systemctl`, `docker` and `podman`, for the services batteries: CI machines have no
 * running systemd and no container engine, and stopping real services of the test machine would be
 * wrong anyway. Each keeps its units' or containers' state in files under $STANDIN and logs every
 * call to $STANDIN/calls.
 */
export const SYSTEMCTL = `#!/bin/sh
# systemctl stand-in: a unit is a file holding active or inactive.
echo "systemctl $*" >>"$STANDIN/calls"
verb=$1; shift
quiet=0
if [ "$1" = --quiet ]; then quiet=1; shift; fi
if [ "$1" = -- ]; then shift; fi
f="$STANDIN/units/$1"
case $verb in
  is-active)
    state=$(cat "$f" 2>/dev/null || echo inactive)
    [ "$quiet" = 1 ] || echo "$state"
    [ "$state" = active ] ;;
  stop)
    if [ -e "$f.fail-stop" ]; then echo "Job for $1 failed." >&2; exit 1; fi
    echo inactive >"$f" ;;
  start)
    if [ -e "$f.fail-start" ]; then echo "Job for $1 failed." >&2; exit 1; fi
    echo active >"$f" ;;
  *) exit 2 ;;
esac
`;

export const ENGINE = `#!/bin/sh
# docker/podman stand-in: a container is a file holding running or exited.
engine=$(basename "$0")
echo "$engine $*" >>"$STANDIN/calls"
verb=$1; shift
if [ "$verb" = inspect ]; then shift 2; fi
if [ "$1" = -- ]; then shift; fi
f="$STANDIN/containers/$engine/$1"
[ -f "$f" ] || { echo "Error: No such container: $1" >&2; exit 1; }
case $verb in
  inspect) if [ "$(cat "$f")" = running ]; then echo true; else echo false; fi ;;
  stop) echo exited >"$f"; echo "$1" ;;
  start)
    if [ -e "$f.fail-start" ]; then echo "Error: cannot start $1" >&2; exit 1; fi
    echo running >"$f"; echo "$1" ;;
esac
`;
