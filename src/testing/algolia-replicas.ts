import { HttpError } from './algolia-http.js';
import { MemoryIndex } from './algolia-index.js';

// Replicas as Algolia keeps them: an index's `replicas` setting names indices (`virtual(name)` for a virtual one)
// that hold the primary's records, sorted by their own settings. The local server shares the primary's records with
// them instead of copying, so they are in sync at once (Algolia's tasks are published at once here too).

const VIRTUAL = /^virtual\((.+)\)$/;

/** The replica names of a `replicas` setting, without `virtual(...)`. @throws {HttpError} 400 when it is not a list of names. */
function replicaNames(setting: unknown): string[] {
  if (!Array.isArray(setting) || setting.some((name) => typeof name !== 'string' || name.trim() === '')) {
    throw new HttpError(400, 'replicas must be a list of index names');
  }
  return setting.map((name: string) => name.trim().replace(VIRTUAL, '$1'));
}

function replicasOf(indices: Map<string, MemoryIndex>, primary: MemoryIndex): MemoryIndex[] {
  return [...indices.values()].filter((index) => index.primary === primary);
}

/**
 * Applies settings to `name` (created when missing) the way Algolia does with replicas: a `replicas` list creates the
 * missing replicas with the primary's settings and links them (an index no longer listed is detached and keeps its
 * records); with `forwardToReplicas`, the other settings go to the linked replicas too. `primary` is not settable.
 * @throws {HttpError} 400 when a replica is given replicas, an index is listed as its own replica, or a listed index
 * has replicas of its own or follows another primary.
 */
export function applySettings(
  indices: Map<string, MemoryIndex>,
  name: string,
  settings: Record<string, unknown>,
  forwardToReplicas: boolean,
): MemoryIndex {
  const { replicas, primary: _primary, ...rest } = settings;
  let index = indices.get(name);
  if (!index) indices.set(name, (index = new MemoryIndex(name)));
  const wanted = replicas === undefined ? undefined : replicaNames(replicas);
  if (wanted) checkReplicas(indices, index, wanted);
  index.setSettings(wanted ? { ...rest, replicas } : rest);
  if (forwardToReplicas) for (const replica of replicasOf(indices, index)) replica.setSettings(rest);
  if (!wanted) return index;
  for (const replica of replicasOf(indices, index)) if (!wanted.includes(replica.name)) replica.unfollow();
  for (const replicaName of wanted) {
    let replica = indices.get(replicaName);
    if (replica?.primary === index) continue;
    if (!replica) {
      indices.set(replicaName, (replica = new MemoryIndex(replicaName)));
      const { replicas: _replicas, ...inherited } = index.settings;
      replica.setSettings(inherited);
    }
    replica.follow(index);
  }
  return index;
}

function checkReplicas(indices: Map<string, MemoryIndex>, index: MemoryIndex, wanted: readonly string[]): void {
  if (index.primary && wanted.length > 0) throw new HttpError(400, `${index.name} is a replica: a replica cannot have replicas`);
  for (const replicaName of wanted) {
    if (replicaName === index.name) throw new HttpError(400, `${index.name} cannot be a replica of itself`);
    const replica = indices.get(replicaName);
    if (!replica) continue;
    if (replica.primary && replica.primary !== index) throw new HttpError(400, `${replicaName} is already a replica of ${replica.primary.name}`);
    if (replicasOf(indices, replica).length > 0) throw new HttpError(400, `${replicaName} has replicas: it cannot be a replica`);
  }
}

/**
 * Deletes an index. Its replicas become regular indices with a copy of the records.
 * @throws {HttpError} 400 for a replica still listed by its primary: unlink it first, as Algolia requires.
 */
export function deleteIndex(indices: Map<string, MemoryIndex>, name: string): void {
  const index = indices.get(name);
  if (!index) return;
  if (index.primary) throw new HttpError(400, `${name} is a replica of ${index.primary.name}: remove it from the primary's replicas first`);
  for (const replica of replicasOf(indices, index)) replica.unfollow();
  indices.delete(name);
}
