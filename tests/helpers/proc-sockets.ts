// Counts the TCP connections a process tree holds to a port, from /proc (Linux): the sockets of every process in
// the tree (their fd links `socket:[inode]`) matched against the kernel's connection tables.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** `root` and all its descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name, in parentheses, may hold spaces: the fields that matter follow the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function socketInodes(pids: readonly number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // closed meanwhile
      }
    }
  }
  return inodes;
}

/** One ESTABLISHED TCP connection owned by the tree: local and remote ports. */
export interface TreeConnection {
  readonly localPort: number;
  readonly remotePort: number;
}

/** The ESTABLISHED TCP connections (IPv4 and IPv6) that processes of `root`'s tree hold to `remotePort`. */
export function connectionsTo(root: number, remotePort: number): TreeConnection[] {
  const inodes = socketInodes(processTree(root));
  const found: TreeConnection[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const [, local, remote, state, , , , , , inode] = line.trim().split(/\s+/);
      // State 01 = ESTABLISHED; addresses are HEXIP:HEXPORT.
      if (state !== '01' || !inode || !inodes.has(inode)) continue;
      const port = (address: string) => parseInt(address.split(':')[1]!, 16);
      if (port(remote!) === remotePort) found.push({ localPort: port(local!), remotePort });
    }
  }
  return found;
}
