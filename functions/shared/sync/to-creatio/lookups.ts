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

  caseStatus(id: string): Promise<CaseStatusInfo | null> {
    return this.creatio().getCaseStatus(id);
  }
}
