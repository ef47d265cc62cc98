// A non-root SSH operator with sudo on a lab host, made only inside the host's own mount namespace.

export const OPERATOR = { name: 'vfleetop', uid: 4242, home: '/run/vfleetop' };

// Inside one host: private copies of the account files and sudoers.d with the operator added,
// bound over the machine's, and the lab's client key in the operator's authorized_keys.
// $1 user, $2 uid, $3 home, $4 sudoers rule.
export const ADD_OPERATOR_SCRIPT = `
set -eu
private=/run/vfleet-accounts
mkdir -p "$private/sudoers.d"
cp -p /etc/passwd /etc/shadow /etc/group "$private/"
cp -a /etc/sudoers.d/. "$private/sudoers.d/"
echo "$1:x:$2:$2:vfleet operator:$3:/bin/sh" >> "$private/passwd"
echo "$1:*:19000:0:99999:7:::" >> "$private/shadow"
echo "$1:x:$2:" >> "$private/group"
printf '%s\\n' "$4" > "$private/sudoers.d/$1"
chmod 0440 "$private/sudoers.d/$1"
for file in passwd shadow group; do mount --bind "$private/$file" "/etc/$file"; done
mount --bind "$private/sudoers.d" /etc/sudoers.d
mkdir -p "$3/.ssh"
cp /run/vfleet-lab/authorized_keys "$3/.ssh/authorized_keys"
chown -R "$2:$2" "$3"
chmod 0755 "$3"
chmod 0700 "$3/.ssh"
chmod 0600 "$3/.ssh/authorized_keys"
`;

// Inside one host: $1's sudoers rule becomes $2.
export const SET_RULE_SCRIPT = 'printf "%s\\n" "$2" > "/etc/sudoers.d/$1"';

/** argv running `command` in a lab host as the operator (its uid, gid and HOME, no other groups). */
export function asOperator(command: string, ...args: string[]): string[] {
  return ['setpriv', `--reuid=${OPERATOR.uid}`, `--regid=${OPERATOR.uid}`, '--clear-groups', '--', 'env', `HOME=${OPERATOR.home}`, `USER=${OPERATOR.name}`, 'sh', '-c', command, 'sh', ...args];
}
