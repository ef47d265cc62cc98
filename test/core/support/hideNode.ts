// Inside one lab host: /usr/bin seen through an overlay whose top layer hides node, as on a host
// where the nodejs package was never installed (only that host's mount namespace changes).
export const HIDE_NODE_SCRIPT = `
set -eu
layer=/run/vfleet-no-node
mkdir -p "$layer"
mknod "$layer/node" c 0 0
mount -t overlay overlay -o "lowerdir=$layer:/usr/bin" /usr/bin
`;
