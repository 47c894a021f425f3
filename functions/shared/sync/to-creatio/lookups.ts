import type { CaseStatusInfo, CreatioClient, LookupCollection } from '../../creatio';

/**
 * Lookup names resolved to GUIDs once per container and kept (lookups change rarely; a new container
 * picks up a change). A miss is remembered too, so an unmapped label costs one request, not one per event.
 */
export class LookupResolver {
  private readonly byName = new Map<string, Promise<string | undefined>>();

  constructor(private readonly creatio: () => CreatioClient) {}

  resolve(collection: LookupCollection, name: string): Promise<string | undefined> {
    const key = `${collection}\n${name.trim().toLowerCase()}`;
    let found = this.byName.get(key);
    if (!found) {
      found = this.creatio()
        .findLookupByName(collection, name.trim())
        .then((row) => row?.Id)
        .catch((error: unknown) => {
          this.byName.delete(key);
          throw error;
        });
      this.byName.set(key, found);
    }
    return found;
  }

  private statusTable: Promise<ReadonlyMap<string, CaseStatusInfo>> | undefined;

  /** A case status with its flags: from the status table when it was read, else one request (cached by the client). */
  async caseStatus(id: string): Promise<CaseStatusInfo | null> {
    const table = await this.caseStatuses().catch(() => undefined);
    return table?.get(id.toLowerCase()) ?? this.creatio().getCaseStatus(id);
  }

  /**
   * The whole CaseStatus table (a few rows), read once per container: a cold client reads it alongside the
   * case instead of after it, so a status check costs one round trip, not two. A failed read is not kept.
   */
  caseStatuses(): Promise<ReadonlyMap<string, CaseStatusInfo>> {
    if (!this.statusTable) {
      this.statusTable = Promise.resolve()
        .then(() => this.creatio().query('CaseStatus', { select: ['Id', 'Name', 'IsFinal', 'IsResolved', 'IsPaused'], top: 500 }))
        .then((page) => {
          const table = new Map<string, CaseStatusInfo>();
          for (const row of page.value) {
            if (typeof row.Id !== 'string') continue;
            const id = row.Id.toLowerCase();
            table.set(id, {
              id,
              name: typeof row.Name === 'string' ? row.Name : '',
              isFinal: row.IsFinal === true,
              isResolved: row.IsResolved === true,
              isPaused: row.IsPaused === true,
            });
          }
          return table;
        })
        .catch((error: unknown) => {
          this.statusTable = undefined;
          throw error;
        });
    }
    return this.statusTable;
  }
}
